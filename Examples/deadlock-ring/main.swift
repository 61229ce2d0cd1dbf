// deadlock-ring — what lockcheck reports here:
//
//   one deadlock of three threads: 'philosopher-0' waits for the Fork
//   'philosopher-1' holds, 'philosopher-1' for the one 'philosopher-2' holds,
//   and 'philosopher-2' for the one 'philosopher-0' holds; under
//   LOCKCHECK=trap the process then stops (non-zero) within a second.
//   No lock-order-inversion (one class, the right fork taken with subclass 1).
//   With --fixed: nothing, although four threads contend on every fork
//   for 20,000 meals each (each philosopher takes the lower-numbered fork
//   first), and philosopher-0 eats its first three meals slowly (300 ms
//   with both forks held), so its neighbours, and theirs, block for longer
//   than lockcheck's 200 ms slice in chains of waiters: a wait chain is not
//   a cycle, and contention alone is neither a deadlock nor a long wait.
//
// The dining philosophers: three threads, three forks, each philosopher takes
// its left fork, all meet at a barrier, then each takes its right fork, which
// its neighbour holds.
//
//   LOCKCHECK=trap swift run deadlock-ring            # the report, then exit 1
//   swift run deadlock-ring --fixed                   # busy, ordered: no report
import Dispatch
import Foundation
import Instrumented

let fixed = CommandLine.arguments.contains("--fixed")
let seats = fixed ? 4 : 3
let meals = fixed ? 20_000 : 1
let forks = (0..<seats).map { _ in CheckedMutex(name: "Fork") }
final class Counter: @unchecked Sendable { var meals = 0 }
let eaten = (0..<seats).map { _ in Counter() }

/// A reusable barrier for `seats` threads (the broken run meets once).
let arrived = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
func meet(_ seat: Int) {
    if seat == 0 {
        for _ in 1..<seats { arrived.wait() }
        for _ in 1..<seats { proceed.signal() }
    } else {
        arrived.signal()
        proceed.wait()
    }
}

func dine(_ seat: Int) {
    let left = seat, right = (seat + 1) % seats
    let (first, second) = fixed ? (min(left, right), max(left, right)) : (left, right)
    for _ in 0..<meals {
        forks[first].withLock {
            if !fixed { meet(seat) }
            forks[second].withLock(subclass: 1) {
                eaten[seat].meals += 1
                if fixed && seat == 0 && eaten[seat].meals <= 3 { usleep(300_000) }   // a slow meal
            }
        }
    }
}

let done = DispatchSemaphore(value: 0)
for seat in 0..<seats {
    Thread {
        LockCheck.setThreadName("philosopher-\(seat)")
        dine(seat)
        done.signal()
    }.start()
}
for _ in 0..<seats { done.wait() }
print("meals: \(eaten.map(\.meals).reduce(0, +))")
