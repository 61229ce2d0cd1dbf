import ArgumentParser
import LockGraph

/// On/off switches that override a trace's `config` line.
enum Switch: String, ExpressibleByArgument, CaseIterable {
    case on, off
    var isOn: Bool { self == .on }
}

/// Report formats: lockdep's text layout, rules.md's JSON, SARIF 2.1.0 (code
/// scanning), JUnit XML (CI test views).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, junit
}

/// When to colour text output.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// Flags shared by commands that analyse traces.
struct AnalysisOptions: ParsableArguments {
    @Argument(help: "Trace files written in lockcheck trace format 1 ('-' reads standard input), or graph files saved with --save-graph. Several files are analysed as one program.")
    var traces: [String]

    @Option(help: "Override the traces' raw-nesting setting (on|off).")
    var rawNesting: Switch?

    @Option(help: "Override the traces' preempt-rt setting (on|off).")
    var preemptRt: Switch?

    @Option(name: .customLong("reorder-window"), help: .hidden)
    var reorderWindow = 1 << 16

    func validate() throws {
        if traces.isEmpty { throw ValidationError("Give at least one trace file ('-' for standard input).") }
        if traces.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input ('-') can be given only once.") }
        if reorderWindow < 1 { throw ValidationError("--reorder-window must be at least 1.") }
    }
}
