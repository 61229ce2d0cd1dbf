// graph-growth-bench: the cost of a new dependency as an acyclic class graph
// grows (issue 19).
//
//   swift run -c release graph-growth-bench [classes] [dependencies] [window]
//                                           (defaults 2,000 200,000 1,000)
//
// One validator, one thread, `classes` mutex classes with a hidden random
// total order. Each step takes two classes a, b at random, a before b in the
// hidden order, whose dependency is not yet known, and runs lock(a) lock(b)
// unlock(b) unlock(a): one new dependency, never a cycle, so every step
// costs the proof that a -> b closes no cycle plus its bookkeeping. At each
// of the checkpoints (1 k, 10 k, 50 k, 100 k, 200 k dependencies) the next
// `window` new dependencies are timed and their mean printed; the
// dependencies are then added untimed up to the next checkpoint.
//
// Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall
// time. The stacks are off (no capture); validation is the engine's own
// (LockGraph, no Instrumented runtime). Prints one row per checkpoint and the
// ratio of the last to the first.
import Foundation
import LockGraph
#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
// `graph-growth-bench hub N`: FUZZING.md's hub shape instead (N classes, each
// first taken under a hub H, then the chain c0 -> c1 -> … learned back to
// front): every new dependency goes against the order. Prints the total time.
if args.count > 2 && args[1] == "hub" {
    hub(Int(args[2])!)
    exit(0)
}
// `graph-growth-bench irq N`: FUZZING.md's irq shape (one spinlock used in a
// hardirq handler, then N mutex classes nested pairwise in order): lockdep's
// irq-usage search runs backwards over the chain on every new dependency.
// Prints the total time.
if args.count > 2 && args[1] == "irq" {
    irq(Int(args[2])!)
    exit(0)
}
let classCount = args.count > 1 ? Int(args[1])! : 2_000
let target = args.count > 2 ? Int(args[2])! : 200_000
let window = args.count > 3 ? Int(args[3])! : 1_000
precondition(target + window <= classCount * (classCount - 1) / 2, "more dependencies than pairs")

/// The thread's CPU time: on a shared machine, a window of a millisecond
/// measured in wall time is at the mercy of one preemption.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// SplitMix64, seeded: the same graph every run.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Violations seen (there must be none: the graph stays acyclic).
final class ViolationCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Takes `locks[a]`, then `locks[b]`, and releases both: the dependency
/// a → b, with the next four `seq` values.
func nestOnce(_ validator: Validator, _ locks: [LockInstance], _ thread: ThreadState, _ a: Int, _ b: Int, _ seq: inout UInt64) {
    for (lock, acquire) in [(a, true), (b, true), (b, false), (a, false)] {
        seq += 1
        if acquire {
            validator.acquire(locks[lock], thread: thread, site: EventSite(seq: seq))
        } else {
            validator.release(locks[lock], thread: thread, site: EventSite(seq: seq))
        }
    }
}

func hub(_ n: Int) {
    let validator = Validator(onViolation: { _ in })
    let locks = (0...n).map { validator.makeLock(validator.lockClass(kind: .mutex, name: "c\($0)"), id: UInt64($0)) }
    let thread = validator.makeThread(name: "main", id: 1)
    var seq: UInt64 = 0
    func nest(_ a: Int, _ b: Int) { nestOnce(validator, locks, thread, a, b, &seq) }
    let start = now()
    for i in stride(from: n - 2, through: 0, by: -1) {
        nest(n, i)
        nest(i, i + 1)
    }
    print("hub \(n): \(String(format: "%.3f", now() - start)) s")
}

func irq(_ n: Int) {
    let validator = Validator(onViolation: { _ in })
    let x = validator.makeLock(validator.lockClass(kind: .spinlock, name: "X"), id: UInt64(n))
    let locks = (0..<n).map { validator.makeLock(validator.lockClass(kind: .mutex, name: "c\($0)"), id: UInt64($0)) }
    let thread = validator.makeThread(name: "main", id: 1)
    var seq: UInt64 = 0
    func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
    validator.irqsOff(thread: thread, site: site())
    validator.hardirqEnter(threaded: false, thread: thread, site: site())
    validator.acquire(x, thread: thread, site: site())
    validator.release(x, thread: thread, site: site())
    validator.hardirqExit(thread: thread, site: site())
    validator.irqsOn(thread: thread, site: site())
    let start = now()
    for i in 0..<(n - 1) {
        validator.acquire(locks[i], thread: thread, site: site())
        validator.acquire(locks[i + 1], thread: thread, site: site())
        validator.release(locks[i + 1], thread: thread, site: site())
        validator.release(locks[i], thread: thread, site: site())
    }
    print("irq \(n): \(String(format: "%.3f", now() - start)) s")
}

func run() {
    let violations = ViolationCount()
    let validator = Validator(onViolation: { _ in violations.add() })
    let classes = (0..<classCount).map { validator.lockClass(kind: .mutex, name: "C\($0)") }
    let locks = (0..<classCount).map { validator.makeLock(classes[$0], id: UInt64($0)) }
    let thread = validator.makeThread(name: "main", id: 1)
    var rng = Random(state: 19)
    var hidden = Array(0..<classCount)
    for i in stride(from: classCount - 1, to: 0, by: -1) { hidden.swapAt(i, rng.below(i + 1)) }
    var known = Set<Int>()
    var seq: UInt64 = 0

    /// Adds one new dependency (a, b), a before b in the hidden order.
    func addOne() {
        while true {
            var i = rng.below(classCount), j = rng.below(classCount)
            if i == j { continue }
            if i > j { swap(&i, &j) }
            let a = hidden[i], b = hidden[j]
            if !known.insert(a * classCount + b).inserted { continue }
            nestOnce(validator, locks, thread, a, b, &seq)
            return
        }
    }

    print("graph-growth-bench: \(classCount) classes, a new dependency timed over \(window) at each size")
    print("| dependencies | µs per new dependency |")
    print("|---|---|")
    var first: Double?
    var last = 0.0
    for checkpoint in [1_000, 10_000, 50_000, 100_000, 200_000] where checkpoint <= target {
        while known.count < checkpoint { addOne() }
        let start = now()
        for _ in 0..<window { addOne() }
        let perDependency = (now() - start) / Double(window) * 1e6
        first = first ?? perDependency
        last = perDependency
        print("| \(checkpoint) | \(String(format: "%.2f", perDependency)) |")
    }
    print("ratio largest / 1 k: \(String(format: "%.2f", last / (first ?? 1)))×; violations: \(violations.value) (must be 0)")
    if violations.value != 0 { exit(1) }
}

run()
