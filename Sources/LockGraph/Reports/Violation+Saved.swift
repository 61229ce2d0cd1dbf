/// A violation as a graph file saves it (format 2's `violation` records):
/// every field a report prints, so that merging the graph prints the same
/// text, JSON, SARIF and JUnit as the analysis that found it, and dedups it by
/// the same key.
///
/// The object has the members `rule`, `key`, `message`, `explanation`,
/// `classes` ([{name, kind}]), `event` ({thread, seq, file, line, stack,
/// what}), `trying` (a lock or null), `held` ([lock]), `chain` ([{from, to,
/// types, thread, site, fromSite, new}]), `scenario` ({cpu0, cpu1} or null),
/// `contexts` ([{name, site}]), `related` ([{label, thread, site}]) and
/// `hint`; a lock is {class, kind, mode, instance, try, site} and a site
/// {seq, file, line, stack}. `file` and `line` may be null.
extension Violation {
    /// Every field of the violation as one JSON object.
    /// - Complexity: O(size of the report).
    public var savedValue: JSONReport.Value {
        typealias V = JSONReport.Value
        func site(_ s: SiteInfo) -> V {
            .object([("seq", .uint(s.seq)), ("file", s.file.map(V.string) ?? .null),
                     ("line", s.line.map(V.int) ?? .null), ("stack", .array(s.stack.map(V.string)))])
        }
        func lock(_ l: LockInfo) -> V {
            .object([("class", .string(l.className)), ("kind", .string(l.kind)), ("mode", .string(l.mode)),
                     ("instance", .uint(l.instance)), ("try", .bool(l.isTry)), ("site", site(l.site))])
        }
        func strings(_ a: [String]) -> V { .array(a.map(V.string)) }
        return .object([
            ("rule", .string(rule.rawValue)),
            ("key", .string(key)),
            ("message", .string(message)),
            ("explanation", .string(explanation)),
            ("classes", .array(classes.map { .object([("name", .string($0.name)), ("kind", .string($0.kind))]) })),
            ("event", .object([("thread", .string(event.thread)), ("seq", .uint(event.seq)),
                               ("file", event.file.map(V.string) ?? .null), ("line", event.line.map(V.int) ?? .null),
                               ("stack", strings(event.stack)), ("what", .string(event.what))])),
            ("trying", trying.map(lock) ?? .null),
            ("held", .array(held.map(lock))),
            ("chain", .array(chain.map { d in
                .object([("from", .string(d.from)), ("to", .string(d.to)), ("types", .string(d.types)),
                         ("thread", .string(d.thread)), ("site", site(d.site)), ("fromSite", site(d.fromSite)),
                         ("new", .bool(d.isNew))])
            })),
            ("scenario", scenario.map { .object([("cpu0", strings($0.cpu0)), ("cpu1", strings($0.cpu1))]) } ?? .null),
            ("contexts", .array(contexts.map { .object([("name", .string($0.name)), ("site", site($0.site))]) })),
            ("related", .array(related.map {
                .object([("label", .string($0.label)), ("thread", .string($0.thread)), ("site", site($0.site))])
            })),
            ("hint", .string(hint)),
        ])
    }

    /// Reads a violation back from ``savedValue``.
    /// - Throws: A ``JSONReport/SchemaError`` naming the first member that is
    ///   missing or of the wrong type, or an unknown rule id.
    /// - Complexity: O(size of the report).
    public init(saved value: JSONReport.Value) throws(JSONReport.SchemaError) {
        let v = SavedObject(value, path: "violation")
        guard let rule = RuleID(rawValue: try v.string("rule")) else {
            throw JSONReport.SchemaError("violation.rule: unknown rule id '\((try? v.string("rule")) ?? "")'")
        }
        let e = try v.object("event")
        self.init(
            rule: rule,
            message: try v.string("message"),
            explanation: try v.string("explanation"),
            classes: try v.objects("classes").map { c throws(JSONReport.SchemaError) in
                ClassInfo(name: try c.string("name"), kind: try c.string("kind"))
            },
            event: EventInfo(thread: try e.string("thread"), seq: try e.uint("seq"), file: try e.optionalString("file"),
                             line: try e.optionalInt("line"), stack: try e.strings("stack"), what: try e.string("what")),
            trying: try v.optionalObject("trying").map { l throws(JSONReport.SchemaError) in try Self.lock(l) },
            held: try v.objects("held").map { l throws(JSONReport.SchemaError) in try Self.lock(l) },
            chain: try v.objects("chain").map { d throws(JSONReport.SchemaError) in
                DependencyInfo(from: try d.string("from"), to: try d.string("to"), types: try d.string("types"),
                               thread: try d.string("thread"), site: try Self.site(try d.object("site")),
                               fromSite: try Self.site(try d.object("fromSite")), isNew: try d.bool("new"))
            },
            scenario: try v.optionalObject("scenario").map { s throws(JSONReport.SchemaError) in
                Scenario(cpu0: try s.strings("cpu0"), cpu1: try s.strings("cpu1"))
            },
            contexts: try v.objects("contexts").map { c throws(JSONReport.SchemaError) in
                ContextInfo(name: try c.string("name"), site: try Self.site(try c.object("site")))
            },
            related: try v.objects("related").map { r throws(JSONReport.SchemaError) in
                RelatedEvent(label: try r.string("label"), thread: try r.string("thread"), site: try Self.site(try r.object("site")))
            },
            hint: try v.string("hint"),
            key: try v.string("key"))
    }

    private static func site(_ s: SavedObject) throws(JSONReport.SchemaError) -> SiteInfo {
        SiteInfo(seq: try s.uint("seq"), file: try s.optionalString("file"), line: try s.optionalInt("line"),
                 stack: try s.strings("stack"))
    }

    private static func lock(_ l: SavedObject) throws(JSONReport.SchemaError) -> LockInfo {
        LockInfo(className: try l.string("class"), kind: try l.string("kind"), mode: try l.string("mode"),
                 instance: try l.uint("instance"), isTry: try l.bool("try"), site: try site(try l.object("site")))
    }
}

/// Typed, throwing access to the members of a saved JSON object; errors name
/// the member's path (`violation.event.seq`).
private struct SavedObject {
    let value: JSONReport.Value
    let path: String

    init(_ value: JSONReport.Value, path: String) {
        self.value = value
        self.path = path
    }

    private func member(_ key: String) throws(JSONReport.SchemaError) -> JSONReport.Value {
        guard value.objectMembers != nil else { throw JSONReport.SchemaError("\(path): expected an object") }
        guard let m = value[key] else { throw JSONReport.SchemaError("\(path).\(key): missing") }
        return m
    }

    private func wrong(_ key: String, _ expected: String) -> JSONReport.SchemaError {
        JSONReport.SchemaError("\(path).\(key): expected \(expected)")
    }

    func string(_ key: String) throws(JSONReport.SchemaError) -> String {
        guard let s = try member(key).stringValue else { throw wrong(key, "a string") }
        return s
    }

    func optionalString(_ key: String) throws(JSONReport.SchemaError) -> String? {
        let m = try member(key)
        if case .null = m { return nil }
        guard let s = m.stringValue else { throw wrong(key, "a string or null") }
        return s
    }

    func optionalInt(_ key: String) throws(JSONReport.SchemaError) -> Int? {
        let m = try member(key)
        if case .null = m { return nil }
        guard let i = m.intValue else { throw wrong(key, "an integer or null") }
        return i
    }

    func uint(_ key: String) throws(JSONReport.SchemaError) -> UInt64 {
        switch try member(key) {
        case .int(let i) where i >= 0: return UInt64(i)
        case .uint(let u): return u
        default: throw wrong(key, "an unsigned integer")
        }
    }

    func bool(_ key: String) throws(JSONReport.SchemaError) -> Bool {
        guard case .bool(let b) = try member(key) else { throw wrong(key, "true or false") }
        return b
    }

    func strings(_ key: String) throws(JSONReport.SchemaError) -> [String] {
        guard let a = try member(key).arrayValue else { throw wrong(key, "an array of strings") }
        var out: [String] = []
        for x in a {
            guard let s = x.stringValue else { throw wrong(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    func object(_ key: String) throws(JSONReport.SchemaError) -> SavedObject {
        let m = try member(key)
        guard m.objectMembers != nil else { throw wrong(key, "an object") }
        return SavedObject(m, path: "\(path).\(key)")
    }

    func optionalObject(_ key: String) throws(JSONReport.SchemaError) -> SavedObject? {
        let m = try member(key)
        if case .null = m { return nil }
        guard m.objectMembers != nil else { throw wrong(key, "an object or null") }
        return SavedObject(m, path: "\(path).\(key)")
    }

    func objects(_ key: String) throws(JSONReport.SchemaError) -> [SavedObject] {
        guard let a = try member(key).arrayValue else { throw wrong(key, "an array of objects") }
        var out: [SavedObject] = []
        for (i, x) in a.enumerated() {
            guard x.objectMembers != nil else { throw wrong("\(key)[\(i)]", "an object") }
            out.append(SavedObject(x, path: "\(path).\(key)[\(i)]"))
        }
        return out
    }
}
