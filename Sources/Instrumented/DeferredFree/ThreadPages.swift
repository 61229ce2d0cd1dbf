#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// The bulk pages the calling thread owns: at most one open page per
/// ``DeferredFreeQueue`` it defers frees on, linked through their
/// `THREAD_NEXT` header word, the list's head in a thread-specific key, and
/// the last one used in a one-entry thread-local cache
/// (`lc_dfq_cache_slot`) that the lock-free append reads.
///
/// Ownership, the one rule that makes the append safe without a lock: only
/// the owner appends to or closes an open page, and nothing frees a page
/// before it is closed. A page leaves its owner in one of three ways, always
/// by the owner: it is full or for another pool (``DeferredFreeQueue``'s slow
/// path closes it under the batch lock and opens the next), the owner calls
/// ``DeferredFreeQueue/shutdown()``, or the thread ends (the key's destructor
/// closes every page the thread still owns, so a part-filled page is left to
/// the next drain pass, never lost). When the queue is deinitialised first,
/// it marks the thread's page orphaned and the owner frees it when it closes it.
///
/// Signal handlers: a deferred free runs its page code between
/// `lc_dfq_enter` and `lc_dfq_leave` (the append marks the same word), so a
/// handler that interrupts it finds the thread busy and queues on the
/// emergency list instead, never half-way through the thread's own append
/// or page switch.
enum ThreadPages {
    /// The key whose value is the head of the thread's list; its destructor
    /// closes the pages at thread exit.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            guard let raw else { return }
            ThreadPages.closeAll(startingAt: raw)
        }
        precondition(rc == 0, "lockcheck: pthread_key_create failed (\(rc))")
        return key
    }()

    /// The head of the calling thread's list.
    static var head: UnsafeMutableRawPointer? { pthread_getspecific(key) }

    private static func setHead(_ page: UnsafeMutableRawPointer?) {
        let rc = pthread_setspecific(key, page)
        precondition(rc == 0, "lockcheck: pthread_setspecific failed (\(rc))")
    }

    /// The calling thread's open page of queue `queue`, now also in the
    /// thread's cache; nil when it has none. Frees, on the way, the pages of
    /// queues that have been deinitialised.
    /// - Complexity: O(queues the thread has open pages on).
    static func page(for queue: UInt64) -> UnsafeMutableRawPointer? {
        let cache = lc_dfq_this_thread()!
        if cache.pointee.queue == queue, let page = cache.pointee.page { return UnsafeMutableRawPointer(page) }
        var previous: UnsafeMutableRawPointer?
        var current = head
        while let page = current {
            current = BulkPage.threadNext(page)
            if BulkPage.state(page) == Int32(LC_DFQ_ORPHANED) {
                unlink(page, after: previous)
                LockCheck.free(page)
                continue
            }
            if BulkPage.queue(page) == queue {
                cache.pointee.queue = queue
                cache.pointee.page = page.assumingMemoryBound(to: UInt64.self)
                return page
            }
            previous = page
        }
        return nil
    }

    /// Makes `page`, just opened for `queue`, the thread's page for it (at
    /// the head of the list and in the cache).
    static func add(_ page: UnsafeMutableRawPointer, queue: UInt64) {
        BulkPage.setThreadNext(page, head)
        setHead(page)
        let cache = lc_dfq_this_thread()!
        cache.pointee.queue = queue
        cache.pointee.page = page.assumingMemoryBound(to: UInt64.self)
    }

    /// Closes `page`, one of the calling thread's: takes it off the list and
    /// out of the cache, then marks it closed (release: its count is final).
    /// From then on only a drain pass touches it.
    static func close(_ page: UnsafeMutableRawPointer) {
        var previous: UnsafeMutableRawPointer?
        var current = head
        while let p = current, p != page {
            previous = p
            current = BulkPage.threadNext(p)
        }
        precondition(current == page, "lockcheck: closing a deferred-free page the thread does not own")
        unlink(page, after: previous)
        let cache = lc_dfq_this_thread()!
        if cache.pointee.page == page.assumingMemoryBound(to: UInt64.self) {
            cache.pointee.queue = 0
            cache.pointee.page = nil
        }
        if BulkPage.exchangeState(page, Int32(LC_DFQ_CLOSED)) == Int32(LC_DFQ_ORPHANED) { LockCheck.free(page) }
    }

    private static func unlink(_ page: UnsafeMutableRawPointer, after previous: UnsafeMutableRawPointer?) {
        let next = BulkPage.threadNext(page)
        if let previous { BulkPage.setThreadNext(previous, next) } else { setHead(next) }
    }

    /// Thread exit: closes every page of the list starting at `first`.
    private static func closeAll(startingAt first: UnsafeMutableRawPointer) {
        let cache = lc_dfq_this_thread()!
        cache.pointee.queue = 0
        cache.pointee.page = nil
        var current: UnsafeMutableRawPointer? = first
        while let page = current {
            current = BulkPage.threadNext(page)  // read before closing: a closed page may be recycled at once
            if BulkPage.exchangeState(page, Int32(LC_DFQ_CLOSED)) == Int32(LC_DFQ_ORPHANED) { LockCheck.free(page) }
        }
    }
}
