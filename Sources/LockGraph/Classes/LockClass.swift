/// A dense identifier of a lock class (with its subclass): the unit every
/// ordering rule reasons about, as lockdep's `struct lock_class`.
///
/// Each subclass of a named class is a class of its own, as in lockdep, so
/// `inode.lock/1` nested under `inode.lock` is an ordinary dependency.
public struct LockClassID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Index into the engine's class table.
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable var index: Int { Int(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "class#\(rawValue)" }
}

/// What the engine knows about one lock class. Immutable once registered.
public struct LockClass: Sendable, Hashable {
    /// The class's name as given by the producer (for subclasses, the base name).
    public let name: String
    /// The lock kind; classes match across traces by kind and name.
    public let kind: LockKind
    /// The nesting subclass (`sub=`), 0 for the base class.
    public let subclass: UInt32
    /// The class with subclass 0.
    public let base: LockClassID

    /// The name reports print: `name` or `name/subclass`, as lockdep does.
    public var displayName: String { subclass == 0 ? name : "\(name)/\(subclass)" }
}
