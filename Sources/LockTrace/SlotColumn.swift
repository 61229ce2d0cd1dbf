/// A growable column of plain values indexed by declaration slot: the
/// per-thread and per-lock state the event path reads and writes on every
/// line.
///
/// An `Array` would check uniqueness (copy-on-write) on every store; this
/// owns its storage outright, being non-copyable, so a store is one bounds
/// check and one write.
struct SlotColumn<Element: BitwiseCopyable>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 16
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Appends `value` as the next slot.
    ///
    /// - Complexity: amortized O(1).
    mutating func append(_ value: Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: value)
        count += 1
    }

    /// The value of `slot`, which must be below ``count``.
    ///
    /// - Complexity: O(1).
    @inline(__always)
    subscript(slot: Int) -> Element {
        get {
            precondition(slot >= 0 && slot < count, "LockTrace: slot out of range")
            return base[slot]
        }
        set {
            precondition(slot >= 0 && slot < count, "LockTrace: slot out of range")
            base[slot] = newValue
        }
    }
}
