import LockGraph

/// The text form of a ``LockGraph/GraphFile`` (`--save-graph`): compact and
/// versioned, so many CI jobs can each save a graph of kilobytes and one
/// final job can merge them all and find inversions split between jobs,
/// without the traces.
///
/// Format version 2, one record per line, fields separated by TAB:
///
///     lockcheck-graph 2
///     class <n> <kind> <subclass> <name>
///     usage <n> <bit> <thread> <site> <frame>…
///     edge <from> <to> <types> <thread> <site> <from-site> <frame>…
///     violation <json>
///
/// `<n>`, `<from>`, `<to>` index the file's `class` lines; `<bit>` is a
/// ``UsageMask`` bit number; `<types>` the dependency-type bits in hex; a
/// `<site>` is `seq:line:file` (line 0 when unknown, file possibly empty).
/// Frames are the stack where the usage or dependency was first seen.
/// `<json>` is one violation the run reported, as one line of JSON
/// (``Violation/savedValue``): the rules about one thread, one lock, one pool
/// (sleep-in-atomic, unlock-unheld, held-at-exit…) cannot be derived again
/// from the graph, so a merge reports them from here; for lock-order and irq
/// inversions, which a merge derives from the merged graph, the saved
/// reports only lend their text.
///
/// Version 1 is version 2 without `violation` records; both are read, and
/// version 2 is written. A reader that meets a version it does not know
/// refuses the file with a clear error, never misreads it.
extension GraphFile {
    /// The first word of the header line, before the version.
    public static let magic = "lockcheck-graph"
    /// The version written.
    public static let currentVersion = 2
    /// The versions read.
    public static let readableVersions = 1...2
    /// The header line written: `lockcheck-graph 2`.
    public static let header = "\(magic) \(currentVersion)"

    /// The text form, ending in a newline.
    /// - Complexity: O(size of the graph).
    public func serialized() -> String {
        var out = Self.header + "\n"
        func clean(_ s: String) -> String {
            String(s.unicodeScalars.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : Character($0) })
        }
        func site(_ s: Site) -> String { "\(s.seq):\(s.line):\(clean(s.file))" }
        for (i, c) in classes.enumerated() {
            out += "class\t\(i)\t\(c.kind.spelling)\t\(c.subclass)\t\(clean(c.name))\n"
        }
        for u in usages {
            out += (["usage", "\(u.lockClass)", "\(u.bit)", clean(u.thread), site(u.site)] + u.stack.map(clean)).joined(separator: "\t") + "\n"
        }
        for e in edges {
            out += (["edge", "\(e.from)", "\(e.to)", String(e.types, radix: 16), clean(e.thread), site(e.site), site(e.fromSite)]
                    + e.stack.map(clean)).joined(separator: "\t") + "\n"
        }
        for v in violations {
            // JSON escapes TAB and line ends inside strings: the record stays one line.
            out += "violation\t" + v.savedValue.serialized(pretty: false) + "\n"
        }
        return out
    }

    /// A malformed graph file: the line and what is wrong.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var message: String
        public var description: String { "\(line): \(message)" }
    }

    /// The unsigned decimal number `bytes` spell, nil if empty, not digits, or too large.
    private static func decimal<T: FixedWidthInteger & UnsignedInteger>(_ bytes: Substring.UTF8View, as: T.Type) -> T? {
        if bytes.isEmpty { return nil }
        var v: T = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(T(b - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// Parses the text form.
    /// - Throws: ``FormatError`` naming the line, for anything malformed.
    /// - Complexity: O(length of the text).
    public init(parsing text: String) throws(FormatError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses the text form from the file's bytes: a line that is not UTF-8
    /// is malformed like any other (`line: invalid UTF-8`).
    /// - Throws: ``FormatError`` naming the line, for anything malformed.
    /// - Complexity: O(length of the text).
    public init(parsing bytes: [UInt8]) throws(FormatError) {
        self.init()
        var lineNumber = 0
        var sawHeader = false
        var lastFile = ""
        // Split on bytes, not Characters: grapheme breaking made parsing most
        // of a 1,000-graph merge.
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let lineBytes = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            guard String(validating: lineBytes, as: UTF8.self) != nil else {
                throw FormatError(line: lineNumber, message: "invalid UTF-8")
            }
            if lineBytes.isEmpty || lineBytes.first == UInt8(ascii: "#") { continue }
            if !sawHeader {
                let words = String(decoding: lineBytes, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
                guard words.count == 2, words[0] == Self.magic, let v = Int(words[1]) else {
                    throw FormatError(line: lineNumber, message: "not a lockcheck graph file (expected '\(Self.header)')")
                }
                guard Self.readableVersions.contains(v) else {
                    throw FormatError(line: lineNumber, message: "graph format version \(v) is not supported (this lockcheck reads versions \(Self.readableVersions.lowerBound) to \(Self.readableVersions.upperBound)): use a newer lockcheck")
                }
                version = v
                sawHeader = true
                continue
            }
            let f = lineBytes.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            func int(_ i: Int, _ what: String, max: Int = Int.max) throws(FormatError) -> Int {
                guard i < f.count, let v = Int(f[i]), v >= 0, v <= max else {
                    throw FormatError(line: lineNumber, message: "bad or missing \(what)")
                }
                return v
            }
            // On bytes, as the lines: a third of a merge went to splitting sites as Characters.
            func site(_ i: Int) throws(FormatError) -> Site {
                guard i < f.count else { throw FormatError(line: lineNumber, message: "missing site") }
                let u = f[i].utf8
                let colon = UInt8(ascii: ":")
                guard let c1 = u.firstIndex(of: colon), let c2 = u[u.index(after: c1)...].firstIndex(of: colon),
                      let seq = Self.decimal(u[..<c1], as: UInt64.self),
                      let l = Self.decimal(u[u.index(after: c1)..<c2], as: UInt32.self) else {
                    throw FormatError(line: lineNumber, message: "bad site '\(f[i])' (expected seq:line:file)")
                }
                // Every site of a graph names one of a few traces: reuse the last name.
                let name = f[i][u.index(after: c2)...]
                if name != lastFile { lastFile = String(name) }
                return Site(seq: seq, line: l, file: lastFile)
            }
            func classIndex(_ i: Int) throws(FormatError) -> Int {
                let v = try int(i, "class index")
                guard v < classes.count else { throw FormatError(line: lineNumber, message: "class \(v) is not declared above") }
                return v
            }
            switch f[0] {
            case "class":
                let n = try int(1, "class index")
                guard n == classes.count else { throw FormatError(line: lineNumber, message: "class indices must count up from 0") }
                guard f.count == 5, let kind = LockKind(spelling: f[2]), let sub = UInt32(f[3]), !f[4].isEmpty else {
                    throw FormatError(line: lineNumber, message: "bad class line (expected class, index, kind, subclass, name)")
                }
                classes.append(Class(kind: kind, subclass: sub, name: f[4]))
            case "usage":
                guard f.count >= 5 else { throw FormatError(line: lineNumber, message: "bad usage line") }
                usages.append(Usage(lockClass: try classIndex(1), bit: try int(2, "usage bit", max: 7), thread: f[3],
                                    site: try site(4), stack: Array(f.dropFirst(5))))
            case "edge":
                guard f.count >= 7, let types = UInt8(f[3], radix: 16), types != 0, types < 16 else {
                    throw FormatError(line: lineNumber, message: "bad edge line")
                }
                edges.append(Edge(from: try classIndex(1), to: try classIndex(2), types: types, thread: f[4],
                                  site: try site(5), fromSite: try site(6), stack: Array(f.dropFirst(7))))
            case "violation" where version ?? 0 >= 2:
                guard f.count == 2 else { throw FormatError(line: lineNumber, message: "bad violation line (expected violation, one line of JSON)") }
                do {
                    violations.append(try Violation(saved: try JSONReport.parse(f[1])))
                } catch let e as JSONReport.ParseError {
                    throw FormatError(line: lineNumber, message: "bad violation JSON at column \(e.column): \(e.reason)")
                } catch {
                    throw FormatError(line: lineNumber, message: "bad violation: \(error)")
                }
            default:
                throw FormatError(line: lineNumber, message: "unknown record '\(f[0])'")
            }
        }
        if !sawHeader { throw FormatError(line: max(lineNumber, 1), message: "missing header '\(Self.header)'") }
    }
}
