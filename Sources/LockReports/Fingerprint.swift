import LockGraph

/// A stable identity for a violation across runs, machines and builds: what
/// baselines, suppressions and SARIF's `partialFingerprints` key on.
///
/// It hashes only the rule id and the sorted names of the classes (or pools)
/// involved — never addresses, thread names, `seq` numbers, file lines or
/// stacks, which change from run to run. Two violations of one rule over the
/// same classes (say, two double frees on one queue) share a fingerprint: a
/// baseline accepts both. A violation that involves no class (a sleep inside
/// an interrupt handler) adds what the engine tells such violations apart by
/// (the context and the kind of sleep point, from ``Violation/key``), so that
/// accepting one does not accept every other.
///
/// A class named by its source position (an unnamed lock's init site,
/// `Module/File.swift:42`, or its creation site behind a wrapper,
/// `Function (File.swift:42)`) counts without its line number
/// (``stableName(_:)``): adding or removing lines above the lock keeps the
/// fingerprint, while the report text keeps `File.swift:42`. The enclosing
/// function of a creation site still tells two sites in one file apart.
///
/// The hash is 64-bit FNV-1a over `rule \n name \n name …` (or `rule \n\n
/// detail`), printed as 16 lowercase hex digits. It never changes meaning: a
/// new scheme would get a new ``Fingerprint/scheme`` name. (The line-free
/// names keep `lockcheck/v1`: a name without a line hashes as before, and a
/// baseline entry with classes is matched on its recomputed fingerprint.)
public enum Fingerprint {
    /// The key under which SARIF's `partialFingerprints` carries it.
    public static let scheme = "lockcheck/v1"

    /// The fingerprint of a violation of `rule` over `classes` (in any order).
    /// - Complexity: O(total length of the names) plus sorting them.
    public static func of(rule: RuleID, classes: [String], detail: String = "") -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ s: String) {
            for b in s.utf8 {
                h ^= UInt64(b)
                h = h &* 0x0000_0100_0000_01b3
            }
        }
        add(rule.rawValue)
        for name in classes.map(stableName).sorted() {
            add("\n")
            add(name)
        }
        if !detail.isEmpty {
            add("\n\n")
            add(detail)
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension Fingerprint {
    /// `name` without the line number of a source position: `App/Bank.swift:42`
    /// becomes `App/Bank.swift`, `Bank.init (Bank.swift:42)` becomes
    /// `Bank.init (Bank.swift)`; any other name is itself.
    /// - Complexity: O(name length).
    public static func stableName(_ name: String) -> String {
        let u = Array(name.utf8)
        var end = u.count
        let closes = end > 0 && u[end - 1] == UInt8(ascii: ")")
        if closes { end -= 1 }
        var i = end
        while i > 0, u[i - 1] >= UInt8(ascii: "0"), u[i - 1] <= UInt8(ascii: "9") { i -= 1 }
        // digits, preceded by ":" that follows ".swift"
        guard i < end, i >= 7, u[i - 1] == UInt8(ascii: ":"),
              String(decoding: u[(i - 7)..<(i - 1)], as: UTF8.self) == ".swift" else { return name }
        return String(decoding: u[..<(i - 1)], as: UTF8.self) + (closes ? ")" : "")
    }
}

extension Violation {
    /// ``Fingerprint/of(rule:classes:detail:)`` of this violation.
    public var fingerprint: String {
        Fingerprint.of(rule: rule, classes: classNames, detail: classes.isEmpty ? stableDetail : "")
    }

    /// For a violation without classes, the detail of its dedup key
    /// (`rule||detail`) with any hex address left out.
    var stableDetail: String {
        let prefix = rule.rawValue + "||"
        guard key.hasPrefix(prefix) else { return "" }
        return key.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("0x") }.joined(separator: " ")
    }
}
