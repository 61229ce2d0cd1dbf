#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import Synchronization

/// Frees objects after a grace period (the kernel's `kvfree_rcu`): an object
/// handed to ``deferFree(_:head:pool:)`` or ``deferFree(_:pool:)`` is freed
/// only after every reader of its ``GracePeriodDomain`` that could still see
/// it has left its read section.
///
/// How an object is queued, fastest first (seeds 001 and 002):
/// 1. **Bulk array.** The calling thread appends the pointer to its own open
///    page-sized array for this queue (the kernel's per-CPU `krc` bulk page,
///    made per-thread): a plain store and a release store of the count into
///    memory only this thread writes, with no lock, no atomic
///    read-modify-write and no reference counting (`lc_dfq_try_append`).
///    Only when the thread has no open page here, or it is full or for
///    another pool, does it take its batch's ``RawSpinLock`` (one batch per
///    CPU, threads hashed over them by tid; irqs off, as it may be used from
///    a hardirq-like handler), close the old page and open the next: from the
///    batch's page cache, else allocated *under the raw lock* with
///    ``allocationFlags`` — `.noLocks` by default, which never takes the
///    allocator's lock (`__GFP_NO_LOCKS`).
/// 2. **Emergency list.** When no page can be had, an object with an
///    embedded head (``headByteCount`` bytes inside it) is linked through it.
/// 3. **Wrapper.** A headless object gets a separately allocated head (a
///    `mayBlock` allocation outside the lock).
/// 4. **Synchronous.** When even that fails, the caller waits for a grace
///    period and frees the object itself. That is why a headless deferred
///    free is a sleep point, legal only in sleepable context (seeds 000/001).
///
/// A background thread drains the batches every ``drainDelay`` (sooner when a
/// thread fills a page or a page cache runs dry): under each batch's lock it
/// detaches the closed pages and the list, and notes how far each open page
/// has been filled (a count read with acquire ordering: the pass takes the
/// pointers below it and leaves the rest to the owner); then it waits for one
/// grace period for all of them, frees the arrays in bulk
/// (``Reclaimer/freeBulk``) and the lists object by object, keeps emptied
/// pages for reuse and refills the page caches outside the locks. So a
/// pointer appended before a drain pass starts (or a ``barrier()`` is
/// called) is freed by it, whichever thread's page it is in, and a thread
/// that ends leaves its part-filled page closed for the next pass.
///
/// Every step reports to the validator: `defer-free` (with `headless` and the
/// pool), the array page's `alloc` with its flags, the raw lock, `reclaimed`,
/// `barrier`, `pool-destroy`; traces record them all.
///
/// **The seed-002 switch.** `allocationFlags: .nowait` allocates the array
/// page with GFP_NOWAIT under the raw lock, the bug of seed 002: it is
/// reported as `alloc-under-raw-lock`. Use it only to reproduce that report.
///
/// - Warning: The queue's drain thread keeps it alive until ``shutdown()``.
///   Call ``barrier()`` (or ``destroy(_:)``) before destroying a pool whose
///   objects may still be queued (seed 003).
public final class DeferredFreeQueue: @unchecked Sendable {
    /// How the queue frees an object after its grace period.
    public struct Reclaimer: Sendable {
        /// Frees one object (list, wrapper and synchronous paths).
        public var free: @Sendable (UnsafeMutableRawPointer, LockCheck.Pool?) -> Void
        /// Frees a whole array page's objects of one pool (the bulk path;
        /// kfree_bulk / kmem_cache_free_bulk).
        public var freeBulk: @Sendable (UnsafeBufferPointer<UnsafeMutableRawPointer>, LockCheck.Pool?) -> Void

        public init(free: @escaping @Sendable (UnsafeMutableRawPointer, LockCheck.Pool?) -> Void,
                    freeBulk: (@Sendable (UnsafeBufferPointer<UnsafeMutableRawPointer>, LockCheck.Pool?) -> Void)? = nil) {
            self.free = free
            self.freeBulk = freeBulk ?? { objects, pool in for p in objects { free(p, pool) } }
        }

        /// ``LockCheck/free(_:pool:)``: for memory from ``LockCheck/allocate(byteCount:flags:pool:)``.
        public static let lockCheckFree = Reclaimer(free: { LockCheck.free($0, pool: $1) })
    }

    /// Allocation failures to inject, for testing the fallback paths.
    public struct FailureInjection: Sendable, Equatable {
        /// No array page can be had (neither cached nor allocated).
        public var pages: Bool
        /// Wrapper allocations for headless objects fail.
        public var wrappers: Bool

        public init(pages: Bool = false, wrappers: Bool = false) {
            self.pages = pages
            self.wrappers = wrappers
        }
    }

    /// The queue's allocation points: every place where it asks for memory,
    /// and what it does when the allocation fails.
    public enum AllocationPoint: String, Sendable, CaseIterable {
        /// A bulk-array page, under the batch's raw lock with
        /// ``allocationFlags``, when the batch's page cache is empty.
        /// On failure: the emergency list (headed) or a wrapper (headless).
        case arrayPage
        /// A wrapper head for a headless object (`mayBlock`, outside the lock).
        /// On failure: a grace period waited for in place, then the free.
        case wrapper
        /// A page for a batch's page cache, during a drain pass (`mayBlock`).
        /// On failure: the cache stays short until the next pass.
        case cacheRefill
    }

    /// Fails chosen allocations of a queue, for testing every failure path:
    /// before each allocation the queue asks `shouldFail`, with the
    /// allocation's number (0, 1, … in the order the queue makes them) and
    /// its point; `true` makes that allocation fail as if memory had run out.
    public final class FaultInjector: @unchecked Sendable {
        private let decide: @Sendable (_ attempt: Int, _ point: AllocationPoint) -> Bool
        private let lock = PlainLock()
        private var log: [(point: AllocationPoint, failed: Bool)] = []

        /// - Parameter shouldFail: Called before each allocation, on the
        ///   allocating thread, possibly under the queue's raw spinlock: it
        ///   must not block or take instrumented locks.
        public init(_ shouldFail: @escaping @Sendable (_ attempt: Int, _ point: AllocationPoint) -> Bool) {
            decide = shouldFail
        }

        /// Every allocation asked about so far, in order, and whether it was failed.
        public var attempts: [(point: AllocationPoint, failed: Bool)] { lock.withLock { log } }

        /// Whether the next allocation, at `point`, fails.
        func fails(at point: AllocationPoint) -> Bool {
            lock.withLock {
                let failed = decide(log.count, point)
                log.append((point, failed))
                return failed
            }
        }
    }

    /// What the queue has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Objects queued in bulk arrays, on the list through an embedded
        /// head, on the list through a wrapper, and freed synchronously.
        public var bulk = 0, list = 0, wrapper = 0, synchronous = 0
        /// Objects freed after their grace period (all paths).
        public var reclaimed = 0
        /// Array pages allocated and freed; page allocations that failed.
        public var pagesAllocated = 0, pagesFreed = 0, pageAllocationFailures = 0
        /// Wrappers allocated and freed.
        public var wrappersAllocated = 0, wrappersFreed = 0
        /// Drain passes that reclaimed something.
        public var drains = 0
    }

    /// Bytes an object must reserve for its embedded head (8-byte aligned).
    public static let headByteCount = ListHead.byteCount
    /// Pointers per array page.
    public static let pageCapacity = BulkPage.capacity

    public let name: String
    public let domain: GracePeriodDomain
    /// Flags of the array-page allocation under the raw lock: `.noLocks`
    /// (default, correct) or `.nowait` / `.atomic` (the seed-002 bug).
    public let allocationFlags: LockCheck.AllocationFlags
    /// How long queued objects may wait before the drain thread wakes.
    public let drainDelayNanoseconds: UInt64
    let reclaimer: Reclaimer
    let cachedPages: Int
    let events: DeferredFreeEvents
    let batches: [Batch]
    let drainLock = PlainLock()
    let counters = Counters()
    private let injection = Atomic<UInt8>(0)
    /// Chosen allocations to fail (tests); nil in production.
    let faultInjector: FaultInjector?
    let drainer: DrainThread
    /// Heads queued by signal handlers that interrupted their thread's own
    /// page code (``ThreadPages``), pushed lock-free; a drain pass takes
    /// them all at once.
    let interrupted = Atomic<UInt>(0)
    /// This queue's id in the threads' page caches: never 0, never reused.
    let id: UInt64 = DeferredFreeQueue.ids.wrappingAdd(1, ordering: .relaxed).newValue
    private static let ids = Atomic<UInt64>(0)

    /// One batch (the kernel's per-CPU `struct kfree_rcu_cpu`): the pages its
    /// threads opened, their emergency list and its page cache.
    final class Batch: @unchecked Sendable {
        let lock: RawSpinLock
        /// Array pages its threads opened (owned or closed), newest first;
        /// linked through their `NEXT` word. Owners push at the front under
        /// the lock; only drain passes (serialised) unlink.
        var pages: UnsafeMutableRawPointer?
        /// The emergency list of heads, newest first.
        var list: UnsafeMutableRawPointer?
        /// Empty pages ready for use (the kernel's `bkvcache`); capacity reserved.
        var cache: [UnsafeMutableRawPointer]
        /// Objects on the emergency list since the last drain.
        var queued = 0
        var needsRefill = false
        /// Objects drain passes took from this batch's arrays (``Statistics/bulk``
        /// adds what its pages still hold). Written only by drain passes.
        let bulk = Atomic<Int>(0)

        /// Runs `body` with interrupts off and the lock held (the kernel's
        /// raw_spin_lock_irqsave on the krc lock): the lock is also taken from
        /// hardirq-like handlers, so taking it with interrupts on would be
        /// `inconsistent-lock-state`.
        /// With validation off, `irqsDisabled` is a no-op that still looks
        /// for the thread's runtime state twice: skipped.
        @inline(__always)
        func withIrqsOffLocked<T>(_ body: () throws -> T) rethrows -> T {
            if !validating { return try lock.withLock(body) }
            return try LockCheck.irqsDisabled { try lock.withLock(body) }
        }

        /// Whether validation is on (it is decided once, at process start).
        let validating: Bool

        init(lock: RawSpinLock, cachedPages: Int) {
            validating = Runtime.shared != nil
            self.lock = lock
            cache = []
            cache.reserveCapacity(cachedPages)
        }
    }

    /// Creates a queue and starts its drain thread.
    /// - Parameters:
    ///   - name: For reports and traces; the batch locks are `<name>.krc.lock`.
    ///   - allocationFlags: See ``allocationFlags``.
    ///   - cachedPages: Empty pages each batch keeps for the fast path.
    ///   - drainDelay: Nanoseconds between drains (the kernel's KFREE_DRAIN_JIFFIES).
    ///   - reclaimer: How objects are freed.
    ///   - backgroundDrain: Start the drain thread; without it only
    ///     ``barrier()`` frees (benchmarks, deterministic tests).
    ///   - faultInjector: Fails chosen allocations (tests of the fallback paths).
    public init(name: String = "deferred-free", domain: GracePeriodDomain = .shared,
                allocationFlags: LockCheck.AllocationFlags = .noLocks, cachedPages: Int = 4,
                drainDelay: UInt64 = 5_000_000, reclaimer: Reclaimer = .lockCheckFree,
                backgroundDrain: Bool = true, faultInjector: FaultInjector? = nil) {
        self.faultInjector = faultInjector
        self.name = name
        self.domain = domain
        self.allocationFlags = allocationFlags
        self.cachedPages = max(0, cachedPages)
        drainDelayNanoseconds = drainDelay
        self.reclaimer = reclaimer
        events = DeferredFreeEvents(name: name)
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
        batches = (0..<cpus).map { _ in Batch(lock: RawSpinLock(name: "\(name).krc.lock"), cachedPages: max(0, cachedPages)) }
        drainer = DrainThread(name: String("\(name)-drain".utf8.prefix(15)) ?? "drain")
        if backgroundDrain { drainer.start(self) }
    }

    deinit { releasePages() }

    /// Allocation failures injected from now on (for tests).
    public var failureInjection: FailureInjection {
        get {
            let b = injection.load(ordering: .relaxed)
            return FailureInjection(pages: b & 1 != 0, wrappers: b & 2 != 0)
        }
        set { injection.store((newValue.pages ? 1 : 0) | (newValue.wrappers ? 2 : 0), ordering: .relaxed) }
    }

    /// A snapshot of the counters (each read on its own: exact once the queue is idle).
    /// - Complexity: O(open pages): it counts what they hold under each batch's lock.
    public var statistics: Statistics {
        var s = counters.snapshot()
        s.bulk = batches.reduce(0) { total, b in
            total + b.withIrqsOffLocked {
                var held = 0
                var current = b.pages
                while let page = current {
                    held += BulkPage.count(page) - BulkPage.consumed(page)
                    current = BulkPage.next(page)
                }
                return b.bulk.load(ordering: .relaxed) + held
            }
        }
        return s
    }

    /// The calling thread's batch (threads hashed by kernel tid over one
    /// batch per CPU, so a thread always uses the same batch). The tid is
    /// read once per thread and cached (`lc_thread_hash`): no system call per
    /// deferred free.
    @inline(__always) func currentBatch() -> Batch {
        batches[Int(UInt64(bitPattern: lc_thread_hash()) % UInt64(batches.count))]
    }

    // MARK: Queueing

    /// Queues `object` to be freed after a grace period; `head` points to
    /// ``headByteCount`` bytes inside it that the queue may overwrite
    /// (kvfree_rcu(ptr, rhf)). Never sleeps: legal in any context, including
    /// a hardirq-like handler and under raw spinlocks.
    ///
    /// Equivalent to appending `object` to the calling thread's open array
    /// page for this queue and `pool`; when it has none with room, the batch's
    /// raw lock is taken (interrupts off) to close it and open the next.
    ///
    /// Queueing the same object twice before it is reclaimed is reported
    /// (`double-deferred-free`) and corrupts the queue.
    /// - Complexity: O(1): a store and a release store into the thread's own
    ///   page; once a page (``pageCapacity`` objects) a raw lock round trip
    ///   and rarely an array-page allocation.
    public func deferFree(_ object: UnsafeMutableRawPointer, head: UnsafeMutableRawPointer, pool: LockCheck.Pool? = nil) {
        events.deferFree(object, headless: false, pool: pool)
        if lc_dfq_try_append(id, object, poolBits(pool)) { return }
        deferFreeOpeningPage(object, head: head, pool: pool)
    }

    /// ``deferFree(_:head:pool:)`` when the thread's page is missing or full:
    /// a new page, else the emergency list through `head`.
    @inline(never)
    private func deferFreeOpeningPage(_ object: UnsafeMutableRawPointer, head: UnsafeMutableRawPointer,
                                      pool: LockCheck.Pool?) {
        // false: a signal handler interrupted this thread's own page code
        // (which may hold the batch lock): the lock-free list then.
        guard lc_dfq_enter() else {
            ListHead.initialize(head, object: object, pool: retain(pool), wrapper: false)
            pushInterrupted(head)
            bump(counters.list)
            return
        }
        defer { lc_dfq_leave() }
        let own = takeOwnPage(object, pool)
        if own.appended { return }
        let b = currentBatch()
        let kick: Bool = b.withIrqsOffLocked {
            if !openPage(b, object, pool) {
                ListHead.initialize(head, object: object, pool: retain(pool), wrapper: false)
                ListHead.setNext(head, b.list)
                b.list = head
                bump(counters.list)
                b.queued += 1
            }
            return b.queued >= BulkPage.capacity || b.needsRefill
        }
        if kick || own.closedFull { drainer.kick() }
    }

    /// Queues a headless `object` (no embedded head) to be freed after a
    /// grace period (kvfree_rcu(ptr)). A sleep point: when neither an array
    /// page nor a wrapper can be had, it waits for a grace period itself.
    /// Call it only where sleeping is allowed.
    /// - Complexity: O(1) normally (as ``deferFree(_:head:pool:)``); a grace
    ///   period in the last resort.
    public func deferFree(_ object: UnsafeMutableRawPointer, pool: LockCheck.Pool? = nil) {
        events.deferFree(object, headless: true, pool: pool)
        if lc_dfq_try_append(id, object, poolBits(pool)) { return }
        deferFreeHeadlessOpeningPage(object, pool: pool)
    }

    /// ``deferFree(_:pool:)`` when the thread's page is missing or full: a
    /// new page, else a wrapper, else a grace period waited for here.
    @inline(never)
    private func deferFreeHeadlessOpeningPage(_ object: UnsafeMutableRawPointer, pool: LockCheck.Pool?) {
        let b = currentBatch()
        // false: a signal handler interrupted this thread's own page code; a wrapper then.
        let pages = lc_dfq_enter()
        var own = (appended: false, closedFull: false)
        var page = (added: false, kick: false)
        if pages {
            own = takeOwnPage(object, pool)
            if !own.appended {
                page = b.withIrqsOffLocked { (openPage(b, object, pool), b.needsRefill) }
            }
            lc_dfq_leave()
        }
        if own.appended { return }
        if own.closedFull || (page.added && page.kick) { drainer.kick() }
        if page.added { return }
        if !failureInjection.wrappers, !injectedFailure(at: .wrapper),
           let wrapper = LockCheck.allocate(byteCount: ListHead.byteCount, flags: .mayBlock) {
            ListHead.initialize(wrapper, object: object, pool: retain(pool), wrapper: true)
            if pages {
                b.withIrqsOffLocked {
                    ListHead.setNext(wrapper, b.list)
                    b.list = wrapper
                    b.queued += 1
                }
            } else {
                pushInterrupted(wrapper)
            }
            bump(counters.wrapper); bump(counters.wrappersAllocated)
            drainer.kick()
            return
        }
        // The last resort: wait for a grace period here, then free.
        bump(counters.synchronous)
        domain.synchronize()
        events.reclaimed(object)
        reclaimer.free(object, pool)
        bump(counters.reclaimed)
    }

    /// The calling thread's open page of this queue (call between
    /// `lc_dfq_enter` and `lc_dfq_leave`), when the fast path missed only
    /// because the thread's cache held another queue's page:
    /// appends `object` to it if it has room for `pool`, else closes it (full,
    /// or for another pool). Touches only the thread's own pages: no lock.
    /// - Returns: Whether `object` was appended, and whether a full page was
    ///   closed (worth a drain pass).
    private func takeOwnPage(_ object: UnsafeMutableRawPointer,
                             _ pool: LockCheck.Pool?) -> (appended: Bool, closedFull: Bool) {
        guard let own = ThreadPages.page(for: id) else { return (false, false) }
        if lc_dfq_append_entered(id, object, poolBits(pool)) { return (true, false) }
        let full = BulkPage.count(own) >= BulkPage.capacity
        ThreadPages.close(own)
        return (false, full)
    }

    /// Opens a page for the calling thread and `pool` (from the batch's page
    /// cache, else allocated with ``allocationFlags``) and appends `object`.
    /// Called with the batch's raw lock held, between `lc_dfq_enter` and
    /// `lc_dfq_leave`; the thread has no open page here.
    /// - Returns: Whether `object` was added (false: no page could be had).
    private func openPage(_ b: Batch, _ object: UnsafeMutableRawPointer, _ pool: LockCheck.Pool?) -> Bool {
        if failureInjection.pages {
            b.needsRefill = true
            bump(counters.pageAllocationFailures)
            return false
        }
        var page = b.cache.popLast()
        if page == nil, !injectedFailure(at: .arrayPage) {
            // Under the raw lock: `.noLocks` never takes the allocator's lock (seed 002).
            page = LockCheck.allocate(byteCount: BulkPage.byteCount, flags: allocationFlags)
            if page != nil { bump(counters.pagesAllocated) }
        }
        if b.cache.count < cachedPages / 2 + 1 { b.needsRefill = true }
        guard let page else {
            bump(counters.pageAllocationFailures)
            return false
        }
        BulkPage.open(page, next: b.pages, pool: retain(pool), queue: id, threadNext: ThreadPages.head)
        b.pages = page
        ThreadPages.add(page, queue: id)
        let added = lc_dfq_append_entered(id, object, poolBits(pool))
        precondition(added, "lockcheck: a new deferred-free page refused its first object")
        return true
    }

    /// Links `head` onto ``interrupted`` (a compare-and-swap loop: lock-free,
    /// so a signal handler can use it whatever the code it interrupted holds).
    private func pushInterrupted(_ head: UnsafeMutableRawPointer) {
        var top = interrupted.load(ordering: .relaxed)
        while true {
            ListHead.setNext(head, UnsafeMutableRawPointer(bitPattern: top))
            let (exchanged, original) = interrupted.compareExchange(
                expected: top, desired: UInt(bitPattern: head), ordering: .releasing)
            if exchanged { return }
            top = original
        }
    }

    /// The pool's identity as a page records it (unretained; 0 for none).
    @inline(__always)
    private func poolBits(_ pool: LockCheck.Pool?) -> UInt64 {
        pool.map { UInt64(UInt(bitPattern: Unmanaged.passUnretained($0).toOpaque())) } ?? 0
    }

    /// Whether the fault injector fails the allocation about to be made at `point`.
    @inline(__always)
    func injectedFailure(at point: AllocationPoint) -> Bool {
        guard let faultInjector else { return false }
        return faultInjector.fails(at: point)
    }

    private func retain(_ pool: LockCheck.Pool?) -> UInt {
        pool.map { UInt(bitPattern: Unmanaged.passRetained($0).toOpaque()) } ?? 0
    }
}

/// The queue's counters: relaxed atomics, bumped under the raw lock without
/// taking any other lock.
final class Counters: Sendable {
    let list = Atomic<Int>(0), wrapper = Atomic<Int>(0), synchronous = Atomic<Int>(0)
    let reclaimed = Atomic<Int>(0)
    let pagesAllocated = Atomic<Int>(0), pagesFreed = Atomic<Int>(0), pageAllocationFailures = Atomic<Int>(0)
    let wrappersAllocated = Atomic<Int>(0), wrappersFreed = Atomic<Int>(0)
    let drains = Atomic<Int>(0)

    func snapshot() -> DeferredFreeQueue.Statistics {
        var s = DeferredFreeQueue.Statistics()
        s.list = list.load(ordering: .relaxed)
        s.wrapper = wrapper.load(ordering: .relaxed)
        s.synchronous = synchronous.load(ordering: .relaxed)
        s.reclaimed = reclaimed.load(ordering: .relaxed)
        s.pagesAllocated = pagesAllocated.load(ordering: .relaxed)
        s.pagesFreed = pagesFreed.load(ordering: .relaxed)
        s.pageAllocationFailures = pageAllocationFailures.load(ordering: .relaxed)
        s.wrappersAllocated = wrappersAllocated.load(ordering: .relaxed)
        s.wrappersFreed = wrappersFreed.load(ordering: .relaxed)
        s.drains = drains.load(ordering: .relaxed)
        return s
    }
}

@inline(__always)
func bump(_ counter: borrowing Atomic<Int>, _ n: Int = 1) {
    _ = counter.wrappingAdd(n, ordering: .relaxed)
}
