/// Declaration lines: `process`, `thread`, `class`, `lock`, `pool`, `queue`,
/// `stack`, and the `config` dispatch.
///
/// A declaration may come anywhere after the header, but before the first
/// event that uses its id. Redeclaring an id with the same content is
/// accepted and not returned again; with other content it is an error.
extension TraceParser {
    /// Parses the non-event line `p[start..<end]`; nil for an identical
    /// redeclaration.
    ///
    /// - Complexity: O(line length), amortized.
    mutating func parseDeclaration(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(TraceError) -> TraceRecord? {
        var cursor = LineCursor(line: p, position: start, end: end)
        let keywordToken = cursor.token()
        guard let keyword = RecordKeyword(p, keywordToken) else {
            throw lineError("unknown record \(Quoting.quote(p, keywordToken))", p, end)
        }
        let kind: DeclarationKind
        switch keyword {
        case .header:
            try checkText(p, end, allowTab: false)
            throw error("a second `lockcheck-trace` header: one file holds one trace")
        case .config:
            try checkText(p, end, allowTab: false)
            return try parseConfig(&cursor, p)
        case .declaration(let declared):
            kind = declared
        }
        try checkText(p, end, allowTab: kind == .stack)
        let idToken = cursor.token()
        guard let id = NumberScanning.decimal(p, idToken) else {
            throw error(NumberScanning.problem(p, idToken, "\(kind.placeholder)"))
        }
        switch kind {
        case .lockClass:
            return try parseClass(id, &cursor, p)
        case .lock:
            return try parseLock(id, &cursor, p)
        case .stack:
            return try parseStack(id, &cursor, p)
        case .process, .thread, .pool, .queue:
            let nameToken = cursor.rest()
            guard !nameToken.isEmpty else {
                throw error("\(kind.keyword) \(id) has no name: expected `\(kind.keyword) \(kind.placeholder) <name…>`")
            }
            let outcome = declare(kind, id, extra: 0, content: UnsafeBufferPointer(start: p + nameToken.start, count: nameToken.count))
            switch outcome {
            case .identical:
                return nil
            case .conflicting(let firstLine):
                throw redeclared(kind, id, firstLine: firstLine)
            case .new:
                let name = string(p, nameToken)
                switch kind {
                case .process: return .process(id: id, name: name)
                case .pool: return .pool(id: id, name: name)
                case .queue: return .queue(id: id, name: name)
                default:
                    threadLastSeq.append(0)
                    threadExitLine.append(0)
                    return .thread(id: id, name: name)
                }
            }
        }
    }

    /// `class <cid> <kind> <name…>`.
    private mutating func parseClass(_ id: UInt64, _ cursor: inout LineCursor, _ p: UnsafePointer<UInt8>) throws(TraceError) -> TraceRecord? {
        let kindToken = cursor.token()
        guard !kindToken.isEmpty else {
            throw error("class \(id) has no kind: expected `class <cid> <kind> <name…>`")
        }
        guard let lockKind = LockKind(spelling: string(p, kindToken)),
              let kindIndex = LockKind.allCases.firstIndex(of: lockKind)
        else {
            let known = LockKind.allCases.map(\.spelling).joined(separator: ", ")
            throw error("unknown lock kind \(Quoting.quote(p, kindToken)): expected one of \(known)")
        }
        let nameToken = cursor.rest()
        guard !nameToken.isEmpty else {
            throw error("class \(id) has no name: expected `class <cid> <kind> <name…>`")
        }
        let content = UnsafeBufferPointer(start: p + nameToken.start, count: nameToken.count)
        switch declare(.lockClass, id, extra: UInt64(kindIndex), content: content) {
        case .identical: return nil
        case .conflicting(let firstLine): throw redeclared(.lockClass, id, firstLine: firstLine)
        case .new: return .lockClass(id: id, kind: lockKind, name: string(p, nameToken))
        }
    }

    /// `lock <lid> <cid>`: the class must be declared before.
    private mutating func parseLock(_ id: UInt64, _ cursor: inout LineCursor, _ p: UnsafePointer<UInt8>) throws(TraceError) -> TraceRecord? {
        let classToken = cursor.token()
        guard let classID = NumberScanning.decimal(p, classToken) else {
            throw error(NumberScanning.problem(p, classToken, "<cid>"))
        }
        let extra = cursor.token()
        guard extra.isEmpty else {
            throw error("extra token \(Quoting.quote(p, extra)) after `lock <lid> <cid>`")
        }
        let classSlot = classes.slot(of: classID)
        guard classSlot >= 0 else {
            throw error("lock \(id) names undeclared class \(classID): a `lock` line needs its class declared before it")
        }
        let kindIndex = Int(classes.extra(at: Int(classSlot)))
        switch declare(.lock, id, extra: classID, content: UnsafeBufferPointer(start: nil, count: 0)) {
        case .identical:
            return nil
        case .conflicting(let firstLine):
            throw redeclared(.lock, id, firstLine: firstLine)
        case .new:
            lockIsReaderWriter.append(LockKind.allCases[kindIndex].isReaderWriter)
            return .lock(id: id, classID: classID)
        }
    }

    /// `stack <sid> <frame>\t<frame>…`: at least one frame; each frame is
    /// trimmed of surrounding spaces and must not be empty.
    private mutating func parseStack(_ id: UInt64, _ cursor: inout LineCursor, _ p: UnsafePointer<UInt8>) throws(TraceError) -> TraceRecord? {
        let text = cursor.rest()
        guard !text.isEmpty else {
            throw error("stack \(id) has no frame: `stack <sid>` is followed by one space and at least one frame")
        }
        var frames: [Token] = []
        var frameStart = text.start
        for i in text.start...text.end where i == text.end || p[i] == ASCII.tab {
            var frame = Token(start: frameStart, end: i)
            while frame.start < frame.end && p[frame.start] == ASCII.space { frame.start += 1 }
            while frame.end > frame.start && p[frame.end - 1] == ASCII.space { frame.end -= 1 }
            guard !frame.isEmpty else {
                throw error("stack \(id) has an empty frame (frame \(frames.count + 1)): frames are separated by single TABs")
            }
            frames.append(frame)
            frameStart = i + 1
        }
        scratch.removeAll(keepingCapacity: true)
        for (index, frame) in frames.enumerated() {
            if index > 0 { scratch.append(ASCII.tab) }
            scratch.append(contentsOf: UnsafeBufferPointer(start: p + frame.start, count: frame.count))
        }
        let canonical = scratch
        let outcome = canonical.withUnsafeBufferPointer { declare(.stack, id, extra: 0, content: $0) }
        switch outcome {
        case .identical: return nil
        case .conflicting(let firstLine): throw redeclared(.stack, id, firstLine: firstLine)
        case .new: return .stack(id: id, frames: frames.map { string(p, $0) })
        }
    }
}
