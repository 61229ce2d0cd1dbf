/// Renders violations as the JSON of rules.md: `{ "version": 1, "violations":
/// [...], "summary": {...} }`. Each violation has at least `rule`, `message`,
/// `classes` (sorted names), `thread`, `seq`, `file`, `line` and `stacks`,
/// plus the report's other parts.
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

    private static func site(_ s: Violation.SiteInfo) -> Value {
        .object([("seq", .uint(s.seq)), ("file", s.file.map(Value.string) ?? .null),
                 ("line", s.line.map(Value.int) ?? .null), ("stack", .array(s.stack.map(Value.string)))])
    }

    private static func lock(_ l: Violation.LockInfo) -> Value {
        .object([("class", .string(l.className)), ("kind", .string(l.kind)), ("mode", .string(l.mode)),
                 ("try", .bool(l.isTry)), ("taken", site(l.site))])
    }

    /// One violation as a JSON object.
    public static func value(_ v: Violation) -> Value {
        var stacks: [Value] = [.array(v.event.stack.map(Value.string))]
        for d in v.chain where !d.site.stack.isEmpty { stacks.append(.array(d.site.stack.map(Value.string))) }
        var o: [(String, Value)] = [
            ("rule", .string(v.rule.rawValue)),
            ("message", .string(v.message)),
            ("explanation", .string(v.explanation)),
            ("classes", .array(v.classNames.map(Value.string))),
            ("thread", .string(v.event.thread)),
            ("seq", .uint(v.event.seq)),
            ("file", v.event.file.map(Value.string) ?? .null),
            ("line", v.event.line.map(Value.int) ?? .null),
            ("event", .string(v.event.what)),
            ("stacks", .array(stacks)),
        ]
        if let t = v.trying { o.append(("trying", lock(t))) }
        o.append(("held", .array(v.held.map(lock))))
        if !v.chain.isEmpty {
            o.append(("chain", .array(v.chain.map { d in
                .object([("from", .string(d.from)), ("to", .string(d.to)), ("types", .string(d.types)),
                         ("new", .bool(d.isNew)), ("thread", .string(d.thread)), ("site", site(d.site)),
                         ("fromSite", site(d.fromSite))])
            })))
        }
        if !v.contexts.isEmpty {
            o.append(("contexts", .array(v.contexts.map { .object([("name", .string($0.name)), ("entered", site($0.site))]) })))
        }
        if !v.related.isEmpty {
            o.append(("related", .array(v.related.map {
                .object([("label", .string($0.label)), ("thread", .string($0.thread)), ("site", site($0.site))])
            })))
        }
        if let s = v.scenario {
            o.append(("scenario", .object([("cpu0", .array(s.cpu0.map(Value.string))), ("cpu1", .array(s.cpu1.map(Value.string)))])))
        }
        o.append(("hint", .string(v.hint)))
        return .object(o)
    }
}
