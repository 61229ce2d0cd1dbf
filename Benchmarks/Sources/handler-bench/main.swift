// handler-bench: what a signal handler's `LockCheck.hardirq { raw.withLock {} }`
// costs (issue 18), on a thread that has its state.
//
//   swift build -c release --package-path Benchmarks --product handler-bench
//   Benchmarks/.build/release/handler-bench [--rounds N (2000)]
//
// Prints the median per round, in nanoseconds, of:
//
//   plain handler        a SIGUSR1 handler that counts (no lockcheck): the
//                        signal's own cost
//   queued in handler    the same handler as `LockCheck.hardirq { raw.withLock {} }`:
//                        the scope recognised as a signal handler's (a libunwind
//                        walk), four events into the ring, each with its stack
//   validated after      the thread's next lock event, which validates the
//                        four queued events first (minus a lock event alone)
//   hardirq, no signal   the same scope outside any handler: recognised as not
//                        a handler's (a walk of at most 24 frames), validated at once
//
// Each signal is sent to the benchmark's own thread with pthread_kill, which
// runs the handler before it returns.
import BenchSupport
import Instrumented
#if canImport(Glibc)
import Glibc
#endif

let rounds = argument("--rounds", 2000)

let raw = RawSpinLock(name: "bench.handler.raw")
nonisolated(unsafe) var plainCount = 0
nonisolated(unsafe) var useLockCheck = false

func install() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in
        if useLockCheck {
            LockCheck.hardirq { raw.withLock {} }
        } else {
            plainCount &+= 1
        }
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(SIGUSR1, &action, nil)
}

func median(_ xs: [UInt64]) -> UInt64 { xs.sorted()[xs.count / 2] }

LockCheck.start()
install()
let next = CheckedMutex(name: "bench.handler.next")
LockCheck.hardirq { raw.withLock {} }     // chains and usage known before timing
next.withLock {}

var plain: [UInt64] = [], queued: [UInt64] = [], drained: [UInt64] = [], alone: [UInt64] = [], normal: [UInt64] = []
for _ in 0..<rounds {
    useLockCheck = false
    var t = now()
    pthread_kill(pthread_self(), SIGUSR1)
    plain.append(now() &- t)

    useLockCheck = true
    t = now()
    pthread_kill(pthread_self(), SIGUSR1)
    queued.append(now() &- t)

    t = now()
    next.withLock {}                      // validates the ring first
    drained.append(now() &- t)

    t = now()
    next.withLock {}
    alone.append(now() &- t)

    t = now()
    LockCheck.hardirq { raw.withLock {} }
    normal.append(now() &- t)
}
precondition(LockCheck.droppedHandlerEvents == 0, "no handler event may be dropped here")
print("rounds: \(rounds) (median ns per round)")
print("plain handler (signal only):      \(median(plain))")
print("queued in handler:                \(median(queued))  (+\(Int(median(queued)) - Int(median(plain))) over the plain handler)")
print("validated after (4 events):       \(Int(median(drained)) - Int(median(alone)))  (next lock event \(median(drained)), alone \(median(alone)))")
print("hardirq outside a handler:        \(median(normal))")
