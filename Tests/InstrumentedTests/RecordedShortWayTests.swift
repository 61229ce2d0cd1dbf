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
    /// top, the first taking of each chain, an inversion).
    func test_short_way_records_the_bytes_the_long_way_records() throws {
        let a = CheckedMutex(name: "short.A")
        let b = CheckedMutex(name: "short.B")
        let c = CheckedMutex(name: "short.C")
        let rw = CheckedRWLock(name: "short.rw")
        func program() {
            for round in 0..<200 {
                a.withLock { b.withLock { rw.withReadLock {} } }
                rw.withWriteLock { c.withLock {} }
                if round % 50 == 0 {
                    _ = c.withLockIfAvailable { a.withLock {} }
                    a.lock(); b.lock(); a.unlock(); b.unlock()          // a release below the top
                }
            }
            b.withLock { a.withLock {} }                                   // lock-order-inversion
        }
        // On a thread of its own, which never ran a Swift task: the test's
        // main thread may have run tasks in earlier tests, and there the memo
        // serves only while no lock was released on another thread since the
        // thread's last full-path event (lock-held-across-suspension); in one
        // full-suite run it served 1,620 of the 2,000 events there, with the
        // same bytes.
        func recorded(shortWay: Bool) -> (path: String, served: UInt64) {
            PerThread.recordedShortWayIsOn = shortWay
            let path = temporaryPath("short-way-\(shortWay)")
            let before = PerThread.currentIfAny()?.recordedShortEvents ?? 0
            XCTAssertTrue(LockCheck.startRecording(path: path))
            program()
            LockCheck.stopRecording()
            let served = (PerThread.currentIfAny()?.recordedShortEvents ?? 0) - before
            return (path, served)
        }
        var runs: [(path: String, served: UInt64)] = []
        TestThread.run("recorded-short-way") {
            program()  // the memo learns every chain before either recording
            runs = [recorded(shortWay: false), recorded(shortWay: true)]
        }
        func read(_ run: (path: String, served: UInt64)) throws -> (lines: [String], served: UInt64, rules: [String]) {
            let path = run.path
            defer { unlink(path) }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return (rankedSeq(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)),
                    run.served, try analyzedRules(path).rules)
        }
        let long = try read(runs[0])
        let short = try read(runs[1])

        XCTAssertEqual(long.served, 0)
        // Per round: 5 acquisitions and 5 releases, all memo hits or innermost pops.
        XCTAssertGreaterThanOrEqual(short.served, 200 * 10, "the short way served the memo's events")
        XCTAssertGreaterThan(long.lines.count, 200 * 10)
        XCTAssertEqual(short.lines.count, long.lines.count)
        for (i, (s, l)) in zip(short.lines, long.lines).enumerated() where s != l {
            XCTFail("line \(i): short way \(s.debugDescription), long way \(l.debugDescription)")
            break
        }
        // b→a against a→b, and c→a (taken under the trylock) closing a→b→rw→c.
        XCTAssertEqual(short.rules, ["lock-order-inversion", "lock-order-inversion"])
        XCTAssertEqual(short.rules, long.rules)
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
