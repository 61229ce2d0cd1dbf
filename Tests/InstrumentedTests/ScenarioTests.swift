import Dispatch
import Foundation
import Instrumented
import LockGraph
import LockTextReport
import XCTest

/// The engine's scenarios driven through the real lock types on real
/// threads, each with a "fires" and a "stays silent" twin.
final class ScenarioTests: InstrumentedTestCase {
    // MARK: lock-order-inversion

    func test_ABBA_two_threads_fires() {
        let a = CheckedMutex(name: "abba.A")
        let b = CheckedMutex(name: "abba.B")
        let firstDone = DispatchSemaphore(value: 0)
        let t1 = TestThread("abba-1") {
            a.withLock { b.withLock {} }
            firstDone.signal()
        }
        let t2 = TestThread("abba-2") {
            firstDone.wait()
            b.withLock { a.withLock {} }
        }
        t1.join()
        t2.join()
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        let v = collector.violations.first
        XCTAssertEqual(v?.classNames, ["abba.A", "abba.B"])
        XCTAssertEqual(v?.event.thread, "abba-2")
        XCTAssertEqual(v?.chain.count, 2)
    }

    func test_ABBA_same_order_stays_silent() {
        let a = CheckedMutex(name: "abba-silent.A")
        let b = CheckedMutex(name: "abba-silent.B")
        TestThread.run("same-1") { a.withLock { b.withLock {} } }
        TestThread.run("same-2") { a.withLock { b.withLock {} } }
        XCTAssertEqual(collector.rules, [])
    }

    func test_ABBCCA_three_threads_fires() {
        let a = SpinLock(name: "abbcca.A")
        let b = SpinLock(name: "abbcca.B")
        let c = SpinLock(name: "abbcca.C")
        TestThread.run("t1") { a.withLock { b.withLock {} } }
        TestThread.run("t2") { b.withLock { c.withLock {} } }
        TestThread.run("t3") { c.withLock { a.withLock {} } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        XCTAssertEqual(collector.violations.first?.classNames, ["abbcca.A", "abbcca.B", "abbcca.C"])
    }

    // MARK: recursive-lock

    func test_AA_same_class_two_instances_fires() {
        let locks = (0..<2).map { _ in CheckedMutex() }  // one init site: one class
        locks[0].withLock { locks[1].withLock {} }
        XCTAssertEqual(collector.rules, ["recursive-lock"])
    }

    func test_AA_same_class_with_subclass_stays_silent() {
        let locks = (0..<2).map { _ in CheckedMutex() }
        locks[0].withLock { locks[1].withLock(subclass: 1) {} }
        XCTAssertEqual(collector.rules, [])
    }

    func test_AA_same_class_under_nest_lock_stays_silent() {
        let parent = CheckedMutex(name: "nest.parent")
        let children = (0..<3).map { _ in CheckedMutex() }
        parent.withLock {
            children[2].withLock(nestLock: parent) {
                children[0].withLock(nestLock: parent) {}
            }
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_recursive_mutex_reacquire_stays_silent() {
        let m = CheckedRecursiveMutex(name: "recursive.m")
        m.withLock {
            m.withLock { XCTAssertTrue(m.tryLock()); m.unlock() }
        }
        TestThread.run("other") { m.withLock {} }
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: try locks

    func test_reverse_order_trylock_stays_silent() {
        let a = CheckedMutex(name: "try.A")
        let b = CheckedMutex(name: "try.B")
        TestThread.run("forward") { a.withLock { b.withLock {} } }
        TestThread.run("reverse") {
            b.withLock { _ = a.withLockIfAvailable {} }
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_trylock_fails_while_held_elsewhere() {
        let m = SpinLock(name: "try.busy")
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = TestThread("holder") {
            m.withLock {
                held.signal()
                release.wait()
            }
        }
        held.wait()
        XCTAssertNil(m.withLockIfAvailable { 1 })
        release.signal()
        holder.join()
        XCTAssertEqual(m.withLockIfAvailable { 2 }, 2)
        XCTAssertTrue(m.try())  // NSLock's spelling
        m.unlock()
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: reader/writer locks

    func test_rwsem_write_ABBA_fires() {
        let a = CheckedRWLock(name: "rwsem.A")
        let b = CheckedRWLock(name: "rwsem.B")
        TestThread.run("w1") { a.withWriteLock { b.withWriteLock {} } }
        TestThread.run("w2") { b.withWriteLock { a.withWriteLock {} } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    func test_rwsem_readers_share_and_nest_in_order_stays_silent() {
        let a = CheckedRWLock(name: "rwsem-read.A")
        let b = CheckedRWLock(name: "rwsem-read.B")
        let bothIn = DispatchSemaphore(value: 0)
        let leave = DispatchSemaphore(value: 0)
        let r1 = TestThread("reader-1") { a.withReadLock { bothIn.signal(); leave.wait(); b.withReadLock {} } }
        let r2 = TestThread("reader-2") { a.withReadLock { bothIn.signal(); leave.wait(); b.withWriteLock {} } }
        bothIn.wait(); bothIn.wait()  // two readers hold `a` at once
        leave.signal(); leave.signal()
        r1.join(); r2.join()
        XCTAssertEqual(a.withReadLockIfAvailable { 1 }, 1)
        XCTAssertEqual(collector.rules, [])
    }

    func test_spin_rwlock_reader_under_writer_elsewhere_fires() {
        let a = SpinRWLock(name: "rwlock.A")
        let b = SpinRWLock(name: "rwlock.B")
        TestThread.run("r") { a.withReadLock { b.withWriteLock {} } }
        TestThread.run("w") { b.withWriteLock { a.withWriteLock {} } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    // MARK: sleep-in-atomic, invalid-wait-context, alloc-under-raw-lock

    func test_sleep_under_SpinLock_fires() {
        let s = SpinLock(name: "sleep.spin")
        s.withLock { LockCheck.mightSleep("io-wait") }
        XCTAssertEqual(collector.rules, ["sleep-in-atomic"])
        XCTAssertEqual(collector.violations.first?.classNames, ["sleep.spin"])
    }

    func test_sleep_under_mutex_stays_silent() {
        let m = CheckedMutex(name: "sleep.mutex")
        m.withLock { LockCheck.sleep(nanoseconds: 1) }
        XCTAssertEqual(collector.rules, [])
    }

    func test_mutex_under_RawSpinLock_fires() {
        let raw = RawSpinLock(name: "mutex-under-raw.raw")
        let m = CheckedMutex(name: "mutex-under-raw.m")
        raw.withLock { m.withLock {} }
        XCTAssertEqual(collector.rules, ["sleep-in-atomic"])
    }

    func test_SpinLock_under_RawSpinLock_fires() {
        let raw = RawSpinLock(name: "spin-under-raw.raw")
        let spin = SpinLock(name: "spin-under-raw.spin")
        raw.withLock { spin.withLock {} }
        XCTAssertEqual(collector.rules, ["invalid-wait-context"])
    }

    func test_RawSpinLock_under_SpinLock_stays_silent() {
        let raw = RawSpinLock(name: "raw-under-spin.raw")
        let spin = SpinLock(name: "raw-under-spin.spin")
        spin.withLock { raw.withLock {} }
        XCTAssertEqual(collector.rules, [])
    }

    func test_seed_002_alloc_nowait_under_RawSpinLock_fires() {
        let raw = RawSpinLock(name: "krc.lock.fires")
        let p = raw.withLock { LockCheck.allocate(byteCount: 4096, flags: .nowait) }
        XCTAssertNotNil(p)
        LockCheck.free(p)
        XCTAssertEqual(collector.rules, ["alloc-under-raw-lock"])
        XCTAssertEqual(collector.violations.first?.classNames, ["krc.lock.fires"])
    }

    func test_seed_002_alloc_no_locks_under_RawSpinLock_stays_silent() {
        let raw = RawSpinLock(name: "krc.lock.silent")
        TestThread.run("no-locks") {
            XCTAssertNil(raw.withLock { LockCheck.allocate(byteCount: 4096, flags: .noLocks) }, "empty cache: nil")
            XCTAssertEqual(LockCheck.fillNoLocksCache(byteCount: 4096, count: 2), 2)
            let p = raw.withLock { LockCheck.allocate(byteCount: 4096, flags: .noLocks) }
            XCTAssertNotNil(p)
            p?.storeBytes(of: 42, as: Int.self)
            LockCheck.free(p)
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_may_block_alloc_in_rcu_section_fires() {
        LockCheck.rcuRead {
            LockCheck.free(LockCheck.allocate(byteCount: 64, flags: .mayBlock))
        }
        XCTAssertEqual(collector.rules, ["sleep-in-atomic"])
    }

    // MARK: contexts

    func test_SpinLock_in_hardirq_fires_RawSpinLock_stays_silent() {
        let raw = RawSpinLock(name: "hardirq.raw")
        let spin = SpinLock(name: "hardirq.spin")
        LockCheck.hardirq { raw.withLock {} }
        XCTAssertEqual(collector.rules, [])
        LockCheck.hardirq { spin.withLock {} }
        XCTAssertEqual(collector.rules, ["invalid-wait-context"])
    }

    func test_SpinLock_in_threaded_hardirq_stays_silent() {
        let spin = SpinLock(name: "threaded-hardirq.spin")
        LockCheck.hardirq(threaded: true) { spin.withLock {} }
        XCTAssertEqual(collector.rules, [])
    }

    func test_irq_inconsistent_lock_state_fires() {
        let spin = SpinLock(name: "irq-state.spin")
        LockCheck.hardirq { LockCheck.rcuRead(.plain) {} }
        TestThread.run("irq") { LockCheck.hardirq(threaded: true) { spin.withLock {} } }
        XCTAssertEqual(collector.rules, [])
        let raw = RawSpinLock(name: "irq-state.raw")
        TestThread.run("irq") { LockCheck.hardirq { raw.withLock {} } }
        TestThread.run("process") { raw.withLock {} }  // irqs on: used in hardirq and hardirq-enabled
        XCTAssertEqual(collector.rules, ["inconsistent-lock-state"])
    }

    func test_irqs_disabled_scope_stays_silent() {
        let raw = RawSpinLock(name: "irqs-off.raw")
        TestThread.run("irq") { LockCheck.hardirq { raw.withLock {} } }
        TestThread.run("process") { LockCheck.irqsDisabled { LockCheck.irqsDisabled { raw.withLock {} } } }
        XCTAssertEqual(collector.rules, [])
    }

    func test_sleep_in_softirq_and_preempt_off_fire() {
        LockCheck.softirq { LockCheck.mightSleep("in-softirq") }
        LockCheck.preemptionDisabled { LockCheck.blocking("sem-wait") {} }
        XCTAssertEqual(collector.rules, ["sleep-in-atomic", "sleep-in-atomic"])
    }

    func test_sleep_with_softirqs_disabled_fires_and_after_stays_silent() {
        LockCheck.softirqsDisabled { LockCheck.softirqsDisabled {} ; LockCheck.mightSleep("bh-off") }
        LockCheck.mightSleep("bh-on")
        XCTAssertEqual(collector.rules, ["sleep-in-atomic"])
    }

    // MARK: lifetimes

    func test_held_at_exit_fires() {
        let m = CheckedMutex(name: "exit.m")
        TestThread.run("leaker") { m.lock() }
        XCTAssertEqual(collector.rules, ["held-at-exit"])
        XCTAssertEqual(collector.violations.first?.event.thread, "leaker")
    }

    func test_unlock_unheld_fires() {
        let s = RawSpinLock(name: "unheld.s")
        s.unlock()
        XCTAssertEqual(collector.rules, ["unlock-unheld"])
    }

    func test_held_lock_freed_fires() {
        let c = collector
        TestThread.run("freer") {
            var m: SpinLock? = SpinLock(name: "freed.spin")
            m?.lock()
            m = nil
            XCTAssertEqual(c.rules, ["held-lock-freed"])
            LockCheck.mightSleep("after-freed")  // the freed lock stays held: still atomic
            XCTAssertEqual(c.rules, ["held-lock-freed", "sleep-in-atomic"])
        }
        XCTAssertEqual(collector.rules, ["held-at-exit", "held-lock-freed", "sleep-in-atomic"])
    }

    func test_use_after_pool_destroy_fires() {
        let pool = LockCheck.Pool.create(name: "pool.uad")
        let p = LockCheck.allocate(byteCount: 32, pool: pool)
        pool.destroy()
        LockCheck.free(p, pool: pool)
        XCTAssertEqual(collector.rules, ["use-after-destroy"])
    }

    func test_pool_used_before_destroy_stays_silent() {
        let pool = LockCheck.Pool.create(name: "pool.ok")
        LockCheck.free(LockCheck.allocate(byteCount: 32, pool: pool), pool: pool)
        pool.destroy()
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: values and annotations

    func test_locked_value_box() {
        let box = LockedValueBox(0, name: "box.counter")
        let threads = (0..<4).map { i in TestThread("box-\(i)") { for _ in 0..<1000 { box.withLockedValue { $0 += 1 } } } }
        threads.forEach { $0.join() }
        XCTAssertEqual(box.withLock { $0 }, 4000)
        XCTAssertEqual(box.withLockedValueIfAvailable { $0 }, 4000)
        XCTAssertEqual(collector.rules, [])
    }

    func test_condition_wait_under_mutex_stays_silent() {
        let m = CheckedMutex(name: "cond.m")
        let cond = CheckedCondition()
        var ready = false
        let waiter = TestThread("waiter") {
            m.withLock { while !ready { cond.wait(m) } }
        }
        m.withLock { ready = true; cond.broadcast() }
        waiter.join()
        XCTAssertEqual(collector.rules, [])
    }

    func test_class_is_the_init_site_unless_named() {
        let m = CheckedMutex(); let line = #line
        let s = SpinLock(name: "named.class")
        let raw = RawSpinLock(name: "named.raw")
        raw.withLock { s.withLock {}; m.withLock {} }
        XCTAssertEqual(collector.rules, ["invalid-wait-context", "sleep-in-atomic"])
        let names = Set(collector.violations.flatMap(\.classNames))
        XCTAssertTrue(names.contains("InstrumentedTests/ScenarioTests.swift:\(line)"), "\(names)")
        XCTAssertTrue(names.contains("named.class"))
    }

    func test_report_stack_starts_in_the_caller() {
        let a = CheckedMutex(name: "stack.A")
        let b = CheckedMutex(name: "stack.B")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        let v = try? XCTUnwrap(collector.violations.first)
        let top = v?.event.stack.first ?? ""
        XCTAssertTrue(top.contains("test_report_stack_starts_in_the_caller"), "top frame: \(top)\n\(v?.event.stack ?? [])")
        XCTAssertFalse((v?.event.stack ?? []).prefix(1).contains { $0.contains("Instrumented.") && !$0.contains("InstrumentedTests") })
        let text = TextReport().render(v!)
        XCTAssertTrue(text.contains("[lock-order-inversion]"))
    }
}
