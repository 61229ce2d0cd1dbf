#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// The threads blocked on lockcheck locks, as each publishes itself, and the
/// wait-for graph they form: the live half of the `deadlock` and
/// `lock-wait-timeout` rules.
///
/// Nothing here is on the lock path. A lock is first tried; only a thread
/// whose trylock failed blocks, in slices of ``sliceNanoseconds`` (a timed
/// pthread wait, or a bounded spin). Only a thread still blocked after one
/// whole slice publishes an entry: the lock it waits for, since when, and a
/// snapshot of the locks it holds, which cannot change while it is blocked.
/// Between slices the waiter itself (no watchdog thread) reads every entry
/// and follows the graph:
///
/// 1. From the lock I wait for, to the threads whose snapshot holds it.
/// 2. From each of those, to the lock it waits for; repeat (breadth first,
///    each thread once).
/// 3. A path back to me is a cycle. It is reported only when the same
///    cycle (the same entries, by generation) is seen on two checks a slice
///    apart, so a waiter that has just been granted its lock, and not yet
///    removed its entry, never closes a false cycle; and once every member
///    has published the stack where it blocked.
///
/// Every member of a cycle finds it; ``Validator/reportDeadlock(_:)`` puts
/// it in one order and keys it, so it is reported once.
///
/// The entries live under a spin word. Publishing and removing take it
/// (a dictionary update: short and bounded); readers only try it and skip
/// a check when it is busy, so looking for a deadlock never blocks.
final class WaitRegistry: @unchecked Sendable {
    /// One slice of a blocked wait: 200 ms, so a cycle is reported about
    /// half a second after it closes (two checks), and a blocked thread
    /// wakes five times a second.
    static let sliceNanoseconds: Int64 = 200_000_000

    /// One published wait.
    struct Entry {
        var thread: WaitingThread
        /// The trace id of the lock instance it waits for.
        var lockID: UInt64
        /// Unique per publication: a thread that waits again is a new entry.
        var generation: UInt64
        /// When the wait began (``lc_monotonic_ns()``).
        var start: Int64
    }

    /// `lock-wait-timeout`'s limit in seconds; 0: off.
    let timeout: Double
    /// The signal that asks a holder for its stack (see ``HolderStack``); 0: never.
    let holderSignal: Int32
    private let word: UnsafeMutablePointer<Int32>
    private var entries: [UInt64: Entry] = [:]
    private var generations: UInt64 = 0

    init(timeout: Double, holderSignal: Int32 = HolderStack.defaultSignal) {
        self.timeout = timeout
        self.holderSignal = holderSignal
        word = SystemLock.cacheLine(Int32.self)
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    // MARK: Publishing (the waiter's own entry)

    /// Publishes `thread` as waiting for the lock `lockID`.
    /// - Returns: The entry's generation.
    /// - Complexity: Amortized O(1), under the spin word.
    func publish(_ thread: WaitingThread, lockID: UInt64, start: Int64) -> UInt64 {
        lc_spin_lock(word)
        defer { lc_spin_unlock(word) }
        generations += 1
        entries[thread.threadID] = Entry(thread: thread, lockID: lockID, generation: generations, start: start)
        return generations
    }

    /// Adds the stack where the thread blocked to its entry.
    func setStack(_ stack: [StackFrame], thread: UInt64) {
        lc_spin_lock(word)
        defer { lc_spin_unlock(word) }
        entries[thread]?.thread.stack = stack
    }

    /// Removes the thread's entry: it has its lock.
    func remove(thread: UInt64) {
        lc_spin_lock(word)
        defer { lc_spin_unlock(word) }
        entries[thread] = nil
    }

    /// A copy of every entry, or nil when a publisher holds the word now.
    /// - Complexity: O(1) (a copy-on-write reference), one try of the word.
    func snapshot() -> [UInt64: Entry]? {
        guard lc_spin_trylock(word) else { return nil }
        defer { lc_spin_unlock(word) }
        return entries
    }

    /// Number of published waits (for tests).
    var count: Int {
        lc_spin_lock(word)
        defer { lc_spin_unlock(word) }
        return entries.count
    }

    // MARK: fork()

    /// Takes the spin word for a `fork()`.
    func lockForFork() { lc_spin_lock(word) }

    /// Releases the word after a `fork()`; in the child, first forgets every
    /// entry: the threads that published them do not exist there.
    func unlockAfterFork(inChild: Bool) {
        if inChild { entries = [:] }
        lc_spin_unlock(word)
    }

    // MARK: The wait-for graph

    /// The cycle through the thread `me` in `entries`, in wait order (each
    /// waits for a lock the next holds, the last for one `me` holds),
    /// starting at `me`; nil when there is none.
    /// - Complexity: O(threads² × held locks), breadth first, iterative.
    static func cycle(from me: UInt64, in entries: [UInt64: Entry]) -> [Entry]? {
        guard entries[me] != nil else { return nil }
        var parent: [UInt64: UInt64] = [:]
        var queue = [me]
        var head = 0
        while head < queue.count {
            let t = queue[head]
            head += 1
            guard let waiting = entries[t] else { continue }
            for (holder, entry) in entries where entry.thread.holds(waiting.lockID) {
                if holder == me {
                    var path = [t]
                    var x = t
                    while x != me, let p = parent[x] {
                        x = p
                        path.append(x)
                    }
                    return path.reversed().compactMap { entries[$0] }
                }
                if parent[holder] == nil {
                    parent[holder] = t
                    queue.append(holder)
                }
            }
        }
        return nil
    }

    // MARK: The contended wait

    /// Blocks until `attempt` takes the lock, the thread having already
    /// waited one slice: publishes the wait, then between slices looks for
    /// a deadlock and for the timeout, reporting each at most once.
    /// - Parameters:
    ///   - owner: The holder's kernel id when the primitive records it (0: unknown).
    ///   - attempt: Takes the lock within the given nanoseconds, or returns false.
    func wait(for lock: LockIdentity, mode: AcquireMode, owner: () -> Int32, attempt: (Int64) -> Bool) {
        let slice = Self.sliceNanoseconds
        let start = lc_monotonic_ns() - slice
        var published: WaitingThread?
        // Where this thread took each lock it holds: read from the locks,
        // which it holds, so the sites are its own.
        PerThread.withEvent { pt in
            published = WaitingThread(name: pt.state.name, threadID: pt.state.id,
                                      waitsFor: pt.validator.lockInfo(lock.instance, mode: mode),
                                      held: pt.validator.heldLocks(of: pt.state, waitingFor: lock.instance,
                                                                   sourceSite: \.holderSite),
                                      stack: [], waitedSeconds: 0, seq: lc_next_seq(),
                                      classesFirstTaken: pt.validator.classesFirstTaken(of: pt.state, waitingFor: lock.instance,
                                                                                        sourceSite: \.holderSite))
        }
        // Inside an event (a violation handler's lock): not watched.
        guard var me = published else {
            while !attempt(slice) {}
            return
        }
        let tid = me.threadID
        _ = publish(me, lockID: lock.traceID, start: start)
        defer { remove(thread: tid) }
        var suspect: [UInt64]?
        var sightings = 0
        var deadlockDone = false
        var timeoutDone = timeout <= 0
        while !attempt(slice) {
            me.waitedSeconds = Double(lc_monotonic_ns() - start) / 1e9
            if !deadlockDone, let all = snapshot() {
                if let cycle = Self.cycle(from: tid, in: all) {
                    if me.stack.isEmpty { captureStack(&me) }
                    let signature = cycle.map(\.generation)
                    sightings = signature == suspect ? sightings + 1 : 1
                    suspect = signature
                    let stacksKnown = cycle.allSatisfy { $0.thread.threadID == tid || !$0.thread.stack.isEmpty }
                    if sightings >= 2 && (stacksKnown || sightings >= 4) {
                        let now = lc_monotonic_ns()
                        var members = cycle.map { entry in
                            var t = entry.thread
                            t.waitedSeconds = Double(now - entry.start) / 1e9
                            return t
                        }
                        members[0].stack = me.stack
                        withReport { _ = $0.reportDeadlock(members) }
                        deadlockDone = true
                    }
                } else {
                    suspect = nil
                    sightings = 0
                }
            }
            if !timeoutDone && me.waitedSeconds >= timeout {
                timeoutDone = true
                if me.stack.isEmpty { captureStack(&me) }
                let (ownerTid, takenAt) = Self.holderSite(of: lock.instance, owner: owner)
                let holders = self.holders(of: lock.traceID, owner: ownerTid, except: tid)
                let waiter = me
                withReport {
                    _ = $0.reportLockWaitTimeout(waiter, holders: holders, timeout: timeout, lock: lock.instance, takenAt: takenAt)
                }
            }
        }
    }

    /// The threads holding the lock `lockID`: published waiters whose
    /// snapshot holds it, else the primitive's recorded owner, which is
    /// asked for its current stack (``HolderStack``) unless it is itself
    /// published as waiting.
    private func holders(of lockID: UInt64, owner: Int32, except me: UInt64) -> [LockHolder] {
        let all = snapshot() ?? [:]
        var out = all.values.filter { $0.thread.threadID != me && $0.thread.holds(lockID) }
            .sorted { $0.thread.threadID < $1.thread.threadID }
            .map { LockHolder(name: $0.thread.name, threadID: $0.thread.threadID, waiting: $0.thread) }
        // A holder that is not blocked on a lockcheck lock: the primitive's owner record.
        if out.isEmpty && owner > 0 && UInt64(owner) != me {
            let tid = UInt64(owner)
            var holder = LockHolder(name: all[tid]?.thread.name ?? Self.threadName(tid), threadID: tid,
                                    waiting: all[tid]?.thread)
            if holder.waiting == nil {
                switch HolderStack.capture(tid: owner, signal: holderSignal) {
                case .success(let frames): holder.stack = frames
                case .failure(let why): holder.stackUnavailable = why.reason
                }
            }
            out.append(holder)
        }
        return out
    }

    /// The lock's holder (its kernel id, 0 when the primitive does not
    /// record it) and where that holder took it, read while the holder
    /// stays the same: the owner is read before and after the site, and
    /// the site kept only when both reads agree (a holder that released and
    /// took the lock again in between left its newer site, still its own).
    /// - Complexity: Up to three tries of two owner reads and one site read.
    static func holderSite(of lock: LockInstance, owner: () -> Int32) -> (owner: Int32, site: Violation.SiteInfo?) {
        var before = owner()
        for _ in 0..<3 {
            let site = lock.holderSite
            let after = owner()
            if after == before { return (after, site) }
            before = after
        }
        return (before, nil)
    }

    /// Captures the calling thread's stack into `me` and its entry.
    private func captureStack(_ me: inout WaitingThread) {
        var frames: [StackFrame] = []
        PerThread.withEvent { pt in
            let runtime = pt.runtime
            if runtime.options.captureStacks {
                frames = UnwindStackCapture(symbolizer: runtime.symbolizer, recorder: runtime.recorder).captureStack()
            }
        }
        me.stack = frames.isEmpty ? [.text("?")] : frames
        setStack(me.stack, thread: me.threadID)
    }

    /// Runs `body` as an event of the calling thread, so that the violation
    /// action (a handler, or the trap after the event) works as for any rule.
    private func withReport(_ body: (Validator) -> Void) {
        PerThread.withEvent { pt in body(pt.validator) }
    }

    /// Another thread's name from `/proc/self/task/<tid>/comm` ("thread-<tid>" if unreadable).
    static func threadName(_ tid: UInt64) -> String {
        let fd = open("/proc/self/task/\(tid)/comm", O_RDONLY)
        guard fd >= 0 else { return "thread-\(tid)" }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return "thread-\(tid)" }
        let name = String(decoding: buf[..<n], as: UTF8.self).trimmingNewline()
        return name.isEmpty ? "thread-\(tid)" : name
    }
}

extension LockIdentity {
    /// The contended path of a lock operation: `attempt` takes the primitive
    /// within a slice or fails. The first slice is a plain timed wait; a
    /// thread still blocked after it is watched by the ``WaitRegistry``.
    /// - Complexity: One timed wait per slice; after the first slice, one
    ///   publication and one graph search per slice.
    @usableFromInline
    func waitContended(_ mode: AcquireMode, owner: () -> Int32, attempt: (Int64) -> Bool) {
        let slice = WaitRegistry.sliceNanoseconds
        if attempt(slice) { return }
        guard let runtime = Runtime.shared else {
            while !attempt(slice) {}
            return
        }
        runtime.waits.wait(for: self, mode: mode, owner: owner, attempt: attempt)
    }
}
