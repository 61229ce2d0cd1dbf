/// Reads a version 1 trace, one record at a time, checking it strictly.
///
/// The reader streams: it reads the file in 1 MiB chunks, keeps no line
/// after it has been returned, and its memory grows with the declarations
/// (threads, classes, locks, stacks…) and never with the number of events.
/// Event lines are parsed in place with no allocation.
///
/// Every departure from the format (see the spec's "Reading rules") throws a
/// ``TraceError`` naming the file and line; the reader then stops, and every
/// later ``next()`` rethrows the same error. Oddities that do not make the
/// trace unreadable — an unknown config key, a file that ends mid-line —
/// become ``warnings``.
///
/// ```swift
/// let reader = try TraceReader(path: "run.trace")
/// while let record = try reader.next() {
///     if case .event(let event) = record { … }
/// }
/// for warning in reader.warnings { print(warning) }
/// ```
///
/// - Warning: Not thread-safe; use one reader from one thread at a time.
public final class TraceReader {
    /// The state, out of line: through a pointer, `next()` reaches it
    /// without the dynamic exclusivity check a stored `var` of a class costs
    /// on every call (about a tenth of the time of an event line). The
    /// reader is not thread-safe anyway, so that check guards nothing.
    private let state: UnsafeMutablePointer<TraceParser>

    /// Size of one `read(2)`.
    static let chunkSize = 1 << 20

    /// Opens the trace at `path`; `-` reads standard input.
    ///
    /// The first chunk is read here, so a file that cannot be opened or read
    /// throws now, with line 0.
    ///
    /// - Complexity: O(1 MiB): one read.
    public convenience init(path: String) throws(TraceError) {
        try self.init(path: path, chunkSize: Self.chunkSize)
    }

    /// As ``init(path:)``, reading `chunkSize` bytes at a time (tests use
    /// tiny chunks to exercise lines cut by chunk boundaries).
    init(path: String, chunkSize: Int) throws(TraceError) {
        let name = path == "-" ? "<stdin>" : path
        let descriptor: Int32
        if path == "-" {
            descriptor = SystemFile.standardInput
        } else {
            do {
                descriptor = try SystemFile.open(path)
            } catch {
                throw TraceError(file: name, line: 0, message: "cannot open the trace: \(error)")
            }
        }
        var source = LineSource(descriptor: descriptor, closesDescriptor: path != "-", chunkSize: chunkSize)
        do {
            try source.prefetch()
        } catch {
            throw TraceError(file: name, line: 0, message: "cannot read the trace: \(error)")
        }
        state = .allocate(capacity: 1)
        state.initialize(to: TraceParser(name: name, source: source))
    }

    /// A reader over `bytes`, named `name` in errors (for tests and fuzzing).
    ///
    /// - Complexity: O(bytes.count): the bytes are copied once.
    public init(name: String, bytes: [UInt8]) {
        state = .allocate(capacity: 1)
        state.initialize(to: TraceParser(name: name, source: LineSource(bytes: bytes)))
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The file name used in errors and warnings: the path, or `<stdin>`.
    public var name: String { state.pointee.name }

    /// The next record, or nil at the end of the trace.
    ///
    /// The header is checked and consumed, never returned; blank and comment
    /// lines are skipped; an identical redeclaration is accepted and skipped.
    /// At the end, a last line without its `\n` is dropped with a warning
    /// and ``truncated`` is set. A file without a header throws at the end
    /// or at its first record.
    ///
    /// - Complexity: O(length of the lines consumed), amortized; an event
    ///   line allocates nothing in steady state.
    /// - Throws: ``TraceError`` for bad input or a read error; the same error
    ///   again on every later call.
    public func next() throws(TraceError) -> TraceRecord? {
        switch try state.pointee.step() {
        case .event: return .event(state.pointee.event)
        case .declaration: return state.pointee.declaration
        case .end: return nil
        }
    }

    /// What ``step()`` found.
    public enum Step: Sendable {
        /// An event line: read it with ``withEvent(_:)``.
        case event
        /// A declaration or config line: ``declaration``.
        case declaration
        /// The end of the trace.
        case end
    }

    /// Reads the next record and leaves it in the reader, for consumers that
    /// must not copy every event (the analyzer copies each event once, into
    /// its reorder buffer). ``next()`` is the convenient form.
    /// - Complexity: As ``next()``, minus the copy of the event.
    @inline(__always)
    public func step() throws(TraceError) -> Step {
        switch try state.pointee.step() {
        case .event: return .event
        case .declaration: return .declaration
        case .end: return .end
        }
    }

    /// ``step()``, parsing an event line straight into `slot` (an
    /// initialised event of the caller's) rather than into ``event``: for a
    /// consumer that keeps events in its own buffer, one copy fewer. `slot`
    /// is written only when the result is ``Step/event``; ``event`` is then
    /// left as it was.
    /// - Complexity: As ``step()``.
    @inline(__always)
    public func step(into slot: UnsafeMutablePointer<TraceEvent>) throws(TraceError) -> Step {
        state.pointee.eventStorage = slot
        defer { state.pointee.eventStorage = state.pointee.ownEventStorage }
        return try step()
    }

    /// The event the last ``step()`` read. The pointer stays valid while the
    /// reader lives; its contents change with the next ``step()``.
    public var event: UnsafePointer<TraceEvent> { UnsafePointer(state.pointee.eventStorage) }

    /// The declaration or config record the last ``step()`` read.
    public var declaration: TraceRecord? { state.pointee.declaration }

    /// What the reader accepted but should be reported: a truncated last
    /// line, unknown config keys.
    ///
    /// - Complexity: O(1).
    public var warnings: [TraceWarning] { state.pointee.warnings }

    /// Whether the trace ended mid-line (the producer stopped). Set when
    /// ``next()`` reaches the end.
    ///
    /// - Complexity: O(1).
    public var truncated: Bool { state.pointee.truncated }

    /// The interned `what=` tokens of `sleep` events, indexed by
    /// ``TraceEvent/what``; index 0 is `""` (no `what=`).
    ///
    /// - Complexity: O(1).
    public var sleepReasons: [String] { state.pointee.sleepReasons.strings }

    /// Bytes taken from the input so far, for progress output. Runs ahead of
    /// the records returned by up to one chunk.
    ///
    /// - Complexity: O(1).
    public var bytesRead: Int { state.pointee.source.bytesRead }

    /// The number of the last line consumed (1-based; 0 before the first).
    ///
    /// - Complexity: O(1).
    public var lineNumber: Int { state.pointee.lineNumber }
}
