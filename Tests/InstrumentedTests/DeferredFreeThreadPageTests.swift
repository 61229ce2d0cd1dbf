#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Instrumented
import Synchronization
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
        queue.shutdown()
        let after = queue.statistics
        XCTAssertEqual(after.pagesAllocated, after.pagesFreed, "the closed page was recycled, then freed: \(after)")
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
        queue.shutdown()
        let s = queue.statistics
        XCTAssertEqual(s.pagesAllocated, s.pagesFreed, "\(s)")
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
        queue.shutdown()
        let s = queue.statistics
        XCTAssertEqual(s.reclaimed, total)
        XCTAssertEqual(s.bulk, total, "all in the threads' pages")
        XCTAssertEqual(s.pagesAllocated, s.pagesFreed, "\(s)")
        XCTAssertEqual(s.wrappersAllocated, s.wrappersFreed, "\(s)")
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
        first.shutdown(); second.shutdown()
        for q in [first, second] {
            let s = q.statistics
            XCTAssertEqual(s.pagesAllocated, s.pagesFreed, "\(q.name): \(s)")
        }
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

/// A signal handler that defers frees on the queue the interrupted thread is
/// appending to: the thread's page is its own, with no lock, so the handler
/// must never write it half-way through the thread's append or page switch
/// (it goes to the emergency list then). Every object of both is freed once.
final class DeferredFreeSignalTests: InstrumentedTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try skipForkUnderThreadSanitizer()
    }

    func test_signal_handler_deferring_while_the_thread_defers_loses_nothing() {
        let failure = runForkedChild(watchdogSeconds: 60) { DeferredFreeSignal.run() }
        XCTAssertNil(failure, "every object, the handler's and the thread's, reclaimed exactly once")
    }
}

/// The forked child's program: a worker defers the same objects round after
/// round (a barrier, with the signal blocked, between rounds), while the
/// main thread sends it signals as fast as it can; each handler defers one
/// object of its own. A handler landing inside the worker's append would
/// overwrite the worker's last slot (one object never freed, another freed
/// twice) or close the page under it.
enum DeferredFreeSignal {
    static let threadObjects = 4_000, rounds = 40, handlerObjects = 40_000, objectBytes = 64
    /// Objects: the thread's, then the handler's; word 0 is the index, the head at 32.
    nonisolated(unsafe) static var objects: UnsafeMutablePointer<UnsafeMutableRawPointer>!
    nonisolated(unsafe) static var queue: DeferredFreeQueue!
    /// Per object, the times it was reclaimed.
    nonisolated(unsafe) static var reclaimed: UnsafeMutablePointer<Int>!
    static let nextHandlerObject = Atomic<Int>(0)
    static let done = Atomic<Bool>(false)

    static func run() -> Int32 {
        let total = threadObjects + handlerObjects
        objects = .allocate(capacity: total)
        for i in 0..<total {
            objects[i] = malloc(objectBytes)!
            objects[i].storeBytes(of: i, as: Int.self)
        }
        reclaimed = .allocate(capacity: total)
        reclaimed.initialize(repeating: 0, count: total)
        // Reclaimed only by barriers with the signal blocked: no handler runs meanwhile.
        queue = DeferredFreeQueue(name: "dfq.signal", domain: GracePeriodDomain(), reclaimer: .init(free: { p, _ in
            DeferredFreeSignal.reclaimed[p.load(as: Int.self)] += 1
        }), backgroundDrain: false)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            let i = DeferredFreeSignal.nextHandlerObject.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < DeferredFreeSignal.handlerObjects else { return }
            let p = DeferredFreeSignal.objects[DeferredFreeSignal.threadObjects + i]
            LockCheck.hardirq { DeferredFreeSignal.queue.deferFree(p, head: p + 32) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGUSR2, &action, nil)

        let started = DispatchSemaphore(value: 0)
        let worker = TestThread("dfq-signal-worker") {
            LockCheck.setThreadName("dfq-signal-worker")
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, SIGUSR2)
            started.signal()
            for _ in 0..<rounds {
                for i in 0..<threadObjects {
                    let p = objects[i]
                    if i % 5 == 0 { queue.deferFree(p) } else { queue.deferFree(p, head: p + 32) }
                }
                // A handler deferring while this thread holds a batch lock in
                // the drain would wait for it forever (as in the kernel, where
                // the lock is taken with interrupts off).
                pthread_sigmask(SIG_BLOCK, &blocked, nil)
                queue.barrier()
                pthread_sigmask(SIG_UNBLOCK, &blocked, nil)
            }
            done.store(true, ordering: .releasing)
        }
        started.wait()
        while !done.load(ordering: .acquiring) && pthread_kill(worker.thread, SIGUSR2) == 0 {}
        worker.join()
        queue.barrier()
        let handled = min(nextHandlerObject.load(ordering: .relaxed), handlerObjects)
        // The thread's objects once a round, and the handler's it queued once; none of the others.
        for i in 0..<total {
            let expected = i < threadObjects ? rounds : i - threadObjects < handled ? 1 : 0
            if reclaimed[i] != expected {
                print("object \(i): reclaimed \(reclaimed[i]) times, expected \(expected) (\(handled) from the handler)")
                return 1
            }
        }
        print("DeferredFreeSignal: \(handled) objects deferred by signal handlers")
        return handled > 100 ? 0 : 2
    }
}
