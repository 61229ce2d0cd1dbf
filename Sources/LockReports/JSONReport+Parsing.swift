import LockGraph

/// Reading JSON back: baselines and suppression files are small JSON
/// documents that teams write or commit, so a parse error names the line and
/// column. Numbers must be integers (nothing lockcheck reads has fractions).
extension JSONReport {
    /// Where and why a document is not JSON.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var reason: String
        public var description: String { "\(line):\(column): \(reason)" }
    }

    /// Parses one JSON document (RFC 8259; integers only).
    /// - Complexity: O(length); nesting deeper than 256 levels is an error.
    public static func parse(_ text: String) throws(ParseError) -> Value {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < p.bytes.count { throw p.error("unexpected text after the document") }
        return v
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func error(_ reason: String) -> ParseError {
            var line = 1, column = 1
            for b in bytes[..<min(i, bytes.count)] {
                if b == 10 { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            }
            return ParseError(line: line, column: column, reason: reason)
        }

        mutating func skipSpace() {
            while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 }
        }

        /// After a member or an element: skips a `,` and returns false (another
        /// follows), or skips `close` and returns true (the container ends).
        mutating func separatorOrEnd(_ close: Unicode.Scalar) throws(ParseError) -> Bool {
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of the document: missing '\(close)'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; return false }
            if bytes[i] == UInt8(ascii: close) { i += 1; return true }
            throw error("expected ',' or '\(close)'")
        }

        mutating func expect(_ word: String, _ v: Value) throws(ParseError) -> Value {
            let w = Array(word.utf8)
            guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else { throw error("expected a JSON value") }
            i += w.count
            return v
        }

        mutating func value(depth: Int) throws(ParseError) -> Value {
            guard depth < 256 else { throw error("nested too deeply") }
            guard i < bytes.count else { throw error("unexpected end of the document") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, Value)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                    let keyStart = i
                    let key = try string()
                    if members.contains(where: { $0.0 == key }) { i = keyStart; throw error("duplicate member \"\(key)\"") }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\"") }
                    i += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    if try separatorOrEnd("}") { return .object(members) }
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    if try separatorOrEnd("]") { return .array(items) }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try number()
            default:
                throw error("expected a JSON value")
            }
        }

        mutating func number() throws(ParseError) -> Value {
            let start = i
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            var magnitude: UInt64 = 0
            var digits = 0
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { i = start; throw error("number out of range") }
                magnitude = s
                digits += 1
                i += 1
            }
            if digits == 0 { throw error("expected digits") }
            if i < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i]) {
                i = start
                throw error("only integer numbers are expected here")
            }
            if negative {
                guard magnitude <= UInt64(Int.max) + 1 else { i = start; throw error("number out of range") }
                return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
            }
            return magnitude <= UInt64(Int.max) ? .int(Int(magnitude)) : .uint(magnitude)
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard bytes.count - i >= 4 else { throw error("bad \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("bad \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// A string starting at the opening quote.
        mutating func string() throws(ParseError) -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw error("unterminated string") }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw error("control character in a string (escape it)") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw error("unterminated string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("unpaired surrogate in \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw error("bad escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension JSONReport.Value {
    /// The member `key` of an object, nil otherwise.
    public subscript(key: String) -> JSONReport.Value? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer, if this is one that fits `Int`.
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONReport.Value]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members in document order, if this is an object.
    public var objectMembers: [(String, JSONReport.Value)]? { if case .object(let o) = self { return o } else { return nil } }
}

extension JSONReport {
    /// A JSON document that parses but does not have the expected shape
    /// (a missing member, a wrong type, an unknown rule id…).
    public struct SchemaError: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
