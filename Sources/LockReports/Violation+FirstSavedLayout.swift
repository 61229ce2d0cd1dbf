import LockGraph

/// The first layout of a saved violation, read so that graphs saved before
/// the report and saved forms were made one still merge.
///
/// That layout restated the report instead of extending it: `classes` held
/// `{name, kind}` objects, the event was one object `{thread, seq, file,
/// line, stack, what}`, a lock's site was `site` (the report's `taken`), a
/// context's was `site` (the report's `entered`), and an absent `trying` or
/// `scenario` was `null`. ``upgraded(_:)`` rewrites such an object into the
/// one schema (`Violation+JSON.swift`), which ``LockGraph/Violation/init(saved:)``
/// then reads; nothing writes the first layout any more.
enum FirstSavedLayout {
    typealias Value = JSONReport.Value

    /// Whether `value` is a violation in the first layout: its `event` is an
    /// object (the one schema's is a string).
    static func matches(_ value: Value) -> Bool {
        value["event"]?.objectMembers != nil
    }

    /// `value` in the one schema's saved form. Members of an unexpected
    /// shape are kept as they are, for the reader to name.
    static func upgraded(_ value: Value) -> Value {
        guard let members = value.objectMembers else { return value }
        var out: [(String, Value)] = []
        var kinds: [Value] = []
        for (key, member) in members {
            switch key {
            case "classes":
                let classes = member.arrayValue ?? []
                guard classes.allSatisfy({ $0.objectMembers != nil }) else { out.append((key, member)); continue }
                out.append((key, .array(classes.map { $0["name"] ?? .null })))
                kinds = classes.map { $0["kind"] ?? .null }
            case "event":
                for name in ["thread", "seq", "file", "line"] { out.append((name, member[name] ?? .null)) }
                out.append(("event", member["what"] ?? .null))
                out.append(("stacks", .array([member["stack"] ?? .null])))
            case "trying", "scenario":
                if case .null = member { continue }
                out.append((key, key == "trying" ? renamed(member, "site", to: "taken") : member))
            case "held":
                out.append((key, .array((member.arrayValue ?? []).map { renamed($0, "site", to: "taken") })))
            case "contexts":
                out.append((key, .array((member.arrayValue ?? []).map { renamed($0, "site", to: "entered") })))
            default:
                out.append((key, member))
            }
        }
        out.append(("classKinds", .array(kinds)))
        return .object(out)
    }

    /// `value` with its member `old` called `new`.
    private static func renamed(_ value: Value, _ old: String, to new: String) -> Value {
        guard let members = value.objectMembers else { return value }
        return .object(members.map { ($0.0 == old ? new : $0.0, $0.1) })
    }
}
