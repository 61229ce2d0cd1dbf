/// Where and when an event happened: its order, its place in a trace, its stack.
public struct EventSite: Sendable, Hashable {
    /// Cross-thread order within one process (a global counter or timestamp).
    public var seq: UInt64
    /// The trace (or process) the event came from; see ``Validator/addSource(name:)``.
    public var source: SourceID
    /// The 1-based line in that trace, 0 for live events.
    public var line: UInt32
    /// The event's stack, `.none`, or `.captureOnDemand`.
    public var stack: StackRef

    public init(seq: UInt64, source: SourceID = .live, line: UInt32 = 0, stack: StackRef = .none) {
        self.seq = seq
        self.source = source
        self.line = line
        self.stack = stack
    }
}

/// A producer of events: one trace file (one process) or the live process.
public struct SourceID: Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The process the engine runs in.
    public static let live = SourceID(rawValue: 0)
}
