import LockGraph

/// JSON for reports, saved graphs, baselines and suppressions: a value type
/// written deterministically, and a parser (`JSONReport+Parsing.swift`).
///
/// A violation is written in one schema (docs/report-schema.md) by
/// ``value(_:)`` (the report form `--format json` prints) and
/// ``LockGraph/Violation/savedValue`` (the same object with the members a
/// saved graph needs to read it back), both in `Violation+JSON.swift`.
public enum JSONReport {
    /// A JSON value, serialized deterministically (keys in insertion order).
    public indirect enum Value: Sendable {
        case string(String), int(Int), uint(UInt64), bool(Bool), null
        case array([Value])
        case object([(String, Value)])

        public func serialized(indent: Int = 0, pretty: Bool = true) -> String {
            var out = ""
            write(into: &out, indent: indent, pretty: pretty)
            return out
        }

        private func write(into out: inout String, indent: Int, pretty: Bool) {
            let nl = pretty ? "\n" : ""
            let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
            let close = pretty ? String(repeating: "  ", count: indent) : ""
            switch self {
            case .string(let s): out += JSONReport.quote(s)
            case .int(let i): out += String(i)
            case .uint(let u): out += String(u)
            case .bool(let b): out += b ? "true" : "false"
            case .null: out += "null"
            case .array(let a):
                if a.isEmpty { out += "[]"; return }
                if a.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
                    out += "[" + a.map { $0.serialized(pretty: false) }.joined(separator: ", ") + "]"
                    return
                }
                out += "[" + nl
                for (i, x) in a.enumerated() {
                    out += pad
                    x.write(into: &out, indent: indent + 1, pretty: pretty)
                    out += (i + 1 < a.count ? "," : "") + nl
                }
                out += close + "]"
            case .object(let o):
                if o.isEmpty { out += "{}"; return }
                out += "{" + nl
                for (i, (k, x)) in o.enumerated() {
                    out += pad + JSONReport.quote(k) + (pretty ? ": " : ":")
                    x.write(into: &out, indent: indent + 1, pretty: pretty)
                    out += (i + 1 < o.count ? "," : "") + nl
                }
                out += close + "}"
            }
        }
    }

    /// A JSON string literal: `"`, `\` and the control characters below
    /// U+0020 escaped, everything else (DEL and non-ASCII included) as is.
    /// - Complexity: O(length), on the UTF-8 bytes: an escaped character is
    ///   always one ASCII byte, so multi-byte scalars are copied unchanged.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        out.append(UInt8(ascii: "\""))
        func escaped(_ c: Unicode.Scalar) {
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: c))
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): escaped("\"")
            case UInt8(ascii: "\\"): escaped("\\")
            case UInt8(ascii: "\n"): escaped("n")
            case UInt8(ascii: "\r"): escaped("r")
            case UInt8(ascii: "\t"): escaped("t")
            case 0..<0x20:
                escaped("u")
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
