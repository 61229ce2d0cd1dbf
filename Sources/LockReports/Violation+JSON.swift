import LockGraph

/// A violation in JSON: one schema (docs/report-schema.md), written here and
/// nowhere else.
///
/// The report form (``JSONReport/value(_:)``, what `--format json` prints)
/// has `rule`, `message`, `explanation`, `classes` (sorted names), `thread`,
/// `seq`, `file`, `line`, `event` (the event in trace words), `stacks` (the
/// event's stack, then each chain edge's), `trying` (a lock, when there is
/// one), `held` (locks), `chain`, `contexts`, `related`, `scenario` (each
/// only when not empty) and `hint`. A lock is `{class, kind, mode, try,
/// taken}`, a site `{seq, file, line, stack}`.
///
/// `lockcheck analyze --format json` prints the report form followed by the
/// run's verdict on it (``JSONReport/value(_:status:)``): `fingerprint`,
/// `status` (`new`, `baselined`, `suppressed`) and, when suppressed,
/// `suppression` (the entry's reason).
///
/// The saved form (``Violation/savedValue``, a saved graph's `violation`
/// record) is the report form with three more members, so that
/// ``Violation/init(saved:)`` gets back every field: `key` (what makes two
/// violations one) and `classKinds` (the kind of each of `classes`, in the
/// same order) at the end of the violation, and `instance` at the end of
/// each lock. Every report-form document with those members is a saved form.
extension JSONReport {
    /// One violation as a JSON object: the report form.
    /// - Complexity: O(size of the report).
    public static func value(_ v: Violation) -> Value { ViolationJSON.object(v, .report) }

    /// One violation as `lockcheck analyze --format json` prints it: the
    /// report form, then `fingerprint`, `status` and, for a suppressed one,
    /// `suppression` (the entry's reason).
    /// - Complexity: O(size of the report).
    public static func value(_ v: Violation, status: ViolationStatus) -> Value {
        ViolationJSON.object(v, .verdict(status))
    }
}

extension Violation {
    /// Every field of the violation as one JSON object: the report form of
    /// ``JSONReport/value(_:)`` with `key`, `classKinds` and each lock's
    /// `instance` added.
    /// - Complexity: O(size of the report).
    public var savedValue: JSONReport.Value { ViolationJSON.object(self, .saved) }

    /// Reads a violation back from ``savedValue``, or from the first saved
    /// layout (graphs saved before the two forms were made one; see
    /// `Violation+FirstSavedLayout.swift`).
    /// - Throws: A ``JSONReport/SchemaError`` naming the first member that is
    ///   missing or of the wrong type, or an unknown rule id.
    /// - Complexity: O(size of the report).
    public init(saved value: JSONReport.Value) throws(JSONReport.SchemaError) {
        let v = ObjectReader(FirstSavedLayout.matches(value) ? FirstSavedLayout.upgraded(value) : value, path: "violation")
        let ruleID = try v.string("rule")
        guard let rule = RuleID(rawValue: ruleID) else {
            throw JSONReport.SchemaError("violation.rule: unknown rule id '\(ruleID)'")
        }
        let what = try v.string("event")
        let names = try v.strings("classes")
        let kinds = try v.strings("classKinds")
        guard kinds.count == names.count else {
            throw JSONReport.SchemaError("violation.classKinds: expected one kind for each of the \(names.count) classes")
        }
        guard let eventStack = try v.stackList("stacks").first else {
            throw JSONReport.SchemaError("violation.stacks: expected the event's stack first")
        }
        self.init(
            rule: rule,
            message: try v.string("message"),
            explanation: try v.string("explanation"),
            classes: zip(names, kinds).map { ClassInfo(name: $0, kind: $1) },
            event: EventInfo(thread: try v.string("thread"), seq: try v.uint("seq"), file: try v.optionalString("file"),
                             line: try v.optionalInt("line"), stack: eventStack, what: what),
            trying: try v.optionalObject("trying").map { l throws(JSONReport.SchemaError) in try ViolationJSON.lock(l) },
            held: try v.objects("held").map { l throws(JSONReport.SchemaError) in try ViolationJSON.lock(l) },
            chain: try v.objects("chain", absentIsEmpty: true).map { d throws(JSONReport.SchemaError) in
                DependencyInfo(from: try d.string("from"), to: try d.string("to"), types: try d.string("types"),
                               thread: try d.string("thread"), site: try ViolationJSON.site(try d.object("site")),
                               fromSite: try ViolationJSON.site(try d.object("fromSite")), isNew: try d.bool("new"))
            },
            scenario: try v.optionalObject("scenario").map { s throws(JSONReport.SchemaError) in
                Scenario(cpu0: try s.strings("cpu0"), cpu1: try s.strings("cpu1"))
            },
            contexts: try v.objects("contexts", absentIsEmpty: true).map { c throws(JSONReport.SchemaError) in
                ContextInfo(name: try c.string("name"), site: try ViolationJSON.site(try c.object("entered")))
            },
            related: try v.objects("related", absentIsEmpty: true).map { r throws(JSONReport.SchemaError) in
                RelatedEvent(label: try r.string("label"), thread: try r.string("thread"),
                             site: try ViolationJSON.site(try r.object("site")))
            },
            hint: try v.string("hint"),
            key: try v.string("key"))
    }
}

/// The one writer of a violation's JSON, and the readers of its parts.
enum ViolationJSON {
    typealias Value = JSONReport.Value

    /// Which members follow the report form's.
    enum Form {
        /// None: the report form.
        case report
        /// The run's verdict: `fingerprint`, `status`, `suppression`.
        case verdict(ViolationStatus)
        /// The saved form's: `key`, `classKinds`, each lock's `instance`.
        case saved
    }

    /// The violation in `form`: the report form's members in their order,
    /// then the form's own.
    static func object(_ v: Violation, _ form: Form) -> Value {
        var saved = false
        if case .saved = form { saved = true }
        var stacks: [Value] = [strings(v.event.stack)]
        for d in v.chain where !d.site.stack.isEmpty { stacks.append(strings(d.site.stack)) }
        var o: [(String, Value)] = [
            ("rule", .string(v.rule.rawValue)),
            ("message", .string(v.message)),
            ("explanation", .string(v.explanation)),
            ("classes", strings(v.classNames)),
            ("thread", .string(v.event.thread)),
            ("seq", .uint(v.event.seq)),
            ("file", v.event.file.map(Value.string) ?? .null),
            ("line", v.event.line.map(Value.int) ?? .null),
            ("event", .string(v.event.what)),
            ("stacks", .array(stacks)),
        ]
        if let t = v.trying { o.append(("trying", lock(t, saved: saved))) }
        o.append(("held", .array(v.held.map { lock($0, saved: saved) })))
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
            o.append(("scenario", .object([("cpu0", strings(s.cpu0)), ("cpu1", strings(s.cpu1))])))
        }
        o.append(("hint", .string(v.hint)))
        switch form {
        case .report:
            break
        case .verdict(let status):
            o.append(("fingerprint", .string(v.fingerprint)))
            o.append(("status", .string(status.word)))
            if case .suppressed(let reason) = status { o.append(("suppression", .string(reason))) }
        case .saved:
            o.append(("key", .string(v.key)))
            o.append(("classKinds", strings(v.classes.map(\.kind))))
        }
        return .object(o)
    }

    private static func strings(_ a: [String]) -> Value { .array(a.map(Value.string)) }

    private static func site(_ s: Violation.SiteInfo) -> Value {
        .object([("seq", .uint(s.seq)), ("file", s.file.map(Value.string) ?? .null),
                 ("line", s.line.map(Value.int) ?? .null), ("stack", strings(s.stack))])
    }

    private static func lock(_ l: Violation.LockInfo, saved: Bool) -> Value {
        var o: [(String, Value)] = [("class", .string(l.className)), ("kind", .string(l.kind)), ("mode", .string(l.mode)),
                                    ("try", .bool(l.isTry)), ("taken", site(l.site))]
        if saved { o.append(("instance", .uint(l.instance))) }
        return .object(o)
    }

    static func site(_ s: ObjectReader) throws(JSONReport.SchemaError) -> Violation.SiteInfo {
        Violation.SiteInfo(seq: try s.uint("seq"), file: try s.optionalString("file"), line: try s.optionalInt("line"),
                           stack: try s.strings("stack"))
    }

    static func lock(_ l: ObjectReader) throws(JSONReport.SchemaError) -> Violation.LockInfo {
        Violation.LockInfo(className: try l.string("class"), kind: try l.string("kind"), mode: try l.string("mode"),
                           instance: try l.uint("instance"), isTry: try l.bool("try"), site: try site(try l.object("taken")))
    }
}
