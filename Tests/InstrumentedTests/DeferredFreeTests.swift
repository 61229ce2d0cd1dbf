import Dispatch
import Foundation
import Instrumented
import LockGraph
import Synchronization
import XCTest

/// Objects the tests hand to a queue: counted, poisoned when reclaimed.
final class ObjectLedger: @unchecked Sendable {
    static let objectBytes = 64
    /// The embedded head lives here; the magic word at offset 0.
    static let headOffset = 32
    static let live: UInt = 0x11FE_11FE_11FE_11FE
    static let dead: UInt = 0xDEAD_DEAD_DEAD_DEAD

    private let lock = NSLock()
    private(set) var allocated = 0
    private(set) var freed = 0
    private var reclaimedSet: Set<UInt> = []

    func allocate(pool: LockCheck.Pool? = nil) -> UnsafeMutableRawPointer {
        let p = LockCheck.allocate(byteCount: Self.objectBytes, flags: .mayBlock, pool: pool)!
        p.storeBytes(of: Self.live, as: UInt.self)
        lock.lock(); allocated += 1; lock.unlock()
        return p
    }

    /// A reclaimer that records and poisons each object, then frees it.
    var reclaimer: DeferredFreeQueue.Reclaimer {
        DeferredFreeQueue.Reclaimer(free: { [self] p, pool in
            lock.lock(); reclaimedSet.insert(UInt(bitPattern: p)); freed += 1; lock.unlock()
            p.storeBytes(of: Self.dead, as: UInt.self)
            LockCheck.free(p, pool: pool)
        })
    }

    /// A reclaimer that only records (the object stays readable; the test frees it).
    var recordingReclaimer: DeferredFreeQueue.Reclaimer {
        DeferredFreeQueue.Reclaimer(free: { [self] p, _ in
            lock.lock(); reclaimedSet.insert(UInt(bitPattern: p)); freed += 1; lock.unlock()
            p.storeBytes(of: Self.dead, as: UInt.self)
        })
    }

    func wasReclaimed(_ p: UnsafeMutableRawPointer) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return reclaimedSet.contains(UInt(bitPattern: p))
    }

    var counts: (allocated: Int, freed: Int) { lock.lock(); defer { lock.unlock() }; return (allocated, freed) }
}

final class DeferredFreeTests: InstrumentedTestCase {
    private func makeQueue(_ name: String, ledger: ObjectLedger, domain: GracePeriodDomain = GracePeriodDomain(),
                           recordingOnly: Bool = false, drainDelay: UInt64 = 1_000_000) -> DeferredFreeQueue {
        DeferredFreeQueue(name: name, domain: domain, drainDelay: drainDelay,
                          reclaimer: recordingOnly ? ledger.recordingReclaimer : ledger.reclaimer)
    }

    // MARK: Grace periods

    func test_grace_period_no_reclaim_while_a_reader_that_saw_the_object_is_inside() {
        let ledger = ObjectLedger()
        let domain = GracePeriodDomain()
        let queue = makeQueue("dfq.grace", ledger: ledger, domain: domain, recordingOnly: true)
        let object = ledger.allocate()
        let published = Atomic<UInt>(UInt(bitPattern: object))
        let inside = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0)
        let sawLiveInside = Atomic<Bool>(false)

        let reader = TestThread("dfq-reader") {
            domain.read {
                let p = UnsafeMutableRawPointer(bitPattern: published.load(ordering: .acquiring))!
                inside.signal()
                leave.wait()
                // Still inside: the writer has unlinked and queued it, and a grace period has started.
                sawLiveInside.store(p.load(as: UInt.self) == ObjectLedger.live, ordering: .relaxed)
            }
        }
        inside.wait()
        let epochBefore = domain.currentEpoch
        published.store(0, ordering: .releasing)  // unlink
        queue.deferFree(object, head: object + ObjectLedger.headOffset)
        let barrierDone = DispatchSemaphore(value: 0)
        let waiter = TestThread("dfq-barrier") { queue.barrier(); barrierDone.signal() }
        while domain.currentEpoch == epochBefore { sched_yield() }  // a grace period has started
        XCTAssertFalse(ledger.wasReclaimed(object), "reclaimed while a reader that saw it is inside")
        leave.signal()
        reader.join()
        barrierDone.wait()
        waiter.join()
        XCTAssertTrue(sawLiveInside.load(ordering: .relaxed))
        XCTAssertTrue(ledger.wasReclaimed(object))
        queue.shutdown()
        LockCheck.free(object)
        XCTAssertEqual(collector.rules, [])
    }

    func test_grace_period_readers_entering_later_do_not_hold_it_up() {
        let domain = GracePeriodDomain()
        domain.read { domain.read { XCTAssertTrue(domain.isInReadSection) } }
        XCTAssertFalse(domain.isInReadSection)
        let before = domain.gracePeriodsCompleted
        domain.synchronize()
        XCTAssertEqual(domain.gracePeriodsCompleted, before + 1)
    }

    // MARK: Barrier and leaks

    func test_barrier_reclaims_everything_queued_before_it_and_nothing_leaks() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.barrier", ledger: ledger, drainDelay: 1_000_000_000)
        let pool = LockCheck.Pool.create(name: "dfq.barrier.pool")
        let perThread = BulkCounts.perThread
        let threads = (0..<3).map { i in
            TestThread("dfq-writer-\(i)") {
                for k in 0..<perThread {
                    let p = ledger.allocate(pool: pool)
                    if k % 3 == 0 { queue.deferFree(p, pool: pool) } else { queue.deferFree(p, head: p + ObjectLedger.headOffset, pool: pool) }
                }
            }
        }
        for t in threads { t.join() }
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 3 * perThread, "everything queued before barrier() was reclaimed when it returned")
        let s = queue.statistics
        XCTAssertEqual(s.reclaimed, 3 * perThread)
        XCTAssertEqual(s.bulk + s.list + s.wrapper + s.synchronous, 3 * perThread)
        XCTAssertGreaterThan(s.bulk, 0, "the fast path ran: \(s)")
        queue.destroy(pool)
        queue.shutdown()
        let after = queue.statistics
        XCTAssertEqual(after.pagesAllocated, after.pagesFreed, "array pages leaked: \(after)")
        XCTAssertEqual(after.wrappersAllocated, after.wrappersFreed, "wrappers leaked: \(after)")
        XCTAssertEqual(ledger.counts.allocated, ledger.counts.freed)
        XCTAssertEqual(collector.rules, [], "barrier first, then destroy: clean")
    }

    // MARK: Fallback paths under injected allocation failure

    func test_no_array_page_headed_objects_go_on_the_emergency_list() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.list", ledger: ledger)
        queue.failureInjection = .init(pages: true)
        let objects = (0..<100).map { _ in ledger.allocate() }
        for p in objects { queue.deferFree(p, head: p + ObjectLedger.headOffset) }
        queue.barrier()
        let s = queue.statistics
        XCTAssertEqual(s.list, 100)
        XCTAssertEqual(s.bulk, 0)
        XCTAssertEqual(s.reclaimed, 100)
        for p in objects { XCTAssertTrue(ledger.wasReclaimed(p)) }
        queue.shutdown()
        XCTAssertEqual(ledger.counts.allocated, ledger.counts.freed)
        XCTAssertEqual(collector.rules, [])
    }

    func test_no_array_page_headless_objects_get_a_wrapper() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.wrapper", ledger: ledger)
        queue.failureInjection = .init(pages: true)
        let objects = (0..<50).map { _ in ledger.allocate() }
        for p in objects { queue.deferFree(p) }
        queue.barrier()
        let s = queue.statistics
        XCTAssertEqual(s.wrapper, 50)
        XCTAssertEqual(s.reclaimed, 50)
        XCTAssertEqual(s.wrappersAllocated, s.wrappersFreed)
        for p in objects { XCTAssertTrue(ledger.wasReclaimed(p)) }
        queue.shutdown()
        XCTAssertEqual(ledger.counts.allocated, ledger.counts.freed)
        XCTAssertEqual(collector.rules, [])
    }

    func test_no_page_no_wrapper_headless_free_waits_for_a_grace_period_itself() {
        let ledger = ObjectLedger()
        let domain = GracePeriodDomain()
        let queue = makeQueue("dfq.sync", ledger: ledger, domain: domain, drainDelay: 1_000_000_000)
        queue.failureInjection = .init(pages: true, wrappers: true)
        let object = ledger.allocate()
        let before = domain.gracePeriodsCompleted
        queue.deferFree(object)
        XCTAssertTrue(ledger.wasReclaimed(object), "freed before returning")
        XCTAssertGreaterThan(domain.gracePeriodsCompleted, before, "after a grace period")
        XCTAssertEqual(queue.statistics.synchronous, 1)
        queue.shutdown()
        XCTAssertEqual(collector.rules, [])
    }

    func test_synchronous_fallback_still_waits_for_a_reader_inside() {
        let ledger = ObjectLedger()
        let domain = GracePeriodDomain()
        let queue = makeQueue("dfq.sync-reader", ledger: ledger, domain: domain, recordingOnly: true)
        queue.failureInjection = .init(pages: true, wrappers: true)
        let object = ledger.allocate()
        let inside = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0)
        let reader = TestThread("dfq-sync-reader") {
            domain.read { inside.signal(); leave.wait() }
        }
        inside.wait()
        let epochBefore = domain.currentEpoch
        let done = DispatchSemaphore(value: 0)
        let writer = TestThread("dfq-sync-writer") { queue.deferFree(object); done.signal() }
        while domain.currentEpoch == epochBefore { sched_yield() }
        XCTAssertFalse(ledger.wasReclaimed(object))
        leave.signal()
        done.wait()
        XCTAssertTrue(ledger.wasReclaimed(object))
        reader.join(); writer.join()
        queue.shutdown()
        LockCheck.free(object)
    }

    // MARK: Live rules (each with its silent twin)

    func test_seed_002_nowait_array_page_under_raw_lock_fires() {
        let ledger = ObjectLedger()
        let queue = DeferredFreeQueue(name: "dfq.seed002", domain: GracePeriodDomain(), allocationFlags: .nowait,
                                      reclaimer: ledger.reclaimer)
        let p = ledger.allocate()
        queue.deferFree(p, head: p + ObjectLedger.headOffset)
        queue.barrier()
        queue.shutdown()
        XCTAssertEqual(collector.rules, ["alloc-under-raw-lock"])
        XCTAssertEqual(collector.violations.first?.classNames, ["dfq.seed002.krc.lock"])
    }

    func test_seed_002_no_locks_array_page_under_raw_lock_stays_silent() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.seed002-fixed", ledger: ledger)
        LockCheck.fillNoLocksCache(byteCount: 4096, count: 1)
        let p = ledger.allocate()
        queue.deferFree(p, head: p + ObjectLedger.headOffset)
        queue.barrier()
        queue.shutdown()
        XCTAssertEqual(collector.rules, [])
    }

    func test_seed_003_destroy_with_pending_free_fires_and_destroy_through_queue_is_silent() {
        let ledger = ObjectLedger()
        let domain = GracePeriodDomain()
        let queue = makeQueue("dfq.seed003", ledger: ledger, domain: domain)
        // A reader inside the domain holds the grace period open: the free
        // below stays pending until it leaves, however slow the machine.
        let inside = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0)
        let reader = TestThread("dfq-reader") { domain.read { inside.signal(); leave.wait() } }
        inside.wait()
        let bad = LockCheck.Pool.create(name: "dfq.seed003.bad")
        let p = ledger.allocate(pool: bad)
        queue.deferFree(p, head: p + ObjectLedger.headOffset, pool: bad)
        bad.destroy()
        XCTAssertFalse(ledger.wasReclaimed(p))
        XCTAssertEqual(collector.rules, ["destroy-with-pending-free"])
        leave.signal()
        reader.join()
        queue.barrier()   // the reclaim into the destroyed pool
        let good = LockCheck.Pool.create(name: "dfq.seed003.good")
        let q = ledger.allocate(pool: good)
        queue.deferFree(q, head: q + ObjectLedger.headOffset, pool: good)
        queue.destroy(good)
        queue.shutdown()
        XCTAssertFalse(collector.violations.contains { $0.classNames == ["dfq.seed003.good"] }, "\(collector.rules)")
    }

    func test_headless_deferred_free_in_hardirq_fires_and_headed_stays_silent() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.irq", ledger: ledger)
        let a = ledger.allocate(), b = ledger.allocate()
        LockCheck.fillNoLocksCache(byteCount: 4096, count: 1)
        LockCheck.hardirq { queue.deferFree(a, head: a + ObjectLedger.headOffset) }
        XCTAssertEqual(collector.rules, [], "a headed deferred free never sleeps")
        LockCheck.hardirq { queue.deferFree(b) }
        XCTAssertEqual(Set(collector.rules), ["sleep-in-atomic"])
        queue.barrier()
        queue.shutdown()
    }

    // MARK: Stress

    func test_stress_concurrent_readers_and_writers_never_see_a_reclaimed_object() {
        let ledger = ObjectLedger()
        let domain = GracePeriodDomain()
        let queue = makeQueue("dfq.stress", ledger: ledger, domain: domain)
        let slots = (0..<8).map { _ in SlotBox() }
        let stale = Atomic<Int>(0), reads = Atomic<Int>(0)
        let writersDone = Atomic<Int>(0)
        let writers = 3, perWriter = 3_000, readers = 2
        let start = DispatchSemaphore(value: 0)
        var threads: [TestThread] = []
        for r in 0..<readers {
            threads.append(TestThread("dfq-stress-r\(r)") {
                start.wait()
                while writersDone.load(ordering: .acquiring) < writers {
                    domain.read {
                        for s in slots {
                            guard let p = UnsafeMutableRawPointer(bitPattern: s.value.load(ordering: .acquiring)) else { continue }
                            if p.load(as: UInt.self) != ObjectLedger.live { stale.wrappingAdd(1, ordering: .relaxed) }
                            reads.wrappingAdd(1, ordering: .relaxed)
                        }
                    }
                }
            })
        }
        for w in 0..<writers {
            threads.append(TestThread("dfq-stress-w\(w)") {
                start.wait()
                for k in 0..<perWriter {
                    let p = ledger.allocate()
                    let old = slots[(k + w) % slots.count].value.exchange(UInt(bitPattern: p), ordering: .acquiringAndReleasing)
                    if let o = UnsafeMutableRawPointer(bitPattern: old) {
                        if k % 7 == 0 { queue.deferFree(o) } else { queue.deferFree(o, head: o + ObjectLedger.headOffset) }
                    }
                }
                writersDone.wrappingAdd(1, ordering: .releasing)
            })
        }
        for _ in threads { start.signal() }
        for t in threads { t.join() }
        for s in slots {
            if let p = UnsafeMutableRawPointer(bitPattern: s.value.exchange(0, ordering: .acquiringAndReleasing)) {
                queue.deferFree(p, head: p + ObjectLedger.headOffset)
            }
        }
        queue.barrier()
        queue.shutdown()
        XCTAssertEqual(stale.load(ordering: .relaxed), 0, "a reader saw a reclaimed object")
        XCTAssertGreaterThan(reads.load(ordering: .relaxed), 0)
        XCTAssertEqual(ledger.counts.allocated, writers * perWriter)
        XCTAssertEqual(ledger.counts.freed, writers * perWriter, "every object reclaimed exactly once")
        let s = queue.statistics
        XCTAssertEqual(s.pagesAllocated, s.pagesFreed)
        XCTAssertEqual(s.wrappersAllocated, s.wrappersFreed)
        XCTAssertEqual(collector.rules, [])
    }
}

final class SlotBox: Sendable {
    let value = Atomic<UInt>(0)
}

enum BulkCounts {
    /// More than one array page per writer thread.
    static let perThread = DeferredFreeQueue.pageCapacity + 200
}
