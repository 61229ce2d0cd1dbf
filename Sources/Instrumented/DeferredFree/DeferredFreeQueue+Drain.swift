#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import Synchronization

/// Draining: the background thread, ``DeferredFreeQueue/barrier()``,
/// pool destroy and shutdown.
extension DeferredFreeQueue {
    /// Waits until every object queued on this queue before the call has
    /// been freed (kvfree_rcu_barrier). A sleep point.
    ///
    /// It runs a drain pass itself: passes are serialised, so any pass in
    /// progress finishes first, and its own pass detaches everything queued
    /// before it started.
    /// - Complexity: One grace period plus the frees of everything queued.
    public func barrier() {
        drain()
        events.barrier()
    }

    /// Destroys `pool` once every deferred free of its objects queued before
    /// the call has completed: ``barrier()``, then ``LockCheck/Pool/destroy()``
    /// (kmem_cache_destroy with the kvfree_rcu_barrier of seed 003's fix).
    public func destroy(_ pool: LockCheck.Pool) {
        barrier()
        pool.destroy()
    }

    /// Stops the drain thread, drains everything queued, and frees the
    /// cached pages and the calling thread's open page. Later deferred frees
    /// are drained only by ``barrier()``. Another thread's open page (emptied
    /// by the drain) stays its own until it ends or the queue is deinitialised.
    public func shutdown() {
        drainer.stop()
        if lc_dfq_enter() {
            if let own = ThreadPages.page(for: id) { ThreadPages.close(own) }
            lc_dfq_leave()
        }
        drain()
        for b in batches {
            let pages: [UnsafeMutableRawPointer] = b.withIrqsOffLocked {
                let c = b.cache
                b.cache.removeAll(keepingCapacity: true)
                return c
            }
            for p in pages {
                LockCheck.free(p)
                bump(counters.pagesFreed)
            }
        }
    }

    /// A run of pointers a drain pass takes from an array page: the whole
    /// rest of a closed page (recycled after), or what an open page's owner
    /// has appended since the last pass (the page stays the owner's).
    struct Take {
        let page: UnsafeMutableRawPointer
        let range: Range<Int>
        let closed: Bool
    }

    /// One drain pass: detach every batch's closed pages and list, note how
    /// far each open page is filled, wait one grace period, free.
    ///
    /// Why an open page can be read without stopping its owner: the owner
    /// writes a slot, then the count with release ordering, and never writes
    /// a slot below its count again; the pass loads the count with acquire
    /// ordering and reads only below it, and only passes (serialised by
    /// `drainLock`) write `CONSUMED`. So a pointer appended before the pass
    /// loaded the count is taken by it, every later one by a later pass, and
    /// none twice. The page stays in the batch's list, and so allocated,
    /// until its owner closes it and a pass detaches it.
    /// - Returns: Whether anything was reclaimed.
    @discardableResult
    func drain() -> Bool {
        drainLock.withLock {
            var takes: [Take] = []
            var heads: UnsafeMutableRawPointer?
            var refill = false
            for b in batches {
                var closed: UnsafeMutableRawPointer?  // detached, linked through NEXT
                var open: UnsafeMutableRawPointer?    // the first page left in the list
                var batchList: UnsafeMutableRawPointer?
                b.withIrqsOffLocked {
                    var previous: UnsafeMutableRawPointer?
                    var current = b.pages
                    while let page = current {
                        current = BulkPage.next(page)
                        if BulkPage.state(page) == Int32(LC_DFQ_OWNED) {
                            previous = page
                            continue
                        }
                        if let previous { BulkPage.setNext(previous, current) } else { b.pages = current }
                        BulkPage.setNext(page, closed)
                        closed = page
                    }
                    // Only passes unlink, and owners push only at the front:
                    // the list from `open` on stays as it is until this pass ends.
                    open = b.pages
                    batchList = b.list
                    b.list = nil
                    b.queued = 0
                    if b.needsRefill { refill = true }
                }
                let first = takes.count
                while let page = closed {
                    closed = BulkPage.next(page)
                    takes.append(Take(page: page, range: BulkPage.consumed(page)..<BulkPage.count(page), closed: true))
                }
                while let page = open {
                    open = BulkPage.next(page)
                    let consumed = BulkPage.consumed(page), count = BulkPage.count(page)
                    guard count > consumed else { continue }
                    BulkPage.setConsumed(page, count)
                    takes.append(Take(page: page, range: consumed..<count, closed: false))
                }
                let taken = takes[first...].reduce(0) { $0 + $1.range.count }
                bump(b.bulk, taken)  // no lock round trip: ``statistics`` is exact once the queue is idle
                // Splice the batch's list in front of the others.
                while let h = batchList {
                    batchList = ListHead.next(h)
                    ListHead.setNext(h, heads)
                    heads = h
                }
            }
            // Heads signal handlers queued without the lock, in front of the others.
            var fromHandlers = UnsafeMutableRawPointer(bitPattern: interrupted.exchange(0, ordering: .acquiring))
            while let h = fromHandlers {
                fromHandlers = ListHead.next(h)
                ListHead.setNext(h, heads)
                heads = h
            }
            let any = takes.contains { !$0.range.isEmpty } || heads != nil
            if any {
                domain.synchronize()
                bump(counters.drains)
            }
            reclaim(takes, heads: heads)
            if refill { refillCaches() }
            return any
        }
    }

    /// Frees everything taken, after its grace period; recycles the closed pages.
    private func reclaim(_ takes: [Take], heads: UnsafeMutableRawPointer?) {
        for take in takes {
            let entries = BulkPage.entries(take.page, take.range)
            let pool = unretained(BulkPage.pool(take.page))
            if !entries.isEmpty {
                for p in entries { events.reclaimed(p) }
                reclaimer.freeBulk(entries, pool)
                bump(counters.reclaimed, entries.count)
            }
            if take.closed {
                release(BulkPage.pool(take.page))
                recycle(take.page)
            }
        }
        var next = heads
        while let h = next {
            next = ListHead.next(h)  // read before the object (and its head) is freed
            let object = ListHead.object(h)
            let poolBits = ListHead.pool(h)
            let wrapper = ListHead.isWrapper(h)
            events.reclaimed(object)
            reclaimer.free(object, unretained(poolBits))
            bump(counters.reclaimed)
            release(poolBits)
            if wrapper {
                LockCheck.free(h)
                bump(counters.wrappersFreed)
            }
        }
    }

    /// Deinitialisation (after ``shutdown()``, or with no drain thread): frees
    /// the closed pages and the caches and hands each open page to its owner,
    /// which frees it when it closes it (``ThreadPages``). Objects still
    /// queued are not freed: call ``barrier()`` first.
    func releasePages() {
        for b in batches {
            var current = b.pages
            b.pages = nil
            while let page = current {
                current = BulkPage.next(page)
                release(BulkPage.pool(page))
                if BulkPage.exchangeState(page, Int32(LC_DFQ_ORPHANED)) != Int32(LC_DFQ_OWNED) { LockCheck.free(page) }
            }
            for page in b.cache { LockCheck.free(page) }
            b.cache.removeAll()
        }
    }

    /// Keeps an emptied page in a batch cache with room, else frees it.
    private func recycle(_ page: UnsafeMutableRawPointer) {
        for b in batches {
            let kept: Bool = b.withIrqsOffLocked {
                guard b.cache.count < cachedPages else { return false }
                b.cache.append(page)
                return true
            }
            if kept { return }
        }
        LockCheck.free(page)
        bump(counters.pagesFreed)
    }

    /// Tops up every batch's page cache, allocating outside the locks with
    /// `mayBlock` (the kernel's fill_page_cache_func).
    private func refillCaches() {
        for b in batches {
            var missing = b.withIrqsOffLocked { () -> Int in
                b.needsRefill = false
                return cachedPages - b.cache.count
            }
            while missing > 0, !failureInjection.pages, !injectedFailure(at: .cacheRefill),
                  let page = LockCheck.allocate(byteCount: BulkPage.byteCount, flags: .mayBlock) {
                bump(counters.pagesAllocated)
                let kept: Bool = b.withIrqsOffLocked {
                    guard b.cache.count < cachedPages else { return false }
                    b.cache.append(page)
                    return true
                }
                if !kept {
                    LockCheck.free(page)
                    bump(counters.pagesFreed)
                    break
                }
                missing -= 1
            }
        }
    }

    private func unretained(_ bits: UInt) -> LockCheck.Pool? {
        UnsafeRawPointer(bitPattern: bits).map { Unmanaged<LockCheck.Pool>.fromOpaque($0).takeUnretainedValue() }
    }

    private func release(_ bits: UInt) {
        if let raw = UnsafeRawPointer(bitPattern: bits) { Unmanaged<LockCheck.Pool>.fromOpaque(raw).release() }
    }
}

/// The queue's background drain thread (the kernel's kfree_rcu_monitor
/// work): wakes every drain delay, or when kicked, and runs a drain pass.
final class DrainThread: @unchecked Sendable {
    private let name: String
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var kicked = false
    private var stopping = false
    private var thread = pthread_t()
    private var running = false
    private let kickPending = Atomic<Bool>(false)

    init(name: String) {
        self.name = name
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    private final class Start {
        let thread: DrainThread
        let queue: DeferredFreeQueue
        init(_ thread: DrainThread, _ queue: DeferredFreeQueue) { self.thread = thread; self.queue = queue }
    }

    func start(_ queue: DeferredFreeQueue) {
        let box = Unmanaged.passRetained(Start(self, queue)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.thread.run(start.queue)
            return nil
        }, box)
        precondition(rc == 0, "lockcheck: cannot start the drain thread (\(rc))")
        running = true
    }

    /// Wakes the thread for a drain pass now (cheap when already pending).
    func kick() {
        if kickPending.exchange(true, ordering: .relaxed) { return }
        pthread_mutex_lock(mutex)
        kicked = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Stops the thread and waits for it.
    func stop() {
        pthread_mutex_lock(mutex)
        let wasRunning = running
        running = false
        stopping = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
        if wasRunning { pthread_join(thread, nil) }
    }

    private func run(_ queue: DeferredFreeQueue) {
        LockCheck.setThreadName(name)
        while true {
            pthread_mutex_lock(mutex)
            if !kicked && !stopping {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let ns = UInt64(now.tv_nsec) + queue.drainDelayNanoseconds
                var deadline = timespec(tv_sec: now.tv_sec + Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
                pthread_cond_timedwait(cond, mutex, &deadline)
            }
            let stop = stopping
            kicked = false
            pthread_mutex_unlock(mutex)
            if stop { return }
            kickPending.store(false, ordering: .relaxed)
            queue.drain()
        }
    }
}
