import LockTrace

/// A run of consecutive records parsed by the reader thread, in file order:
/// the events, the declarations between them, and what the validator thread
/// needs of the reader's state at the end of the run.
///
/// Batches are recycled through a ``BatchChannel``; one owns its event
/// storage for its whole life, so steady-state reading allocates nothing per
/// batch beyond the declarations it carries.
final class EventBatch: @unchecked Sendable {
    /// The events, `count` of them, copied out of the reader.
    let events: UnsafeMutablePointer<TraceEvent>
    /// Room for this many events.
    let capacity: Int
    /// Events held.
    private(set) var count = 0
    /// Declarations and config lines, each with the number of this batch's
    /// events that came before it in the file.
    var declarations: [(before: Int, record: TraceRecord)] = []
    /// The reader's interned sleep reasons when the batch was sent: a
    /// superset of those its events (and every earlier one) name.
    var sleepReasons: [String] = []
    /// The reader's ``TraceReader/bytesRead`` when the batch was sent.
    var bytesRead = 0
    /// The reader's error, after the last record it could read.
    var error: TraceError?
    /// Whether this is the reader's last batch (end of the trace or error).
    var isLast = false

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        events = .allocate(capacity: self.capacity)
        events.initialize(repeating: TraceEvent(seq: 0, thread: 0, op: .threadExit), count: self.capacity)
    }

    deinit {
        events.deinitialize(count: capacity)
        events.deallocate()
    }

    /// Whether no more event fits.
    var isFull: Bool { count == capacity }

    /// The slot the next event goes to (the reader parses into it).
    /// - Precondition: not ``isFull``.
    @inline(__always)
    var nextSlot: UnsafeMutablePointer<TraceEvent> { events + count }

    /// Keeps the event just parsed into ``nextSlot``.
    /// - Complexity: O(1).
    @inline(__always)
    func commitNextSlot() {
        count += 1
    }

    /// Empties the batch for reuse (the storage stays).
    func reset() {
        count = 0
        declarations.removeAll(keepingCapacity: true)
        sleepReasons = []
        bytesRead = 0
        error = nil
        isLast = false
    }
}
