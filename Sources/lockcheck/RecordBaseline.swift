import ArgumentParser
import Foundation
import LockGraph
import LockReports

/// `lockcheck baseline`: records today's violations so that `analyze
/// --baseline` fails only on new ones.
struct RecordBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Write the violations of the traces as a baseline (JSON) for 'analyze --baseline'.",
        discussion: """
            Each violation is recorded by its stable fingerprint (rule + sorted class names; never
            addresses, threads or seq numbers), with its rule, classes and first message:

              lockcheck baseline traces/*.log > lockcheck-baseline.json
              lockcheck analyze --baseline lockcheck-baseline.json traces/*.log

            Exit status: 0 the baseline was written (whatever it holds), 2 unusable input.
            """
    )

    @OptionGroup var options: AnalysisOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the baseline to this file instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        let (_, violations) = try options.analyzeAll()
        let baseline = Baseline(violations: violations)
        let text = baseline.json.serialized() + "\n"
        if let output {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                Terminal.error("\(output): cannot write the baseline (\(error.localizedDescription))")
                throw ExitCode(2)
            }
        } else {
            Terminal.out(text, terminator: "")
        }
        let n = baseline.entries.count
        Terminal.error("lockcheck: baseline of \(violations.count) violation\(violations.count == 1 ? "" : "s") (\(n) fingerprint\(n == 1 ? "" : "s"))\(output.map { " written to \($0)" } ?? "")")
    }
}
