import Dispatch
import Foundation
@testable import Instrumented
import LockGraph
import LockTextReport
import XCTest

/// A serial executor that runs every job on one thread of its own, so that
/// tasks isolated to an actor on it share that thread the way tasks share a
/// thread of the cooperative pool, but deterministically.
final class PinnedThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    /// Called on the executor's thread with each job's run (which it must call once); nil: the job just runs.
    private let around: (@Sendable (() -> Void) -> Void)?

    init(name: String, around: (@Sendable (() -> Void) -> Void)? = nil) {
        self.around = around
        let thread = Thread { [unowned self] in
            LockCheck.setThreadName(name)
            self.run()
        }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            if let around {
                around { job.runSynchronously(on: asUnownedSerialExecutor()) }
            } else {
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
        }
    }
}

/// An actor whose jobs all run on one pinned thread.
actor PinnedActor {
    nonisolated let executor: PinnedThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(_ executor: PinnedThreadExecutor) { self.executor = executor }

    /// Runs `body` on the pinned thread, in the calling task.
    func run(_ body: @Sendable () -> Void) { body() }

    /// `before`, then an await that suspends until `gate` opens (the actor is
    /// free meanwhile: other tasks run on its thread), then `after`.
    func around(_ gate: Gate, before: @Sendable () -> Void, after: @Sendable () -> Void) async {
        before()
        await gate.wait()
        after()
    }
}

/// A one-shot gate: `wait()` suspends until `open()`; `waiting` is signalled
/// once a task is suspended in it. Plain Foundation locks: not validated.
final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var opened = false
    let waiting = DispatchSemaphore(value: 0)

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if opened {
                lock.unlock()
                c.resume()
                return
            }
            continuation = c
            lock.unlock()
            waiting.signal()
        }
    }

    func open() {
        lock.lock()
        opened = true
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}

/// `lock-held-across-suspension` through real tasks, actors and
/// continuations, each with a "fires" and a "stays silent" twin. Tasks that
/// must share a thread are isolated to an actor on a pinned thread; the
/// steps are ordered with semaphores and a gate, never sleeps.
final class LockHeldAcrossSuspensionTests: InstrumentedTestCase {
    static let pinned = PinnedThreadExecutor(name: "pinned-executor")
    let actor = PinnedActor(LockHeldAcrossSuspensionTests.pinned)

    // Cases (a) and (b), which report what the await (case (c),
    // SuspensionPointTests) would report first where it is interposed.
    override func setUp() {
        super.setUp()
        SuspensionPoints.isOn = false
    }

    override func tearDown() {
        SuspensionPoints.isOn = true
        super.tearDown()
    }

    /// Starts a task that runs `before` on the pinned thread, suspends in
    /// `gate` and then runs `after` there; returns once it is suspended.
    private func startSuspended(_ gate: Gate, before: @escaping @Sendable () -> Void,
                                after: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let actor = self.actor
        Task.detached {
            await actor.around(gate, before: before, after: after)
            done.signal()
        }
        gate.waiting.wait()
        return done
    }

    // MARK: (a) another task takes a lock on the thread

    func test_other_task_takes_a_lock_on_the_thread_while_a_suspended_task_holds_one_fires() {
        let held = CheckedMutex(name: "suspension.a.connection")
        let other = CheckedMutex(name: "suspension.a.metrics")
        let gate = Gate()
        let done = startSuspended(gate, before: { held.lock() }, after: { held.unlock() })
        let actor = self.actor
        runTask { await actor.run { other.withLock {} } }
        gate.open()
        done.wait()
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let v = collector.violations.first
        XCTAssertEqual(v?.classNames, ["suspension.a.connection"])
        XCTAssertTrue(v?.message.contains("suspended holding lock suspension.a.connection") ?? false, v?.message ?? "")
        XCTAssertTrue(v?.message.contains("takes suspension.a.metrics") ?? false, v?.message ?? "")
        XCTAssertEqual(v?.event.thread, "pinned-executor")
        // The acquisition: by which task, on which thread, with its stack (this file's closure among its frames).
        let taken = v?.related.first
        XCTAssertTrue(taken?.label.hasPrefix("suspension.a.connection was taken by task 0x") ?? false, taken?.label ?? "")
        XCTAssertEqual(taken?.thread, "pinned-executor")
        XCTAssertTrue(taken?.site.stack.contains { $0.contains("LockHeldAcrossSuspensionTests") } ?? false,
                      "\(taken?.site.stack ?? [])")
        // The full path captured the stack; the line the lock keeps is named beside it.
        XCTAssertEqual(taken?.site.file, "InstrumentedTests/LockHeldAcrossSuspensionTests.swift")
    }

    func test_memo_served_lock_held_across_a_suspension_names_its_acquisition_line() {
        // The chain is validated and memoized on the pinned thread first (a
        // chain seen again goes into the memo), so the acquisition that
        // suspends is served by the memo's short way: no stack is captured,
        // and the report names the line the lock keeps for its holder.
        let held = CheckedMutex(name: "suspension.memo.held")
        let other = CheckedMutex(name: "suspension.memo.other")
        let actor = self.actor
        for _ in 0..<3 { runTask { await actor.run { held.withLock {} } } }
        let gate = Gate()
        let line = #line + 1
        let done = startSuspended(gate, before: { held.lock() }, after: { held.unlock() })
        runTask { await actor.run { other.withLock {} } }
        gate.open()
        done.wait()
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let taken = collector.violations.first?.related.first
        XCTAssertTrue(taken?.label.hasPrefix("suspension.memo.held was taken by task 0x") ?? false, taken?.label ?? "")
        XCTAssertEqual(taken?.site.stack ?? ["no report"], [], "served by the memo: no stack")
        XCTAssertEqual(taken?.site.file, "InstrumentedTests/LockHeldAcrossSuspensionTests.swift")
        XCTAssertEqual(taken?.site.line, line)
        let text = collector.violations.first.map { TextReport(color: false).render($0) } ?? ""
        XCTAssertTrue(text.contains("InstrumentedTests/LockHeldAcrossSuspensionTests.swift:\(line)"), text)
    }

    func test_two_tasks_interleaving_on_one_thread_with_no_lock_across_the_await_stay_silent() {
        let first = CheckedMutex(name: "suspension.silent.first")
        let second = CheckedMutex(name: "suspension.silent.second")
        let gate = Gate()
        let done = startSuspended(gate, before: { first.withLock {} }, after: { first.withLock { second.withLock {} } })
        let actor = self.actor
        runTask { await actor.run { second.withLock { } } }
        runTask { await actor.run { first.withLock {} } }
        gate.open()
        done.wait()
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: No false dependency between tasks that shared a thread

    func test_suspended_tasks_lock_is_no_dependency_of_the_next_tasks_locks() {
        let held = CheckedMutex(name: "suspension.dep.held")
        let later = CheckedMutex(name: "suspension.dep.later")
        let gate = Gate()
        let done = startSuspended(gate, before: { held.lock() }, after: { held.unlock() })
        let actor = self.actor
        // Another task takes `later` on the thread that still holds `held`:
        // reported, but it must not record held -> later.
        runTask { await actor.run { later.withLock {} } }
        gate.open()
        done.wait()
        // later -> held, on a plain thread: a cycle only with the false dependency.
        TestThread.run("plain-nester") { later.withLock { held.withLock {} } }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
    }

    /// The one short way serves a task's inner lock when the same task made
    /// the thread's last push (no held entry read): that push must still
    /// record its task, so a suspension holding both locks reports both and
    /// sets both aside (no false dependency of the next task's lock on either).
    func test_inner_lock_served_for_the_last_pushing_task_is_set_aside_with_the_outer_one() {
        let outer = CheckedMutex(name: "suspension.fast.outer")
        let inner = CheckedMutex(name: "suspension.fast.inner")
        let later = CheckedMutex(name: "suspension.fast.later")
        let actor = self.actor
        // The chain outer -> inner validated and memoized on the pinned thread, by a task that stays alive
        // (suspended, holding nothing), so the task below cannot reuse its address.
        let warm = Gate()
        let warmDone = startSuspended(warm, before: { for _ in 0..<3 { outer.withLock { inner.withLock {} } } }, after: {})
        let gate = Gate()
        let done = startSuspended(gate, before: { outer.lock(); inner.lock() }, after: { inner.unlock(); outer.unlock() })
        runTask { await actor.run { later.withLock {} } }
        gate.open()
        done.wait()
        warm.open()
        warmDone.wait()
        // later -> inner and later -> outer on a plain thread: a cycle only with a false dependency.
        TestThread.run("plain-nester") { later.withLock { inner.withLock {} } }
        TestThread.run("plain-nester") { later.withLock { outer.withLock {} } }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension", "lock-held-across-suspension"])
        XCTAssertEqual(Set(collector.violations.map(\.classNames)), [["suspension.fast.outer"], ["suspension.fast.inner"]])
        // Both taken by the one suspended task (the inner one's entry recorded its task on the short way).
        let takers = collector.violations.compactMap { $0.related.first?.label.split(separator: " ").dropFirst(5).first }
        XCTAssertEqual(takers.count, 2)
        XCTAssertEqual(Set(takers).count, 1, "\(collector.violations.compactMap { $0.related.first?.label })")
    }

    func test_inner_lock_served_for_the_last_pushing_task_released_before_the_await_stays_silent() {
        let outer = CheckedMutex(name: "suspension.fast-silent.outer")
        let inner = CheckedMutex(name: "suspension.fast-silent.inner")
        let later = CheckedMutex(name: "suspension.fast-silent.later")
        let actor = self.actor
        for _ in 0..<3 { runTask { await actor.run { outer.withLock { inner.withLock {} } } } }
        let gate = Gate()
        let done = startSuspended(gate, before: { outer.withLock { inner.withLock {} } }, after: {})
        runTask { await actor.run { later.withLock {} } }
        gate.open()
        done.wait()
        TestThread.run("plain-nester") { later.withLock { inner.withLock {} } }
        XCTAssertEqual(collector.rules, [])
    }

    func test_real_order_inversion_between_tasks_still_fires() {
        // The twin: the same two classes nested in both orders, each order
        // inside one task's synchronous section, is a real inversion.
        let a = CheckedMutex(name: "suspension.inv.a")
        let b = CheckedMutex(name: "suspension.inv.b")
        let actor = self.actor
        runTask { await actor.run { a.withLock { b.withLock {} } } }
        runTask { await actor.run { b.withLock { a.withLock {} } } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    // MARK: (b) released on another thread: lock before withCheckedContinuation, unlock in its body

    func test_lock_before_continuation_unlocked_in_its_body_on_another_thread_fires() {
        let state = CheckedMutex(name: "suspension.b.writer-state")
        let actor = self.actor
        runTask {
            // Taken on the pinned thread; the task then returns to the pool
            // (a suspension) and the continuation's body runs there.
            await actor.run { state.lock() }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                state.unlock()
                c.resume()
            }
        }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let v = collector.violations.first
        XCTAssertTrue(v?.message.contains("releases lock suspension.b.writer-state") ?? false, v?.message ?? "")
        XCTAssertTrue(v?.message.contains("took it on thread 'pinned-executor'") ?? false, v?.message ?? "")
        XCTAssertNotEqual(v?.event.thread, "pinned-executor")
        XCTAssertTrue(v?.related.first?.site.stack.contains { $0.contains("LockHeldAcrossSuspensionTests") } ?? false,
                      "\(v?.related.first?.site.stack ?? [])")
    }

    func test_lock_released_before_the_continuation_stays_silent() {
        let state = CheckedMutex(name: "suspension.b.fixed-state")
        let actor = self.actor
        runTask {
            await actor.run { state.withLock {} }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                state.withLock {}
                c.resume()
            }
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_plain_thread_releasing_another_threads_lock_is_still_unlock_unheld() {
        let m = CheckedMutex(name: "suspension.b.plain-wrong-thread")
        TestThread.run("plain-locker") { m.lock() }
        TestThread.run("plain-unlocker") { m.unlock() }
        // As before this rule: the locker also exits holding it.
        XCTAssertEqual(collector.rules, ["held-at-exit", "unlock-unheld"])
    }

    // MARK: withLock around synchronous code in a task

    func test_withLock_around_synchronous_code_in_tasks_stays_silent() {
        let outer = CheckedMutex(name: "suspension.sync.outer")
        let inner = CheckedMutex(name: "suspension.sync.inner")
        let counter = LockedValueBox(0, name: "suspension.sync.counter")
        runTask {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<50 {
                            outer.withLock { inner.withLock {} }
                            counter.withLockedValue { $0 += 1 }
                            await Task.yield()
                        }
                    }
                }
            }
        }
        XCTAssertEqual(counter.withLockedValue { $0 }, 400)
        XCTAssertEqual(collector.rules, [])
    }
}

/// Case (c): the task reaches an await holding a lock it took on the
/// thread, seen at the runtime's executor hop or continuation await, also
/// when it resumes on its own thread and releases the lock before anything
/// else takes a lock there (which (a) and (b) cannot see).
final class SuspensionPointTests: InstrumentedTestCase {
    let actor = PinnedActor(LockHeldAcrossSuspensionTests.pinned)

    /// An open gate: `wait()` resumes its continuation at once.
    private func openGate() -> Gate {
        let gate = Gate()
        gate.open()
        return gate
    }

    func test_lock_held_across_an_await_that_resumes_on_its_own_thread_fires() {
        let held = CheckedMutex(name: "suspension.c.held")
        let actor = self.actor
        let gate = openGate()
        let line = #line + 1
        runTask { await actor.around(gate, before: { held.lock() }, after: { held.unlock() }) }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let v = collector.violations.first
        // The task leaves the pinned actor for the nonisolated Gate.wait(): an executor hop.
        XCTAssertTrue(v?.message.contains("reaches a suspension point (an actor hop) on thread 'pinned-executor' holding lock suspension.c.held") ?? false,
                      v?.message ?? "")
        let taken = v?.related.first
        XCTAssertTrue(taken?.label.hasPrefix("suspension.c.held was taken by task 0x") ?? false, taken?.label ?? "")
        XCTAssertEqual(taken?.site.file, "InstrumentedTests/LockHeldAcrossSuspensionTests.swift")
        XCTAssertEqual(taken?.site.line, line)
    }

    func test_lock_released_before_the_await_stays_silent() {
        let held = CheckedMutex(name: "suspension.c.fixed")
        let actor = self.actor
        let gate = openGate()
        runTask { await actor.around(gate, before: { held.withLock {} }, after: { held.withLock {} }) }
        XCTAssertEqual(collector.rules, [])
    }

    private static func child() async -> Int { 7 }

    func test_lock_held_across_an_async_let_await_fires_and_released_before_it_stays_silent() {
        let held = CheckedMutex(name: "suspension.c.async-let")
        let fixed = CheckedMutex(name: "suspension.c.async-let-fixed")
        runTask {
            fixed.lock()
            fixed.unlock()
            async let x = Self.child()
            _ = await x
        }
        XCTAssertEqual(collector.rules, [])
        runTask {
            held.lock()
            async let x = Self.child()
            _ = await x
            held.unlock()
        }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let message = collector.violations.first?.message ?? ""
        XCTAssertTrue(message.contains("reaches a suspension point (an async let's await)"), message)
    }

    func test_lock_held_across_a_continuations_await_fires_and_released_before_it_stays_silent() {
        // Taken in the continuation's body, which runs before the await, so the
        // first suspension point that sees it is the continuation's await
        // itself. withUnsafeContinuation is emitted into the program, which
        // calls the runtime's await; withCheckedContinuation makes the same
        // call from the program when the optimizer inlines it, and from
        // libswift_Concurrency (not seen there) when it does not.
        let held = CheckedMutex(name: "suspension.c.continuation")
        let fixed = CheckedMutex(name: "suspension.c.continuation-fixed")
        runTask {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                fixed.withLock {}
                c.resume()
            }
        }
        XCTAssertEqual(collector.rules, [])
        runTask {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                held.lock()
                c.resume()
            }
            held.unlock()
        }
        XCTAssertEqual(collector.rules, ["lock-held-across-suspension"])
        let message = collector.violations.first?.message ?? ""
        XCTAssertTrue(message.contains("reaches a suspension point (a continuation's await)"), message)
    }
}

/// The same verdicts from a recorded trace (revision 1.2's `task=`).
final class LockHeldAcrossSuspensionTraceTests: InstrumentedTestCase {
    let actor = PinnedActor(LockHeldAcrossSuspensionTests.pinned)

    func test_recorded_suspensions_analyze_to_the_live_verdicts() throws {
        let path = temporaryPath("held-across-suspension")
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let held = CheckedMutex(name: "suspension.rec.held")
        let later = CheckedMutex(name: "suspension.rec.later")
        let state = CheckedMutex(name: "suspension.rec.state")
        let quiet = CheckedMutex(name: "suspension.rec.quiet")
        let actor = self.actor
        // (a), and the false dependency it must not leave behind.
        let gate = Gate()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await actor.around(gate, before: { held.lock() }, after: { held.unlock() })
            done.signal()
        }
        gate.waiting.wait()
        runTask { await actor.run { later.withLock {} } }
        gate.open()
        done.wait()
        TestThread.run("plain-nester-rec") { later.withLock { held.withLock {} } }
        // (b): taken on the pinned thread, released in a continuation's body on the pool.
        runTask {
            await actor.run { state.lock() }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                state.unlock()
                c.resume()
            }
        }
        // Silent: withLock around synchronous code, in tasks on one thread.
        runTask { await actor.run { quiet.withLock {} } }
        runTask { await actor.run { quiet.withLock { later.withLock {} } } }
        LockCheck.stopRecording()
        defer { unlink(path) }

        let live = collector.violations.map { "\($0.rule.rawValue) \($0.classNames)" }.sorted()
        XCTAssertEqual(live, ["lock-held-across-suspension [\"suspension.rec.held\"]",
                              "lock-held-across-suspension [\"suspension.rec.state\"]"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains(" task="), "acquire and release lines of tasks carry their task")
        let analyzed = try analyzeTrace(path)
        let offline = analyzed.map { "\($0.rule.rawValue) \($0.classNames)" }.sorted()
        XCTAssertEqual(offline, live)
        // Reported at the same events, with the same words (revision 1.3's `await` where live saw the await).
        XCTAssertEqual(analyzed.map(Self.sameness).sorted(), collector.violations.map(Self.sameness).sorted())
        // Offline, where the task took the lock: the acquisition's line in the trace.
        let taken = analyzed.first { $0.classNames == ["suspension.rec.held"] }?.related.first?.site
        XCTAssertEqual(taken?.file, path)
        XCTAssertNotNil(taken?.line)
        if let line = taken?.line {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertTrue(line <= lines.count && lines[line - 1].contains(" acquire ") && lines[line - 1].contains(" task="),
                          line <= lines.count ? String(lines[line - 1]) : "line \(line) past the end")
        }
    }

    /// What a live report and its offline replay share: the rule, the lock,
    /// the message (task, thread, kind of await), the event (thread, `seq`,
    /// what), and where the task took the lock (label, thread, `seq`). Not
    /// the places: live names the source line, offline the trace's line.
    static func sameness(_ v: Violation) -> String {
        let related = v.related.map { "\($0.label) [\($0.thread)] seq \($0.site.seq)" }
        return "\(v.rule.rawValue) \(v.classNames) | \(v.message) | \(v.event.thread) seq \(v.event.seq) \(v.event.what) | \(related)"
    }

    /// Records `body`, then analyzes the trace; returns the live and the offline reports and the trace's lines.
    private func recordAndAnalyze(_ name: String, _ body: () -> Void) throws -> (live: [Violation], offline: [Violation], lines: [Substring]) {
        let path = temporaryPath(name)
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        body()
        LockCheck.stopRecording()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (collector.violations, try analyzeTrace(path), text.split(separator: "\n", omittingEmptySubsequences: false))
    }

    // Revision 1.3: the await itself is in the trace, so what only the await
    // shows (case (c)) is reported offline too, at that await.

    func test_recorded_await_that_resumes_on_its_own_thread_analyzes_to_the_live_report() throws {
        let held = CheckedMutex(name: "suspension.rec13.held")
        let actor = self.actor
        let gate = Gate()
        gate.open()  // resumes at once, on the pinned thread: only the await shows the lock held
        let r = try recordAndAnalyze("await-own-thread") {
            runTask { await actor.around(gate, before: { held.lock() }, after: { held.unlock() }) }
        }
        XCTAssertEqual(r.live.map(\.rule.rawValue), ["lock-held-across-suspension"])
        XCTAssertTrue(r.live.first?.message.contains("(an actor hop)") ?? false, r.live.first?.message ?? "")
        XCTAssertEqual(r.offline.map(Self.sameness), r.live.map(Self.sameness))
        let awaits = r.lines.filter { $0.contains(" await ") }
        XCTAssertFalse(awaits.isEmpty)
        XCTAssertTrue(awaits.allSatisfy { $0.contains(" task=") && $0.contains(" what=hop") }, "\(awaits)")
        // The offline report is at the await's line of the trace.
        let line = r.offline.first?.event.line ?? 0
        XCTAssertTrue(line >= 1 && line <= r.lines.count && r.lines[line - 1].contains(" await "),
                      line >= 1 && line <= r.lines.count ? String(r.lines[line - 1]) : "line \(line)")
    }

    func test_recorded_lock_released_before_the_await_stays_silent_and_writes_no_await() throws {
        let quiet = CheckedMutex(name: "suspension.rec13.quiet")
        let actor = self.actor
        let gate = Gate()
        gate.open()
        let r = try recordAndAnalyze("await-own-thread-fixed") {
            runTask { await actor.around(gate, before: { quiet.withLock {} }, after: { quiet.withLock {} }) }
        }
        XCTAssertEqual(r.live.map(\.rule.rawValue), [])
        XCTAssertEqual(r.offline.map(\.rule.rawValue), [])
        // No lock held at any await: the recorder writes none (the engine's call would do nothing).
        XCTAssertEqual(r.lines.filter { $0.contains(" await ") }, [])
        XCTAssertTrue(r.lines.contains { $0.contains(" acquire ") && $0.contains(" task=") })
    }

    private static func child() async -> Int { 7 }

    func test_recorded_async_let_and_continuation_awaits_analyze_to_the_live_reports() throws {
        let asyncLet = CheckedMutex(name: "suspension.rec13.async-let")
        let continuation = CheckedMutex(name: "suspension.rec13.continuation")
        let fixed = CheckedMutex(name: "suspension.rec13.fixed")
        let r = try recordAndAnalyze("await-kinds") {
            runTask {
                fixed.withLock {}
                async let x = Self.child()
                _ = await x
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    fixed.withLock {}
                    c.resume()
                }
            }
            runTask {
                asyncLet.lock()
                async let x = Self.child()
                _ = await x
                asyncLet.unlock()
            }
            runTask {
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    continuation.lock()
                    c.resume()
                }
                continuation.unlock()
            }
        }
        XCTAssertEqual(r.live.map(\.classNames).sorted { $0.description < $1.description },
                       [["suspension.rec13.async-let"], ["suspension.rec13.continuation"]])
        XCTAssertEqual(r.offline.map(Self.sameness).sorted(), r.live.map(Self.sameness).sorted())
        let messages = r.offline.map(\.message).joined(separator: "\n")
        XCTAssertTrue(messages.contains("(an async let's await)") && messages.contains("(a continuation's await)"), messages)
        XCTAssertTrue(r.lines.contains { $0.contains(" await ") && $0.contains(" what=async-let") })
        XCTAssertTrue(r.lines.contains { $0.contains(" await ") && $0.contains(" what=continuation") })
    }
}

