import ArgumentParser
import Foundation
import LockGraph
import LockReports

/// Picture formats of `lockcheck graph`.
enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
    case dot, svg
}

/// `lockcheck graph`: the class dependency graph the traces taught, with the
/// violating cycles and wait-context edges in red.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the lock class dependency graph of the traces (Graphviz DOT or SVG).",
        discussion: """
            Nodes are lock classes (name and kind; raw spinlocks, spinning and sleeping locks styled
            apart); an edge A -> B means B was taken while A was held, labelled with lockdep's
            dependency types. Every edge of an inversion cycle, of an irq inversion and of an invalid
            wait context is red. SVG needs Graphviz's 'dot' (Debian: apt-get install graphviz); without
            --format the output is SVG when 'dot' is on PATH (or -o names a .svg file), DOT otherwise.
            Exit status: 0 the graph was written (whatever it shows), 2 unusable input or no 'dot' for SVG.
            """
    )

    @OptionGroup var options: AnalysisOptions

    @Option(help: "dot or svg (default: svg when Graphviz's 'dot' is on PATH, else dot).")
    var format: GraphFormat?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the picture to this file instead of standard output.", valueName: "file"))
    var output: String?

    /// The format to write: the flag, else the output file's extension, else
    /// SVG when `dot` is installed.
    func resolvedFormat(dot: String?) -> GraphFormat {
        if let format { return format }
        if let output {
            if output.hasSuffix(".svg") { return .svg }
            if output.hasSuffix(".dot") || output.hasSuffix(".gv") { return .dot }
        }
        return dot != nil ? .svg : .dot
    }

    func run() throws {
        let dot = Self.findDot()
        let format = resolvedFormat(dot: dot)
        if format == .svg && dot == nil {
            Terminal.error("SVG needs Graphviz's 'dot', which is not on PATH: install graphviz (apt-get install graphviz) or use --format dot")
            throw ExitCode(2)
        }
        let (analyzer, violations) = try options.analyzeAll()
        let picture = DOTReport(dependencies: analyzer.validator?.dependencySnapshot() ?? [], violations: violations)
        let inputs = options.traces
        let named = inputs.count <= 3 ? inputs.joined(separator: " ") : inputs.prefix(2).joined(separator: " ") + " and \(inputs.count - 2) more"
        let text = picture.render(title: "lockcheck: " + named)
        switch format {
        case .dot:
            if let output {
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    Terminal.error("\(output): cannot write the graph (\(error.localizedDescription))")
                    throw ExitCode(2)
                }
            } else {
                Terminal.out(text, terminator: "")
            }
        case .svg:
            try Self.render(text, dot: dot!, to: output)
        }
        let red = picture.highlightedEdges.count
        Terminal.error("lockcheck graph: \(picture.classCount) classes, \(picture.edgeCount) dependencies, \(red) in violations\(output.map { "; wrote \($0)" } ?? "")")
    }

    /// The `dot` executable on PATH, if any.
    static func findDot() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/dot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `dot -Tsvg` on `text`, writing to `output` or standard output.
    static func render(_ text: String, dot: String, to output: String?) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg"] + (output.map { ["-o", $0] } ?? [])
        let input = Pipe()
        process.standardInput = input
        // dot writes to the file or to our standard output directly, so
        // feeding its input cannot block on its output.
        do {
            try process.run()
        } catch {
            Terminal.error("cannot run \(dot): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Terminal.error("\(dot) -Tsvg failed (exit \(process.terminationStatus))")
            throw ExitCode(2)
        }
    }
}
