import Foundation
import LockGraph
import LockReports
import LockTextReport
import LockTrace
@testable import TraceAnalysis
import XCTest

/// `lockcheck analyze` parses on a reader thread while the calling thread runs
/// the rules (``TraceAnalyzer/Options/readerThread``). Whatever the batch
/// size, the two-thread run must report exactly what the one-thread run
/// reports: the same violations rendered the same, the same warnings, counts,
/// truncation, saved graph, and the same error at the same line.
final class ReaderThreadTests: XCTestCase {
    /// Everything a run shows a user, as text.
    struct Outcome: Equatable {
        var reports: [String] = []
        var warnings: [String] = []
        var events = 0
        var threads = 0
        var truncated: [String] = []
        var error: String?
        var graph = ""
    }

    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Analyses `files` (name, bytes) as one program, on one thread or two.
    static func run(_ files: [(String, [UInt8])], readerThread: Bool, batchSize: Int = 4096, depth: Int = 4) -> Outcome {
        var options = TraceAnalyzer.Options()
        options.readerThread = readerThread
        options.readerBatchSize = batchSize
        options.readerBatchDepth = depth
        let sink = Collected()
        let analyzer = TraceAnalyzer(options: options) { sink.add($0) }
        var outcome = Outcome()
        for (name, bytes) in files {
            do {
                try analyzer.analyze(TraceReader(name: name, bytes: bytes))
            } catch {
                outcome.error = error.description
                break
            }
        }
        if outcome.error == nil {
            analyzer.finish()
            outcome.graph = analyzer.graphFile().serialized()
        }
        let text = TextReport(color: false)
        outcome.reports = sink.all.map { text.render($0) + JSONReport.value($0).serialized() + $0.fingerprint }
        outcome.warnings = analyzer.warnings
        outcome.events = analyzer.events
        outcome.threads = analyzer.threads
        outcome.truncated = analyzer.truncatedFiles
        return outcome
    }

    /// The one-thread outcome, checked against two-thread runs with tiny,
    /// odd and default batches (tiny ones cut the trace between every few
    /// events and keep the reader waiting on the validator).
    @discardableResult
    private func assertSameOnBothPaths(_ files: [(String, [UInt8])], _ label: String,
                                       file: StaticString = #filePath, line: UInt = #line) -> Outcome {
        let serial = Self.run(files, readerThread: false)
        for (size, depth) in [(1, 2), (3, 2), (7, 3), (4096, 4)] {
            let parallel = Self.run(files, readerThread: true, batchSize: size, depth: depth)
            XCTAssertEqual(parallel, serial, "\(label), batches of \(size)", file: file, line: line)
        }
        return serial
    }

    private static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    func test_every_example_trace_reports_the_same_on_two_threads() throws {
        let dir = Self.root.appendingPathComponent("Examples/traces")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".log") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        var reported = 0
        for name in names {
            let outcome = assertSameOnBothPaths([(name, try Self.bytes("Examples/traces/\(name)"))], name)
            reported += outcome.reports.count
        }
        XCTAssertGreaterThan(reported, 0, "the examples report violations: the comparison covers reports")
        // The split inversion, analysed as one program from two files.
        let split = try ["split-inversion-a.log", "split-inversion-b.log"].map { ($0, try Self.bytes("Examples/traces/\($0)")) }
        XCTAssertFalse(assertSameOnBothPaths(split, "split inversion").reports.isEmpty)
    }

    func test_a_clean_trace_stays_silent_on_two_threads() throws {
        let outcome = assertSameOnBothPaths([("clean.log", try Self.bytes("Examples/traces/clean.log"))], "clean.log")
        XCTAssertEqual(outcome.reports, [])
        XCTAssertNil(outcome.error)
    }

    func test_every_malformed_fixture_fails_at_the_same_line_on_two_threads() throws {
        let dir = Self.root.appendingPathComponent("Tests/lockcheckTests/Fixtures/malformed")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        var failed = 0
        for name in names {
            let outcome = assertSameOnBothPaths([(name, try Self.bytes("Tests/lockcheckTests/Fixtures/malformed/\(name)"))], name)
            if outcome.error != nil { failed += 1 }
        }
        XCTAssertGreaterThan(failed, names.count / 2, "most fixtures are errors: the comparison covers errors")
    }

    func test_the_fuzz_corpus_reports_the_same_on_two_threads() throws {
        let dir = Self.root.appendingPathComponent("Fuzz/corpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertGreaterThan(names.count, 100)
        for name in names {
            let bytes = try Self.bytes("Fuzz/corpus/\(name)")
            let serial = Self.run([(name, bytes)], readerThread: false)
            let parallel = Self.run([(name, bytes)], readerThread: true, batchSize: 2, depth: 2)
            XCTAssertEqual(parallel, serial, name)
        }
    }

    func test_random_traces_report_the_same_on_two_threads() {
        var rng = SplitMix64(seed: 0x19B)
        var reported = 0, errors = 0, truncated = 0
        for index in 0..<30 {
            let trace = RandomTrace.make(&rng, events: 200 + Int(rng.next() % 2000))
            let outcome = assertSameOnBothPaths([("random-\(index).log", trace)], "random trace \(index)")
            reported += outcome.reports.count
            if outcome.error != nil { errors += 1 }
            if !outcome.truncated.isEmpty { truncated += 1 }
        }
        XCTAssertGreaterThan(reported, 0)
        XCTAssertGreaterThan(errors, 0)
        XCTAssertGreaterThan(truncated, 0)
    }

    func test_a_bad_line_after_many_batches_is_reported_with_the_events_before_it() throws {
        var rng = SplitMix64(seed: 7)
        let good = String(decoding: RandomTrace.make(&rng, events: 5000, ending: .complete), as: UTF8.self)
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        let text = good + "1 1 acquire 987654\n"  // an undeclared lock, after every other line
        let serial = assertSameOnBothPaths([("bad.log", Array(text.utf8))], "bad line")
        XCTAssertEqual(serial.error?.hasPrefix("bad.log:\(lines + 1):"), true, serial.error ?? "no error")
        let whole = Self.run([("bad.log", Array(good.utf8))], readerThread: true, batchSize: 5)
        XCTAssertNil(whole.error)
        XCTAssertEqual(serial.events, whole.events, "every event before the bad line is analysed")
    }
}

/// Random but well-formed traces: threads nesting random locks of a few
/// classes (so inversions and recursive-class reports happen), sleeps with
/// reasons first seen late, interrupt sections, locks and threads declared
/// between events; optionally cut mid-line or ended by a bad line.
enum RandomTrace {
    enum Ending { case complete, truncated, badLine, random }

    /// `thread-exit` lines after the random events (one per thread).
    static let closingEvents = 4

    static func make(_ rng: inout SplitMix64, events: Int, ending: Ending = .random) -> [UInt8] {
        let kinds = ["mutex", "spinlock", "raw-spinlock", "mutex"]
        var out = "lockcheck-trace 1\nconfig raw-nesting=on preempt-rt=off\nprocess 1 random\n"
        for t in 1...closingEvents { out += "thread \(t) worker-\(t)\n" }
        for c in 1...4 { out += "class \(c) \(kinds[c - 1]) Class\(c)\n" }
        var locks = [10, 11, 12, 13]
        for (i, l) in locks.enumerated() { out += "lock \(l) \(i + 1)\n" }
        out += "stack 1 f() (a.swift:1)\tg() (a.swift:2)\n"
        var held = Array(repeating: [Int](), count: closingEvents + 1)
        var irqOff = Array(repeating: false, count: closingEvents + 1)
        var seq = 1
        var badAt = -1
        let end = ending == .random ? [Ending.complete, .truncated, .badLine][Int(rng.next() % 3)] : ending
        if end == .badLine { badAt = Int(rng.next() % UInt64(events)) }
        for n in 0..<events {
            if n == badAt { out += "\(seq) 1 frobnicate 3\n" }
            if rng.next() % 500 == 0 {
                let id = 100 + locks.count
                out += "lock \(id) \(1 + Int(rng.next() % 4))\n"
                locks.append(id)
            }
            let t = 1 + Int(rng.next() % UInt64(closingEvents))
            let roll = rng.next() % 100
            if roll < 40, let top = held[t].last {
                out += "\(seq) \(t) release \(top)\n"
                held[t].removeLast()
            } else if roll < 48 {
                // Reasons appear over the whole trace, so later batches carry new ones.
                out += "\(seq) \(t) sleep what=reason-\(rng.next() % UInt64(1 + n / 200))\n"
            } else if roll < 52 {
                out += "\(seq) \(t) \(irqOff[t] ? "irqs-on" : "irqs-off")\n"
                irqOff[t].toggle()
            } else {
                let free = locks.filter { !held[t].contains($0) }
                if held[t].count < 4, let lock = free.randomElement(using: &rng) {
                    out += "\(seq) \(t) acquire \(lock)\(rng.next() % 4 == 0 ? " stack=1" : "")\n"
                    held[t].append(lock)
                } else {
                    out += "\(seq) \(t) preempt-off\n\(seq + 1) \(t) preempt-on\n"
                    seq += 1
                }
            }
            seq += 1
        }
        for t in 1...closingEvents {
            out += "\(seq) \(t) thread-exit\n"
            seq += 1
        }
        var bytes = Array(out.utf8)
        if end == .truncated {
            bytes.removeLast(1 + Int(rng.next() % 6))  // the `\n` and a few bytes before it
        }
        return bytes
    }
}
