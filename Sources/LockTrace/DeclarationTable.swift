/// The declarations of one kind (threads, classes, locks…) of one file: which
/// ids exist, what each was declared as, and on which line.
///
/// A declaration's content — its name, its stack frames — is kept as bytes in
/// one arena, so that a redeclaration can be compared exactly ("declaring an
/// id twice with different content is an error"; an identical one is fine).
/// Memory grows with the declarations, never with the events.
struct DeclarationTable {
    /// How a ``declare(_:extra:content:line:)`` went.
    enum Outcome {
        /// A new id; its dense slot.
        case new(Int)
        /// The id was declared before with the same content.
        case identical(Int)
        /// The id was declared before, on `firstLine`, with other content.
        case conflicting(firstLine: Int)
    }

    private var ids = IDMap()
    /// Kind-specific content that is not bytes (a class's kind, a lock's class).
    private var extras: [UInt64] = []
    private var contentStarts: [Int] = []
    private var contentEnds: [Int] = []
    private var lines: [Int] = []
    private var arena: [UInt8] = []

    /// The number of distinct ids declared.
    var count: Int { extras.count }

    /// The dense slot of `id`, or -1 if it is undeclared.
    ///
    /// - Complexity: O(1) expected, allocation-free.
    @inline(__always)
    func slot(of id: UInt64) -> Int32 { ids.slot(of: id) }

    /// The kind-specific extra of the declaration in `slot`.
    func extra(at slot: Int) -> UInt64 { extras[slot] }

    /// Declares `id` with `extra` and the bytes `content` on `line`.
    ///
    /// - Complexity: O(content length), amortized.
    mutating func declare(
        _ id: UInt64, extra: UInt64, content: UnsafeBufferPointer<UInt8>, line: Int
    ) -> Outcome {
        let existing = ids.slot(of: id)
        if existing >= 0 {
            let slot = Int(existing)
            let start = contentStarts[slot]
            let length = contentEnds[slot] - start
            let same = extras[slot] == extra && length == content.count
                && arena[start..<(start + length)].elementsEqual(content)
            return same ? .identical(slot) : .conflicting(firstLine: lines[slot])
        }
        let slot = extras.count
        ids.insert(id, slot: Int32(truncatingIfNeeded: slot))
        extras.append(extra)
        contentStarts.append(arena.count)
        arena.append(contentsOf: content)
        contentEnds.append(arena.count)
        lines.append(line)
        return .new(slot)
    }
}
