import LockTrace

/// Puts one file's events back into `seq` order within a bounded window.
///
/// Lines of different threads may interleave in any order (producers buffer
/// per thread), and the pool, queue and lock-lifetime rules need cross-thread
/// order. Events that arrive in order go to a FIFO (O(1)); an event with a
/// smaller `seq` than the FIFO's last goes to a min-heap. Once more than
/// `window` events wait, the smallest is released. Memory is bounded by the
/// window, never by the trace's length; ties keep file order.
struct ReorderBuffer {
    let window: Int
    private var fifo: EventRing
    private var head = 0
    private var fifoCount = 0
    private var lastInFIFO: UInt64 = 0
    private var late: [(seq: UInt64, order: UInt64, event: TraceEvent)] = []
    private var order: UInt64 = 0
    /// The seq of the last event released.
    private(set) var lastReleased: UInt64 = 0
    /// Events that arrived after a later-seq event was already released.
    private(set) var tooLate = 0

    /// Slots the FIFO starts with; it doubles as events wait, up to the
    /// window: a file of a few events does not pay for the default window
    /// (131,072 slots of a 92-byte event, 12 MB written for every file).
    static let initialCapacity = 256

    init(window: Int) {
        self.window = max(window, 1)
        var cap = 1
        while cap < min(self.window + 1, Self.initialCapacity) { cap <<= 1 }
        fifo = EventRing(capacity: cap)
    }

    var count: Int { fifoCount + late.count }

    /// Adds a copy of `*e`; returns whether the window is now over-full, so
    /// the caller should ``pop()`` one event.
    /// - Complexity: O(1) for an event in seq order, O(log window) otherwise.
    @inline(__always)
    mutating func push(_ e: UnsafePointer<TraceEvent>) -> Bool {
        let seq = e.pointee.seq
        if seq < lastReleased { tooLate += 1 }
        order &+= 1
        if fifoCount == 0 || seq >= lastInFIFO {
            if fifoCount == fifo.capacity { growFIFO() }
            (fifo.slots + ((head + fifoCount) & (fifo.capacity - 1))).update(from: e, count: 1)
            fifoCount += 1
            lastInFIFO = seq
        } else {
            heapPush((seq, order, e.pointee))
        }
        return count > window
    }

    /// Releases the smallest waiting event. The pointer stays valid until the
    /// next `push` or `pop`.
    @inline(__always)
    mutating func pop() -> UnsafePointer<TraceEvent>? {
        let fromFIFO: Bool
        if fifoCount == 0 {
            if late.isEmpty { return nil }
            fromFIFO = false
        } else if late.isEmpty {
            fromFIFO = true
        } else {
            // FIFO events carry earlier arrival order than any later heap entry with the same seq only if they came first;
            // comparing seq first and preferring the FIFO on ties keeps file order for in-order producers.
            fromFIFO = fifo.slots[head].seq <= late[0].seq
        }
        let e: UnsafePointer<TraceEvent>
        if fromFIFO {
            e = UnsafePointer(fifo.slots + head)
            head = (head + 1) & (fifo.capacity - 1)
            fifoCount -= 1
        } else {
            fifo.scratch.pointee = heapPop()
            e = UnsafePointer(fifo.scratch)
        }
        if e.pointee.seq > lastReleased { lastReleased = e.pointee.seq }
        return e
    }

    private mutating func growFIFO() {
        let bigger = EventRing(capacity: fifo.capacity * 2)
        for i in 0..<fifoCount { bigger.slots[i] = fifo.slots[(head + i) & (fifo.capacity - 1)] }
        bigger.scratch.pointee = fifo.scratch.pointee
        fifo = bigger
        head = 0
    }

    private static func less(_ a: (seq: UInt64, order: UInt64, event: TraceEvent), _ b: (seq: UInt64, order: UInt64, event: TraceEvent)) -> Bool {
        a.seq != b.seq ? a.seq < b.seq : a.order < b.order
    }

    private mutating func heapPush(_ x: (seq: UInt64, order: UInt64, event: TraceEvent)) {
        late.append(x)
        var i = late.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !Self.less(late[i], late[p]) { break }
            late.swapAt(i, p)
            i = p
        }
    }

    private mutating func heapPop() -> TraceEvent {
        let top = late[0].event
        let last = late.removeLast()
        if !late.isEmpty {
            late[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < late.count && Self.less(late[l], late[m]) { m = l }
                if r < late.count && Self.less(late[r], late[m]) { m = r }
                if m == i { break }
                late.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

/// Fixed-capacity storage of events (plain values, so slots need no
/// initialisation tracking: unused slots hold stale copies).
final class EventRing {
    let capacity: Int
    let slots: UnsafeMutablePointer<TraceEvent>
    /// Where an event released from the heap waits to be applied.
    let scratch: UnsafeMutablePointer<TraceEvent>

    init(capacity: Int) {
        self.capacity = capacity
        slots = .allocate(capacity: capacity + 1)
        slots.initialize(repeating: TraceEvent(seq: 0, thread: 0, op: .threadExit), count: capacity + 1)
        scratch = slots + capacity
    }

    deinit {
        slots.deinitialize(count: capacity + 1)
        slots.deallocate()
    }
}
