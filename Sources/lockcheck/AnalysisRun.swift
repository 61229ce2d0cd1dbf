import ArgumentParser
import LockGraph
import TraceAnalysis

extension AnalysisOptions {
    /// The analyzer's options from the shared flags.
    func analyzerOptions(parseOnly: Bool = false) -> TraceAnalyzer.Options {
        var o = TraceAnalyzer.Options()
        o.rawNesting = rawNesting?.isOn
        o.preemptRT = preemptRt?.isOn
        o.reorderWindow = reorderWindow
        o.parseOnly = parseOnly
        return o
    }

    /// Analyses every input (traces and saved graphs) as one program, for the
    /// commands that need the result rather than the reports (`baseline`,
    /// `graph`). Bad input prints its warnings and error and exits 2.
    /// - Returns: The analyzer (its validator holds the graph) and every
    ///   violation, in the order found.
    func analyzeAll() throws -> (analyzer: TraceAnalyzer, violations: [Violation]) {
        let box = ViolationBox()
        let analyzer = TraceAnalyzer(options: analyzerOptions()) { box.append($0) }
        for path in traces {
            do {
                try Inputs.analyze(path, with: analyzer)
            } catch {
                for w in analyzer.warnings { Terminal.error("warning: \(w)") }
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
        }
        analyzer.finish()
        for w in analyzer.warnings { Terminal.error("warning: \(w)") }
        return (analyzer, box.all)
    }
}

/// Violations collected from the analyzer's handler.
final class ViolationBox: @unchecked Sendable {
    private let lock = PlainLock()
    private var items: [Violation] = []
    func append(_ v: Violation) { lock.withLock { items.append(v) } }
    var all: [Violation] { lock.withLock { items } }
}
