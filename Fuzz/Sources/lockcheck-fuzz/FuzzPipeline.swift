import LockGraph
import LockReports
import LockTextReport
import LockTrace
import TraceAnalysis

/// What `lockcheck analyze` does with its inputs, on bytes in memory: the
/// fuzz target's body, and what the regression tests replay.
///
/// The bytes are one or more inputs, split at lines that are exactly
/// ``separator`` (a comment to the trace reader, so a single-file input
/// never contains one by accident). Each input is told apart as `analyze`
/// does: a graph file if it starts with `lockcheck-graph `, a trace
/// otherwise. Then, as `analyze` does: every input replayed into one
/// ``TraceAnalyzer``, ``TraceAnalyzer/finish()``, every violation rendered
/// as text (plain and coloured), JSON, SARIF and JUnit, and the saved graph
/// serialized.
///
/// Beyond "does not crash", it checks what must always hold, and traps
/// (a fuzzer finding) when it does not:
/// - the saved graph reads back, and writing what was read gives the same
///   text (so `--save-graph` output is always a valid `analyze` input);
/// - bad input is reported as `name:line: message` with a line inside the
///   input (or just after it, for what is missing at its end), never line 0
///   (line 0 is for files that cannot be opened).
enum FuzzPipeline {
    /// A line that starts the next input.
    static let separator = "#%next-file"

    /// What one run did, for the regression tests.
    struct Outcome {
        /// The error `analyze` would print before exiting 2, or nil.
        var error: String?
        /// Every violation reported, in order.
        var rules: [RuleID] = []
        /// The warnings `analyze` would print.
        var warnings: [String] = []
        /// Events analysed.
        var events = 0
        /// Inputs the bytes held.
        var inputs = 0
        /// Characters of all the renderings, so they cannot be optimised away.
        var rendered = 0
    }

    /// The options the fuzz target runs with: `analyze`'s, with the limits
    /// scaled down so that inputs of a few kilobytes reach them (the class
    /// table full, dependencies no longer stored, held stacks past their
    /// depth, events later than the reorder window), and so that an input
    /// does not pay for tables sized for 65,536 classes.
    static var small: TraceAnalyzer.Options {
        var o = TraceAnalyzer.Options()
        o.reorderWindow = 64
        o.limits.classes = 256
        o.limits.dependencies = 512
        o.limits.heldDepth = 48  // lockdep's MAX_LOCK_DEPTH
        return o
    }

    /// Runs the bytes through reader → replay → engine → reports.
    /// - Parameter options: ``small``, or `TraceAnalyzer.Options()` for
    ///   exactly `lockcheck analyze`'s limits.
    /// - Complexity: That of `lockcheck analyze` on the same inputs.
    static func run(_ bytes: [UInt8], options: TraceAnalyzer.Options = small) -> Outcome {
        var outcome = Outcome()
        let parts = split(bytes)
        outcome.inputs = parts.count
        let sink = Collected()
        let analyzer = TraceAnalyzer(options: options) { sink.add($0) }
        for (index, part) in parts.enumerated() {
            let name = "fuzz-\(index).log"
            if let error = analyze(part, name: name, with: analyzer) {
                check(error, name: name, lines: lineCount(part))
                outcome.error = error
                break
            }
        }
        if outcome.error == nil {
            analyzer.finish()
            let saved = analyzer.graphFile().serialized()
            checkRoundTrip(saved)
        }
        outcome.warnings = analyzer.warnings
        outcome.events = analyzer.events
        let violations = sink.all
        outcome.rules = violations.map(\.rule)
        outcome.rendered = render(violations, warnings: outcome.warnings)
        return outcome
    }

    /// One input into `analyzer`; the error message `analyze` prints, if any.
    private static func analyze(_ bytes: ArraySlice<UInt8>, name: String, with analyzer: TraceAnalyzer) -> String? {
        if bytes.starts(with: Array((GraphFile.magic + " ").utf8)) {
            do {
                analyzer.merge(try GraphFile(parsing: Array(bytes)), name: name)
            } catch {
                return "\(name):\(error.description)"
            }
            return nil
        }
        do {
            try analyzer.analyze(TraceReader(name: name, bytes: Array(bytes)))
        } catch {
            return error.description
        }
        return nil
    }

    /// Every rendering `analyze`, `baseline` and CI outputs make of the violations.
    private static func render(_ violations: [Violation], warnings: [String]) -> Int {
        var total = 0
        let plain = TextReport(color: false), coloured = TextReport(color: true)
        for v in violations {
            total += plain.render(v).utf8.count
            total += coloured.render(v).utf8.count
            total += JSONReport.value(v).serialized().utf8.count
            total += v.fingerprint.utf8.count
        }
        // The documents' rule metadata is the same for every input: render
        // them when there is something of the input's in them.
        if violations.isEmpty && warnings.isEmpty { return total }
        let results = violations.map { ($0, ViolationStatus.new) }
        total += SARIFReport(toolVersion: "fuzz").document(results, notifications: warnings).serialized().utf8.count
        total += JUnitReport().document(results).utf8.count
        return total
    }

    /// A saved graph must read back and write the same text again.
    private static func checkRoundTrip(_ saved: String) {
        let reread: GraphFile
        do {
            reread = try GraphFile(parsing: saved)
        } catch {
            fatalError("FuzzPipeline: the saved graph does not read back: \(error)\n\(saved)")
        }
        let again = reread.serialized()
        if again != saved {
            fatalError("FuzzPipeline: the saved graph changes when read and written again:\n\(saved)\n---\n\(again)")
        }
    }

    /// Bad input names the input and a line inside it.
    private static func check(_ error: String, name: String, lines: Int) {
        guard error.hasPrefix(name + ":") else { fatalError("FuzzPipeline: error without the file name: \(error)") }
        let rest = error.dropFirst(name.count + 1)
        guard let number = Int(rest.prefix { $0 != ":" }) else {
            fatalError("FuzzPipeline: error without a line number: \(error)")
        }
        // An error at the end of the input (no header in a file of comments)
        // names the line after the last one, where the missing line would be.
        if number < 1 || number > lines + 1 {
            fatalError("FuzzPipeline: error at line \(number) of an input of \(lines) lines: \(error)")
        }
    }

    /// Lines of an input, counting a last line without its newline.
    private static func lineCount(_ bytes: ArraySlice<UInt8>) -> Int {
        let newlines = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        return newlines + (bytes.last.map { $0 == UInt8(ascii: "\n") ? 0 : 1 } ?? 0)
    }

    /// The inputs: the bytes cut at every line that is exactly ``separator``.
    static func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        let marker = Array(separator.utf8)
        var parts: [ArraySlice<UInt8>] = []
        var start = 0, lineStart = 0
        for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
            if bytes[lineStart..<i].elementsEqual(marker) {
                parts.append(bytes[start..<lineStart])
                start = i + 1
            }
            lineStart = i + 1
        }
        parts.append(bytes[start...])
        return parts
    }

    /// Violations as the engine delivers them (it may call from any thread).
    private final class Collected: @unchecked Sendable {
        private var items: [Violation] = []
        private let lock = PlainLock()
        func add(_ v: Violation) { lock.withLock { items.append(v) } }
        var all: [Violation] { lock.withLock { items } }
    }
}
