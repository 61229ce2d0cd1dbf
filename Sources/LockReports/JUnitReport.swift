import LockGraph
import LockTextReport

/// Renders a run as JUnit XML, so CI test views (GitHub, GitLab, Jenkins)
/// show lockcheck as a test suite: one test case per rule id, class name
/// `lockcheck`, failed when the rule has violations that fail the run, with
/// their text reports as the failure body. Baselined, suppressed and
/// non-failing (`--fail-on`) violations are listed in the case's
/// `system-out` and do not fail it.
///
///     <testsuites name="lockcheck" tests="13" failures="1" errors="0" skipped="0" time="0.012">
///       <testsuite name="lockcheck" tests="13" failures="1" errors="0" skipped="0" time="0.012">
///         <testcase classname="lockcheck" name="lock-order-inversion" time="0">
///           <failure type="lock-order-inversion" message="1 violation: …">…text reports…</failure>
///         </testcase>
///         …
public struct JUnitReport: Sendable {
    /// Renders the reports in failure bodies (no colour).
    public var text: TextReport
    /// Rules whose new violations fail their test case.
    public var failingRules: Set<RuleID>

    public init(text: TextReport = TextReport(color: false), failingRules: Set<RuleID> = Set(RuleID.allCases)) {
        self.text = text
        self.failingRules = failingRules
    }

    /// The whole document.
    /// - Parameters:
    ///   - results: Each violation with what the run made of it.
    ///   - seconds: The analysis time, for `time`.
    ///   - properties: Name/value pairs for the suite's `properties` (events, threads…).
    /// - Complexity: O(total size of the reports).
    public func document(_ results: [(Violation, ViolationStatus)], seconds: Double = 0,
                         properties: [(String, String)] = []) -> String {
        var cases: [(rule: RuleID, failing: [Violation], other: [(Violation, ViolationStatus)])] = []
        for rule in RuleID.allCases {
            let mine = results.filter { $0.0.rule == rule }
            let failing = mine.filter { $0.1 == .new && failingRules.contains(rule) }.map(\.0)
            let other = mine.filter { !($0.1 == .new && failingRules.contains(rule)) }
            cases.append((rule, failing, other))
        }
        let failures = cases.filter { !$0.failing.isEmpty }.count
        let time = Self.seconds(seconds)
        let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(time)\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"lockcheck\" \(counts)>\n"
        out += "  <testsuite name=\"lockcheck\" \(counts)>\n"
        if !properties.isEmpty {
            out += "    <properties>\n"
            for (k, v) in properties { out += "      <property name=\"\(Self.escape(k))\" value=\"\(Self.escape(v))\"/>\n" }
            out += "    </properties>\n"
        }
        for c in cases {
            let open = "    <testcase classname=\"lockcheck\" name=\"\(c.rule.rawValue)\" time=\"0\""
            if c.failing.isEmpty && c.other.isEmpty {
                out += open + "/>\n"
                continue
            }
            out += open + ">\n"
            if !c.failing.isEmpty {
                let n = c.failing.count
                let message = "\(n) violation\(n == 1 ? "" : "s"): \(c.rule.lockdepTitle)"
                out += "      <failure type=\"\(c.rule.rawValue)\" message=\"\(Self.escape(message))\">"
                out += Self.escape(c.failing.map(text.render).joined(separator: "\n"))
                out += "</failure>\n"
            }
            if !c.other.isEmpty {
                let lines = c.other.map { v, status -> String in
                    let why: String
                    switch status {
                    case .new: why = "reported, not failing (not in --fail-on)"
                    case .baselined: why = "baselined"
                    case .suppressed(let reason): why = "suppressed: \(reason)"
                    }
                    return "\(why): [\(v.rule.rawValue)] \(v.classNames.joined(separator: ", ")): \(v.message)"
                }
                out += "      <system-out>" + Self.escape(lines.joined(separator: "\n")) + "</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// `x` seconds with three decimals.
    static func seconds(_ x: Double) -> String {
        let ms = Int((max(0, x) * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    /// Text escaped for XML content and attributes. Characters XML 1.0 cannot
    /// carry (most C0 controls, such as the ESC of colour codes) become U+FFFD.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(u)
            case "\r": out += "&#13;"
            case _ where u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
