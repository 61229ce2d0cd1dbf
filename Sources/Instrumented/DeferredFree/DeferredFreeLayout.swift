import CInstrumented

/// The two memory layouts a ``DeferredFreeQueue`` writes: the page-sized
/// bulk array of pointers, and the head it links objects through on the
/// emergency list. Both are raw memory, so that filling them never calls
/// into the Swift runtime's allocator or reference counting. The page's
/// header and the lock-free append are C (`lockcheck_deferred_free.h`),
/// one definition for both languages.
enum BulkPage {
    /// One page.
    static let byteCount = Int(LC_DFQ_PAGE_BYTES)
    /// Header words (`lockcheck_deferred_free.h` names them).
    static let headerWords = Int(LC_DFQ_HEADER_WORDS)
    /// Pointers per page (kvfree_rcu's KVFREE_BULK_MAX_ENTR analogue).
    static let capacity = (byteCount / 8) - headerWords

    @inline(__always) static func words(_ page: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt64> {
        page.assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always) private static func word(_ page: UnsafeMutableRawPointer, _ index: Int32) -> UnsafeMutablePointer<UInt64> {
        words(page) + Int(index)
    }

    /// Opens `page` for the calling thread (owned, empty), at the front of a
    /// batch's list. Call with the batch's lock held.
    static func open(_ page: UnsafeMutableRawPointer, next: UnsafeMutableRawPointer?, pool: UInt, queue: UInt64,
                     threadNext: UnsafeMutableRawPointer?) {
        let w = words(page)
        for i in 0..<headerWords { w[i] = 0 }
        w[Int(LC_DFQ_NEXT)] = UInt64(UInt(bitPattern: next))
        w[Int(LC_DFQ_POOL)] = UInt64(pool)
        w[Int(LC_DFQ_QUEUE)] = queue
        w[Int(LC_DFQ_THREAD_NEXT)] = UInt64(UInt(bitPattern: threadNext))
        lc_dfq_store_release(word(page, Int32(LC_DFQ_STATE)), UInt64(LC_DFQ_OWNED))
    }

    @inline(__always) static func next(_ page: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(words(page)[Int(LC_DFQ_NEXT)]))
    }

    static func setNext(_ page: UnsafeMutableRawPointer, _ next: UnsafeMutableRawPointer?) {
        words(page)[Int(LC_DFQ_NEXT)] = UInt64(UInt(bitPattern: next))
    }

    /// Pointers appended so far, with acquire ordering: every slot below it is written.
    @inline(__always) static func count(_ page: UnsafeMutableRawPointer) -> Int {
        Int(lc_dfq_load_acquire(word(page, Int32(LC_DFQ_COUNT))))
    }

    @inline(__always) static func pool(_ page: UnsafeMutableRawPointer) -> UInt { UInt(words(page)[Int(LC_DFQ_POOL)]) }

    @inline(__always) static func queue(_ page: UnsafeMutableRawPointer) -> UInt64 { words(page)[Int(LC_DFQ_QUEUE)] }

    /// Pointers drain passes have taken. Written by drain passes only
    /// (serialised); atomic because ``DeferredFreeQueue/statistics`` reads it too.
    static func consumed(_ page: UnsafeMutableRawPointer) -> Int {
        Int(lc_dfq_load_acquire(word(page, Int32(LC_DFQ_CONSUMED))))
    }

    static func setConsumed(_ page: UnsafeMutableRawPointer, _ n: Int) {
        lc_dfq_store_release(word(page, Int32(LC_DFQ_CONSUMED)), UInt64(n))
    }

    /// The owner's next open page (owner only).
    static func threadNext(_ page: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(words(page)[Int(LC_DFQ_THREAD_NEXT)]))
    }

    static func setThreadNext(_ page: UnsafeMutableRawPointer, _ next: UnsafeMutableRawPointer?) {
        words(page)[Int(LC_DFQ_THREAD_NEXT)] = UInt64(UInt(bitPattern: next))
    }

    /// The page's state, with acquire ordering: once it reads CLOSED, ``count(_:)`` is final.
    static func state(_ page: UnsafeMutableRawPointer) -> Int32 {
        Int32(truncatingIfNeeded: lc_dfq_load_acquire(word(page, Int32(LC_DFQ_STATE))))
    }

    /// Sets the state, returning the one it replaced (acquire-release).
    static func exchangeState(_ page: UnsafeMutableRawPointer, _ state: Int32) -> Int32 {
        Int32(truncatingIfNeeded: lc_dfq_exchange(word(page, Int32(LC_DFQ_STATE)), UInt64(state)))
    }

    /// The queued pointers in `range` (below a count read with ``count(_:)``).
    @inline(__always) static func entries(_ page: UnsafeMutableRawPointer, _ range: Range<Int>) -> UnsafeBufferPointer<UnsafeMutableRawPointer> {
        let start = UnsafeRawPointer(page + (headerWords + range.lowerBound) * 8).assumingMemoryBound(to: UnsafeMutableRawPointer.self)
        return UnsafeBufferPointer(start: start, count: range.count)
    }
}

/// The head a queued object is linked through on the emergency list (the
/// kernel's `rcu_head`): embedded in the object, or a separately allocated
/// wrapper for a headless object.
///
/// Layout (``DeferredFreeQueue/headByteCount`` bytes, 8-byte aligned): next
/// head, the object, its pool (retained, or 0), flags (1: a wrapper the queue
/// allocated and frees after the object).
enum ListHead {
    static let byteCount = 32
    static let wrapperFlag: UInt = 1

    @inline(__always) static func words(_ head: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt> {
        head.assumingMemoryBound(to: UInt.self)
    }

    static func initialize(_ head: UnsafeMutableRawPointer, object: UnsafeMutableRawPointer, pool: UInt, wrapper: Bool) {
        let w = words(head)
        w[0] = 0
        w[1] = UInt(bitPattern: object)
        w[2] = pool
        w[3] = wrapper ? wrapperFlag : 0
    }

    @inline(__always) static func setNext(_ head: UnsafeMutableRawPointer, _ next: UnsafeMutableRawPointer?) {
        words(head)[0] = UInt(bitPattern: next)
    }

    @inline(__always) static func next(_ head: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: words(head)[0])
    }

    @inline(__always) static func object(_ head: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: words(head)[1])!
    }

    @inline(__always) static func pool(_ head: UnsafeMutableRawPointer) -> UInt { words(head)[2] }

    @inline(__always) static func isWrapper(_ head: UnsafeMutableRawPointer) -> Bool { words(head)[3] & wrapperFlag != 0 }
}
