import LockGraph

/// Typed, throwing access to the members of a JSON object; errors name the
/// member's path (`violation.held[0].taken.seq`).
struct ObjectReader {
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

    /// An array of stacks (arrays of strings).
    func stackList(_ key: String) throws(JSONReport.SchemaError) -> [[String]] {
        guard let a = try member(key).arrayValue else { throw wrong(key, "an array of stacks") }
        var out: [[String]] = []
        for (i, x) in a.enumerated() {
            guard let frames = x.arrayValue else { throw wrong("\(key)[\(i)]", "an array of strings") }
            var stack: [String] = []
            for f in frames {
                guard let s = f.stringValue else { throw wrong("\(key)[\(i)]", "an array of strings") }
                stack.append(s)
            }
            out.append(stack)
        }
        return out
    }

    func object(_ key: String) throws(JSONReport.SchemaError) -> ObjectReader {
        let m = try member(key)
        guard m.objectMembers != nil else { throw wrong(key, "an object") }
        return ObjectReader(m, path: "\(path).\(key)")
    }

    /// The object `key`, or nil when it is absent or null.
    func optionalObject(_ key: String) throws(JSONReport.SchemaError) -> ObjectReader? {
        guard let m = value[key] else { return nil }
        if case .null = m { return nil }
        guard m.objectMembers != nil else { throw wrong(key, "an object or null") }
        return ObjectReader(m, path: "\(path).\(key)")
    }

    /// The array of objects `key`; with `absentIsEmpty`, none when it is absent.
    func objects(_ key: String, absentIsEmpty: Bool = false) throws(JSONReport.SchemaError) -> [ObjectReader] {
        if absentIsEmpty, value.objectMembers != nil, value[key] == nil { return [] }
        guard let a = try member(key).arrayValue else { throw wrong(key, "an array of objects") }
        var out: [ObjectReader] = []
        for (i, x) in a.enumerated() {
            guard x.objectMembers != nil else { throw wrong("\(key)[\(i)]", "an object") }
            out.append(ObjectReader(x, path: "\(path).\(key)[\(i)]"))
        }
        return out
    }
}
