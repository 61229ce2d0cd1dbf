import Foundation
@testable import Instrumented
import LockTrace
import XCTest

/// While a trace is recorded, the memo's short way records its events
/// itself (`LockIdentity.acquireShortRecorded`): the trace must hold the
/// very bytes the long way writes for the same events.
final class RecordedShortWayTests: InstrumentedTestCase {
    override func tearDown() {
        LockCheck.stopRecording()
        PerThread.recordedShortWayIsOn = true
        super.tearDown()
    }

    /// The same program recorded twice on one thread, the long way and the
    /// short way: the same lines, byte for byte, once each `seq` is replaced
    /// by its rank (the process-wide counter goes on between the runs), and
    /// the same offline verdict. The program mixes what the short way
    /// serves (nested memo hits, reader acquisitions, innermost releases)
    /// with what it leaves to the long way (a trylock, a release below the
    /// top, the first taking of each chain, an inversion). Each recording
    /// crosses a block of 10,000 `seq`s, so its lock lines come from the
    /// prebuilt bytes (`TraceWriter.LockLineHead`) and from whole formatting
    /// both; every one of them must be what `TraceWriter.event` writes for
    /// its fields.
    func test_short_way_records_the_bytes_the_long_way_records() throws {
        try checkShortWayRecordsTheLongWaysBytes(inTask: false, prefix: "short")
    }

    /// The same inside a Swift task (issue 14's in-task memo, recorded with
    /// ` task=<n>`): the same lines once each task is replaced by its rank
    /// too (each run is a new task), on whichever thread runs the task.
    func test_short_way_in_a_task_records_the_bytes_the_long_way_records() throws {
        try checkShortWayRecordsTheLongWaysBytes(inTask: true, prefix: "short.task")
    }

    private func checkShortWayRecordsTheLongWaysBytes(inTask: Bool, prefix: String) throws {
        let a = CheckedMutex(name: "\(prefix).A")
        let b = CheckedMutex(name: "\(prefix).B")
        let c = CheckedMutex(name: "\(prefix).C")
        let rw = CheckedRWLock(name: "\(prefix).rw")
        // About 12 events a round: each recording takes more than 10,000 `seq`s.
        let rounds = 1_000
        /// The program, on this thread or in a new task; returns how many
        /// events the recorded short way served on the thread that ran it.
        func program() -> UInt64 {
            func body() -> UInt64 {
                let before = PerThread.currentIfAny()?.recordedShortEvents ?? 0
                for round in 0..<rounds {
                    a.withLock { b.withLock { rw.withReadLock {} } }
                    rw.withWriteLock { c.withLock {} }
                    if round % 50 == 0 {
                        _ = c.withLockIfAvailable { a.withLock {} }
                        a.lock(); b.lock(); a.unlock(); b.unlock()          // a release below the top
                    }
                }
                b.withLock { a.withLock {} }                                   // lock-order-inversion
                return (PerThread.currentIfAny()?.recordedShortEvents ?? 0) - before
            }
            guard inTask else { return body() }
            final class Box: @unchecked Sendable { var served: UInt64 = 0 }
            let box = Box(), done = DispatchSemaphore(value: 0)
            Task.detached {  // no await inside: the task runs on one thread, start to end
                box.served = body()
                done.signal()
            }
            done.wait()
            return box.served
        }
        func record(shortWay: Bool) -> (path: String, served: UInt64) {
            PerThread.recordedShortWayIsOn = shortWay
            let path = temporaryPath("short-way-\(prefix)-\(shortWay)")
            XCTAssertTrue(LockCheck.startRecording(path: path))
            let served = program()
            LockCheck.stopRecording()
            return (path, served)
        }
        // Driven from a thread of its own, which never ran a Swift task: the
        // test's main thread may have run tasks in earlier tests, and there the
        // memo serves only while no lock was released on another thread since
        // the thread's last full-path event (lock-held-across-suspension); in
        // one full-suite run it served 1,620 of the 2,000 events there, with
        // the same bytes.
        var runs: [(path: String, served: UInt64)] = []
        TestThread.run("recorded-short-way") {
            _ = program()  // the memo learns every chain before either recording
            runs = [record(shortWay: false), record(shortWay: true)]
        }
        func read(_ run: (path: String, served: UInt64)) throws
            -> (raw: [String], lines: [String], served: UInt64, rules: [String]) {
            defer { unlink(run.path) }
            let text = try String(contentsOfFile: run.path, encoding: .utf8)
            // In a task, event lines only: the thread that ran the task may be another, under another name.
            let raw = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !inTask || $0.first?.isNumber == true }
            return (raw, rankedTasks(rankedSeq(raw)), run.served, try analyzedRules(run.path).rules)
        }
        let long = try read(runs[0])
        let short = try read(runs[1])
        for (name, lines) in [("long", long.raw), ("short", short.raw)] {
            let lockLines = lines.filter { $0.contains(" acquire ") || $0.contains(" release ") }
            XCTAssertGreaterThan(lockLines.count, rounds * 10)
            XCTAssertTrue(lockLines.contains { $0.split(separator: " ")[0].count >= 5 },
                          "\(name) way: `seq`s of 10,000 and more, whose lines are prebuilt")
            XCTAssertEqual(lockLines.filter { $0.contains(" task=") }.count, inTask ? lockLines.count : 0, name)
            for line in lockLines where line != Self.reformatted(line) {
                XCTFail("\(name) way: \(line.debugDescription), TraceWriter writes \(Self.reformatted(line).debugDescription)")
                break
            }
        }

        XCTAssertEqual(long.served, 0)
        // Per round: 5 acquisitions and 5 releases, memo hits or innermost pops. Not all are served: in a task a
        // thread's first task and each chain's first taking there go the long way, and on any thread a line that
        // finds the ring full (the writer thread behind, as under load: 8,124 of 10,000 were served in one loaded
        // full-suite run) goes the long way too. The bytes are the same either way; this asserts the short way ran.
        XCTAssertGreaterThanOrEqual(short.served, UInt64(rounds * 3), "the short way served the memo's events")
        XCTAssertGreaterThan(long.lines.count, rounds * 10)
        XCTAssertEqual(short.lines.count, long.lines.count)
        // Event lines in order; declaration lines (`class`, `lock`, …) as a set: the recorder writes a declaration
        // itself when a class or lock is first used and the events through the thread's ring, so where a
        // declaration lands among earlier events depends on when the writer thread last drained the ring (seen
        // under ThreadSanitizer). Either way it comes before the first event that uses it.
        func parts(_ lines: [String]) -> (events: [String], declarations: [String]) {
            (lines.filter { $0.hasPrefix("#") }, lines.filter { !$0.hasPrefix("#") }.sorted())
        }
        let (shortEvents, shortDeclarations) = parts(short.lines)
        let (longEvents, longDeclarations) = parts(long.lines)
        XCTAssertEqual(shortDeclarations, longDeclarations)
        for (i, (s, l)) in zip(shortEvents, longEvents).enumerated() where s != l {
            XCTFail("event \(i): short way \(s.debugDescription), long way \(l.debugDescription)")
            break
        }
        // b→a against a→b, and c→a (taken under the trylock) closing a→b→rw→c.
        XCTAssertEqual(short.rules, ["lock-order-inversion", "lock-order-inversion"])
        XCTAssertEqual(short.rules, long.rules)
    }

    /// `line`, a lock line of the recorder (`<seq> <tid> acquire|release
    /// <lid>[ r|rr][ task=<n>]`), as `TraceWriter` writes its fields; any other line as it is.
    private static func reformatted(_ line: String) -> String {
        var f = line.split(separator: " ").map(String.init)
        var task: UInt64 = 0
        if let last = f.last, last.hasPrefix("task="), let n = UInt64(last.dropFirst(5)) {
            task = n
            f.removeLast()
        }
        guard f.count == 4 || f.count == 5 && (f[4] == "r" || f[4] == "rr"), let seq = UInt64(f[0]),
              let tid = UInt64(f[1]), let id = UInt64(f[3]), f[2] == "acquire" || f[2] == "release"
        else { return line }
        let mode: AcquireMode = f.count == 4 ? .exclusive : f[4] == "r" ? .shared : .recursiveShared
        var writer = TraceWriter()
        writer.lockEvent(seq: seq, thread: tid, op: f[2] == "acquire" ? .acquire : .release, id: id, mode: mode,
                         task: task)
        return String(decoding: writer.buffer.dropLast(), as: UTF8.self)
    }

    /// `lines` with each ` task=<n>` replaced by the rank of `<n>`'s first line.
    private func rankedTasks(_ lines: [String]) -> [String] {
        var rank: [Substring: Int] = [:]
        return lines.map { line in
            guard let r = line.range(of: " task=") else { return line }
            let task = line[r.upperBound...].prefix { $0.isNumber }
            let n = rank[task] ?? rank.count
            rank[task] = n
            return line.replacingCharacters(in: r.upperBound..<task.endIndex, with: "#\(n)")
        }
    }

    /// A trace's lines with each event's `seq` (its first field) replaced
    /// by its rank among the trace's `seq`s; other lines as they are.
    private func rankedSeq(_ lines: [String]) -> [String] {
        let seqs = lines.compactMap { line in line.split(separator: " ", maxSplits: 1).first.flatMap { UInt64($0) } }
        let rank = Dictionary(uniqueKeysWithValues: seqs.sorted().enumerated().map { ($1, $0) })
        return lines.map { line in
            guard let first = line.split(separator: " ", maxSplits: 1).first, let seq = UInt64(first) else { return line }
            return "#\(rank[seq]!)" + line.dropFirst(first.count)
        }
    }
}
