import Dispatch
import Foundation
import Instrumented
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The recorded trace, analysed offline by `TraceAnalyzer` (what `lockcheck
/// analyze` runs), reports what the live validator reported.
final class TraceRecordingTests: InstrumentedTestCase {
    override func tearDown() {
        LockCheck.stopRecording()
        super.tearDown()
    }

    /// Several scenarios on several threads, recorded; live and offline agree.
    func test_recorded_trace_analyses_to_the_live_reports() throws {
        let path = temporaryPath("live-vs-trace")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))

        let a = CheckedMutex(name: "trace.A")
        let b = CheckedMutex(name: "trace.B")
        let spin = SpinLock(name: "trace.spin")
        let raw = RawSpinLock(name: "trace.raw")
        let rw = CheckedRWLock(name: "trace.rw")
        let firstDone = DispatchSemaphore(value: 0)
        let t1 = TestThread("teller-1") {
            a.withLock { b.withLock { rw.withReadLock {} } }
            firstDone.signal()
        }
        let t2 = TestThread("teller-2") {
            firstDone.wait()
            b.withLock { a.withLock {} }                               // lock-order-inversion
            spin.withLock { LockCheck.mightSleep("flush") }             // sleep-in-atomic
            raw.withLock {
                LockCheck.free(LockCheck.allocate(byteCount: 128, flags: .nowait))  // alloc-under-raw-lock
                _ = spin.withLockIfAvailable {}                         // try: no wait-context check
            }
            LockCheck.hardirq { raw.withLock {} }                       // inconsistent-lock-state (raw taken with irqs on above)
            LockCheck.rcuRead(.bh) { spin.withLock {} }
        }
        t1.join()
        t2.join()
        LockCheck.stopRecording()

        let live = collector.rules
        XCTAssertEqual(live, ["alloc-under-raw-lock", "inconsistent-lock-state", "lock-order-inversion", "sleep-in-atomic"])
        let offline = try analyzedRules(path)
        XCTAssertEqual(offline.rules, live)
        XCTAssertEqual(offline.violations.map(\.classNames).sorted { $0.description < $1.description },
                       collector.violations.map(\.classNames).sorted { $0.description < $1.description })
        // The inversion's offline report names the same threads and carries the recorded stacks.
        let inversion = try XCTUnwrap(offline.violations.first { $0.rule == .lockOrderInversion })
        XCTAssertEqual(inversion.event.thread, "teller-2")
        XCTAssertTrue(inversion.chain.contains { $0.thread == "teller-1" })
        XCTAssertFalse(inversion.event.stack.isEmpty, "the event's stack was recorded")
        XCTAssertTrue(inversion.chain.allSatisfy { !$0.site.stack.isEmpty }, "each edge's stack was recorded")
    }

    /// Declarations precede their first use, every thread is declared, and
    /// the file is a valid v1 trace (the strict reader accepts it).
    func test_trace_is_valid_v1_with_declarations_first() throws {
        let path = temporaryPath("valid")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let pool = LockCheck.Pool.create(name: "trace.pool")
        let locks = (0..<8).map { CheckedMutex(name: "trace.valid.\($0)") }
        let threads = (0..<4).map { i in
            TestThread("worker-\(i)") {
                for round in 0..<2000 {
                    locks[i].withLock { locks[(i + 1) % 8 + 0].withLock(subclass: 0) {} }
                    if round % 500 == 0 {
                        LockCheck.free(LockCheck.allocate(byteCount: 64, flags: .atomic, pool: pool), pool: pool)
                        LockCheck.softirqsDisabled { LockCheck.preemptionDisabled {} }
                    }
                }
            }
        }
        threads.forEach { $0.join() }
        pool.destroy()
        LockCheck.stopRecording()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("lockcheck-trace 1\nconfig preempt-rt=off raw-nesting=on\n"), String(text.prefix(200)))
        let reader = try TraceReader(path: path)
        var events = 0
        var threadNames: [String] = []
        var ops: Set<String> = []
        while let record = try reader.next() {
            switch record {
            case .event(let e): events += 1; ops.insert(e.op.name)
            case .thread(_, let name): threadNames.append(name)
            default: break
            }
        }
        XCTAssertEqual(events, 4 * 2000 * 4 + 4 * 4 * 6 + 4 + 1)  // + thread-exits + pool-destroy
        XCTAssertEqual(Set(threadNames), ["main", "worker-0", "worker-1", "worker-2", "worker-3"])
        XCTAssertTrue(ops.isSuperset(of: ["acquire", "release", "alloc", "free", "softirqs-off", "preempt-on", "thread-exit", "pool-destroy"]))
        XCTAssertEqual(try analyzedRules(path).rules, [])
    }

    /// Locks the memo serves, with nothing recorded, take the short way; once
    /// a trace starts, every event of theirs is recorded, and the inversion
    /// they make is found offline as it is live.
    func test_memo_served_locks_are_recorded_once_a_trace_starts() throws {
        let a = CheckedMutex(name: "memo.A")
        let b = CheckedMutex(name: "memo.B")
        for _ in 0..<3 { a.withLock { b.withLock {} } }  // checked once, then served by the memo
        let path = temporaryPath("memo-then-trace")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        for _ in 0..<3 { a.withLock { b.withLock {} } }
        b.withLock { a.withLock {} }
        LockCheck.stopRecording()
        for _ in 0..<3 { a.withLock { b.withLock {} } }  // the short way again: nothing more recorded

        let reader = try TraceReader(path: path)
        var ops: [String] = []
        while let record = try reader.next() {
            if case .event(let e) = record, e.op == .acquire || e.op == .release { ops.append(e.op.name) }
        }
        XCTAssertEqual(ops.count, 4 * 4, "two acquires and two releases per round, all recorded")
        XCTAssertEqual(ops.filter { $0 == "acquire" }.count, 8)
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
        XCTAssertEqual(try analyzedRules(path).rules, ["lock-order-inversion"])
    }

    /// A line longer than a thread's ring (a 300 KB `what=`) does not fit
    /// in it: the recorder drains the rings and writes the line after
    /// them, so the thread's lines stay in order, and the line is whole.
    func test_line_longer_than_the_ring_is_written_whole_in_its_threads_order() throws {
        let path = temporaryPath("long-line")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let m = CheckedMutex(name: "ring.long")
        let what = String(repeating: "w", count: 300_000)
        TestThread.run("long-liner") {
            m.withLock {}
            LockCheck.mightSleep(what)
            m.withLock {}
        }
        LockCheck.stopRecording()
        let reader = try TraceReader(path: path)
        var liner: UInt64?
        var ops: [String] = []
        while let record = try reader.next() {
            switch record {
            case .thread(let id, "long-liner"): liner = id
            case .event(let e) where e.thread == liner:
                ops.append(e.op == .sleep ? "sleep \(reader.sleepReasons[Int(e.what)].count)" : e.op.name)
            default: break
            }
        }
        XCTAssertEqual(ops, ["acquire", "release", "sleep 300000", "acquire", "release", "thread-exit"])
        XCTAssertFalse(reader.truncated)
    }

    func test_percent_p_in_the_path_becomes_the_process_id() throws {
        let template = NSTemporaryDirectory() + "lockcheck-pid-%p.log"
        let expected = NSTemporaryDirectory() + "lockcheck-pid-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: expected) }
        XCTAssertTrue(LockCheck.startRecording(path: template))
        let m = CheckedMutex(name: "pid.test")
        m.withLock {}
        LockCheck.stopRecording()
        let text = try String(contentsOfFile: expected, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("lockcheck-trace 1\n"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: template))
    }

    func test_write_error_warns_and_the_program_continues() {
        XCTAssertFalse(LockCheck.startRecording(path: "/nonexistent-dir/trace.log"))
        XCTAssertFalse(LockCheck.startRecording(path: "/dev/full"))  // ENOSPC on the first write
        let m = CheckedMutex(name: "trace.after-error")
        m.withLock {}
        XCTAssertEqual(collector.rules, [])
    }

    func test_options_from_environment() {
        var warnings: [String] = []
        let o = LockCheck.Options(mode: .report).applying(
            environment: ["LOCKCHECK": "trap", "LOCKCHECK_TRACE": "/tmp/x.log", "LOCKCHECK_RAW_NESTING": "off",
                          "LOCKCHECK_PREEMPT_RT": "on"],
            warnings: &warnings)
        XCTAssertEqual(o.mode, .trap)
        XCTAssertEqual(o.tracePath, "/tmp/x.log")
        XCTAssertFalse(o.rawNesting)
        XCTAssertTrue(o.preemptRT)
        XCTAssertEqual(warnings, [])
        let bad = LockCheck.Options(mode: .report).applying(environment: ["LOCKCHECK": "loud", "LOCKCHECK_RAW_NESTING": "maybe"],
                                                            warnings: &warnings)
        XCTAssertEqual(bad.mode, .report)
        XCTAssertTrue(bad.rawNesting)
        XCTAssertEqual(warnings.count, 2)
        XCTAssertFalse(LockCheck.configure(LockCheck.Options(mode: .off)), "too late: the validator runs")
    }
}
