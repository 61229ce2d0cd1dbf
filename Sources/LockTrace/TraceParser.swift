/// The reader's state machine: everything ``TraceReader`` knows about the
/// file so far, and the loop that turns lines into records.
///
/// Non-copyable because it owns the ``LineSource`` buffer and descriptor.
/// The per-kind parsing lives in `TraceParser+Header`, `+Config`,
/// `+Declarations` and `+Events`.
struct TraceParser: ~Copyable {
    /// The file name used in errors and warnings.
    let name: String
    var source: LineSource
    /// The number of the line being parsed (1-based); after the end, the
    /// number of complete lines.
    var lineNumber = 0
    var headerSeen = false
    var finished = false
    /// The error thrown, rethrown by every later call: the reader stops at
    /// the first bad line.
    var failure: TraceError?
    /// The line of the first event, 0 before it: config lines must precede it.
    var firstEventLine = 0
    var warnings: [TraceWarning] = []
    var truncated = false
    var sleepReasons = TokenInterner()

    var processes = DeclarationTable()
    var threads = DeclarationTable()
    var classes = DeclarationTable()
    var locks = DeclarationTable()
    var pools = DeclarationTable()
    var queues = DeclarationTable()
    var stacks = DeclarationTable()
    /// Per thread slot: the `<seq>` of its last event (0 before any).
    var threadLastSeq = SlotColumn<UInt64>()
    /// Per thread slot: the line of its `thread-exit`, 0 while it lives.
    var threadExitLine = SlotColumn<Int>()
    /// Per lock slot: whether its class is `rwlock` or `rwsem`.
    var lockIsReaderWriter = SlotColumn<Bool>()
    /// Merged config settings and the line each was first given on.
    var settings: [String: (value: String, line: Int)] = [:]
    /// Scratch: the unknown keys of the current event line.
    var unknownKeys: [Token] = []
    /// Scratch: the canonical content of the current stack line.
    var scratch: [UInt8] = []

    /// Where the next event line is parsed: ``ownEventStorage``, or for one
    /// ``TraceReader/step(into:)`` a slot of the caller's.
    var eventStorage: UnsafeMutablePointer<TraceEvent>
    /// The event of the last ``Step/event``, parsed in place, at a stable
    /// address so the reader can lend it without a copy.
    let ownEventStorage: UnsafeMutablePointer<TraceEvent>
    var event: TraceEvent {
        get { eventStorage.pointee }
        nonmutating _modify { yield &eventStorage.pointee }
        nonmutating set { eventStorage.pointee = newValue }
    }
    /// The record of the last ``Step/declaration``.
    var declaration: TraceRecord?

    /// What ``step()`` found.
    enum Step {
        /// An event line, now in ``event``.
        case event
        /// A declaration or config line, now in ``declaration``.
        case declaration
        /// The end of the trace.
        case end
    }

    init(name: String, source: consuming LineSource) {
        self.name = name
        self.source = source
        ownEventStorage = .allocate(capacity: 1)
        ownEventStorage.initialize(to: TraceEvent(seq: 0, thread: 0, op: .acquire))
        eventStorage = ownEventStorage
    }

    deinit {
        ownEventStorage.deinitialize(count: 1)
        ownEventStorage.deallocate()
    }

    /// Reads up to the next record, leaving it in ``event`` or
    /// ``declaration``. After an error, rethrows it.
    ///
    /// The record stays in the parser rather than being returned, so the
    /// event path moves a one-byte ``Step`` through its calls and its
    /// error handling, and the hundred-byte event is copied once, by
    /// ``TraceReader/next()``.
    ///
    /// - Complexity: O(length of the lines consumed), amortized; no
    ///   allocation for event lines.
    mutating func step() throws(TraceError) -> Step {
        if let failure { throw failure }
        do {
            return try advance()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func advance() throws(TraceError) -> Step {
        if finished { return .end }
        while true {
            let next: Line?
            do {
                next = try source.nextLine()
            } catch {
                throw TraceError(file: name, line: lineNumber + 1, message: "cannot read the trace: \(error)")
            }
            guard let line = next else { break }
            lineNumber += 1
            let p = line.base
            var end = line.count
            if end > 0 && p[end - 1] == ASCII.carriageReturn { end -= 1 }
            var start = 0
            while start < end && p[start] == ASCII.space { start += 1 }
            if start == end { continue }
            let first = p[start]
            if first &- ASCII.zero < 10 && headerSeen {
                try parseEvent(p, start, end)
                return .event
            }
            if first == ASCII.hash {
                try checkText(p, end, allowTab: false)
                continue
            }
            if !headerSeen {
                try parseHeader(p, start, end)
                headerSeen = true
                continue
            }
            if let record = try parseDeclaration(p, start, end) {
                declaration = record
                return .declaration
            }
        }
        finished = true
        if source.pendingCount > 0 {
            truncated = true
            warnings.append(TraceWarning(
                file: name, line: lineNumber + 1,
                message: "trace ends mid-line (the producer stopped); analysed up to line \(lineNumber)"))
        }
        if !headerSeen {
            throw TraceError(
                file: name, line: lineNumber + 1,
                message: "missing header: the file has no `lockcheck-trace 1` line; is this a lockcheck trace?")
        }
        return .end
    }
}
