import CInstrumented
import Dispatch
import Foundation
import Instrumented
import XCTest

/// The per-thread array pages of a ``DeferredFreeQueue``: a deferred free is
/// an append to the calling thread's own page, so a drain pass must take what
/// other threads' open pages hold, a thread that ends must leave its
/// part-filled page to the next pass, and a destroy must wait for the pages
/// open on every thread.
final class DeferredFreeThreadPageTests: InstrumentedTestCase {
    private func makeQueue(_ name: String, ledger: ObjectLedger) -> DeferredFreeQueue {
        DeferredFreeQueue(name: name, domain: GracePeriodDomain(), reclaimer: ledger.reclaimer, backgroundDrain: false)
    }

    /// Shuts `queue` down and checks that every array page and wrapper it
    /// allocated was freed.
    private func shutDownLeavingNothing(_ queue: DeferredFreeQueue, file: StaticString = #filePath, line: UInt = #line) {
        queue.shutdown()
        let s = queue.statistics
        XCTAssertEqual(s.pagesAllocated, s.pagesFreed, "\(queue.name): pages leaked: \(s)", file: file, line: line)
        XCTAssertEqual(s.wrappersAllocated, s.wrappersFreed, "\(queue.name): wrappers leaked: \(s)", file: file, line: line)
    }

    /// Defers `count` objects from `ledger` (every third headless), into
    /// array pages: the calling thread's `no-locks` cache (what the queue's
    /// default flags allocate pages from) gets a page for every page's worth.
    private func deferSome(_ queue: DeferredFreeQueue, _ ledger: ObjectLedger, count: Int,
                           pool: LockCheck.Pool? = nil) -> [UnsafeMutableRawPointer] {
        _ = LockCheck.fillNoLocksCache(byteCount: 4096, count: count / DeferredFreeQueue.pageCapacity + 1)
        return (0..<count).map { k in
            let p = ledger.allocate(pool: pool)
            if k % 3 == 0 { queue.deferFree(p, pool: pool) } else { queue.deferFree(p, head: p + ObjectLedger.headOffset, pool: pool) }
            return p
        }
    }

    func test_thread_exit_with_a_part_filled_page_loses_nothing() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.exit", ledger: ledger)
        let objects = ObjectList()
        TestThread.run("dfq-exit") {
            for p in self.deferSome(queue, ledger, count: 37) { objects.append(p) }
        }
        XCTAssertEqual(ledger.counts.freed, 0, "nothing is freed before a drain pass")
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 37, "the ended thread's part-filled page was drained")
        XCTAssertTrue(objects.all.allSatisfy(ledger.wasReclaimed))
        let s = queue.statistics
        XCTAssertEqual(s.bulk, 37)
        XCTAssertEqual(s.reclaimed, 37)
        shutDownLeavingNothing(queue)  // the closed page was recycled, then freed
        XCTAssertEqual(collector.rules, [])
    }

    func test_open_page_drained_twice_frees_each_object_once() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.twice", ledger: ledger)
        let queued = DispatchSemaphore(value: 0), drained = DispatchSemaphore(value: 0)
        let worker = TestThread("dfq-twice") {
            _ = self.deferSome(queue, ledger, count: 10)
            queued.signal()
            drained.wait()
            _ = self.deferSome(queue, ledger, count: 15)  // the same open page, after a pass took its first 10
            queued.signal()
            drained.wait()
        }
        queued.wait()
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 10, "a pass takes what a live thread's open page holds")
        drained.signal()
        queued.wait()
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 25, "the second pass takes only what came after the first")
        XCTAssertEqual(queue.statistics.reclaimed, 25)
        XCTAssertEqual(queue.statistics.bulk, 25, "all in the thread's page")
        drained.signal()
        worker.join()
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 25, "nothing freed twice when the page is closed and recycled")
        shutDownLeavingNothing(queue)
        XCTAssertEqual(collector.rules, [])
    }

    func test_destroy_with_pages_open_on_several_threads_frees_everything_first() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.destroy-many", ledger: ledger)
        let pool = LockCheck.Pool.create(name: "dfq.destroy-many.pool")
        let queued = DispatchSemaphore(value: 0), exit = DispatchSemaphore(value: 0)
        let counts = [3, DeferredFreeQueue.pageCapacity / 2, DeferredFreeQueue.pageCapacity + 7, 1]
        let workers = counts.enumerated().map { i, n in
            TestThread("dfq-destroy-\(i)") {
                _ = self.deferSome(queue, ledger, count: n, pool: pool)
                queued.signal()
                exit.wait()  // alive, its page still open, while the pool is destroyed
            }
        }
        for _ in workers { queued.wait() }
        queue.destroy(pool)
        let total = counts.reduce(0, +)
        XCTAssertEqual(ledger.counts.freed, total, "every thread's open page was drained before the pool went")
        XCTAssertEqual(collector.rules, [], "barrier, then destroy: no destroy-with-pending-free")
        for _ in workers { exit.signal() }
        for w in workers { w.join() }
        shutDownLeavingNothing(queue)
        let s = queue.statistics
        XCTAssertEqual(s.reclaimed, total)
        XCTAssertEqual(s.bulk, total, "all in the threads' pages")
    }

    func test_destroy_without_barrier_with_pages_open_on_several_threads_fires() {
        let ledger = ObjectLedger()
        let queue = makeQueue("dfq.destroy-bad", ledger: ledger)
        let pool = LockCheck.Pool.create(name: "dfq.destroy-bad.pool")
        let queued = DispatchSemaphore(value: 0), exit = DispatchSemaphore(value: 0)
        let workers = (0..<3).map { i in
            TestThread("dfq-destroy-bad-\(i)") {
                _ = self.deferSome(queue, ledger, count: 5 + i, pool: pool)
                queued.signal()
                exit.wait()
            }
        }
        for _ in workers { queued.wait() }
        pool.destroy()  // the frees on the threads' open pages are still pending
        XCTAssertEqual(collector.rules, ["destroy-with-pending-free"])
        for _ in workers { exit.signal() }
        for w in workers { w.join() }
        queue.barrier()  // the reclaim into the destroyed pool
        XCTAssertEqual(ledger.counts.freed, 18)
        queue.shutdown()
    }

    func test_two_queues_on_one_thread_each_frees_its_own() {
        let ledgers = (ObjectLedger(), ObjectLedger())
        let first = makeQueue("dfq.two.a", ledger: ledgers.0), second = makeQueue("dfq.two.b", ledger: ledgers.1)
        let n = DeferredFreeQueue.pageCapacity + 50
        TestThread.run("dfq-two") {
            for _ in 0..<n {  // alternating: every call misses the thread's one-entry cache
                _ = self.deferSome(first, ledgers.0, count: 1)
                _ = self.deferSome(second, ledgers.1, count: 1)
            }
        }
        first.barrier()
        XCTAssertEqual(ledgers.0.counts.freed, n)
        XCTAssertEqual(ledgers.1.counts.freed, 0, "the other queue's objects wait for its own pass")
        second.barrier()
        XCTAssertEqual(ledgers.1.counts.freed, n)
        XCTAssertEqual(first.statistics.bulk, n)
        XCTAssertEqual(second.statistics.bulk, n)
        shutDownLeavingNothing(first)
        shutDownLeavingNothing(second)
        XCTAssertEqual(collector.rules, [])
    }

    func test_queue_deinitialised_while_a_thread_owns_a_page_the_thread_frees_it_at_exit() {
        let ledger = ObjectLedger()
        weak var gone: DeferredFreeQueue?
        let queued = DispatchSemaphore(value: 0), exit = DispatchSemaphore(value: 0)
        var worker: TestThread?
        do {
            let queue = makeQueue("dfq.orphan", ledger: ledger)
            gone = queue
            worker = TestThread("dfq-orphan") { [weak queue] in
                if let queue { _ = self.deferSome(queue, ledger, count: 4) }
                queued.signal()
                exit.wait()
            }
            queued.wait()
            queue.barrier()
            queue.shutdown()
        }
        XCTAssertNil(gone, "the queue was deinitialised while the thread still owned its page")
        XCTAssertEqual(ledger.counts.freed, 4)
        exit.signal()
        worker?.join()  // closes the orphaned page and frees it (ASan: no use after free)
        XCTAssertEqual(collector.rules, [])
    }
}

/// A deferred free that runs while its own thread is inside one (a signal
/// handler that interrupted it: here the interruption is simulated by
/// marking the thread busy, as the append does) must keep off the thread's
/// page, which the interrupted code is writing, and off the batch lock,
/// which it may hold: it goes to the queue's lock-free list.
final class DeferredFreeInterruptedTests: InstrumentedTestCase {
    func test_deferred_free_inside_its_threads_own_keeps_off_the_page_and_frees_once() {
        let ledger = ObjectLedger()
        let queue = DeferredFreeQueue(name: "dfq.interrupted", domain: GracePeriodDomain(),
                                      reclaimer: ledger.reclaimer, backgroundDrain: false)
        TestThread.run("dfq-interrupted") {
            _ = LockCheck.fillNoLocksCache(byteCount: 4096, count: 1)
            let first = ledger.allocate()
            queue.deferFree(first, head: first + ObjectLedger.headOffset)  // opens the thread's page
            XCTAssertEqual(queue.statistics.bulk, 1)
            let inner = ledger.allocate()
            XCTAssertTrue(lc_dfq_enter(), "the thread was not busy")
            queue.deferFree(inner, head: inner + ObjectLedger.headOffset)  // as from a handler
            lc_dfq_leave()
            let s = queue.statistics
            XCTAssertEqual(s.bulk, 1, "the interrupted thread's page was not touched")
            XCTAssertEqual(s.list, 1, "queued on the list instead")
            let after = ledger.allocate()
            queue.deferFree(after, head: after + ObjectLedger.headOffset)  // the page again
            XCTAssertEqual(queue.statistics.bulk, 2)
        }
        queue.barrier()
        XCTAssertEqual(ledger.counts.freed, 3, "each freed once, the list's too")
        XCTAssertEqual(queue.statistics.reclaimed, 3)
        queue.shutdown()
        XCTAssertEqual(collector.rules, [])
    }
}
