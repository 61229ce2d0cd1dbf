import LockGraph

/// Rules, or rules over some classes, that a team accepts, each with the
/// reason why: suppressed violations are still listed but never fail a run.
///
/// The file is JSON: an array of entries, or `{ "version": 1,
/// "suppressions": [ … ] }`. Each entry is
///
///     { "rule": "sleep-in-atomic", "classes": ["dev.lock"], "reason": "probe runs before irqs are enabled" }
///
/// `rule` and `reason` are required (a suppression nobody can explain is a
/// bug report waiting to be lost); `classes` is optional: without it the
/// entry covers every violation of the rule, with it every violation whose
/// classes include all the listed ones. Unknown members are errors, so a
/// misspelt `"reasn"` does not silently suppress.
public struct Suppressions: Sendable {
    /// The only version this build reads.
    public static let version = 1

    /// One accepted rule (and classes).
    public struct Entry: Sendable {
        /// Position in the file, from 0.
        public var index: Int
        public var rule: RuleID
        /// Sorted; nil means every violation of ``rule``.
        public var classes: [String]?
        public var reason: String

        /// "[rule] A, B" (or "[rule] all classes") for listings.
        public var label: String {
            "[\(rule.rawValue)] " + (classes.map { $0.joined(separator: ", ") } ?? "all classes")
        }

        /// Whether the entry covers `v`.
        public func matches(_ v: Violation) -> Bool {
            guard v.rule == rule else { return false }
            guard let classes else { return true }
            // Line-free, as fingerprints: `App/Bank.swift:42` in the file
            // still covers the lock after lines are added above it.
            let names = Set(v.classNames.map(Fingerprint.stableName))
            return classes.allSatisfy { names.contains(Fingerprint.stableName($0)) }
        }
    }

    public private(set) var entries: [Entry]

    /// No suppressions.
    public init() { entries = [] }

    /// The first entry that covers `v`.
    /// - Complexity: O(entries × classes).
    public func match(_ v: Violation) -> Entry? { entries.first { $0.matches(v) } }

    /// Reads a suppression file's text.
    /// - Throws: ``JSONReport/ParseError`` if it is not JSON, ``JSONReport/SchemaError``
    ///   naming the entry at fault (a missing reason, an unknown rule or member…).
    /// - Complexity: O(length of the text).
    public init(parsing text: String) throws {
        let doc = try JSONReport.parse(text)
        let items: [JSONReport.Value]
        if let a = doc.arrayValue {
            items = a
        } else if let members = doc.objectMembers {
            if doc["suppressions"] == nil && doc["rule"] != nil {
                throw JSONReport.SchemaError("expected an array of entries ([ { \"rule\": …, \"reason\": … } ]) or { \"version\": 1, \"suppressions\": [ … ] }, not a single entry")
            }
            for (key, _) in members where !["version", "suppressions"].contains(key) {
                throw JSONReport.SchemaError("unknown member \"\(key)\" (expected \"version\" and \"suppressions\")")
            }
            if let v = doc["version"], v.intValue != Self.version {
                throw JSONReport.SchemaError("suppressions version \(v.serialized(pretty: false)) is not supported (this lockcheck reads version \(Self.version))")
            }
            guard let a = doc["suppressions"]?.arrayValue else { throw JSONReport.SchemaError("\"suppressions\" must be an array of entries") }
            items = a
        } else {
            throw JSONReport.SchemaError("expected an array of suppressions or an object with \"suppressions\"")
        }
        var entries: [Entry] = []
        for (i, item) in items.enumerated() {
            let at = "suppression \(i + 1)"
            guard let members = item.objectMembers else { throw JSONReport.SchemaError("\(at) must be an object") }
            for (key, _) in members where !["rule", "classes", "reason"].contains(key) {
                throw JSONReport.SchemaError("\(at): unknown member \"\(key)\" (expected \"rule\", \"classes\", \"reason\")")
            }
            guard let ruleText = item["rule"]?.stringValue else { throw JSONReport.SchemaError("\(at): \"rule\" is required") }
            guard let rule = RuleID(rawValue: ruleText) else {
                throw JSONReport.SchemaError("\(at): unknown rule \"\(ruleText)\" (rules: \(RuleID.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let reason = item["reason"]?.stringValue ?? ""
            if reason.allSatisfy(\.isWhitespace) {
                throw JSONReport.SchemaError("\(at) ([\(ruleText)]): \"reason\" is required: say why the team accepts these violations")
            }
            var classes: [String]?
            if let c = item["classes"] {
                let names = c.arrayValue?.compactMap(\.stringValue)
                guard let names, names.count == c.arrayValue?.count, !names.isEmpty, !names.contains(where: \.isEmpty) else {
                    throw JSONReport.SchemaError("\(at) ([\(ruleText)]): \"classes\" must be a non-empty array of class names (leave it out to cover every class)")
                }
                classes = names.sorted()
            }
            entries.append(Entry(index: i, rule: rule, classes: classes, reason: reason))
        }
        self.entries = entries
    }
}
