/// Access to the declaration table of each kind by ``DeclarationKind``.
///
/// Always inlined with a constant kind, so the switch folds away on the hot
/// path.
extension TraceParser {
    /// The dense slot of `id` among the declarations of `kind`, -1 if undeclared.
    ///
    /// - Complexity: O(1) expected, allocation-free.
    /// `mutating` only so that `self` is passed by address, not copied (see
    /// `declaredID` in `TraceParser+Events`); `@_transparent` so that a
    /// constant `kind` selects its table at compile time.
    @_transparent
    mutating func slot(_ kind: DeclarationKind, _ id: UInt64) -> Int32 {
        switch kind {
        case .process: processes.slot(of: id)
        case .thread: threads.slot(of: id)
        case .lockClass: classes.slot(of: id)
        case .lock: locks.slot(of: id)
        case .pool: pools.slot(of: id)
        case .queue: queues.slot(of: id)
        case .stack: stacks.slot(of: id)
        }
    }

    /// Declares `id` of `kind`; see ``DeclarationTable/declare(_:extra:content:line:)``.
    mutating func declare(
        _ kind: DeclarationKind, _ id: UInt64, extra: UInt64, content: UnsafeBufferPointer<UInt8>
    ) -> DeclarationTable.Outcome {
        let line = lineNumber
        switch kind {
        case .process: return processes.declare(id, extra: extra, content: content, line: line)
        case .thread: return threads.declare(id, extra: extra, content: content, line: line)
        case .lockClass: return classes.declare(id, extra: extra, content: content, line: line)
        case .lock: return locks.declare(id, extra: extra, content: content, line: line)
        case .pool: return pools.declare(id, extra: extra, content: content, line: line)
        case .queue: return queues.declare(id, extra: extra, content: content, line: line)
        case .stack: return stacks.declare(id, extra: extra, content: content, line: line)
        }
    }
}
