import LockGraph

/// The violations a team has accepted for now, by ``Fingerprint``: `lockcheck
/// baseline` writes one, `lockcheck analyze --baseline` fails only on
/// violations outside it and lists the entries that no longer occur.
///
/// The file is versioned JSON, one entry per fingerprint, sorted by rule then
/// classes so that a regenerated baseline diffs cleanly:
///
///     { "format": "lockcheck-baseline", "version": 1, "fingerprint": "lockcheck/v1",
///       "violations": [ { "rule": "lock-order-inversion",
///                         "classes": ["Account.alice", "Account.bob"],
///                         "fingerprint": "…", "message": "…" } ] }
///
/// An entry matches on its `fingerprint`; a hand-written entry without one
/// matches on the fingerprint of its `rule` and `classes`.
public struct Baseline: Sendable {
    /// The `format` member every baseline carries.
    public static let format = "lockcheck-baseline"
    /// The only version this build reads and writes.
    public static let version = 1

    /// One accepted violation.
    public struct Entry: Sendable {
        /// Nil only for an entry given by fingerprint alone.
        public var rule: RuleID?
        /// Sorted class (or pool) names.
        public var classes: [String]
        public var fingerprint: String
        /// The message of the first violation recorded, for readers of the file.
        public var message: String

        /// "[rule] A, B" for listings.
        public var label: String {
            let r = rule.map { "[\($0.rawValue)]" } ?? "[fingerprint \(fingerprint)]"
            if classes.isEmpty { return message.isEmpty ? r : "\(r) \(message)" }
            return "\(r) \(classes.joined(separator: ", "))"
        }
    }

    /// Entries sorted by rule, then classes; one per fingerprint.
    public private(set) var entries: [Entry]
    private var fingerprints: Set<String>

    private init(entries: [Entry]) {
        var seen = Set<String>()
        let unique = entries.filter { seen.insert($0.fingerprint).inserted }
        self.entries = unique.sorted {
            ($0.rule.map { RuleID.allCases.firstIndex(of: $0)! } ?? Int.max, $0.classes.joined(separator: "\n"), $0.fingerprint)
                < ($1.rule.map { RuleID.allCases.firstIndex(of: $0)! } ?? Int.max, $1.classes.joined(separator: "\n"), $1.fingerprint)
        }
        fingerprints = seen
    }

    /// The baseline of `violations`: one entry per fingerprint, with the first message.
    /// - Complexity: O(n log n).
    public init(violations: [Violation]) {
        self.init(entries: violations.map {
            Entry(rule: $0.rule, classes: $0.classNames, fingerprint: $0.fingerprint, message: $0.message)
        })
    }

    /// Whether `v`'s fingerprint is in the baseline. O(1).
    public func contains(_ v: Violation) -> Bool { fingerprints.contains(v.fingerprint) }

    /// Entries whose fingerprint is not in `seen`: baselined violations that
    /// no longer occur (fixed, or not exercised by this run).
    public func absent(seen: Set<String>) -> [Entry] { entries.filter { !seen.contains($0.fingerprint) } }

    /// The file's JSON.
    public var json: JSONReport.Value {
        .object([
            ("format", .string(Self.format)),
            ("version", .int(Self.version)),
            ("fingerprint", .string(Fingerprint.scheme)),
            ("violations", .array(entries.map { e in
                var o: [(String, JSONReport.Value)] = []
                if let r = e.rule { o.append(("rule", .string(r.rawValue))) }
                o.append(("classes", .array(e.classes.map(JSONReport.Value.string))))
                o.append(("fingerprint", .string(e.fingerprint)))
                o.append(("message", .string(e.message)))
                return .object(o)
            })),
        ])
    }

    /// Reads a baseline file's text.
    /// - Throws: ``JSONReport/ParseError`` if it is not JSON, ``JSONReport/SchemaError``
    ///   if it is not a version-1 baseline (each naming the entry at fault).
    /// - Complexity: O(length of the text).
    public init(parsing text: String) throws {
        let doc = try JSONReport.parse(text)
        guard doc["format"]?.stringValue == Self.format else {
            throw JSONReport.SchemaError("not a lockcheck baseline: \"format\" must be \"\(Self.format)\" (write one with 'lockcheck baseline TRACES… > FILE')")
        }
        guard let version = doc["version"]?.intValue else { throw JSONReport.SchemaError("\"version\" is missing") }
        guard version == Self.version else {
            throw JSONReport.SchemaError("baseline version \(version) is not supported (this lockcheck reads version \(Self.version))")
        }
        if let scheme = doc["fingerprint"]?.stringValue, scheme != Fingerprint.scheme {
            throw JSONReport.SchemaError("fingerprint scheme \"\(scheme)\" is not supported (this lockcheck uses \"\(Fingerprint.scheme)\"); regenerate the baseline")
        }
        guard let items = doc["violations"]?.arrayValue else { throw JSONReport.SchemaError("\"violations\" must be an array") }
        var entries: [Entry] = []
        for (i, item) in items.enumerated() {
            let at = "violations[\(i)]"
            guard item.objectMembers != nil else { throw JSONReport.SchemaError("\(at) must be an object") }
            var rule: RuleID?
            if let r = item["rule"] {
                guard let s = r.stringValue, let id = RuleID(rawValue: s) else {
                    throw JSONReport.SchemaError("\(at): unknown rule \(r.serialized(pretty: false)) (rules: \(RuleID.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                rule = id
            }
            var classes: [String] = []
            if let c = item["classes"] {
                let names = c.arrayValue?.compactMap(\.stringValue)
                guard let names, names.count == c.arrayValue?.count else {
                    throw JSONReport.SchemaError("\(at): \"classes\" must be an array of strings")
                }
                classes = names.sorted()
            }
            let fingerprint: String
            if let rule, !classes.isEmpty {
                // Recomputed from the classes: an entry written when class
                // names' line numbers counted still matches (see Fingerprint).
                fingerprint = Fingerprint.of(rule: rule, classes: classes)
            } else if let given = item["fingerprint"] {
                guard let s = given.stringValue, !s.isEmpty else { throw JSONReport.SchemaError("\(at): \"fingerprint\" must be a string") }
                fingerprint = s
            } else if let rule {
                fingerprint = Fingerprint.of(rule: rule, classes: classes)
            } else {
                throw JSONReport.SchemaError("\(at): needs \"fingerprint\", or \"rule\" and \"classes\"")
            }
            entries.append(Entry(rule: rule, classes: classes, fingerprint: fingerprint,
                                 message: item["message"]?.stringValue ?? ""))
        }
        self.init(entries: entries)
    }
}
