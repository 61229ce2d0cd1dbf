/// Event lines: `<seq> <tid> <op> <args…>`, the hot path.
///
/// Everything here works on offsets into the line buffer, eight bytes at a
/// time (``SWAR``): no String, no array growth in steady state, id checks by
/// array index. What each check proves:
///
/// 1. `<seq>`, `<tid>` and every id are decimal and fit in 64 bits.
/// 2. The thread is declared, has not exited, and its `<seq>` does not go
///    backwards (lines of one thread are in program order).
/// 3. The op is known and has its positional arguments, each id declared.
/// 4. Optional arguments: a known key at most once, its value valid when
///    the op lists it (an `await`'s `task=` present and not 0, its `what=` a
///    kind of await); unknown keys ignored (but at most once each); bare
///    flags only those the op lists, at most one mode and one flavour; `r`
///    and `rr` only on `rwlock` / `rwsem` locks.
///
/// An unknown bare word is an error, not ignored. The format says "Optional
/// arguments are key=value tokens or bare flags" and reserves leniency for
/// "unknown `key=value` tokens", so a bare word the op does not list is an
/// unknown flag — most likely a producer bug or a stray positional token.
///
/// The helpers are `mutating` although most only read: a non-mutating call
/// borrows `self`, and for this large non-copyable struct that copies all of
/// it (some 800 bytes) per call, where a mutating call passes its address.
extension TraceParser {
    /// Parses the event line `p[start..<end]` (`p[start]` is a digit) into
    /// ``event``.
    ///
    /// - Complexity: O(line length); allocation-free unless the line has two
    ///   or more unknown keys (scratch growth) or a new `what=` token.
    ///
    /// Kept out of line so that its helpers, which it inlines, are not
    /// crowded out of the inliner's budget by the rest of the reader loop.
    @inline(never)
    mutating func parseEvent(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(TraceError) {
        guard let (seq, afterSeq) = SWAR.decimal(p, from: start, end: end) else {
            throw eventError(.badNumber(from: start, limit: end, what: "<seq>"), p, end)
        }
        var pos = Self.skipSpaces(p, afterSeq, end)
        guard let (thread, afterThread) = SWAR.decimal(p, from: pos, end: end) else {
            throw eventError(.badNumber(from: pos, limit: end, what: "<tid>"), p, end)
        }
        pos = Self.skipSpaces(p, afterThread, end)
        let opEnd = SWAR.tokenEnd(p, from: pos, end: end)
        let opLength = opEnd - pos
        guard let op = TraceOp(
            length: opLength, first: SWAR.word(p + pos, count: opLength),
            second: opLength > 8 ? SWAR.word(p + pos + 8, count: opLength - 8) : 0)
        else {
            throw eventError(.unknownOp(Token(start: pos, end: opEnd)), p, end)
        }
        pos = Self.skipSpaces(p, opEnd, end)

        let threadSlot = Int(threads.slot(of: thread))
        guard threadSlot >= 0 else { throw eventError(.undeclared(.thread, thread), p, end) }
        let exitLine = threadExitLine[threadSlot]
        guard exitLine == 0 else { throw eventError(.afterThreadExit(thread: thread, exitLine: exitLine), p, end) }
        let lastSeq = threadLastSeq[threadSlot]
        guard seq >= lastSeq else {
            throw eventError(.seqBackwards(seq: seq, thread: thread, previous: lastSeq), p, end)
        }

        // Reset the event in place, field by field (a whole-struct store
        // through the storage pointer compiles to a memcpy call).
        let e = eventStorage
        e.pointee.seq = seq
        e.pointee.thread = thread
        e.pointee.op = op
        e.pointee.line = UInt32(clamping: lineNumber)
        e.pointee.id = 0
        e.pointee.pointer = 0
        e.pointee.bytes = 0
        e.pointee.pool = nil
        e.pointee.stack = nil
        e.pointee.nest = nil
        e.pointee.subclass = 0
        e.pointee.mode = .exclusive
        e.pointee.isTry = false
        e.pointee.headless = false
        e.pointee.threaded = false
        e.pointee.inTask = false
        e.pointee.nonblocking = false
        e.pointee.allocFlags = .mayBlock
        e.pointee.rcuFlavor = .plain
        e.pointee.what = 0
        e.pointee.task = 0
        e.pointee.suspension = nil
        var lockSlot = -1
        switch op {
        case .acquire, .release, .lockInit, .lockFree:
            (eventStorage.pointee.id, lockSlot, pos) = try declaredID(.lock, p, pos, end, end)
        case .alloc:
            let flagsEnd = SWAR.tokenEnd(p, from: pos, end: end)
            let length = flagsEnd - pos
            guard let flags = AllocFlags(
                length: length, first: SWAR.word(p + pos, count: length),
                second: length > 8 ? SWAR.word(p + pos + 8, count: length - 8) : 0)
            else {
                throw eventError(.badAllocFlags(Token(start: pos, end: flagsEnd)), p, end)
            }
            eventStorage.pointee.allocFlags = flags
            pos = Self.skipSpaces(p, flagsEnd, end)
            guard let (bytes, afterBytes) = SWAR.decimal(p, from: pos, end: end) else {
                throw eventError(.badNumber(from: pos, limit: end, what: "<bytes>"), p, end)
            }
            eventStorage.pointee.bytes = bytes
            pos = afterBytes
        case .free:
            (eventStorage.pointee.pointer, pos) = try pointer(p, pos, end, end)
        case .deferFree, .reclaimed:
            (eventStorage.pointee.id, _, pos) = try declaredID(.queue, p, pos, end, end)
            (eventStorage.pointee.pointer, pos) = try pointer(p, Self.skipSpaces(p, pos, end), end, end)
        case .barrier:
            (eventStorage.pointee.id, _, pos) = try declaredID(.queue, p, pos, end, end)
        case .poolDestroy:
            (eventStorage.pointee.id, _, pos) = try declaredID(.pool, p, pos, end, end)
        default:
            break
        }
        pos = Self.skipSpaces(p, pos, end)

        var seen: UInt32 = 0
        var unknownCount = 0
        while pos < end {
            let tokenEnd = SWAR.tokenEnd(p, from: pos, end: end)
            let equals = SWAR.find(ASCII.equals, p, from: pos, end: tokenEnd)
            if equals == tokenEnd {
                try applyFlag(Token(start: pos, end: tokenEnd), seen: &seen, p, end)
                pos = Self.skipSpaces(p, tokenEnd, end)
                continue
            }
            let keyLength = equals - pos
            let valueStart = equals + 1
            guard let key = EventKey(length: keyLength, word: keyLength <= 8 ? SWAR.word(p + pos, count: keyLength) : 0) else {
                guard keyLength > 0 else { throw eventError(.missingKey(Token(start: pos, end: tokenEnd)), p, end) }
                try checkIgnored(Token(start: pos, end: tokenEnd), p, end)
                if unknownCount == 0 { unknownKeys.removeAll(keepingCapacity: true) }
                unknownKeys.append(Token(start: pos, end: equals))
                unknownCount += 1
                pos = Self.skipSpaces(p, tokenEnd, end)
                continue
            }
            guard seen & key.bit == 0 else { throw eventError(.keyTwice(Token(start: pos, end: equals)), p, end) }
            seen |= key.bit
            if key.applies(to: op) {
                switch key {
                case .stack, .nest, .pool:
                    let kind: DeclarationKind = key == .stack ? .stack : key == .nest ? .lock : .pool
                    let (id, _, _) = try declaredID(kind, p, valueStart, tokenEnd, end)
                    switch key {
                    case .stack: eventStorage.pointee.stack = id
                    case .nest: eventStorage.pointee.nest = id
                    default: eventStorage.pointee.pool = id
                    }
                case .ptr:
                    (eventStorage.pointee.pointer, _) = try pointer(p, valueStart, tokenEnd, end)
                case .sub:
                    eventStorage.pointee.subclass = try subclass(p, valueStart, tokenEnd, end)
                case .what where op == .await:
                    eventStorage.pointee.suspension = try suspensionKind(p, Token(start: valueStart, end: tokenEnd), end)
                case .what:
                    eventStorage.pointee.what = try internReason(p, Token(start: valueStart, end: tokenEnd), end)
                case .task:
                    guard let (task, after) = SWAR.decimal(p, from: valueStart, end: tokenEnd), after == tokenEnd else {
                        throw eventError(.badNumber(from: valueStart, limit: tokenEnd, what: "<task>"), p, end)
                    }
                    eventStorage.pointee.task = task
                }
            } else {
                try checkIgnored(Token(start: pos, end: tokenEnd), p, end)
            }
            pos = Self.skipSpaces(p, tokenEnd, end)
        }
        if unknownCount > 1, let duplicate = duplicateUnknownKey(p) {
            throw eventError(.keyTwice(duplicate), p, end)
        }
        if op == .await && eventStorage.pointee.task == 0 {
            throw eventError(.awaitWithoutTask, p, end)
        }
        if eventStorage.pointee.mode != .exclusive && !lockIsReaderWriter[lockSlot] {
            throw eventError(.sharedModeOnExclusiveLock(eventStorage.pointee.mode, lock: eventStorage.pointee.id), p, end)
        }

        threadLastSeq[threadSlot] = seq
        if op == .threadExit { threadExitLine[threadSlot] = lineNumber }
        if firstEventLine == 0 { firstEventLine = lineNumber }
    }

    /// The decimal id at `p[from...]`, which ends at a space or `limit`, that
    /// must be a declared `kind`; its slot, and the offset after it.
    ///
    /// `@_transparent` (mandatory inlining) for the reason given at
    /// ``SWAR/decimal(_:from:end:)``.
    @_transparent
    private mutating func declaredID(
        _ kind: DeclarationKind, _ p: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ end: Int
    ) throws(TraceError) -> (id: UInt64, slot: Int, end: Int) {
        guard let (id, after) = SWAR.decimal(p, from: from, end: limit) else {
            throw eventError(.badNumber(from: from, limit: limit, what: kind.placeholder), p, end)
        }
        let slot = slot(kind, id)
        guard slot >= 0 else { throw eventError(.undeclared(kind, id), p, end) }
        return (id, Int(slot), after)
    }

    /// The `0x`-hex pointer at `p[from...]`, ending at a space or `limit`,
    /// and the offset after it.
    @inline(__always)
    private mutating func pointer(
        _ p: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ end: Int
    ) throws(TraceError) -> (UInt64, Int) {
        guard let (value, after) = SWAR.pointer(p, from: from, end: limit) else {
            throw eventError(.badPointer(Token(start: from, end: SWAR.tokenEnd(p, from: from, end: limit))), p, end)
        }
        return (value, after)
    }

    /// The `sub=<n>` value at `p[from..<limit]`, which must fit in 32 bits.
    @inline(__always)
    private mutating func subclass(_ p: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ end: Int) throws(TraceError) -> UInt32 {
        guard let (value, _) = SWAR.decimal(p, from: from, end: limit) else {
            throw eventError(.badNumber(from: from, limit: limit, what: "sub=<n>"), p, end)
        }
        guard value <= UInt64(UInt32.max) else { throw eventError(.subclassOutOfRange(value), p, end) }
        return UInt32(truncatingIfNeeded: value)
    }

    /// Applies the bare flag `token` to ``event``.
    @inline(__always)
    private mutating func applyFlag(
        _ token: Token, seen: inout UInt32, _ p: UnsafePointer<UInt8>, _ end: Int
    ) throws(TraceError) {
        let length = token.count
        guard let flag = EventFlag(length: length, word: length <= 8 ? SWAR.word(p + token.start, count: length) : 0),
              flag.applies(to: eventStorage.pointee.op)
        else {
            throw eventError(.unknownFlag(token, eventStorage.pointee.op), p, end)
        }
        if flag.bit & EventFlag.modeBits != 0 && seen & EventFlag.modeBits != 0 {
            throw eventError(.twoModes(eventStorage.pointee.mode, flag), p, end)
        }
        if flag.bit & EventFlag.flavourBits != 0 && seen & EventFlag.flavourBits != 0 {
            throw eventError(.twoFlavours(eventStorage.pointee.rcuFlavor, flag), p, end)
        }
        guard seen & flag.bit == 0 else { throw eventError(.flagTwice(flag), p, end) }
        seen |= flag.bit
        switch flag {
        case .w: eventStorage.pointee.mode = .exclusive
        case .r: eventStorage.pointee.mode = .shared
        case .rr: eventStorage.pointee.mode = .recursiveShared
        case .try: eventStorage.pointee.isTry = true
        case .threaded: eventStorage.pointee.threaded = true
        case .headless: eventStorage.pointee.headless = true
        case .bh: eventStorage.pointee.rcuFlavor = .bh
        case .sched: eventStorage.pointee.rcuFlavor = .sched
        case .task: eventStorage.pointee.inTask = true
        case .nonblock: eventStorage.pointee.nonblocking = true
        }
    }

    /// Throws if an ignored token is not text.
    @inline(__always)
    private mutating func checkIgnored(_ token: Token, _ p: UnsafePointer<UInt8>, _ end: Int) throws(TraceError) {
        if TextValidation.firstProblem(p, token.start, token.end, allowTab: false) != nil {
            throw eventError(.notText, p, end)
        }
    }

    /// The first offset at or after `pos` that is not a space, or `end`.
    @inline(__always)
    static func skipSpaces(_ p: UnsafePointer<UInt8>, _ pos: Int, _ end: Int) -> Int {
        var i = pos
        while i < end && p[i] == ASCII.space { i += 1 }
        return i
    }

    /// The `what=<kind>` of an `await` (revision 1.3).
    @inline(never)
    private mutating func suspensionKind(_ p: UnsafePointer<UInt8>, _ value: Token, _ end: Int) throws(TraceError) -> SuspensionKind {
        let bytes = UnsafeBufferPointer(start: p + value.start, count: value.count)
        for kind in SuspensionKind.allCases where kind.spelling.utf8.elementsEqual(bytes) {
            return kind
        }
        throw eventError(.badSuspensionKind(value), p, end)
    }

    /// The `what=` token `value`, interned.
    @inline(__always)
    private mutating func internReason(_ p: UnsafePointer<UInt8>, _ value: Token, _ end: Int) throws(TraceError) -> UInt32 {
        guard !value.isEmpty else { throw eventError(.emptySleepReason, p, end) }
        let bytes = UnsafeBufferPointer(start: p + value.start, count: value.count)
        if let index = sleepReasons.index(of: bytes) { return index }
        try checkIgnored(value, p, end)
        return sleepReasons.insert(bytes)
    }
}

/// The event path's rare check.
extension TraceParser {
    /// A key among `unknownKeys` that occurs twice, or nil.
    ///
    /// - Complexity: O(k²) for up to 16 keys, O(k log k) comparisons beyond.
    mutating func duplicateUnknownKey(_ p: UnsafePointer<UInt8>) -> Token? {
        func bytes(_ t: Token) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: p + t.start, count: t.count)
        }
        func same(_ a: Token, _ b: Token) -> Bool {
            a.count == b.count && ASCII.equals(p + a.start, p + b.start, a.count)
        }
        if unknownKeys.count <= 16 {
            for i in unknownKeys.indices {
                for j in unknownKeys.indices where j > i && same(unknownKeys[i], unknownKeys[j]) {
                    return unknownKeys[i]
                }
            }
            return nil
        }
        let sorted = unknownKeys.sorted { bytes($0).lexicographicallyPrecedes(bytes($1)) }
        for i in sorted.indices.dropFirst() where same(sorted[i - 1], sorted[i]) {
            return sorted[i]
        }
        return nil
    }
}
