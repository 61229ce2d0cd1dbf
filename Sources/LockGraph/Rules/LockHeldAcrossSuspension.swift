// Rule `lock-held-across-suspension` — the Swift concurrency counterpart of
// lockdep's "lock held when returning to user space": a lock a Swift task
// took is still held when the task suspends (an `await` that suspends, a
// `with*Continuation` whose task is enqueued again), so the thread it was
// taken on goes on to run other tasks while the lock stays held.
//
// Fires, no later than the first of:
//  (c) live, the task reaches a suspension point holding a lock it took on
//      this thread: an await that tail-calls the runtime's executor hop
//      (swift_task_switch), continuation await (swift_continuation_await) or
//      async let await (swift_asyncLet_get*, _consume*, _finish), which
//      lockcheck interposes (Sources/CInstrumented/task_hooks.c).
//      Reported whether or not this run suspended there (the runtime goes
//      on at once when no hop is needed, or the continuation was already
//      resumed), as lockdep's might_sleep() reports a sleep in atomic
//      context that did not sleep this time: the await is where it may.
//      This also covers a task that resumes on its own thread and releases
//      the lock before anything else takes a lock there, which (a) and (b)
//      cannot see. The report names the kind of await (an actor hop, a
//      continuation's await, an async let's await). Not seen: awaits inside
//      libswift_Concurrency itself (Task.value, Task.yield, Task.sleep, a
//      task group's next, and withCheckedContinuation's own await when the
//      optimizer does not inline it into the program) and a program linked
//      statically; (a) and (b) cover those. Offline, the same call replays
//      the trace's `await` events (revision 1.3), which the live recorder
//      writes from the same hook wherever this call could report (the
//      thread holds a lock): the same report at the same await;
//  (a) another task (or code outside any task) takes a lock on the thread
//      that holds a task's lock: the task that took it is not running, so it
//      suspended holding it;
//  (b) a thread running a task releases a lock it does not hold: the lock
//      moved threads with the task, across a suspension (the lock taken
//      before `withCheckedContinuation` and released inside its body, when
//      the runtime enqueued the task again: apple/swift-nio#3452/#3454,
//      swift-server/async-http-client#871, swiftlang/swift#85668).
// Proves: while the task is suspended, any task that wants the lock blocks a
// thread of the cooperative pool (as many as cores) on it, and the task that
// would release it may need that very thread to resume; and a mutex
// released on another thread than its owner's is undefined behaviour.
//
// How the engine knows the task: the caller says which task each event runs
// with `setTask` (live: the runtime's current task, read on the full path
// and on the memo's short way of a thread that runs tasks, from the
// runtime's own thread-local word, exactly what `swift_task_getCurrent`
// returns: Sources/CInstrumented/current_task.c; offline: the trace's
// `task=` key). Each held lock of a thread seen running a task carries the
// task that took it (`heldTasks`), on the full path and on the memo's short
// way alike.
//
// The memo's short way serves a thread that runs tasks only when it would
// change nothing here: no lock was released elsewhere since the thread last
// looked, and either the held stack is empty or its top entry belongs to the
// task running now (the exact probe), or the running task made the thread's
// last push (the live runtime's one short way for every thread, which
// compares the running task with `shortWayTask`, the task of that push, and
// reads no held entry). That is enough: every push leaves at most one task's
// entries on the stack, above any entries taken outside a task (the full
// path sets aside the others before it pushes; a memo hit pushes only onto
// the running task's entries or entries of no task), and a pop or a set-aside
// keeps that shape; so a top entry of the running task, or the running task
// being the last pusher, means no entry of another task; and a memo hit adds
// no dependency the chain did not already have. (On a thread that never ran
// a task, `shortWayTask` is 0 and the one short way serves code outside a
// task only: a task there goes the full path, which makes the thread one
// that runs tasks.) The stack of an acquisition is captured on the
// full path only (the first time its chain is taken on the thread in its
// context): a report about a lock the memo served names its task, thread
// and `seq`, and, at (a), live, the source line the lock keeps for its
// holder (issue 15's holder mark: "was taken … at seq 12, main.swift:63"),
// without its stack. At (b) the releasing thread cleared that mark before
// the engine saw the release, so a memo-served acquisition is named there
// by task, thread and `seq` only. Offline, the acquisition's trace line.
//
// One departure from a plain held stack: at (a) the other task's locks are
// set aside (removed from this thread's held stack, still counted as held
// by their instance), so they never become dependencies of locks that other
// tasks take on the same thread: two tasks that merely shared a thread have
// no order between their locks. What (a) and (b) alone cannot see: a task
// that resumes on the thread it suspended on and releases the lock before
// any other task takes a lock there (nothing ran in between that could
// tell); (c) sees it at the await, where it interposes the await.

import CLockGraphAtomics

extension Validator {
    /// Says which Swift task `t` runs for its next events (0: none).
    ///
    /// Call before each event that takes the full path (live: the slow
    /// paths, and the memo's short way once `t` ``ThreadState/runsTasks``;
    /// offline: every event that carries a task). The first non-zero task
    /// makes `t` a thread that runs tasks: its memo is emptied (a new
    /// epoch), and from then on every acquisition records its task.
    /// - Returns: Whether `t` started running tasks with this call (a caller
    ///   with a short way of its own that reads no task turns it off then).
    /// - Complexity: O(1); the first task of a thread O(held locks).
    @inline(__always) @discardableResult
    public func setTask(_ task: UInt64, thread t: ThreadState) -> Bool {
        t.taskStorage = task
        guard task != 0 && !t.runsTasks else { return false }
        startRunningTasks(t)
        return true
    }

    /// ``acquireIfMemoized(_:mode:countsHolder:thread:site:)`` on a thread
    /// that runs tasks, for `task` (which becomes `t.task`; false at once on
    /// a thread that does not run tasks, or a lock the memo never serves): pushes a memo hit, recording
    /// its task, only when the held stack is empty or its top entry is this
    /// task's (or, outside a task, taken outside any task) and no lock was
    /// released on another thread since `t` last looked; otherwise returns
    /// false and the full path runs (it reports and sets aside another task's
    /// locks). See the file's header for why this changes no verdict.
    /// - Complexity: A call, a relaxed load of the release count, the task
    ///   of the held top, the memo probe and push; in a task, three relaxed
    ///   stores into the lock's cache line. No stack capture.
    @inline(never)
    public func acquireIfMemoizedInTask(_ lock: LockInstance, mode: AcquireMode = .exclusive, countsHolder: Bool,
                                        task: UInt64, thread t: ThreadState, site: EventSite) -> Bool {
        acquireIfMemoizedInTask(lock, mode: mode, countsHolder: countsHolder, task: task, thread: t, siteOnHit: { site })
    }

    /// ``acquireIfMemoizedInTask(_:mode:countsHolder:task:thread:site:)`` that
    /// makes the event's site only on a hit (see ``acquireIfMemoized(_:mode:countsHolder:thread:siteOnHit:)``).
    ///
    /// Inlinable: a caller that knows the mode and `countsHolder` (the live
    /// runtime's short way of a marked lock in a task) gets it specialised,
    /// with no call into the engine.
    /// - Complexity: As ``acquireIfMemoizedInTask(_:mode:countsHolder:task:thread:site:)``, plus `siteOnHit` once on a hit.
    @inlinable @inline(__always)
    public func acquireIfMemoizedInTask(_ lock: LockInstance, mode: AcquireMode = .exclusive, countsHolder: Bool,
                                        task: UInt64, thread t: ThreadState, siteOnHit: () -> EventSite) -> Bool {
        guard t.runsTasks && lock.memoMayServe else { return false }
        t.taskStorage = task
        let top = t.held.count &- 1
        guard t.seenTaskReleases == taskHolds.releaseCount,
              top < 0 || t.heldTasks[top] == task
        else { return false }
        var seq: UInt64 = 0
        guard pushIfMemoized(lock, mode: mode, countsHolder: countsHolder, thread: t,
                             siteOnHit: {
                                 let site = siteOnHit()
                                 seq = site.seq
                                 return site
                             })
        else { return false }
        t.heldTasks.set(task, at: top &+ 1)
        t.shortWayTask = task != 0 ? task : ThreadState.noShortWayTask
        // No stack (`StackRef.none`, spelled out: the static's accessor is a call from another module).
        if task != 0 { lock.recordTaskAcquisition(task: task, seq: seq, stack: StackRef(rawValue: 0), thread: t.taskThreadSlot) }
        return true
    }

    /// The live runtime's one short way for every thread, given `task`, the
    /// running task as a hint that is 0 on a thread outside any task (live:
    /// the runtime's task word, read on every thread with no branch): pushes
    /// a memo hit when `task` is the thread's ``ThreadState/shortWayTask``
    /// (and, in a task, no lock was released on another thread since `t`
    /// last looked), recording its task as
    /// ``acquireIfMemoizedInTask(_:mode:countsHolder:task:thread:siteOnHit:)``
    /// does; otherwise returns false, having done nothing, and the caller
    /// tries that exact probe (on a thread that runs tasks) or the long way.
    ///
    /// On a thread that never ran a task, `shortWayTask` is 0: the plain
    /// probe, which serves only code outside a task (a task there goes the
    /// long way, which makes the thread one that runs tasks). On a thread
    /// that runs tasks it is the task of the last push, never 0: a hit means
    /// every held lock is this task's or taken outside any task, so the full
    /// path would set aside nothing (see the file's header).
    /// - Complexity: As ``acquireIfMemoized(_:mode:countsHolder:thread:siteOnHit:)``
    ///   plus one comparison; in a task, a relaxed load of the release count,
    ///   the task column's store and three relaxed stores into the lock's cache line.
    @inlinable @inline(__always)
    public func acquireIfMemoizedForTask(_ lock: LockInstance, mode: AcquireMode = .exclusive, countsHolder: Bool,
                                         task: UInt64, thread t: ThreadState, siteOnHit: () -> EventSite) -> Bool {
        guard lock.memoMayServe && task == t.shortWayTask else { return false }
        let mode = mode == .exclusive ? .exclusive : effectiveMode(mode, of: lock.kind, irqContext: t.irqContext)
        guard let chain = t.memo.key(after: t.held.topChainKey, check: t.held.topChainCheck, taking: lock.lockClass,
                                     mode: mode, tag: t.memoTag)
        else { return false }
        let site: EventSite
        if task == 0 {
            site = siteOnHit()
        } else {
            // A thread that runs tasks (its shortWayTask is never 0): no lock released elsewhere since it last
            // looked, and the task column has the entry's slot (grown by the exact probe, which has the room).
            let top = t.held.count
            guard t.seenTaskReleases == lg_load_relaxed_i64(t.taskReleaseWord.unsafelyUnwrapped),
                  top < t.heldTasks.count
            else { return false }
            site = siteOnHit()
            t.taskStorage = task
            t.heldTasks[top] = task
            // No stack (`StackRef.none`, spelled out: the static's accessor is a call from another module).
            lock.recordTaskAcquisition(task: task, seq: site.seq, stack: StackRef(rawValue: 0), thread: t.taskThreadSlot)
        }
        push(lock, shape: lock.exclusiveShape | HeldLock.shape(mode: mode), chainKey: chain.key, chainCheck: chain.check,
             site: site, nestLock: nil, countsHolder: countsHolder, thread: t)
        return true
    }

    private func startRunningTasks(_ t: ThreadState) {
        t.runsTasksFlag = true
        t.shortWayTask = ThreadState.noShortWayTask
        t.taskReleaseWord = taskHolds.releases
        t.heldTasks.reset(count: t.held.count)
        t.taskThreadSlot = taskHolds.register(t.name)
        t.shortStacks = Array(repeating: 0, count: 2 * Self.shortStackSlots)
        t.updateContext()  // a new epoch: what the memo holds no longer matches
    }

    /// Before a full acquisition of `lock` on a thread that runs tasks:
    /// reports and sets aside every held lock another task took (case (a)),
    /// and drops silently the locks of this task that were released on
    /// another thread (case (b), reported there).
    /// - Complexity: O(held locks).
    func setAsideOtherTasksLocks(acquiring lock: LockInstance, thread t: ThreadState, site: EventSite) {
        let releases = taskHolds.releaseCount
        let checkReleased = releases != t.seenTaskReleases
        t.seenTaskReleases = releases
        var first = Int.max
        var i = 0
        while i < t.held.count {
            let owner = t.heldTasks[i]
            let h = t.held[i]
            let releasedElsewhere = owner != 0 && checkReleased && taskHolds.takeReleasedElsewhere(h.site)
            guard owner != 0 && (owner != t.task || releasedElsewhere) else {
                i += 1
                continue
            }
            removeHeldEntry(at: i, of: t)
            first = min(first, i)
            if !releasedElsewhere {
                otherTaskRan(holding: h, owner: owner, acquiring: lock, thread: t, site: site)
            }
        }
        if first < t.held.count { rebuildChainKeys(of: t, from: first) }
    }

    /// Removes `t.held[i]` and its task, set aside or released elsewhere
    /// (the caller rebuilds the chain keys above it).
    private func removeHeldEntry(at i: Int, of t: ThreadState) {
        let h = t.held.remove(at: i)
        t.heldTasks.remove(at: i)
        if h.kind.spins {
            t.spinningHeld -= 1
            if h.kind == .rawSpinlock { t.rawHeld -= 1 }
            t.spinningHeldChanged()
        }
    }

    /// The running `task` reached a suspension point on `t` (an await where
    /// the runtime may suspend it: an executor hop, a continuation's or an async let's await;
    /// live, from the runtime's entry points): reports every lock it took on
    /// this thread and still holds (case (c) of the file's header), first
    /// dropping the locks released on another thread (reported there).
    /// Changes nothing else: the task may go on on this thread at once, and
    /// release its locks here.
    /// - Complexity: O(held locks); a report once per lock class.
    /// - Parameter awaiting: What the await is, as the report names it ("an actor hop").
    public func reachedSuspensionPoint(task: UInt64, thread t: ThreadState, site: EventSite, awaiting: String = SuspensionKind.unknownAwaitName) {
        guard task != 0, t.runsTasks, t.held.count > 0 else { return }
        t.taskStorage = task
        let releases = taskHolds.releaseCount
        if releases != t.seenTaskReleases {
            t.seenTaskReleases = releases
            var first = Int.max
            var i = 0
            while i < t.held.count {
                guard t.heldTasks[i] != 0 && taskHolds.takeReleasedElsewhere(t.held[i].site) else {
                    i += 1
                    continue
                }
                removeHeldEntry(at: i, of: t)
                first = min(first, i)
            }
            if first < t.held.count { rebuildChainKeys(of: t, from: first) }
        }
        for i in 0..<t.held.count where t.heldTasks[i] == task {
            suspendsHolding(t.held[i], thread: t, site: site, awaiting: awaiting)
        }
    }

    private func suspendsHolding(_ h: HeldLock, thread t: ThreadState, site: EventSite, awaiting: String) {
        reportTaskHold(h, owner: t.task, thread: t, site: site) { n in
            (message: "task \(Self.taskName(t.task)) reaches a suspension point (\(awaiting)) on thread '\(t.name)' holding lock \(n), which it took on this thread",
             explanation: "'\(n)' is held by a Swift task at an await where the runtime may suspend it (an actor hop, a continuation's await, an async let's await). If it suspends, the thread goes on to run other tasks while the lock stays held; any task that wants the lock blocks a thread of the cooperative pool, which the suspended task may need to resume and release it; and if it resumes on another thread, its unlock releases a mutex that thread does not own. Reported at the await, whether or not this run suspended there, as lockdep reports might_sleep() in atomic context whether or not the task slept.",
             what: "\(awaiting) (suspension point) holding \(n)")
        }
    }

    /// Reports `lock-held-across-suspension` for `h`, which task `owner`
    /// took on `t` and holds (once per lock class): `text` gives the
    /// message, the explanation and the event's description for the lock's name.
    private func reportTaskHold(_ h: HeldLock, owner: UInt64, thread t: ThreadState, site: EventSite,
                                text: (String) -> (message: String, explanation: String, what: String)) {
        let n = name(h.lockClass)
        let key = violationKey(.lockHeldAcrossSuspension, [n])
        if alreadyReported(key) { return }
        let taken = acquisitionSite(h)
        let (message, explanation, what) = text(n)
        report(Violation(
            rule: .lockHeldAcrossSuspension,
            message: message,
            explanation: explanation,
            classes: classList([h.lockClass]),
            event: eventInfo(t, site, what: what),
            held: heldInfo(t),
            related: [Violation.RelatedEvent(label: "\(n) was taken by task \(Self.taskName(owner)) at", thread: t.name,
                                             site: taken)],
            hint: Self.acrossSuspensionHint,
            key: key))
    }

    /// After a full acquisition pushed on a thread that runs tasks: which
    /// task took the new top entry and, in a task, its stack (into the
    /// entry's site) and a record in the lock, for a release elsewhere.
    /// - Complexity: O(1) amortized; in a task, a frame-pointer walk, a hash
    ///   and three relaxed stores (a stack seen for the first time: one lock).
    func noteTaskAcquisition(_ lock: LockInstance, thread t: ThreadState, site: EventSite) {
        let i = t.held.count - 1
        while t.heldTasks.count < i { t.heldTasks.append(0) }
        t.heldTasks.set(t.task, at: i)
        t.shortWayTask = t.task != 0 ? t.task : ThreadState.noShortWayTask
        guard t.task != 0 else { return }
        var stack = site.stack
        if stack == .captureOnDemand {
            stack = shortStack(thread: t)
            t.held[i].site.stack = stack
        }
        lock.recordTaskAcquisition(task: t.task, seq: site.seq, stack: stack, thread: t.taskThreadSlot)
    }

    /// The calling thread's stack as a kept ``StackRef``: return addresses
    /// by frame pointers, kept once per distinct stack (a per-thread
    /// direct-mapped cache by their hash), `.none` without a provider.
    private func shortStack(thread t: ThreadState) -> StackRef {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: Self.shortStackFrames) { buffer in
            let n = stackProvider?.captureReturnAddresses(into: buffer) ?? 0
            guard n > 0 else { return .none }
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            var k = 0
            while k < n {
                hash = (hash ^ UInt64(buffer[k])) &* 0x100_0000_01B3
                k += 1
            }
            hash |= 1  // never 0, the empty slot's hash
            let slot = Int(truncatingIfNeeded: hash >> 58) * 2
            if t.shortStacks[slot] == hash { return StackRef(rawValue: UInt32(truncatingIfNeeded: t.shortStacks[slot + 1])) }
            let ref = stacks.add((0..<n).map { StackFrame.address(buffer[$0]) })
            t.shortStacks[slot] = hash
            t.shortStacks[slot + 1] = UInt64(ref.rawValue)
            return ref
        }
    }

    /// Frames of an acquisition stack, from the lock event's frame outwards:
    /// the few lock-type frames above it (left out when printed; about 8 in
    /// a debug build, 2 in a release build) and the program's.
    static let shortStackFrames = 24
    /// Entries of a thread's acquisition-stack cache (64: the hash's top 6 bits).
    static let shortStackSlots = 64

    /// A release of `lock`, which `t` does not hold, while `t` runs a task
    /// (case (b)): reports `lock-held-across-suspension` and counts the lock
    /// released. Returns false, doing nothing, outside a task (then it is an
    /// `unlock-unheld`).
    /// - Complexity: A few relaxed atomics; a report once per lock class.
    func releasedAcrossSuspension(_ lock: LockInstance, countsHolder: Bool, thread t: ThreadState,
                                  site: EventSite) -> Bool {
        guard t.task != 0 else { return false }
        let last = lock.lastTaskAcquisition()
        if last.task != 0 { taskHolds.releasedElsewhere(EventSite(seq: last.seq, source: site.source)) }
        if countsHolder { lock.addHolder(-1) }
        let n = name(lock.lockClass)
        let key = violationKey(.lockHeldAcrossSuspension, [n])
        if alreadyReported(key) { return true }
        let takerThread = taskHolds.name(last.thread) ?? "?"
        let taker = last.task != 0 ? "task \(Self.taskName(last.task)) took it on thread '\(takerThread)'" : "it was taken on another thread"
        var related: [Violation.RelatedEvent] = []
        if last.task != 0 {
            let taken = siteInfo(EventSite(seq: last.seq, source: site.source, stack: last.stack))
            related = [Violation.RelatedEvent(label: "\(n) was taken by task \(Self.taskName(last.task)) at", thread: takerThread,
                                              site: taken)]
        }
        report(Violation(
            rule: .lockHeldAcrossSuspension,
            message: "task \(Self.taskName(t.task)) releases lock \(n) on thread '\(t.name)', which does not hold it: \(taker) and suspended before releasing it",
            explanation: "'\(n)' was taken by a Swift task and released after the task suspended and resumed on another thread (an await, or a with*Continuation body run after the task was enqueued again). While the task was suspended the lock stayed held: any task that wanted it blocked a thread of the cooperative pool, which the suspended task may need to resume; and a mutex released by a thread that does not own it is undefined behaviour.",
            classes: classList([lock.lockClass]),
            event: eventInfo(t, site, what: "release \(n)"),
            held: heldInfo(t),
            related: related,
            hint: Self.acrossSuspensionHint,
            key: key))
        return true
    }

    private func otherTaskRan(holding h: HeldLock, owner: UInt64, acquiring lock: LockInstance, thread t: ThreadState,
                              site: EventSite) {
        reportTaskHold(h, owner: owner, thread: t, site: site) { n in
            let runner = t.task == 0 ? "code outside any task" : "task \(Self.taskName(t.task))"
            let taking = lock.lockClass == h.lockClass ? "another \(n)" : name(lock.lockClass)
            return (message: "task \(Self.taskName(owner)) suspended holding lock \(n): \(runner) runs on thread '\(t.name)' and takes \(taking) while \(n) is still held",
                    explanation: "'\(n)' was taken by a Swift task that is no longer running on this thread: it suspended (an await) with the lock held, and the thread went on to run other work. Any task that wants the lock now blocks a thread of the cooperative pool, which the suspended task may need to resume and release it; with as many pool threads as cores, a few such waits hang the process.",
                    what: "acquire \(name(lock.lockClass))")
        }
    }

    /// Where a suspended task took the held lock `h` (set aside from this
    /// thread's held stack, still held by the task): its stack when the full
    /// path captured one, and, live, the source line the lock keeps for its
    /// holder (``holderSite``), which names an acquisition the memo served too.
    ///
    /// The lock is read while the suspended task holds it. Only a release on
    /// another thread (case (b), which the caller checked for just before)
    /// followed by the lock's deallocation, both inside this report, could
    /// make that read see a cleared or freed word; the runtime decodes a word
    /// only when it names a loaded object, so the report then has no line.
    /// - Complexity: One provider call (live: a load and a `dladdr`).
    private func acquisitionSite(_ h: HeldLock) -> Violation.SiteInfo {
        var site = siteInfo(h.site)
        if site.file == nil, h.mode == .exclusive, let holder = holderSite?(Self.liveInstance(h)) {
            (site.file, site.line) = (holder.file, holder.line)
        }
        return site
    }

    /// A task as reports name it (its address live, its trace id offline).
    static func taskName(_ task: UInt64) -> String { "0x" + String(task, radix: 16) }

    static let acrossSuspensionHint = "Never hold a lock across an await: take it, copy or update the state, and release it before suspending (`withLock { }` around synchronous code only). To wait for a state change, store a continuation under the lock, release the lock, then suspend; use an actor or an async-aware lock for a critical section that must await."
}
