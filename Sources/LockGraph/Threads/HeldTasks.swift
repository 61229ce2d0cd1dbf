/// The Swift task that took each held lock of a thread that runs tasks
/// (``ThreadState/heldTasks``): a column beside the held stack, `[i]` for
/// `held[i]` (0: taken outside any task).
///
/// A plain buffer owned by one ``ThreadState``, as ``HeldStack`` is, so the
/// memo's short way in a task stores its task with no copy-on-write
/// uniqueness check. Entries at `held.count` and above are stale: a pop of
/// the held stack does not touch the column.
/// - Complexity: Subscripts and `append` O(1) amortized; `remove(at:)` O(n − i).
@usableFromInline
struct HeldTasks {
    @usableFromInline private(set) var base: UnsafeMutablePointer<UInt64>
    /// Entries written (the held stack's depth at most, counting stale ones).
    @usableFromInline private(set) var count = 0
    private var capacity = 16

    init() {
        base = .allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    /// Frees the buffer; the owner calls it once, from its deinit.
    func deallocate() { base.deallocate() }

    @inlinable
    subscript(i: Int) -> UInt64 {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    /// `count` entries of task 0 (the held locks of a thread that starts running tasks).
    mutating func reset(count n: Int) {
        count = 0
        for _ in 0..<n { append(0) }
    }

    /// Stores `task` at `i` (at most `count`: one past the last entry appends).
    @inlinable @inline(__always)
    mutating func set(_ task: UInt64, at i: Int) {
        if i < count { base[i] = task } else { append(task) }
    }

    @usableFromInline
    mutating func append(_ task: UInt64) {
        if count == capacity {
            let grown = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
            grown.initialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: task)
        count += 1
    }

    mutating func remove(at i: Int) {
        (base + i).update(from: base + i + 1, count: count - i - 1)
        count -= 1
    }
}
