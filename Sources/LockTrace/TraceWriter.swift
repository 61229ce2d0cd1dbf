/// Writes version 1 traces: the header, declarations and event lines,
/// exactly as the format specifies, into a byte buffer.
///
/// The writer escapes nothing. Text that the format cannot carry is
/// replaced so that the output always reads back:
/// - in names and stack frames, newlines, TABs and other control characters
///   become spaces, surrounding spaces are trimmed (the reader trims them
///   too), and an empty result is written as `?`;
/// - in config keys and values and in `what=` tokens, spaces and control
///   characters become `_` (and `=` too in a key).
///
/// The writer does not check the trace's semantics (that ids are declared,
/// that `<seq>` grows): it is the producer's half of the contract, and
/// ``TraceReader`` is the checker.
///
/// ```swift
/// var writer = TraceWriter()
/// writer.header()
/// writer.thread(id: 1, name: "main")
/// writer.lockClass(id: 1, kind: .mutex, name: "db.lock")
/// writer.lock(id: 10, classID: 1)
/// writer.event(TraceEvent(seq: 1, thread: 1, op: .acquire, id: 10))
/// let bytes = writer.takeBuffer()
/// ```
public struct TraceWriter: Sendable {
    /// The bytes written so far. Assign or take it to write elsewhere.
    public var buffer: [UInt8]

    /// A writer appending to `buffer`.
    ///
    /// - Complexity: O(1).
    public init(buffer: [UInt8] = []) {
        self.buffer = buffer
    }

    /// Returns the bytes written so far and empties the buffer, e.g. to
    /// flush them to a file.
    ///
    /// - Complexity: O(1).
    public mutating func takeBuffer() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        return taken
    }

    /// Writes `lockcheck-trace 1`.
    ///
    /// - Complexity: O(1) amortized.
    public mutating func header() {
        append("lockcheck-trace 1\n")
    }

    /// Writes `# text`.
    ///
    /// - Complexity: O(text length) amortized.
    public mutating func comment(_ text: String) {
        append("# ")
        appendName(text)
        newline()
    }

    /// Writes `config k=v …` with the keys in sorted order; nothing if
    /// `settings` is empty.
    ///
    /// - Complexity: O(n log n + total length) for n settings.
    public mutating func config(_ settings: [String: String]) {
        guard !settings.isEmpty else { return }
        append("config")
        for key in settings.keys.sorted() {
            space()
            appendToken(key, replacingEquals: true)
            buffer.append(ASCII.equals)
            appendToken(settings[key] ?? "", replacingEquals: false)
        }
        newline()
    }

    /// Writes `process <pid> <name…>`.
    ///
    /// - Complexity: O(name length) amortized.
    public mutating func process(id: UInt64, name: String) {
        declaration("process ", id, name)
    }

    /// Writes `thread <tid> <name…>`.
    ///
    /// - Complexity: O(name length) amortized.
    public mutating func thread(id: UInt64, name: String) {
        declaration("thread ", id, name)
    }

    /// Writes `class <cid> <kind> <name…>`.
    ///
    /// - Complexity: O(name length) amortized.
    public mutating func lockClass(id: UInt64, kind: LockKind, name: String) {
        append("class ")
        appendDecimal(id)
        space()
        buffer.append(contentsOf: kind.spelling.utf8)
        space()
        appendName(name)
        newline()
    }

    /// Writes `lock <lid> <cid>`.
    ///
    /// - Complexity: O(1) amortized.
    public mutating func lock(id: UInt64, classID: UInt64) {
        append("lock ")
        appendDecimal(id)
        space()
        appendDecimal(classID)
        newline()
    }

    /// Writes `pool <pid> <name…>`.
    ///
    /// - Complexity: O(name length) amortized.
    public mutating func pool(id: UInt64, name: String) {
        declaration("pool ", id, name)
    }

    /// Writes `queue <qid> <name…>`.
    ///
    /// - Complexity: O(name length) amortized.
    public mutating func queue(id: UInt64, name: String) {
        declaration("queue ", id, name)
    }

    /// Writes `stack <sid> <frame>\t<frame>…`, innermost frame first. An
    /// empty `frames` is written as the single frame `?`.
    ///
    /// - Complexity: O(total frame length) amortized.
    public mutating func stack(id: UInt64, frames: [String]) {
        append("stack ")
        appendDecimal(id)
        space()
        if frames.isEmpty { buffer.append(0x3F) }
        for (index, frame) in frames.enumerated() {
            if index > 0 { buffer.append(ASCII.tab) }
            appendName(frame)
        }
        newline()
    }

    /// Writes any record; `sleepReasons` resolves ``TraceEvent/what`` as
    /// ``TraceReader/sleepReasons`` does (copy a trace with
    /// `writer.record(r, sleepReasons: reader.sleepReasons)`).
    ///
    /// - Complexity: O(record length) amortized.
    public mutating func record(_ record: TraceRecord, sleepReasons: [String] = []) {
        switch record {
        case .config(let settings): config(settings)
        case .process(let id, let name): process(id: id, name: name)
        case .thread(let id, let name): thread(id: id, name: name)
        case .lockClass(let id, let kind, let name): lockClass(id: id, kind: kind, name: name)
        case .lock(let id, let classID): lock(id: id, classID: classID)
        case .pool(let id, let name): pool(id: id, name: name)
        case .queue(let id, let name): queue(id: id, name: name)
        case .stack(let id, let frames): stack(id: id, frames: frames)
        case .event(let event):
            let index = Int(event.what)
            let reason = index > 0 && index < sleepReasons.count ? sleepReasons[index] : nil
            self.event(event, sleepReason: reason)
        }
    }

    private mutating func declaration(_ keyword: StaticString, _ id: UInt64, _ name: String) {
        append(keyword)
        appendDecimal(id)
        space()
        appendName(name)
        newline()
    }
}
