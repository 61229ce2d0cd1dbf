import Dispatch
import Foundation
import Instrumented
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The load test of issue 7, scaled for the test suite (the full size is
/// `Benchmarks/Sources/load-test`, results in `Benchmarks/RESULTS.md`):
/// 2× the machine's cores in threads, 1 million lock operations (100,000
/// under a sanitizer) on every kind of contended instrumented lock, in one
/// consistent order, with validation and recording on. No violation live or
/// offline, and every lock operation each thread made is in the trace.
final class LoadTests: InstrumentedTestCase {
    override func tearDown() {
        LockCheck.stopRecording()
        super.tearDown()
    }

    func test_load_consistent_order_no_report_no_lost_trace_event() throws {
        let threads = 2 * ProcessInfo.processInfo.activeProcessorCount
        let total = TestEnvironment.underSanitizer ? 100_000 : 1_000_000
        let path = temporaryPath("load")
        defer { unlink(path) }

        let outer = CheckedMutex(name: "loadtest.outer")
        let leaf = RawSpinLock(name: "loadtest.leaf")
        let shards = (0..<max(1, threads / 2)).map { _ in SpinLock(name: "loadtest.shard") }
        let spinRW = SpinRWLock(name: "loadtest.rwlock")
        let rwsems = (0..<threads).map { _ in CheckedRWLock(name: "loadtest.rwsem") }
        let recursive = (0..<threads).map { _ in CheckedRecursiveMutex(name: "loadtest.recursive") }
        let made = OperationCounts(threads)

        XCTAssertTrue(LockCheck.startRecording(path: path))
        let t0 = DispatchTime.now()
        let start = DispatchSemaphore(value: 0)
        let workers = (0..<threads).map { t in
            TestThread("loadtest-\(t)") {
                start.wait()
                let shard = shards[t / 2 % shards.count], rw = rwsems[t], rec = recursive[t]
                var ops = 0, i = 0
                while ops < total / threads {
                    switch i & 3 {
                    case 0 where i & 60 == 0:
                        outer.lock(); rw.readLock(); shard.lock(); spinRW.readLock(); leaf.lock()
                        leaf.unlock(); spinRW.unlock(); shard.unlock(); rw.unlock(); outer.unlock()
                        ops += 10
                    case 1:
                        rec.lock(); rec.lock(); shard.lock()
                        shard.unlock(); rec.unlock(); rec.unlock()
                        ops += 6
                    case 2:
                        rw.writeLock()
                        if leaf.tryLock() { leaf.unlock(); ops += 2 }
                        if spinRW.tryLock() { spinRW.unlock(); ops += 2 }
                        rw.unlock()
                        ops += 2
                    default:
                        shard.lock(); leaf.lock()
                        leaf.unlock(); shard.unlock()
                        ops += 4
                    }
                    i += 1
                }
                made.set(t, ops)
            }
        }
        for _ in workers { start.signal() }
        workers.forEach { $0.join() }
        LockCheck.stopRecording()
        XCTAssertEqual(collector.rules, [], "one consistent order: no report")

        let t1 = DispatchTime.now()
        // Every operation of every worker is in the trace, and its thread-exit.
        let reader = try TraceReader(path: path)
        var names: [UInt64: String] = [:]
        var lockEvents: [String: Int] = [:]
        var exits: [String: Int] = [:]
        while let record = try reader.next() {
            switch record {
            case .thread(let id, let name): names[id] = name
            case .event(let e):
                let name = names[e.thread] ?? "?"
                if e.op == .threadExit { exits[name, default: 0] += 1 }
                if e.op == .acquire || e.op == .release { lockEvents[name, default: 0] += 1 }
            default: break
            }
        }
        for t in 0..<threads {
            XCTAssertEqual(lockEvents["loadtest-\(t)"], made.value(t), "lock operations of loadtest-\(t) in the trace")
            XCTAssertEqual(exits["loadtest-\(t)"], 1)
        }
        let ops = (0..<threads).reduce(0) { $0 + made.value($1) }
        XCTAssertGreaterThanOrEqual(ops, total)

        let t2 = DispatchTime.now()
        let found = ViolationCollector()
        let analyzer = TraceAnalyzer { found.add($0) }
        try analyzer.analyze(TraceReader(path: path))
        analyzer.finish()
        XCTAssertEqual(found.rules, [], "the trace analyses clean")
        XCTAssertEqual(analyzer.truncatedFiles, [])
        let t3 = DispatchTime.now()
        func s(_ a: DispatchTime, _ b: DispatchTime) -> String { String(format: "%.2f s", Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9) }
        print("LoadTests: \(threads) threads, \(ops) lock operations in \(s(t0, t1)), \(analyzer.events) events in the trace, counted in \(s(t1, t2)), analysed in \(s(t2, t3))")
    }
}

/// Each worker's count of lock operations (set once, read after the joins).
final class OperationCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]
    init(_ n: Int) { counts = Array(repeating: 0, count: n) }
    func set(_ t: Int, _ n: Int) { lock.lock(); counts[t] = n; lock.unlock() }
    func value(_ t: Int) -> Int { lock.lock(); defer { lock.unlock() }; return counts[t] }
}
