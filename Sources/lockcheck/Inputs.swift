import Foundation
import LockGraph
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
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw GraphInputError(description: "\(path): cannot read the graph file (\(error.localizedDescription))")
            }
            do {
                analyzer.merge(try GraphFile(parsing: text), name: path)
            } catch {
                throw GraphInputError(description: "\(path):\(error.description)")
            }
        } else {
            try analyzer.analyze(TraceReader(path: path))
        }
    }

    /// Whether the file starts with the graph header.
    static func isGraphFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: GraphFile.header.utf8.count)) ?? Data()
        return head == Data(GraphFile.header.utf8)
    }

    /// Writes what the analysis learned to `path` (`--save-graph`).
    static func saveGraph(_ analyzer: TraceAnalyzer, to path: String) throws {
        let text = (analyzer.validator?.graphFile() ?? GraphFile()).serialized()
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw GraphInputError(description: "\(path): cannot write the graph file (\(error.localizedDescription))")
        }
    }
}
