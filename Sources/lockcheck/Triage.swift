import ArgumentParser
import Foundation
import LockGraph
import LockReports

/// What `--baseline` and `--suppressions` make of each violation: suppressed
/// (a suppression entry covers it), baselined (its fingerprint is in the
/// baseline) or new. Remembers what it saw, to list the baseline entries
/// that no longer occur and the suppressions that matched nothing.
final class Triage: @unchecked Sendable {
    let baseline: Baseline?
    let suppressions: Suppressions
    private let lock = PlainLock()
    private var seen: Set<String> = []
    private var usedSuppressions: Set<Int> = []

    init(baseline: Baseline? = nil, suppressions: Suppressions = Suppressions()) {
        self.baseline = baseline
        self.suppressions = suppressions
    }

    /// Whether a baseline or suppressions were given.
    var isActive: Bool { baseline != nil || !suppressions.entries.isEmpty }

    /// Loads the files; a file that cannot be read or is not valid is bad
    /// input (`path: what is wrong`, exit 2).
    static func load(baseline: String?, suppressions: String?) throws -> Triage {
        func read(_ path: String, _ what: String) throws -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                Terminal.error("\(path): cannot read the \(what) file (\(error.localizedDescription))")
                throw ExitCode(2)
            }
        }
        func parsed<T>(_ path: String, _ what: String, _ parse: (String) throws -> T) throws -> T {
            let text = try read(path, what)
            do {
                return try parse(text)
            } catch let e as JSONReport.ParseError {
                Terminal.error("\(path):\(e.line):\(e.column): not valid JSON: \(e.reason)")
            } catch {
                Terminal.error("\(path): \(error)")
            }
            throw ExitCode(2)
        }
        let b = try baseline.map { try parsed($0, "baseline") { try Baseline(parsing: $0) } }
        let s = try suppressions.map { try parsed($0, "suppressions") { try Suppressions(parsing: $0) } } ?? Suppressions()
        return Triage(baseline: b, suppressions: s)
    }

    /// The status of `v`; suppressions win over the baseline.
    func status(of v: Violation) -> ViolationStatus {
        let fingerprint = v.fingerprint
        let entry = suppressions.match(v)
        lock.withLock {
            seen.insert(fingerprint)
            if let entry { usedSuppressions.insert(entry.index) }
        }
        if let entry { return .suppressed(reason: entry.reason) }
        if baseline?.contains(v) == true { return .baselined }
        return .new
    }

    /// Baseline entries no violation of this run matched.
    var absentFromBaseline: [Baseline.Entry] {
        let seen = lock.withLock { self.seen }
        return baseline?.absent(seen: seen) ?? []
    }

    /// Suppression entries that matched nothing.
    var unusedSuppressions: [Suppressions.Entry] {
        let used = lock.withLock { usedSuppressions }
        return suppressions.entries.filter { !used.contains($0.index) }
    }
}
