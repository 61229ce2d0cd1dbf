import Foundation
import LockGraph
import LockReports
import LockTextReport

/// Prints reports as they are found (text) or all at the end (JSON, SARIF,
/// JUnit), after ``Triage`` decided which are new, baselined or suppressed.
/// Text prints new violations in full and lists the others before the
/// summary line.
final class ReportOutput: @unchecked Sendable {
    let format: OutputFormat
    let text: TextReport
    let triage: Triage
    let failingRules: Set<RuleID>
    private var collected: [(Violation, ViolationStatus)] = []
    private let lock = PlainLock()
    private var printed = 0

    init(format: OutputFormat, color: Bool, triage: Triage = Triage(), failingRules: Set<RuleID> = Set(RuleID.allCases)) {
        self.format = format
        text = TextReport(color: color)
        self.triage = triage
        self.failingRules = failingRules
    }

    func add(_ v: Violation) {
        let status = triage.status(of: v)
        lock.withLock {
            collected.append((v, status))
            if format == .text && status == .new {
                if printed > 0 { Terminal.out("") }
                Terminal.out(text.render(v), terminator: "")
                printed += 1
            }
        }
    }

    /// New violations of the failing rules: the run fails (exit 1) if any.
    var failingCount: Int {
        lock.withLock { collected.filter { $0.1 == .new && failingRules.contains($0.0.rule) }.count }
    }

    func finish(_ summary: Summary) {
        var summary = summary
        let results = lock.withLock { collected }
        let absent = triage.absentFromBaseline
        if triage.isActive {
            var byRule: [RuleID: Int] = [:]
            for (v, s) in results where s == .new { byRule[v.rule, default: 0] += 1 }
            summary.triage = Summary.TriageCounts(
                newByRule: byRule,
                baselined: results.filter { $0.1 == .baselined }.count,
                suppressed: results.filter { if case .suppressed = $0.1 { return true } else { return false } }.count,
                absent: absent)
        }
        for s in triage.unusedSuppressions {
            Terminal.error("warning: suppression \(s.index + 1) (\(s.label)) matched no violation")
        }
        switch format {
        case .text:
            if printed > 0 { Terminal.out("") }
            let listed = listing(results, absent: absent)
            if !listed.isEmpty { Terminal.out(listed, terminator: "") }
            Terminal.out(summary.line)
        case .json:
            let doc = JSONReport.Value.object([
                ("version", .int(1)),
                ("violations", .array(results.map { JSONReport.value($0, status: $1) })),
                ("summary", summary.json),
            ])
            Terminal.out(doc.serialized())
        case .sarif:
            let sarif = SARIFReport(toolVersion: Lockcheck.configuration.version,
                                    sourceRoot: FileManager.default.currentDirectoryPath,
                                    withBaselineState: triage.baseline != nil, failingRules: failingRules)
            let notes = summary.warnings + absent.map { "baselined violation no longer found: \($0.label) (fingerprint \($0.fingerprint))" }
            Terminal.out(sarif.document(results, notifications: notes).serialized())
        case .junit:
            let junit = JUnitReport(failingRules: failingRules)
            Terminal.out(junit.document(results, seconds: summary.seconds, properties: [
                ("events", String(summary.events)), ("threads", String(summary.threads)),
                ("classes", String(summary.classes)), ("dependencies", String(summary.dependencies)),
            ]), terminator: "")
        }
    }

    /// Text: the violations that do not fail the run, one line each, and the
    /// baseline entries that no longer occur.
    private func listing(_ results: [(Violation, ViolationStatus)], absent: [Baseline.Entry]) -> String {
        func line(_ v: Violation) -> String {
            let e = v.event
            let classes = v.classNames.isEmpty ? "" : " " + v.classNames.joined(separator: ", ")
            return "  [\(v.rule.rawValue)]\(classes): thread '\(e.thread)' at \(TextReport.place(seq: e.seq, file: e.file, line: e.line))\n"
        }
        var out = ""
        let baselined = results.filter { $0.1 == .baselined }.map(\.0)
        if !baselined.isEmpty {
            out += "baselined (known, not failing): \(baselined.count)\n"
            for v in baselined { out += line(v) }
        }
        let suppressed = results.compactMap { r -> (Violation, String)? in
            if case .suppressed(let reason) = r.1 { return (r.0, reason) } else { return nil }
        }
        if !suppressed.isEmpty {
            out += "suppressed (not failing): \(suppressed.count)\n"
            for (v, reason) in suppressed { out += line(v).dropLast() + "; reason: \(reason)\n" }
        }
        if !absent.isEmpty {
            out += "no longer found (fixed, or not exercised by these traces; regenerate the baseline to drop them): \(absent.count)\n"
            for e in absent { out += "  \(e.label) (fingerprint \(e.fingerprint))\n" }
        }
        return out.isEmpty ? "" : out + "\n"
    }
}

/// The closing line of an analysis.
struct Summary {
    var events: Int
    var threads: Int
    var classes: Int
    var dependencies: Int
    var violations: [RuleID: Int]
    var truncated: [String]
    var seconds: Double
    var parseOnly: Bool
    /// The analysis's warnings (for SARIF's notifications).
    var warnings: [String] = []
    /// With a baseline or suppressions: what they made of the violations.
    var triage: TriageCounts?

    struct TriageCounts {
        var newByRule: [RuleID: Int]
        var baselined: Int
        var suppressed: Int
        var absent: [Baseline.Entry]
        var new: Int { newByRule.values.reduce(0, +) }
    }

    var total: Int { violations.values.reduce(0, +) }

    private static func byRule(_ counts: [RuleID: Int]) -> String {
        counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key.rawValue): \($0.value)" }.joined(separator: ", ")
    }

    var line: String {
        var s = "lockcheck: \(events) events, \(threads) threads, \(classes) classes, \(dependencies) dependencies: "
        if let t = triage {
            s += t.new == 0 ? "no new violations" : "\(t.new) new violation\(t.new == 1 ? "" : "s") (\(Self.byRule(t.newByRule)))"
            s += ", \(t.baselined) baselined, \(t.suppressed) suppressed"
            if !t.absent.isEmpty { s += ", \(t.absent.count) baselined no longer found" }
        } else {
            s += total == 0 ? "no violations" : "\(total) violation\(total == 1 ? "" : "s") (\(Self.byRule(violations)))"
        }
        if parseOnly { s += " [parse only: no rule was run]" }
        if !truncated.isEmpty { s += "; truncated trace\(truncated.count == 1 ? "" : "s") analysed up to the last complete line: \(truncated.joined(separator: ", "))" }
        let rate = seconds > 0 ? Double(events) / seconds : 0
        s += " in \(Terminal.fixed(seconds, 2))s (\(Terminal.fixed(rate / 1e6, 1))M events/s)"
        return s
    }

    var json: JSONReport.Value {
        var o: [(String, JSONReport.Value)] = [
            ("events", .int(events)), ("threads", .int(threads)), ("classes", .int(classes)),
            ("dependencies", .int(dependencies)), ("violations", .int(total)),
            ("byRule", .object(violations.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })),
            ("truncated", .array(truncated.map(JSONReport.Value.string))),
        ]
        if let t = triage {
            o.append(("new", .int(t.new)))
            o.append(("baselined", .int(t.baselined)))
            o.append(("suppressed", .int(t.suppressed)))
            o.append(("absentFromBaseline", .array(t.absent.map { e in
                .object([("rule", e.rule.map { .string($0.rawValue) } ?? .null),
                         ("classes", .array(e.classes.map(JSONReport.Value.string))),
                         ("fingerprint", .string(e.fingerprint)), ("message", .string(e.message))])
            })))
        }
        return .object(o)
    }
}
