/// What a run learned: its classes, their irq usage with where each usage was
/// first seen, every dependency with the stack that first established it,
/// and the violations it reported, so many CI jobs can each save a graph of
/// kilobytes and one final job can merge them all (``Validator/merge(_:)``)
/// and find inversions split between jobs, without the traces.
///
/// The engine builds one (``Validator/graphFile()``) and merges one; the
/// versioned text form (`lockcheck-graph 2`, `--save-graph`) is written and
/// read by the LockReports module (`serialized()`, `init(parsing:)`), which
/// documents it.
public struct GraphFile: Sendable {
    /// A class as it appears in the file.
    public struct Class: Sendable, Hashable {
        public var kind: LockKind
        public var subclass: UInt32
        public var name: String

        /// - Complexity: O(1).
        public init(kind: LockKind, subclass: UInt32, name: String) { (self.kind, self.subclass, self.name) = (kind, subclass, name) }
    }

    /// A place, with the trace it came from.
    public struct Site: Sendable {
        public var seq: UInt64
        public var line: UInt32
        public var file: String

        /// - Complexity: O(1).
        public init(seq: UInt64, line: UInt32, file: String) { (self.seq, self.line, self.file) = (seq, line, file) }
    }

    public struct Usage: Sendable {
        public var lockClass: Int
        public var bit: Int
        public var thread: String
        public var site: Site
        public var stack: [String]

        /// - Complexity: O(1).
        public init(lockClass: Int, bit: Int, thread: String, site: Site, stack: [String]) {
            (self.lockClass, self.bit, self.thread, self.site, self.stack) = (lockClass, bit, thread, site, stack)
        }
    }

    public struct Edge: Sendable {
        public var from: Int
        public var to: Int
        public var types: UInt8
        public var thread: String
        public var site: Site
        public var fromSite: Site
        public var stack: [String]

        /// - Complexity: O(1).
        public init(from: Int, to: Int, types: UInt8, thread: String, site: Site, fromSite: Site, stack: [String]) {
            (self.from, self.to, self.types, self.thread, self.site, self.fromSite, self.stack) = (from, to, types, thread, site, fromSite, stack)
        }
    }

    public var classes: [Class] = []
    public var usages: [Usage] = []
    public var edges: [Edge] = []
    /// The violations the run reported (saved since the text form's version 2).
    public var violations: [Violation] = []
    /// The text form's version this graph was read in (LockReports'
    /// `GraphFile(parsing:)`); nil for a graph built in memory.
    public var version: Int?

    /// An empty graph.
    ///
    /// - Complexity: O(1).
    public init() {}
}
