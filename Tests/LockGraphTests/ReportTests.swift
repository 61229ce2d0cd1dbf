@testable import LockGraph
import XCTest

/// What a violation carries (rules.md "Reports"): the cycle with the edge that
/// closed it, the CPU0/CPU1 scenario, the held stack, the contexts, messages
/// and distinct dedup keys.
final class ReportTests: XCTestCase {
    /// Asserts that `chain` is one closed cycle over exactly `classes`.
    private func assertCycle(_ v: Violation, over classes: [String], file: StaticString = #filePath, line: UInt = #line) {
        let chain = v.chain
        XCTAssertEqual(chain.count, classes.count, "one edge per class of the cycle", file: file, line: line)
        guard !chain.isEmpty else { return }
        for (i, e) in chain.enumerated() {
            let next = chain[(i + 1) % chain.count]
            XCTAssertEqual(e.to, next.from, "edge \(i) \(e.from)->\(e.to) does not meet \(next.from)->\(next.to)",
                           file: file, line: line)
            XCTAssertFalse(e.types.isEmpty, "edge \(i) has no dependency type", file: file, line: line)
        }
        XCTAssertEqual(Set(chain.map(\.from)), Set(classes), file: file, line: line)
        XCTAssertEqual(chain.filter(\.isNew).count, 1, "exactly one new edge", file: file, line: line)
    }

    func test_ABBCCA_report_hasWholeCycle() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.lockUnlock2("A", "B")
        s.lockUnlock2("B", "C")
        s.thread("closer") {
            s.lock("C")
            s.lock("A") // closes C -> A
        }
        s.expect(fires(.lockOrderInversion, "A", "B", "C"))
        guard let v = s.violations.first else { return }
        assertCycle(v, over: ["A", "B", "C"])
        let new = v.chain.first(where: \.isNew)
        XCTAssertEqual(new?.from, "C")
        XCTAssertEqual(new?.to, "A")
        XCTAssertEqual(new?.thread, "closer")
        XCTAssertEqual(new?.types, "-(EN)->")
        // The older edges keep the thread and seq that first established them.
        let ab = v.chain.first { $0.from == "A" && $0.to == "B" }
        XCTAssertEqual(ab?.thread, "main")
        XCTAssertEqual(ab?.site.seq, 2)
        XCTAssertEqual(ab?.fromSite.seq, 1)
        XCTAssertEqual(v.trying?.className, "A")
        XCTAssertEqual(v.held.map(\.className), ["C"])
        XCTAssertEqual(v.event.thread, "closer")
        XCTAssertEqual(v.event.seq, s.seq)
        XCTAssertEqual(v.classes.map(\.kind), ["mutex", "mutex", "mutex"])
        let scenario = try? XCTUnwrap(v.scenario)
        XCTAssertFalse(scenario?.cpu0.isEmpty ?? true)
        XCTAssertFalse(scenario?.cpu1.isEmpty ?? true)
        XCTAssertFalse(v.message.isEmpty)
        XCTAssertFalse(v.explanation.isEmpty)
        XCTAssertFalse(v.hint.isEmpty)
    }

    func test_ABBA_report_hasTwoEdgeCycleAndScenario() {
        let s = Scenario()
        s.declare(.spinlock, "A", "B")
        s.lockUnlock2("A", "B")
        s.lock("B")
        s.lock("A")
        guard let v = s.violations.first else { return XCTFail("no report") }
        assertCycle(v, over: ["A", "B"])
        let cpus = (v.scenario?.cpu0 ?? []) + (v.scenario?.cpu1 ?? [])
        XCTAssertTrue(cpus.contains("lock(A);") && cpus.contains("lock(B);"), "\(cpus)")
    }

    func test_ABCDBDDA_report_cycleExcludesBystander() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C", "D")
        s.lockUnlock2("A", "B")
        s.lockUnlock2("C", "D")
        s.lockUnlock2("B", "D")
        s.lockUnlock2("D", "A")
        guard let v = s.violations.first else { return XCTFail("no report") }
        assertCycle(v, over: ["A", "B", "D"])
    }

    func test_readerCycle_report_namesDependencyTypes() {
        let s = Scenario()
        s.declare(.rwlock, "X1", "Y1", "Z1")
        s.wlock("X1"); s.rlock("Y1"); s.unlock("Y1"); s.unlock("X1")
        s.wlock("Y1"); s.rlock("Z1"); s.unlock("Z1"); s.unlock("Y1")
        s.wlock("Z1"); s.rlock("X1"); s.unlock("X1"); s.unlock("Z1")
        guard let v = s.violations.first else { return XCTFail("no report") }
        assertCycle(v, over: ["X1", "Y1", "Z1"])
        XCTAssertEqual(Set(v.chain.map(\.types)), ["-(ER)->"])
    }

    func test_recursiveLock_report_heldAndTrying() {
        let s = Scenario()
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        s.lock("X1")
        s.lock("X2")
        guard let v = s.violations.first else { return XCTFail("no report") }
        XCTAssertEqual(v.trying?.className, "X")
        XCTAssertEqual(v.trying?.instance, s.instance("X2").id)
        XCTAssertEqual(v.held.map(\.instance), [s.instance("X1").id])
        XCTAssertNotNil(v.scenario)
    }

    func test_sleepInAtomic_report_namesContexts() {
        let s = Scenario()
        s.declare(.spinlock, "S")
        s.irqsOff()
        let irqsOffSeq = s.seq
        s.lock("S")
        s.rcuLock(.plain)
        s.sleep("sleep what=cond-wait")
        guard let v = s.violations.first else { return XCTFail("no report") }
        XCTAssertEqual(v.rule, .sleepInAtomic)
        let names = v.contexts.map(\.name)
        XCTAssertTrue(names.contains("irqs-off"), "\(names)")
        XCTAssertTrue(names.contains("rcu_read_lock"), "\(names)")
        XCTAssertTrue(names.contains { $0.contains("S") && $0.contains("spinlock") }, "\(names)")
        XCTAssertEqual(v.contexts.first { $0.name == "irqs-off" }?.site.seq, irqsOffSeq)
        XCTAssertEqual(v.held.map(\.className), ["S"])
    }

    func test_invalidWaitContext_report_namesContextAndHeld() {
        let s = Scenario()
        s.declare(.rawSpinlock, "raw")
        s.declare(.spinlock, "spin")
        s.lock("raw")
        s.lock("spin")
        guard let v = s.violations.first else { return XCTFail("no report") }
        XCTAssertEqual(v.trying?.className, "spin")
        XCTAssertEqual(v.held.map(\.className), ["raw"])
        XCTAssertFalse(v.contexts.isEmpty)
        XCTAssertEqual(Set(v.classes.map(\.kind)), ["raw-spinlock", "spinlock"])
    }

    func test_irqLockInversion_report_hasChainAndUsageSites() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.lock("B"); s.unlock("B")
        s.irqsOff(); s.lock("A"); s.lock("B")
        guard let v = s.violations.first else { return XCTFail("no report") }
        XCTAssertEqual(v.rule, .irqLockInversion)
        XCTAssertEqual(v.chain.filter(\.isNew).count, 1)
        XCTAssertEqual(v.chain.first?.from, "A")
        XCTAssertEqual(v.chain.last?.to, "B")
        XCTAssertEqual(v.related.count, 2, "where each usage was first seen")
        XCTAssertNotNil(v.scenario)
    }

    func test_inconsistentLockState_report_pointsAtFirstUsage() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        let inIrqSeq = s.seq - 3 // irqs-off, hardirq-enter, acquire, …
        s.lock("A")
        guard let v = s.violations.first else { return XCTFail("no report") }
        XCTAssertEqual(v.related.first?.site.seq, inIrqSeq)
        XCTAssertTrue(v.message.contains("IN-HARDIRQ-W"), v.message)
        XCTAssertTrue(v.message.contains("HARDIRQ-ON-W"), v.message)
    }

    func test_everyRule_messagesNonEmpty_keysDistinct() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "M")
        s.declare(.spinlock, "S")
        s.declare(.rawSpinlock, "R")
        s.declare(.mutex, class: "X", instances: "X1", "X2")
        s.lockUnlock2("A", "B"); s.lockUnlock2("B", "A")                 // lock-order-inversion
        s.lock("X1"); s.lock("X2"); s.unlock("X2"); s.unlock("X1")      // recursive-lock
        s.lock("R"); s.lock("S"); s.unlock("S")                          // invalid-wait-context
        s.alloc(.nowait, 64); s.unlock("R")                              // alloc-under-raw-lock
        s.lock("S"); s.lock("M"); s.unlock("M"); s.unlock("S")          // sleep-in-atomic
        s.unlock("A")                                                    // unlock-unheld
        s.lock("A"); s.lockFree("A"); s.unlock("A"); s.lockInit("A")   // held-lock-freed
        s.deferFree("q", 1); s.deferFree("q", 1)                         // double-deferred-free
        s.deferFree("q", 2, pool: "p"); s.destroyPool("p")               // destroy-with-pending-free
        s.alloc(.nowait, 8, pool: "p")                                   // use-after-destroy
        s.thread("t") { s.lock("B"); s.exitThread() }                    // held-at-exit
        s.blockingWait(in: .task)                                        // blocking-in-async-context
        s.declare(.mutex, "T", "U")
        s.thread("pool") { s.task(1); s.lock("T"); s.task(2); s.lock("U") }  // lock-held-across-suspension
        let rules = Set(s.violations.map(\.rule))
        XCTAssertEqual(rules, Set(RuleID.allCases).subtracting([.irqLockInversion, .inconsistentLockState, .deadlock, .lockWaitTimeout]))
        XCTAssertEqual(Set(s.violations.map(\.key)).count, s.violations.count, "dedup keys are distinct")
        for v in s.violations {
            XCTAssertFalse(v.message.isEmpty, "\(v.rule)")
            XCTAssertFalse(v.explanation.isEmpty, "\(v.rule)")
            XCTAssertFalse(v.hint.isEmpty, "\(v.rule)")
            XCTAssertEqual(v.classNames, v.classNames.sorted(), "\(v.rule): classes are sorted")
            XCTAssertFalse(v.rule.lockdepTitle.isEmpty)
        }
        let stats = s.validator.statistics
        XCTAssertEqual(stats.totalViolations, s.violations.count)
        for rule in rules {
            XCTAssertEqual(stats.violations[rule], s.violations.filter { $0.rule == rule }.count, "\(rule)")
        }
    }

    func test_statistics_countClassesAndDependencies() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.nested("A", "B", "C")
        s.nested("A", "B", "C")
        let stats = s.validator.statistics
        XCTAssertEqual(stats.classes, 3)
        XCTAssertEqual(stats.dependencies, 2)
        XCTAssertEqual(stats.totalViolations, 0)
    }
}

// MARK: Several traces analysed together (trace-format.md)

extension ReportTests {
    func test_ABBA_halvesInTwoTraces_fires() {
        // Classes (kind + name) are shared across files, so the graph is too.
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let f1 = v.addSource(name: "first.trace"), f2 = v.addSource(name: "second.trace")
        let a1 = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 10, source: f1)
        let b1 = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 11, source: f1)
        let a2 = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 10, source: f2)
        let b2 = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 11, source: f2)
        let t1 = v.makeThread(name: "p1-main", source: f1, id: 1)
        let t2 = v.makeThread(name: "p2-main", source: f2, id: 1)
        v.acquire(a1, thread: t1, site: EventSite(seq: 1, source: f1, line: 7))
        v.acquire(b1, thread: t1, site: EventSite(seq: 2, source: f1, line: 8))
        v.release(b1, thread: t1, site: EventSite(seq: 3, source: f1, line: 9))
        v.release(a1, thread: t1, site: EventSite(seq: 4, source: f1, line: 10))
        v.acquire(b2, thread: t2, site: EventSite(seq: 1, source: f2, line: 7))
        v.acquire(a2, thread: t2, site: EventSite(seq: 2, source: f2, line: 8))
        XCTAssertEqual(log.all.map { Expected($0).description }, [fires(.lockOrderInversion, "A", "B").description])
        guard let r = log.all.first else { return }
        XCTAssertEqual(r.event.file, "second.trace")
        XCTAssertEqual(r.event.line, 8)
        let old = r.chain.first { !$0.isNew }
        XCTAssertEqual(old?.site.file, "first.trace")
        XCTAssertEqual(old?.site.line, 8)
        XCTAssertEqual(old?.thread, "p1-main")
    }

    func test_samePointerQueuedInTwoTraces_staysSilent() {
        // Pointers belong to one process: the same address in two files is two objects.
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let f1 = v.addSource(name: "first.trace"), f2 = v.addSource(name: "second.trace")
        let q1 = v.makeQueue(name: "krc", id: 1, source: f1), q2 = v.makeQueue(name: "krc", id: 1, source: f2)
        let t1 = v.makeThread(name: "a", source: f1, id: 1), t2 = v.makeThread(name: "b", source: f2, id: 1)
        v.deferFree(queue: q1, pointer: 0x1000, thread: t1, site: EventSite(seq: 1, source: f1, line: 5))
        v.deferFree(queue: q2, pointer: 0x1000, thread: t2, site: EventSite(seq: 1, source: f2, line: 5))
        XCTAssertEqual(log.count, 0)
        v.deferFree(queue: q2, pointer: 0x1000, thread: t2, site: EventSite(seq: 2, source: f2, line: 6))
        XCTAssertEqual(log.all.map { Expected($0).description }, [fires(.doubleDeferredFree, "krc").description])
        XCTAssertEqual(log.all.first?.related.first?.site.file, "second.trace")
    }

    func test_invalidWaitContext_preemptRT_explainsSleepingLock() {
        let s = Scenario(preemptRT: true)
        s.declare(.rawSpinlock, "raw")
        s.declare(.spinlock, "spin")
        s.lock("raw")
        s.lock("spin")
        XCTAssertTrue(s.violations.first?.message.contains("PREEMPT_RT") ?? false, s.violations.first?.message ?? "")
        let plain = Scenario()
        plain.declare(.rawSpinlock, "raw")
        plain.declare(.spinlock, "spin")
        plain.lock("raw")
        plain.lock("spin")
        XCTAssertFalse(plain.violations.first?.message.contains("PREEMPT_RT") ?? true)
    }
}

extension ReportTests {
    func test_blocking_wait_in_task_fires() {
        let s = Scenario()
        s.blockingWait(in: .task)
        XCTAssertEqual(s.violations.map(\.rule), [.blockingInAsyncContext])
        XCTAssertEqual(s.violations.first?.message, "blocking wait in a Swift task: sleep what=semaphore-wait")
    }

    func test_blocking_wait_outside_async_context_stays_silent() {
        let s = Scenario()
        s.blockingWait(in: [])
        XCTAssertEqual(s.violations.map(\.rule), [])
    }
}

/// `lock-held-across-suspension` in the engine, through `setTask`.
extension ReportTests {
    func test_other_task_takes_a_lock_on_a_thread_holding_a_tasks_lock_fires() {
        let s = Scenario()
        s.declare(.mutex, "Cache", "Metrics")
        s.thread("pool-1") {
            s.task(0x10); s.lock("Cache")      // task 0x10 awaits holding Cache
            s.task(0x20); s.lock("Metrics"); s.unlock("Metrics")
        }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
        XCTAssertEqual(s.violations.first?.message,
                       "task 0x10 suspended holding lock Cache: task 0x20 runs on thread 'pool-1' and takes Metrics while Cache is still held")
        XCTAssertEqual(s.violations.first?.related.first?.label, "Cache was taken by task 0x10 at")
        // Set aside: no Cache -> Metrics dependency, so the reverse order is no inversion.
        s.thread("plain") { s.nested("Metrics", "Cache") }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
    }

    func test_one_task_nesting_locks_and_tasks_taking_turns_stay_silent() {
        let s = Scenario()
        s.declare(.mutex, "Cache", "Metrics")
        s.thread("pool-1") {
            s.task(0x10); s.nested("Cache", "Metrics")
            s.task(0x20); s.nested("Metrics")
            s.task(0x10); s.lock("Cache"); s.lock("Metrics"); s.unlock("Metrics"); s.unlock("Cache")
            s.task(0); s.nested("Cache")
        }
        XCTAssertEqual(s.violations.map(\.rule), [])
    }

    /// The memo's short way serves a thread that runs tasks (issue 14, round 2):
    /// the task that owns the held locks only; another task (or code outside
    /// any task) on top of them takes the full path, which reports.
    func test_memo_served_task_lock_still_fires_when_another_task_takes_a_lock_on_the_thread() {
        let s = Scenario()
        s.declare(.mutex, "Cache", "Metrics")
        s.thread("pool-1") {
            s.task(0x10)
            s.nested("Cache", "Metrics")  // validated
            s.nested("Cache", "Metrics")  // remembered
            let v = s.validator, t = s.current, site = EventSite(seq: 900)
            // The running task, outermost and on top of its own lock: served.
            XCTAssertTrue(v.acquireIfMemoizedInTask(s.instance("Cache"), countsHolder: true, task: 0x10, thread: t, site: site))
            XCTAssertTrue(v.acquireIfMemoizedInTask(s.instance("Metrics"), countsHolder: true, task: 0x10, thread: t, site: site))
            s.unlock("Metrics")
            // Task 0x10 awaits holding Cache; another task, or plain code, on top of it: not served.
            XCTAssertFalse(v.acquireIfMemoizedInTask(s.instance("Metrics"), countsHolder: true, task: 0x20, thread: t, site: site))
            XCTAssertFalse(v.acquireIfMemoizedInTask(s.instance("Metrics"), countsHolder: true, task: 0, thread: t, site: site))
            s.task(0x20); s.lock("Metrics"); s.unlock("Metrics")
        }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
        XCTAssertEqual(s.violations.first?.message,
                       "task 0x10 suspended holding lock Cache: task 0x20 runs on thread 'pool-1' and takes Metrics while Cache is still held")
        XCTAssertEqual(s.violations.first?.related.first?.label, "Cache was taken by task 0x10 at")
    }

    /// The live runtime's one short way (`acquireIfMemoizedForTask`, issue 14
    /// round 3): on a plain thread it serves code outside a task only; on a
    /// thread that runs tasks, only the task of the last push, with no lock
    /// released elsewhere pending. Another task on top of a suspended task's
    /// lock is not served, and the full path reports it.
    func test_one_short_way_serves_the_last_pushing_task_only_and_another_task_still_fires() {
        let s = Scenario()
        s.declare(.mutex, "Cache", "Metrics")
        let site = EventSite(seq: 900)
        s.thread("plain") {
            s.nested("Cache", "Metrics"); s.nested("Cache", "Metrics")
            let v = s.validator, t = s.current
            s.lock("Cache")
            // A task on a thread that never ran one: the long way (which makes it one that runs tasks).
            XCTAssertFalse(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0x10, thread: t, siteOnHit: { site }))
            XCTAssertTrue(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0, thread: t, siteOnHit: { site }))
            XCTAssertEqual(v.brokenInvariants(of: t), [])
            s.unlock("Metrics"); s.unlock("Cache")
        }
        s.thread("pool-1") {
            s.task(0x10)
            s.nested("Cache", "Metrics"); s.nested("Cache", "Metrics")
            let v = s.validator, t = s.current
            s.lock("Cache")  // task 0x10 made the last push
            XCTAssertFalse(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0x20, thread: t, siteOnHit: { site }))
            XCTAssertFalse(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0, thread: t, siteOnHit: { site }))
            XCTAssertTrue(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0x10, thread: t, siteOnHit: { site }))
            XCTAssertEqual(v.brokenInvariants(of: t), [])
            s.unlock("Metrics")
            // Task 0x10 awaits holding Cache; task 0x20 takes Metrics on the thread: not served, the full path reports.
            XCTAssertFalse(v.acquireIfMemoizedForTask(s.instance("Metrics"), countsHolder: true, task: 0x20, thread: t, siteOnHit: { site }))
            s.task(0x20); s.lock("Metrics")
            XCTAssertEqual(v.brokenInvariants(of: t), [])
            s.unlock("Metrics")
        }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
        XCTAssertEqual(s.violations.first?.message,
                       "task 0x10 suspended holding lock Cache: task 0x20 runs on thread 'pool-1' and takes Metrics while Cache is still held")
    }

    func test_memo_served_task_taking_turns_with_another_task_stays_silent() {
        let s = Scenario()
        s.declare(.mutex, "Cache", "Metrics")
        s.thread("pool-1") {
            for _ in 0..<3 {
                s.task(0x10); s.nested("Cache", "Metrics")
                s.task(0x20); s.nested("Metrics")
                s.task(0); s.nested("Cache")
            }
            let v = s.validator, t = s.current, site = EventSite(seq: 900)
            for task: UInt64 in [0x10, 0x20, 0] {
                XCTAssertTrue(v.acquireIfMemoizedInTask(s.instance("Cache"), countsHolder: true, task: task, thread: t, site: site))
                s.unlock("Cache")
            }
        }
        XCTAssertEqual(s.violations.map(\.rule), [])
    }

    func test_memo_served_task_lock_released_on_another_thread_fires_and_its_thread_drops_it() {
        let s = Scenario()
        s.declare(.mutex, "Writer", "Plain")
        s.thread("pool-1") {
            s.task(0x10)
            s.nested("Writer", "Plain"); s.nested("Writer", "Plain")
            XCTAssertTrue(s.validator.acquireIfMemoizedInTask(s.instance("Writer"), countsHolder: true, task: 0x10, thread: s.current, site: EventSite(seq: 900)))
        }
        s.thread("pool-2") { s.task(0x10); s.unlock("Writer") }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
        XCTAssertEqual(s.violations.first?.message,
                       "task 0x10 releases lock Writer on thread 'pool-2', which does not hold it: task 0x10 took it on thread 'pool-1' and suspended before releasing it")
        s.thread("pool-1") {
            // Its own task's top entry, a remembered chain, but a release elsewhere is pending: the full path.
            XCTAssertFalse(s.validator.acquireIfMemoizedInTask(s.instance("Plain"), countsHolder: true, task: 0x10, thread: s.current, site: EventSite(seq: 901)))
            s.nested("Plain")
            XCTAssertEqual(s.current.heldCount, 0)  // the stale Writer entry dropped
        }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
    }

    func test_release_in_a_task_on_another_thread_fires_and_outside_a_task_is_unlock_unheld() {
        let s = Scenario()
        s.declare(.mutex, "Writer", "Plain")
        s.thread("pool-1") { s.task(0x10); s.lock("Writer") }
        s.thread("pool-2") { s.task(0x10); s.unlock("Writer") }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension])
        XCTAssertEqual(s.violations.first?.message,
                       "task 0x10 releases lock Writer on thread 'pool-2', which does not hold it: task 0x10 took it on thread 'pool-1' and suspended before releasing it")
        // The task comes back to pool-1: the stale entry is dropped, not a dependency.
        s.thread("pool-1") { s.task(0x10); s.nested("Plain") }
        s.thread("plain") { s.nested("Plain", "Writer") }
        s.thread("t1") { s.lock("Plain") }
        s.thread("t2") { s.unlock("Plain") }
        XCTAssertEqual(s.violations.map(\.rule), [.lockHeldAcrossSuspension, .unlockUnheld])
    }
}
