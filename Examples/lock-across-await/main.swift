// lock-across-await — what lockcheck reports here:
//
//   one lock-held-across-suspension (Connection.lock: a task suspended in
//   `await network.send(...)` with its connection's lock held; reported at
//   that await, live on x86_64 Linux and by `lockcheck analyze` on the trace
//   recorded there (LOCKCHECK_TRACE=…), and otherwise when another task
//   takes a lock on the thread that still holds it, or when the task,
//   resumed on another thread, releases it there); nothing else.
//   With --fixed (the buffer is taken under the lock, the lock released,
//   and only then does the task await): nothing.
//
// Each connection guards its outgoing buffer with a lock and flushes it with
// manual lock() / unlock() around an await. The await suspends with the lock
// held, and the thread goes on to run other tasks. Any task that wants that
// lock now blocks a thread of the cooperative pool (as many as cores) while
// the task that would release it waits for a pool thread to resume on; and
// the unlock may run on another thread than the lock, which is undefined
// behaviour for a pthread mutex. This run gives every connection its own
// lock, so it finishes; lockcheck reports the lock held across the await.
// (More connections than pool threads are in flight at once, so two tasks
// share a thread while both hold their locks: the report does not depend on
// scheduling.)
//
//   swift run lock-across-await           # the report on stderr
//   swift run lock-across-await --fixed   # clean
import Dispatch
import Instrumented
#if canImport(Glibc)
import Glibc
#endif

let fixed = CommandLine.arguments.contains("--fixed")
LockCheck.setThreadName("main")  // starts the validator (and LOCKCHECK_TRACE's recording) in both modes

/// A network that sends once every connection has something in flight (so
/// that they are all suspended in `send` at once).
final class Network: Sendable {
    private let waiting: LockedValueBox<[CheckedContinuation<Void, Never>]>
    let connections: Int

    init(connections: Int) {
        self.connections = connections
        waiting = LockedValueBox([], name: "Network.waiting")
    }

    func send(_ bytes: [UInt8]) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let all = waiting.withLockedValue { w -> [CheckedContinuation<Void, Never>] in
                w.append(c)
                guard w.count == connections else { return [] }
                defer { w = [] }
                return w
            }
            for c in all { c.resume() }  // outside the lock
        }
    }
}

final class Connection: @unchecked Sendable {
    let lock = CheckedMutex(name: "Connection.lock")
    var buffer: [UInt8] = Array("hello".utf8)  // guarded by `lock`

    /// The bug: the lock is held across the await.
    func flush(to network: Network) async -> Int {
        lock.lock()
        await network.send(buffer)  // suspends with the lock held: reported
        let sent = buffer.count
        buffer = []
        lock.unlock()
        return sent
    }

    /// The fix: take the buffer under the lock, release it, then await.
    func flushFixed(to network: Network) async -> Int {
        let pending = lock.withLock { () -> [UInt8] in
            defer { buffer = [] }
            return buffer
        }
        await network.send(pending)
        return pending.count
    }
}

// More connections in flight than the pool has threads.
let count = 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 1
let network = Network(connections: count)
let connections = (0..<count).map { _ in Connection() }
let done = DispatchSemaphore(value: 0)  // the main thread waits for the tasks: not in a task
final class Total: @unchecked Sendable { var bytes = 0 }
let total = Total()
Task.detached {
    total.bytes = await withTaskGroup(of: Int.self) { group in
        for c in connections {
            group.addTask { fixed ? await c.flushFixed(to: network) : await c.flush(to: network) }
        }
        return await group.reduce(0, +)
    }
    done.signal()
}
done.wait()
print(total.bytes == 5 * count ? "every connection flushed" : "lost bytes: \(total.bytes) of \(5 * count)")
