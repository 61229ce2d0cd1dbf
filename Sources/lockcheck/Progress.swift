#if canImport(Glibc)
import Glibc
#endif
import TraceAnalysis

/// Progress of a long analysis on stderr — events and bytes done, rate, time
/// left — only when stderr is a terminal; nothing otherwise.
final class Progress {
    private let totalBytes: Int
    private var doneBytes = 0
    private let started = Clock.now
    private var shown = false

    /// Attaches to `analyzer` when stderr is a terminal; returns nil otherwise.
    static func attach(to analyzer: TraceAnalyzer, paths: [String]) -> Progress? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        let p = Progress(totalBytes: paths.reduce(0) { $0 + Self.size(of: $1) })
        analyzer.progress = { [unowned p] events, bytes in p.show(events: events, bytesOfFile: bytes) }
        return p
    }

    private init(totalBytes: Int) { self.totalBytes = totalBytes }

    private static func size(of path: String) -> Int {
        var st = stat()
        return path != "-" && stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// A file is done: its bytes count towards the total.
    func finishedFile(_ path: String) { doneBytes += Self.size(of: path) }

    private func show(events: Int, bytesOfFile: Int) {
        let elapsed = max(Clock.now - started, 1e-6)
        let bytes = doneBytes + bytesOfFile
        var line = "lockcheck: \(Terminal.fixed(Double(events) / 1e6, 1))M events, \(bytes >> 20) MiB"
        if totalBytes > 0 { line += " of \(totalBytes >> 20) MiB" }
        line += ", \(Terminal.fixed(Double(events) / elapsed / 1e6, 1))M events/s"
        if totalBytes > bytes, bytes > 0 {
            let left = elapsed * Double(totalBytes - bytes) / Double(bytes)
            line += ", about \(Int(left.rounded()))s left"
        }
        Terminal.errorInline("\r\u{1B}[2K" + line)
        shown = true
    }

    /// Clears the progress line before the summary.
    func clear() {
        if shown { Terminal.errorInline("\r\u{1B}[2K") }
    }
}

/// Lets the violation handler (created before the progress) clear its line.
final class ProgressBox: @unchecked Sendable {
    var progress: Progress?
}
