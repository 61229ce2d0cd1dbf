#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import LockTrace
import LockVocabulary

/// Allocation entry points on real memory (malloc), validated like the
/// kernel's GFP flags, and pools (the kmem_cache analogue).
extension LockCheck {
    /// How an allocation may behave (the kernel's GFP flags):
    /// ``LockVocabulary/AllocFlags``, the one type the engine and the trace
    /// format use too.
    public typealias AllocationFlags = LockVocabulary.AllocFlags

    /// Allocates `byteCount` bytes with `flags`, optionally accounted to `pool`.
    ///
    /// `noLocks` is served from the calling thread's cache (filled by
    /// ``fillNoLocksCache(byteCount:count:)`` and by ``free(_:pool:)``) and
    /// returns nil when it has no block that large; with validation off it is
    /// plain malloc. Free the result with ``free(_:pool:)``.
    /// - Complexity: malloc, plus O(1) validation.
    public static func allocate(byteCount: Int, flags: AllocationFlags = .mayBlock,
                                pool: Pool? = nil) -> UnsafeMutableRawPointer? {
        let bytes = max(1, byteCount)
        var pointer: UnsafeMutableRawPointer?
        guard let pt = PerThread.enter() else { return malloc(bytes) }
        pointer = flags == .noLocks ? pt.noLocksCache.take(bytes) : malloc(bytes)
        let seq = lc_next_seq()
        let runtime = pt.runtime
        let p = UInt64(UInt(bitPattern: pointer))
        runtime.validator.allocate(flags: flags, bytes: UInt64(bytes),
                                   pointer: p, pool: pool?.instance, thread: pt.state, site: pt.site(seq))
        if runtime.recorder.isRecording {
            runtime.recorder.record(
                TraceEvent(seq: seq, thread: 0, op: .alloc, pointer: p, bytes: UInt64(bytes), pool: pool?.traceID,
                           allocFlags: flags),
                thread: pt, pool: pool)
        }
        pt.leave()
        return pointer
    }

    /// Frees memory from ``allocate(byteCount:flags:pool:)``. Small blocks
    /// refill the calling thread's `noLocks` cache.
    public static func free(_ pointer: UnsafeMutableRawPointer?, pool: Pool? = nil) {
        guard let pointer else { return }
        guard let pt = PerThread.enter() else { return Glibc.free(pointer) }
        let seq = lc_next_seq()
        let runtime = pt.runtime
        let p = UInt64(UInt(bitPattern: pointer))
        runtime.validator.free(pointer: p, pool: pool?.instance, thread: pt.state, site: pt.site(seq))
        if runtime.recorder.isRecording {
            runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: .free, pointer: p, pool: pool?.traceID),
                                    thread: pt, pool: pool)
        }
        if !pt.noLocksCache.put(pointer) { Glibc.free(pointer) }
        pt.leave()
    }

    /// Fills the calling thread's `noLocks` cache with `count` blocks of at
    /// least `byteCount` bytes (allocated now, with malloc: call it where
    /// blocking is allowed). Blocks that do not fit stay unallocated.
    /// - Returns: The number of blocks added.
    @discardableResult
    public static func fillNoLocksCache(byteCount: Int, count: Int) -> Int {
        guard let pt = PerThread.enter() else { return 0 }
        defer { pt.leave() }
        var added = 0
        for _ in 0..<count {
            guard let p = malloc(NoLocksCache.roundUp(byteCount)) else { break }
            if pt.noLocksCache.put(p) { added += 1 } else { Glibc.free(p); break }
        }
        return added
    }

    /// An allocation pool whose lifetime the validator checks (the kernel's
    /// kmem_cache / zs_pool): allocations and frees name it, and using it
    /// after ``destroy()`` is `use-after-destroy`.
    public final class Pool: @unchecked Sendable {
        public let name: String
        let instance: LockGraph.Pool?
        let traceID: UInt64
        let declaredSession: UnsafeMutablePointer<Int64>

        private init(name: String) {
            self.name = name
            if let runtime = Runtime.shared {
                traceID = runtime.nextID()
                instance = runtime.validator.makePool(name: name, id: traceID)
            } else {
                traceID = 0
                instance = nil
            }
            declaredSession = .allocate(capacity: 1)
            declaredSession.initialize(to: 0)
        }

        deinit { declaredSession.deallocate() }

        /// Creates a pool (kmem_cache_create).
        public static func create(name: String) -> Pool { Pool(name: name) }

        /// Destroys the pool (kmem_cache_destroy): later use is reported.
        public func destroy() {
            guard let instance, let pt = PerThread.enter() else { return }
            let seq = lc_next_seq()
            let runtime = pt.runtime
            runtime.validator.destroyPool(instance, thread: pt.state, site: pt.site(seq))
            if runtime.recorder.isRecording {
                runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: .poolDestroy, id: traceID), thread: pt, pool: self)
            }
            pt.leave()
        }
    }
}

/// A thread's blocks for `noLocks` allocations: a few per power-of-two size
/// class (16 B … 4 KiB). Only its thread touches it: lock-free by construction.
struct NoLocksCache {
    static let classes = 9
    static let slots = 16
    private var blocks: [[UnsafeMutableRawPointer]] = Array(repeating: [], count: NoLocksCache.classes)

    /// The size of the smallest class holding `bytes`.
    static func roundUp(_ bytes: Int) -> Int {
        var size = 16
        while size < bytes { size <<= 1 }
        return size
    }

    /// A block of at least `bytes`, or nil.
    mutating func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        var c = 0
        while c < Self.classes && 16 << c < bytes { c += 1 }
        while c < Self.classes {
            if let p = blocks[c].popLast() { return p }
            c += 1
        }
        return nil
    }

    /// Keeps `pointer` if its class has room.
    mutating func put(_ pointer: UnsafeMutableRawPointer) -> Bool {
        let usable = lc_malloc_usable_size(pointer)
        guard usable >= 16 else { return false }
        var c = 0
        while c + 1 < Self.classes && 16 << (c + 1) <= usable { c += 1 }
        guard blocks[c].count < Self.slots else { return false }
        if blocks[c].capacity < Self.slots { blocks[c].reserveCapacity(Self.slots) }
        blocks[c].append(pointer)
        return true
    }

    /// Frees every cached block (thread exit).
    mutating func drain() {
        for c in 0..<Self.classes {
            for p in blocks[c] { Glibc.free(p) }
            blocks[c] = []
        }
    }
}
