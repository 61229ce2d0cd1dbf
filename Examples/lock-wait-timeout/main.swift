// lock-wait-timeout — what lockcheck reports here:
//
//   with LOCKCHECK_WAIT_TIMEOUT=1: one lock-wait-timeout: 'reader' has waited
//   more than 1 s for Config.lock, held by 'loader', which is not waiting for
//   a lockcheck lock (it sleeps, standing in for slow I/O); with the
//   waiter's stack. No deadlock: the holder finishes after 3 s and the
//   program ends normally (exit 0) under LOCKCHECK=report.
//   With --fixed: nothing (the loader reads outside the lock and holds it
//   only to publish the result).
//
// A loader holds the configuration lock across a slow read; every reader of
// the configuration stalls behind it. Not a lock cycle, so no lock order or
// deadlock check sees it; the wait itself is the symptom.
//
//   LOCKCHECK_WAIT_TIMEOUT=1 swift run lock-wait-timeout
//   LOCKCHECK_WAIT_TIMEOUT=1 swift run lock-wait-timeout --fixed
import Dispatch
import Foundation
import Instrumented

final class Config: @unchecked Sendable {
    let lock = CheckedMutex(name: "Config.lock")
    var text = ""
}

let fixed = CommandLine.arguments.contains("--fixed")
let config = Config()
let holding = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)

/// Stands in for a slow read (disk, network): 3 s.
func slowRead() -> String {
    usleep(3_000_000)
    return "answer = 42"
}

Thread {
    LockCheck.setThreadName("loader")
    if fixed {
        let text = slowRead()
        holding.signal()
        config.lock.withLock { config.text = text }
    } else {
        config.lock.withLock {
            holding.signal()
            config.text = slowRead()   // the bug: slow work under the lock
        }
    }
    done.signal()
}.start()

Thread {
    LockCheck.setThreadName("reader")
    holding.wait()
    let text = config.lock.withLock { config.text }
    print(fixed ? "read early: \(text.isEmpty ? "(not loaded yet)" : text)" : "read: \(text)")
    done.signal()
}.start()
done.wait()
done.wait()
