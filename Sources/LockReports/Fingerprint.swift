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
/// The hash is 64-bit FNV-1a over `rule \n name \n name …` (or `rule \n\n
/// detail`), printed as 16 lowercase hex digits. It never changes meaning: a
/// new scheme would get a new ``Fingerprint/scheme`` name.
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
        for name in classes.sorted() {
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
