/// A thread's held stack: a growable buffer owned by one ``ThreadState``.
///
/// A plain buffer rather than an Array, so the hot path pays no
/// copy-on-write uniqueness check and no reference counting per push and pop.
/// - Complexity: `append` and `dropLast` O(1) amortized; `remove(at:)` O(n − i).
@usableFromInline
struct HeldStack: RandomAccessCollection {
    @usableFromInline var base: UnsafeMutablePointer<HeldLock>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    /// Frees the buffer; the owner calls it once, from its deinit.
    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inlinable var startIndex: Int { 0 }
    @inlinable var endIndex: Int { count }

    @inlinable
    subscript(i: Int) -> HeldLock {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inlinable
    mutating func append(_ h: HeldLock) {
        if count == capacity { grow() }
        (base + count).initialize(to: h)
        count += 1
    }

    /// Removes the top entry (held locks are plain values: nothing to destroy).
    @inlinable
    mutating func dropLast() {
        count -= 1
    }

    mutating func remove(at i: Int) -> HeldLock {
        let h = (base + i).move()
        (base + i).moveInitialize(from: base + i + 1, count: count - i - 1)
        count -= 1
        return h
    }

    @usableFromInline
    mutating func grow() {
        let bigger = UnsafeMutablePointer<HeldLock>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
