import LockGraph

/// Prints reports as they are found (text) or all at the end (JSON).
final class ReportOutput: @unchecked Sendable {
    let format: OutputFormat
    let text: TextReport
    private var collected: [Violation] = []
    private let lock = PlainLock()
    private var printed = 0

    init(format: OutputFormat, color: Bool) {
        self.format = format
        text = TextReport(color: color)
    }

    func add(_ v: Violation) {
        lock.withLock {
            switch format {
            case .text:
                if printed > 0 { Terminal.out("") }
                Terminal.out(text.render(v), terminator: "")
                printed += 1
            case .json:
                collected.append(v)
            }
        }
    }

    func finish(_ summary: Summary) {
        switch format {
        case .text:
            if printed > 0 { Terminal.out("") }
            Terminal.out(summary.line)
        case .json:
            let doc = JSONReport.Value.object([
                ("version", .int(1)),
                ("violations", .array(collected.map(JSONReport.value))),
                ("summary", summary.json),
            ])
            Terminal.out(doc.serialized())
        }
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

    var total: Int { violations.values.reduce(0, +) }

    var line: String {
        let byRule = violations.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            .map { "\($0.key.rawValue): \($0.value)" }.joined(separator: ", ")
        var s = "lockcheck: \(events) events, \(threads) threads, \(classes) classes, \(dependencies) dependencies: "
        s += total == 0 ? "no violations" : "\(total) violation\(total == 1 ? "" : "s") (\(byRule))"
        if parseOnly { s += " [parse only: no rule was run]" }
        if !truncated.isEmpty { s += "; truncated trace\(truncated.count == 1 ? "" : "s") analysed up to the last complete line: \(truncated.joined(separator: ", "))" }
        let rate = seconds > 0 ? Double(events) / seconds : 0
        s += " in \(Terminal.fixed(seconds, 2))s (\(Terminal.fixed(rate / 1e6, 1))M events/s)"
        return s
    }

    var json: JSONReport.Value {
        .object([
            ("events", .int(events)), ("threads", .int(threads)), ("classes", .int(classes)),
            ("dependencies", .int(dependencies)), ("violations", .int(total)),
            ("byRule", .object(violations.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })),
            ("truncated", .array(truncated.map(JSONReport.Value.string))),
        ])
    }
}
