/// A thread's held stack: a growable buffer owned by one ``ThreadState``.
///
/// A plain buffer rather than an Array, so the hot path pays no
/// copy-on-write uniqueness check and no reference counting per push and pop.
/// Two invariants keep the push and the top's chain key branch-free: a
/// sentinel entry with chain key 0 sits below index 0, and there is always a
/// free slot above the top.
/// - Complexity: `append` and `dropLast` O(1) amortized; `remove(at:)` O(n − i).
@usableFromInline
struct HeldStack: RandomAccessCollection {
    /// Index 0 of the entries; `base - 1` is the sentinel.
    @usableFromInline var base: UnsafeMutablePointer<HeldLock>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 2)
        base = Self.allocate(capacity: self.capacity)
    }

    /// A buffer of `capacity` entries after an initialised sentinel.
    private static func allocate(capacity: Int) -> UnsafeMutablePointer<HeldLock> {
        let raw = UnsafeMutablePointer<HeldLock>.allocate(capacity: capacity + 1)
        raw.initialize(to: HeldLock(instance: ObjectIdentifier(HeldStackSentinel.self), instanceID: 0, shape: 0,
                                    irqContext: 0, chainKey: 0, chainCheck: 0, site: EventSite(seq: 0), nestInstance: nil))
        return raw + 1
    }

    /// Frees the buffer; the owner calls it once, from its deinit.
    func deallocate() {
        (base - 1).deinitialize(count: count + 1)
        (base - 1).deallocate()
    }

    @inlinable var startIndex: Int { 0 }
    @inlinable var endIndex: Int { count }

    @inlinable
    subscript(i: Int) -> HeldLock {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    /// Pushes `h`. The stack keeps a free slot above its top, so a push
    /// writes first and grows afterwards, when nothing else is live.
    @inlinable
    mutating func append(_ h: HeldLock) {
        (base + count).initialize(to: h)
        count &+= 1
        if count == capacity { HeldStack.grow(&self) }
    }

    /// Removes the top entry (held locks are plain values: nothing to destroy).
    @inlinable
    mutating func dropLast() {
        count &-= 1
    }

    /// The chain key of the top entry, or 0 when the stack is empty (the sentinel's).
    @inlinable
    var topChainKey: UInt64 { base[count &- 1].chainKey }

    /// The chain check of the top entry, or 0 when the stack is empty.
    @inlinable
    var topChainCheck: UInt64 { base[count &- 1].chainCheck }

    mutating func remove(at i: Int) -> HeldLock {
        let h = (base + i).move()
        (base + i).moveInitialize(from: base + i + 1, count: count - i - 1)
        count -= 1
        return h
    }

    /// Doubles the capacity (a static function: the caller passes a pointer, not `self` in a register it must keep).
    @usableFromInline @inline(never)
    static func grow(_ stack: inout HeldStack) {
        let bigger = allocate(capacity: stack.capacity * 2)
        bigger.moveInitialize(from: stack.base, count: stack.count)
        (stack.base - 1).deinitialize(count: 1)
        (stack.base - 1).deallocate()
        stack.base = bigger
        stack.capacity *= 2
    }
}

/// The type whose identity the held stack's sentinel carries (never a lock's).
private enum HeldStackSentinel {}
