/// The two memory layouts a ``DeferredFreeQueue`` writes: the page-sized
/// bulk array of pointers, and the head it links objects through on the
/// emergency list. Both are raw memory, so that filling them under the
/// queue's raw spinlock never calls into the Swift runtime's allocator.
enum BulkPage {
    /// One page.
    static let byteCount = 4096
    /// Header: next page, count, pool (retained, or 0), unused.
    static let headerWords = 4
    /// Pointers per page (kvfree_rcu's KVFREE_BULK_MAX_ENTR analogue).
    static let capacity = (byteCount - headerWords * 8) / 8

    @inline(__always) static func words(_ page: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt> {
        page.assumingMemoryBound(to: UInt.self)
    }

    static func initialize(_ page: UnsafeMutableRawPointer, next: UnsafeMutableRawPointer?, pool: UInt) {
        let w = words(page)
        w[0] = UInt(bitPattern: next)
        w[1] = 0
        w[2] = pool
        w[3] = 0
    }

    @inline(__always) static func next(_ page: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: words(page)[0])
    }

    @inline(__always) static func count(_ page: UnsafeMutableRawPointer) -> Int { Int(words(page)[1]) }

    @inline(__always) static func pool(_ page: UnsafeMutableRawPointer) -> UInt { words(page)[2] }

    /// Appends `object`; the page must have room.
    @inline(__always) static func append(_ page: UnsafeMutableRawPointer, _ object: UnsafeMutableRawPointer) {
        let w = words(page)
        let n = Int(w[1])
        w[headerWords + n] = UInt(bitPattern: object)
        w[1] = UInt(n + 1)
    }

    /// The queued pointers.
    @inline(__always) static func entries(_ page: UnsafeMutableRawPointer) -> UnsafeBufferPointer<UnsafeMutableRawPointer> {
        let start = UnsafeRawPointer(page + headerWords * 8).assumingMemoryBound(to: UnsafeMutableRawPointer.self)
        return UnsafeBufferPointer(start: start, count: count(page))
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
