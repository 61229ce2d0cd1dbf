/// What is wrong with an event line, as a value: the event path only builds
/// one of these and hands it to ``TraceParser/eventError(_:_:_:)``, so that
/// none of the wording (string interpolation, quoting) sits inside the hot
/// function, where it would bloat the code and crowd out inlining.
enum EventProblem {
    /// A decimal `what` failed to parse at `from`; its token ends at a space or `limit`.
    case badNumber(from: Int, limit: Int, what: StaticString)
    /// A pointer failed to parse: its token.
    case badPointer(Token)
    /// The op token (empty when missing).
    case unknownOp(Token)
    case undeclared(DeclarationKind, UInt64)
    case afterThreadExit(thread: UInt64, exitLine: Int)
    case seqBackwards(seq: UInt64, thread: UInt64, previous: UInt64)
    /// The `<flags>` token of `alloc` (empty when missing).
    case badAllocFlags(Token)
    /// A `key=value` token without a key.
    case missingKey(Token)
    /// The key given twice.
    case keyTwice(Token)
    case subclassOutOfRange(UInt64)
    /// A bare token the op does not list.
    case unknownFlag(Token, TraceOp)
    case twoModes(AcquireMode, EventFlag)
    case twoFlavours(RCUFlavor, EventFlag)
    case flagTwice(EventFlag)
    case sharedModeOnExclusiveLock(AcquireMode, lock: UInt64)
    case emptySleepReason
    /// The `what=` value of an `await` that names no kind of await.
    case badSuspensionKind(Token)
    /// An `await` without `task=<n>`, or with `task=0`.
    case awaitWithoutTask
    /// An ignored token that is not text (the line check words it).
    case notText

    /// The message for this problem on `line`.
    func message(_ line: UnsafePointer<UInt8>) -> String {
        switch self {
        case .badNumber(let from, let limit, let what):
            let token = Token(start: from, end: SWAR.tokenEnd(line, from: from, end: limit))
            return NumberScanning.problem(line, token, "\(what)")
        case .badPointer(let token):
            return NumberScanning.pointerProblem(line, token)
        case .unknownOp(let token):
            return token.isEmpty ? "missing <op>" : "unknown op \(Quoting.quote(line, token))"
        case .undeclared(let kind, let id):
            return "undeclared \(kind.keyword) \(id): declare it with a `\(kind.keyword)` line before its first use"
        case .afterThreadExit(let thread, let exitLine):
            return "event of thread \(thread) after its thread-exit on line \(exitLine); a producer reusing a system thread declares a new <tid>"
        case .seqBackwards(let seq, let thread, let previous):
            return "seq \(seq) goes backwards: the previous event of thread \(thread) has seq \(previous)"
        case .badAllocFlags(let token):
            return token.isEmpty ? "missing <flags>"
                : "bad allocation flags \(Quoting.quote(line, token)): expected exactly one of may-block, atomic, nowait, no-locks"
        case .missingKey(let token):
            return "malformed argument \(Quoting.quote(line, token)): expected key=value with a key"
        case .keyTwice(let key):
            return "key \(Quoting.quote(line, key)) given twice"
        case .subclassOutOfRange(let value):
            return "subclass \(value) out of range (at most \(UInt32.max))"
        case .unknownFlag(let token, let op):
            let shown = Quoting.quote(line, token)
            if line[token.start] &- ASCII.zero < 10 {
                let takes = op.positionalSummary
                return takes.isEmpty
                    ? "extra argument \(shown): `\(op.name)` takes no positional argument"
                    : "extra argument \(shown): `\(op.name)` takes only \(takes)"
            }
            return "unknown flag \(shown) for `\(op.name)` (unknown key=value tokens are ignored, unknown bare flags are not)"
        case .twoModes(let first, let second):
            return "two mode flags, `\(first.spelling)` and `\(second.spelling)`: an acquire takes at most one of w, r, rr"
        case .twoFlavours(let first, let second):
            return "two RCU flavours, `\(first.spelling ?? "")` and `\(second.spelling)`"
        case .flagTwice(let flag):
            return "flag `\(flag.spelling)` given twice"
        case .sharedModeOnExclusiveLock(let mode, let lock):
            return "mode `\(mode.spelling)` on lock \(lock): `r` and `rr` are valid only on rwlock and rwsem classes"
        case .emptySleepReason:
            return "empty what=: expected what=<token>"
        case .badSuspensionKind(let token):
            let kinds = SuspensionKind.allCases.map(\.spelling).joined(separator: ", ")
            return token.isEmpty ? "empty what=: an await takes what=<kind>, one of \(kinds)"
                : "unknown await kind \(Quoting.quote(line, token)): expected what= one of \(kinds)"
        case .awaitWithoutTask:
            return "an await needs task=<n>, the task that reaches it (a decimal id, not 0)"
        case .notText:
            return "not text"
        }
    }
}

extension TraceParser {
    /// The error for `problem` on the current event line `p[0..<end]`; a
    /// text problem of the line (binary data, TAB, invalid UTF-8) wins.
    ///
    /// Out of line and `mutating` so that the hot caller neither inlines it
    /// nor copies `self` to borrow it.
    @inline(never)
    mutating func eventError(_ problem: EventProblem, _ p: UnsafePointer<UInt8>, _ end: Int) -> TraceError {
        lineError(problem.message(p), p, end)
    }
}
