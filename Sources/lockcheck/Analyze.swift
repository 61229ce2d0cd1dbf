import ArgumentParser
import LockGraph
import LockTrace
import TraceAnalysis
#if canImport(Glibc)
import Glibc
#endif

/// `lockcheck analyze`: runs every rule over one or more traces.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse traces and report every distinct violation.",
        discussion: """
            Several traces are analysed as one program: lock classes are matched by kind and name
            across files, so an inversion split between two test processes is found.
            With --baseline and --suppressions, only new violations count.
            Exit status: 0 no violation (of the --fail-on rules), 1 violations found, 2 unusable input.
            """
    )

    @OptionGroup var options: AnalysisOptions

    @Option(help: "Report format: text, json, sarif (SARIF 2.1.0 for code scanning) or junit (one test case per rule).")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"),
            help: "Rule ids that make the run fail (exit 1): all (default), or a comma-separated list (repeatable), e.g. --fail-on lock-order-inversion,sleep-in-atomic. Other rules are still reported.",
            completion: .list(["all"] + RuleID.allValueStrings), transform: RuleSelection.parse)
    var failOn: [RuleSelection] = [.all]

    @Option(help: "Colour text reports: auto (only on a terminal), always, never.")
    var color: ColorChoice = .auto

    @Option(help: ArgumentHelp("Fail only on violations not in this baseline (written by 'lockcheck baseline'); list the baselined ones and those no longer found.", valueName: "file"))
    var baseline: String?

    @Option(help: ArgumentHelp("Accept the violations covered by this JSON file of { \"rule\", \"classes\" (optional), \"reason\" } entries: they are listed but do not fail the run.", valueName: "file"))
    var suppressions: String?

    @Option(name: .customLong("save-graph"),
            help: "Also write what the analysis learned (classes, irq usage, dependencies with their first stacks) to this file; pass such files to a later analyze, beside or instead of traces, to find inversions between CI jobs.")
    var saveGraph: String?

    @Flag(name: .customLong("parse-only"), help: .hidden)
    var parseOnly = false

    /// 1: parse and validate on one thread (the reference the two-thread
    /// run is tested against); 2 (default): a reader thread parses.
    @Option(name: .customLong("threads"), help: .hidden)
    var threads = 2

    func validate() throws {
        guard threads == 1 || threads == 2 else {
            throw ValidationError("--threads must be 1 or 2")
        }
    }

    var failingRules: Set<RuleID> { failOn.reduce(into: []) { $0.formUnion($1.rules) } }

    func run() throws {
        var analysisOptions = TraceAnalyzer.Options()
        analysisOptions.rawNesting = options.rawNesting?.isOn
        analysisOptions.preemptRT = options.preemptRt?.isOn
        analysisOptions.reorderWindow = options.reorderWindow
        analysisOptions.parseOnly = parseOnly
        analysisOptions.readerThread = threads == 2

        let useColor = color == .always || (color == .auto && format == .text && isatty(STDOUT_FILENO) != 0)
        let triage = try Triage.load(baseline: baseline, suppressions: suppressions)
        let output = ReportOutput(format: format, color: useColor, triage: triage, failingRules: failingRules)
        let progressBox = ProgressBox()
        let analyzer = TraceAnalyzer(options: analysisOptions) { violation in
            progressBox.progress?.clear()
            output.add(violation)
        }
        progressBox.progress = Progress.attach(to: analyzer, paths: options.traces)
        let started = Clock.now

        for path in options.traces {
            do {
                try Inputs.analyze(path, with: analyzer)
                progressBox.progress?.finishedFile(path)
            } catch {
                progressBox.progress?.clear()
                // Bad input makes the run unusable (exit 2): text reports already
                // printed stay, a JSON document is not written.
                for w in analyzer.warnings { Terminal.error("warning: \(w)") }
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
        }
        // Lock-order and irq inversions: from the whole graph, the same for any order of the inputs.
        analyzer.finish()
        if let saveGraph {
            do {
                try Inputs.saveGraph(analyzer, to: saveGraph)
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
        }
        progressBox.progress?.clear()
        for w in analyzer.warnings { Terminal.error("warning: \(w)") }
        let stats = analyzer.validator?.statistics
        let summary = Summary(events: analyzer.events, threads: analyzer.threads, classes: stats?.classes ?? 0,
                              dependencies: stats?.dependencies ?? 0, violations: analyzer.violationCounts,
                              truncated: analyzer.truncatedFiles, seconds: Clock.now - started, parseOnly: parseOnly,
                              warnings: analyzer.warnings)
        output.finish(summary)
        // Only new violations (not baselined, not suppressed) of the --fail-on rules fail the run.
        if output.failingCount > 0 {
            throw ExitCode(1)
        }
    }
}
