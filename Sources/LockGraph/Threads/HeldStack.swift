/// A thread's held stack: a growable buffer owned by one ``ThreadState``.
///
/// A plain buffer rather than an Array, so the hot path pays no
/// copy-on-write uniqueness check and no reference counting per push and pop.
/// - Complexity: `append` and `dropLast` O(1) amortized; `remove(at:)` O(n − i).
struct HeldStack: RandomAccessCollection {
    private var base: UnsafeMutablePointer<HeldLock>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    /// Frees the buffer; the owner calls it once, from its deinit.
    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(i: Int) -> HeldLock {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inline(__always)
    mutating func append(_ h: HeldLock) {
        if count == capacity { grow() }
        (base + count).initialize(to: h)
        count += 1
    }

    /// Removes the top entry (held locks are plain values: nothing to destroy).
    @inline(__always)
    mutating func dropLast() {
        count -= 1
    }

    mutating func remove(at i: Int) -> HeldLock {
        let h = (base + i).move()
        (base + i).moveInitialize(from: base + i + 1, count: count - i - 1)
        count -= 1
        return h
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<HeldLock>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
