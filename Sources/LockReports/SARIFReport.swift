import LockGraph
import LockTextReport

/// Renders violations as SARIF 2.1.0 (OASIS Static Analysis Results
/// Interchange Format), the format GitHub code scanning and most CI
/// dashboards read.
///
/// One run; `tool.driver.rules` describes every ``RuleID`` (its
/// ``RuleID/documentation``); one result per violation with:
/// - `locations`: the innermost frame of the event's stack whose text ends in
///   `(File.swift:42)`, else the trace file and line;
/// - `relatedLocations`: the other sites of the report (each dependency of
///   the chain where it was first seen, the held locks, contexts, related
///   events), located the same way;
/// - `stacks`: the event's stack, every frame (with its file and line when known);
/// - `partialFingerprints["lockcheck/v1"]`: the violation's ``Fingerprint``;
/// - `suppressions` for suppressed violations and, when a baseline was
///   given, `baselineState` (`new` / `unchanged`).
public struct SARIFReport: Sendable {
    /// The schema the output follows.
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    /// Where a SARIF viewer links for the tool ("learn more"): the design of
    /// the lockdep rules lockcheck follows.
    public static let defaultInformationURI = "https://docs.kernel.org/locking/lockdep-design.html"

    public var toolVersion: String
    public var informationURI: String
    /// Absolute paths under this directory become relative URIs (SARIF
    /// consumers resolve those against the repository); nil keeps them absolute.
    public var sourceRoot: String?
    /// Set `baselineState` on results (a baseline was applied).
    public var withBaselineState: Bool
    /// Rules whose violations fail the run; the others' results are `warning`.
    public var failingRules: Set<RuleID>

    public init(toolVersion: String, informationURI: String = SARIFReport.defaultInformationURI,
                sourceRoot: String? = nil, withBaselineState: Bool = false,
                failingRules: Set<RuleID> = Set(RuleID.allCases)) {
        self.toolVersion = toolVersion
        self.informationURI = informationURI
        self.sourceRoot = sourceRoot
        self.withBaselineState = withBaselineState
        self.failingRules = failingRules
    }

    typealias Value = JSONReport.Value

    /// The whole SARIF log.
    /// - Parameters:
    ///   - results: Each violation with what the run made of it.
    ///   - notifications: Warnings of the analysis (truncated traces…), as
    ///     `toolExecutionNotifications`.
    ///   - successful: Whether the analysis ran to its end (SARIF's
    ///     `executionSuccessful`: not whether violations were found).
    /// - Complexity: O(total size of the reports).
    public func document(_ results: [(Violation, ViolationStatus)], notifications: [String] = [],
                         successful: Bool = true) -> JSONReport.Value {
        var invocation: [(String, Value)] = [("executionSuccessful", .bool(successful))]
        if !notifications.isEmpty {
            invocation.append(("toolExecutionNotifications", .array(notifications.map {
                .object([("level", .string("warning")), ("message", .object([("text", .string($0))]))])
            })))
        }
        let run: Value = .object([
            ("tool", .object([("driver", driver)])),
            ("invocations", .array([.object(invocation)])),
            ("results", .array(results.map { result($0.0, $0.1) })),
        ])
        return .object([
            ("$schema", .string(Self.schemaURI)),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
    }

    /// `tool.driver`: lockcheck and every rule.
    var driver: Value {
        .object([
            ("name", .string("lockcheck")),
            ("version", .string(toolVersion)),
            ("semanticVersion", .string(toolVersion)),
            ("informationUri", .string(informationURI)),
            ("rules", .array(RuleID.allCases.map(Self.rule))),
        ])
    }

    /// A `reportingDescriptor` for `id`.
    static func rule(_ id: RuleID) -> Value {
        let d = id.documentation
        return .object([
            ("id", .string(id.rawValue)),
            ("name", .string(d.name)),
            ("shortDescription", .object([("text", .string(d.summary))])),
            ("fullDescription", .object([("text", .string(d.firesWhen))])),
            ("help", .object([("text", .string(id.textHelp)), ("markdown", .string(id.markdownHelp))])),
            ("defaultConfiguration", .object([("level", .string(d.severity.rawValue))])),
            ("properties", .object([
                ("tags", .array(["concurrency", "reliability", "lockcheck"].map(Value.string))),
                ("precision", .string("high")),
                ("problem.severity", .string(d.severity.rawValue)),
                ("lockdepTitle", .string(id.lockdepTitle)),
            ])),
        ])
    }

    /// One `result`.
    func result(_ v: Violation, _ status: ViolationStatus) -> Value {
        var o: [(String, Value)] = [
            ("ruleId", .string(v.rule.rawValue)),
            ("ruleIndex", .int(RuleID.allCases.firstIndex(of: v.rule)!)),
            ("level", .string(failingRules.contains(v.rule) ? v.rule.documentation.severity.rawValue : "warning")),
            ("message", .object([("text", .string("\(v.explanation)\n\(v.message)\nhint: \(v.hint)"))])),
        ]
        if let primary = primaryLocation(v) { o.append(("locations", .array([primary]))) }
        let related = relatedLocations(v)
        if !related.isEmpty { o.append(("relatedLocations", .array(related))) }
        if !v.event.stack.isEmpty {
            o.append(("stacks", .array([.object([
                ("message", .object([("text", .string("thread '\(v.event.thread)': \(v.event.what)"))])),
                ("frames", .array(v.event.stack.map { frame in
                    var loc: [(String, Value)] = [("message", .object([("text", .string(frame))]))]
                    if let s = Self.sourceLocation(ofFrame: frame) { loc.insert(("physicalLocation", physical(s.file, s.line)), at: 0) }
                    return .object([("location", .object(loc))])
                })),
            ])])))
        }
        o.append(("partialFingerprints", .object([(Fingerprint.scheme, .string(v.fingerprint))])))
        if case .suppressed(let reason) = status {
            o.append(("suppressions", .array([.object([
                ("kind", .string("external")), ("status", .string("accepted")), ("justification", .string(reason)),
            ])])))
        } else if withBaselineState {
            o.append(("baselineState", .string(status == .baselined ? "unchanged" : "new")))
        }
        o.append(("properties", .object([
            ("classes", .array(v.classNames.map(Value.string))),
            ("thread", .string(v.event.thread)),
            ("seq", .uint(v.event.seq)),
            ("status", .string(status.word)),
        ])))
        return .object(o)
    }

    // MARK: Locations

    /// `file` and `line` of a frame written `symbol (File.swift:42)` or
    /// `symbol (File.swift:42:7)`; nil for `symbol + 0x1f (module)` and
    /// anything else without a positive line.
    /// - Complexity: O(length of the frame).
    public static func sourceLocation(ofFrame frame: String) -> (file: String, line: Int)? {
        let trimmed = frame.hasSuffix(" ") ? String(frame.reversed().drop { $0 == " " }.reversed()) : frame
        guard trimmed.hasSuffix(")"), let open = trimmed.lastIndex(of: "(") else { return nil }
        let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        var parts = inner.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return nil }
        func number(_ s: String) -> Int? { s.isEmpty || !s.allSatisfy(\.isASCII) ? nil : Int(s) }
        if parts.count >= 3, number(parts[parts.count - 1]) != nil, number(parts[parts.count - 2]) != nil {
            parts.removeLast()  // a column
        }
        guard let line = number(parts.removeLast()), line > 0 else { return nil }
        let file = parts.joined(separator: ":").trimmingSpaces
        guard !file.isEmpty, !file.contains(" + 0x") else { return nil }
        return (file, line)
    }

    /// The innermost located frame of `stack`.
    private static func located(_ stack: [String]) -> (file: String, line: Int)? {
        for f in stack { if let s = sourceLocation(ofFrame: f) { return s } }
        return nil
    }

    /// Where a site is: its innermost located frame, else its trace file and line.
    private func location(of site: Violation.SiteInfo) -> Value? {
        if let s = Self.located(site.stack) { return physical(s.file, s.line) }
        if let file = site.file, let line = site.line, line > 0 { return physical(file, line) }
        return nil
    }

    private func primaryLocation(_ v: Violation) -> Value? {
        let e = v.event
        let site = Violation.SiteInfo(seq: e.seq, file: e.file, line: e.line, stack: e.stack)
        let place = location(of: site) ?? v.trying.flatMap { location(of: $0.site) }
        return place.map { .object([("physicalLocation", $0)]) }
    }

    private func relatedLocations(_ v: Violation) -> [Value] {
        var sites: [(String, Violation.SiteInfo)] = []
        for d in v.chain where !d.isNew {
            sites.append(("\(d.from) \(d.types) \(d.to): \(d.to) first taken by thread '\(d.thread)' while holding \(d.from)", d.site))
        }
        for (i, h) in v.held.enumerated() {
            sites.append(("held lock #\(i): \(h.className) (\(h.kind)) [\(h.mode)]", h.site))
        }
        for c in v.contexts where c.site.seq != 0 || !c.site.stack.isEmpty {
            sites.append(("context: \(c.name), entered here", c.site))
        }
        for r in v.related {
            sites.append(("\(r.label) (thread '\(r.thread)')", r.site))
        }
        var out: [Value] = []
        for (text, site) in sites {
            guard let p = location(of: site) else { continue }
            let place = TextReport.place(seq: site.seq, file: site.file, line: site.line)
            out.append(.object([
                ("id", .int(out.count + 1)),
                ("physicalLocation", p),
                ("message", .object([("text", .string("\(text) (\(place))"))])),
            ]))
        }
        return out
    }

    private func physical(_ file: String, _ line: Int) -> Value {
        var artifact: [(String, Value)] = [("uri", .string(uri(file)))]
        if !file.hasPrefix("/") || isUnderRoot(file) { artifact.append(("uriBaseId", .string("%SRCROOT%"))) }
        return .object([
            ("artifactLocation", .object(artifact)),
            ("region", .object([("startLine", .int(line))])),
        ])
    }

    private func isUnderRoot(_ path: String) -> Bool {
        guard let root = sourceRoot, !root.isEmpty else { return false }
        let r = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(r)
    }

    /// A URI reference for a path: relative to ``sourceRoot`` when under it,
    /// `file://` for other absolute paths, percent-encoded.
    func uri(_ path: String) -> String {
        if isUnderRoot(path), let root = sourceRoot {
            let r = root.hasSuffix("/") ? root : root + "/"
            return Self.percentEncoded(String(path.dropFirst(r.count)))
        }
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        return p.hasPrefix("/") ? "file://" + Self.percentEncoded(p) : Self.percentEncoded(p)
    }

    /// `s` with every byte outside RFC 3986's unreserved characters and `/` escaped.
    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

private extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
