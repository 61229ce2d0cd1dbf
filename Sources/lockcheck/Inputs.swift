import Foundation
import LockGraph
import LockReports
import LockTrace
import TraceAnalysis

/// The inputs of `lockcheck analyze`: trace files, and graph files saved by
/// `--save-graph` (told apart by their first line).
enum Inputs {
    /// A graph file that cannot be read or parsed: `path:line: what is wrong`.
    struct GraphInputError: Error, CustomStringConvertible {
        var description: String
    }

    /// Analyses one trace, or merges one saved graph, into `analyzer`.
    static func analyze(_ path: String, with analyzer: TraceAnalyzer) throws {
        if path != "-", isGraphFile(path) {
            let bytes: [UInt8]
            do {
                // Bytes, not a String: a line that is not UTF-8 is reported with its number.
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw GraphInputError(description: "\(path): cannot read the graph file (\(error.localizedDescription))")
            }
            do {
                analyzer.merge(try GraphFile(parsing: bytes), name: path)
            } catch {
                throw GraphInputError(description: "\(path):\(error.description)")
            }
        } else {
            try analyzer.analyze(TraceReader(path: path))
        }
    }

    /// Whether the file starts like a graph file (`lockcheck-graph <version>`);
    /// the parser checks the version.
    static func isGraphFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = Data((GraphFile.magic + " ").utf8)
        let head = (try? handle.read(upToCount: magic.count)) ?? Data()
        return head == magic
    }

    /// Writes what the analysis learned, with the violations it reported, to
    /// `path` (`--save-graph`). Call after ``TraceAnalyzer/finish()``.
    static func saveGraph(_ analyzer: TraceAnalyzer, to path: String) throws {
        let text = analyzer.graphFile().serialized()
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw GraphInputError(description: "\(path): cannot write the graph file (\(error.localizedDescription))")
        }
    }
}
