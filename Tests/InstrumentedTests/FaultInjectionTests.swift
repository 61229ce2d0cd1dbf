import Dispatch
import Foundation
import Instrumented
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Faults from the real world: allocation failure at every allocation of the
/// deferred-free queue, threads cancelled or exiting with locks held, and the
/// trace file becoming unwritable in the middle of a run.
final class FaultInjectionTests: InstrumentedTestCase {
    override func tearDown() {
        LockCheck.stopRecording()
        super.tearDown()
    }

    // MARK: Deferred-free queue: allocation failure at every step

    /// One deterministic workload (one thread, no background drain): headed
    /// and headless objects, two pools' worth of pages, a barrier in the
    /// middle (a drain pass that refills the page caches) and one at the end.
    /// Run once clean to enumerate the queue's allocations; then with each
    /// one failing; then, in each of those runs (whose later allocations
    /// differ: a failed page sends headless objects to the wrapper path),
    /// with each later allocation failing too; and once from each allocation
    /// on, every one failing. Each run must lose nothing, free nothing twice
    /// and leak nothing, which is checked twice: by the queue's and the
    /// objects' own counts, and independently from the recorded trace (every
    /// `alloc` freed exactly once, every `defer-free` reclaimed exactly once).
    func test_allocation_failure_at_every_step_loses_nothing_frees_nothing_twice_leaks_nothing() throws {
        let clean = try runDeferredFreeWorkload(name: "dfq.fault.clean") { _, _ in false }
        XCTAssertGreaterThan(clean.count, 3, "the workload allocates: \(clean.map(\.point))")
        XCTAssertTrue(Set(clean.map(\.point)).isSuperset(of: [.arrayPage, .cacheRefill]), "\(clean.map(\.point))")
        var failedAt: Set<DeferredFreeQueue.AllocationPoint> = []
        var runs = 1
        // Failure sets of size 1 and 2: each allocation of the run failing the first.
        var frontier: [(failing: Set<Int>, attempts: Int)] = [([], clean.count)]
        for _ in 0..<2 {
            var next: [(failing: Set<Int>, attempts: Int)] = []
            for (failing, attempts) in frontier {
                for k in ((failing.max() ?? -1) + 1)..<attempts {
                    let set = failing.union([k])
                    let name = "dfq.fault." + set.sorted().map(String.init).joined(separator: "+")
                    let run = try runDeferredFreeWorkload(name: name) { attempt, _ in set.contains(attempt) }
                    runs += 1
                    XCTAssertEqual(run.indices.filter { run[$0].failed }, set.sorted(), name)
                    for a in run where a.failed { failedAt.insert(a.point) }
                    next.append((set, run.count))
                    if testRun?.failureCount ?? 0 > 0 { return }
                }
            }
            frontier = next
        }
        // And from each allocation on, every one failing (memory gone for good).
        for k in 0..<clean.count {
            let rest = try runDeferredFreeWorkload(name: "dfq.fault.from.\(k)") { attempt, _ in attempt >= k }
            runs += 1
            XCTAssertEqual(rest.map(\.failed), rest.indices.map { $0 >= k }, "allocations \(k)… failed")
            for a in rest where a.failed { failedAt.insert(a.point) }
        }
        XCTAssertEqual(failedAt, Set(DeferredFreeQueue.AllocationPoint.allCases), "every allocation point was failed at least once")
        print("FaultInjectionTests: \(clean.count) allocations in the clean run (\(clean.map(\.point.rawValue).joined(separator: " "))); \(runs) runs with failures injected, all clean")
    }

    /// Runs the workload on a thread of its own with allocations failed as
    /// `shouldFail` says; checks it; returns the allocations asked about.
    private func runDeferredFreeWorkload(
        name: String, shouldFail: @escaping @Sendable (Int, DeferredFreeQueue.AllocationPoint) -> Bool
    ) throws -> [(point: DeferredFreeQueue.AllocationPoint, failed: Bool)] {
        let objectCount = DeferredFreeQueue.pageCapacity + 150
        let path = temporaryPath("dfq-fault")
        defer { unlink(path) }
        let ledger = ObjectLedger()
        let injector = DeferredFreeQueue.FaultInjector(shouldFail)
        let queue = DeferredFreeQueue(name: name, domain: GracePeriodDomain(), cachedPages: 2,
                                      reclaimer: ledger.reclaimer, backgroundDrain: false, faultInjector: injector)
        let pool = LockCheck.Pool.create(name: "\(name).pool")
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let objects = ObjectList()
        TestThread.run("\(name)-worker") {
            // Array pages come from this thread's `no-locks` cache (the queue's default flags).
            LockCheck.fillNoLocksCache(byteCount: 4096, count: 8)  // 4096: the queue's page size
            for k in 0..<objectCount {
                let inPool = k < 200
                let p = ledger.allocate(pool: inPool ? pool : nil)
                objects.append(p)
                if k % 3 == 0 {
                    queue.deferFree(p, pool: inPool ? pool : nil)
                } else {
                    queue.deferFree(p, head: p + ObjectLedger.headOffset, pool: inPool ? pool : nil)
                }
                if k == 300 { queue.barrier() }
            }
            queue.barrier()
            queue.destroy(pool)
            queue.shutdown()
        }
        LockCheck.stopRecording()
        let attempts = injector.attempts
        let context = "\(name): allocations \(attempts.map { "\($0.point.rawValue)\($0.failed ? "!" : "")" })"

        // The queue's and the objects' own accounts.
        let s = queue.statistics
        XCTAssertEqual(ledger.counts.allocated, objectCount, context)
        XCTAssertEqual(ledger.counts.freed, objectCount, "every object freed once (" + context + ")")
        XCTAssertTrue(objects.all.allSatisfy(ledger.wasReclaimed), "no object lost; " + context)
        XCTAssertEqual(s.reclaimed, objectCount, context)
        XCTAssertEqual(s.bulk + s.list + s.wrapper + s.synchronous, objectCount, "\(s); " + context)
        XCTAssertEqual(s.pagesAllocated, s.pagesFreed, "array pages leaked: \(s); " + context)
        XCTAssertEqual(s.wrappersAllocated, s.wrappersFreed, "wrappers leaked: \(s); " + context)
        XCTAssertEqual(collector.rules, [], context)

        // The trace's account, from the worker's events only.
        let reader = try TraceReader(path: path)
        var worker: UInt64?
        var outstanding: Set<UInt64> = []
        var pending: Set<UInt64> = []  // queued, not yet reclaimed (addresses are reused after a free)
        var deferred = 0, reclaimed = 0
        var problems: [String] = []
        while let record = try reader.next() {
            switch record {
            case .thread(let id, let threadName) where threadName == "\(name)-worker":
                worker = id
            case .event(let e) where e.thread == worker:
                switch e.op {
                case .alloc where e.pointer != 0:
                    if !outstanding.insert(e.pointer).inserted { problems.append("line \(e.line): allocated twice") }
                case .free:
                    if outstanding.remove(e.pointer) == nil { problems.append("line \(e.line): freed but not allocated (double free)") }
                case .deferFree:
                    if !pending.insert(e.pointer).inserted { problems.append("line \(e.line): queued twice") }
                    deferred += 1
                case .reclaimed:
                    if pending.remove(e.pointer) == nil { problems.append("line \(e.line): reclaimed but not queued, or twice") }
                    reclaimed += 1
                default:
                    break
                }
            default:
                break
            }
        }
        XCTAssertNotNil(worker, context)
        XCTAssertEqual(problems, [], context)
        XCTAssertEqual(outstanding.count, 0, "allocations never freed (leaks); " + context)
        XCTAssertEqual(deferred, objectCount, context)
        XCTAssertEqual(reclaimed, objectCount, context)
        XCTAssertEqual(pending.count, 0, "queued, never reclaimed (lost); " + context)
        return attempts
    }

    // MARK: Threads ending with locks held

    /// A thread cancelled (pthread_cancel) while blocked with locks held, and
    /// one ending through pthread_exit with a lock held: both are reported
    /// as `held-at-exit`, live and from the trace, and the program goes on
    /// validating (a later inversion is still found).
    func test_thread_cancelled_or_exiting_with_locks_held_fires_held_at_exit_and_the_program_continues() throws {
        // ThreadSanitizer stops the process when a thread is cancelled ("finished with ignores enabled").
        try XCTSkipIf(TestEnvironment.underSanitizer, "pthread_cancel is not supported under a sanitizer")
        let path = temporaryPath("cancel")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let m = CheckedMutex(name: "cancel.mutex")
        let s = SpinLock(name: "cancel.spin")
        let e = CheckedRWLock(name: "exit.rwsem")
        RandomProgram.keepAlive([m, s, e])  // they stay held forever: never freed

        let holding = DispatchSemaphore(value: 0)
        let cancelled = TestThread("cancelled") {
            m.lock()
            s.lock()
            holding.signal()
            while true { _ = pause() }  // a cancellation point, with both locks held
        }
        holding.wait()
        XCTAssertEqual(pthread_cancel(cancelled.thread), 0)
        XCTAssertEqual(cancelled.join(), UnsafeMutableRawPointer(bitPattern: -1), "PTHREAD_CANCELED: the thread was cancelled")

        let exited = TestThread("exited") {
            e.readLock()
            pthread_exit(nil)
        }
        XCTAssertNil(exited.join())
        XCTAssertEqual(collector.rules, ["held-at-exit", "held-at-exit"])
        XCTAssertEqual(Set(collector.violations.map(\.event.thread)), ["cancelled", "exited"])
        XCTAssertEqual(Set(collector.violations.map(\.classNames)), [["cancel.mutex", "cancel.spin"], ["exit.rwsem"]])

        // The program continues: other locks work, the validator still finds what it should.
        let a = CheckedMutex(name: "cancel.after.A"), b = CheckedMutex(name: "cancel.after.B")
        TestThread.run("after-1") { a.withLock { b.withLock {} } }
        XCTAssertFalse(m.tryLock(), "the cancelled thread's mutex stays locked")
        XCTAssertNotNil(e.withReadLockIfAvailable { 1 }, "readers still share the exited thread's read lock")
        TestThread.run("after-2") { b.withLock { a.withLock {} } }
        XCTAssertEqual(collector.rules, ["held-at-exit", "held-at-exit", "lock-order-inversion"])
        LockCheck.stopRecording()

        let offline = try analyzedRules(path)
        XCTAssertEqual(offline.rules, collector.rules)
    }

    // MARK: The trace file becomes unwritable mid-run

    /// The disk fills up in the middle of a run (`/dev/full` put in place of
    /// the recorder's file descriptor with dup2): one warning, recording
    /// stops, the program keeps running and validating, and the part of the
    /// trace already written analyses cleanly.
    func test_trace_unwritable_mid_run_warns_once_program_continues_prefix_analyses() throws {
        let path = temporaryPath("disk-full")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let a = CheckedMutex(name: "full.A"), b = CheckedMutex(name: "full.B")
        let rounds = 500
        TestThread.run("before-full") { for _ in 0..<rounds { a.withLock { b.withLock {} } } }
        LockCheck.flushTrace()
        let fd = try XCTUnwrap(Self.descriptor(of: path), "the recorder's file is open")
        let full = open("/dev/full", O_WRONLY)
        XCTAssertGreaterThanOrEqual(full, 0)
        XCTAssertEqual(dup2(full, fd), fd)
        close(full)

        let stderr = try StderrCapture()
        TestThread.run("after-full") {
            for _ in 0..<10_000 { a.withLock {} }      // several automatic flushes: every one fails
            b.withLock { a.withLock {} }               // an inversion: reported live, flushes again
        }
        LockCheck.flushTrace()
        TestThread.run("still-running") { for _ in 0..<1000 { b.withLock {} } }
        LockCheck.flushTrace()
        let warnings = stderr.finish()
        XCTAssertEqual(warnings.components(separatedBy: "cannot write trace").count - 1, 1, "one warning: \(warnings)")
        XCTAssertTrue(warnings.contains("No space left on device"), warnings)
        XCTAssertEqual(collector.rules, ["lock-order-inversion"], "validation goes on after recording stopped")

        // What was written before the failure is a complete, clean trace.
        let found = ViolationCollector()
        let analyzer = TraceAnalyzer { found.add($0) }
        try analyzer.analyze(TraceReader(path: path))
        analyzer.finish()
        XCTAssertEqual(analyzer.truncatedFiles, [])
        XCTAssertEqual(found.rules, [])
        var threads: [UInt64: String] = [:]
        var perThread: [String: Int] = [:]
        let reader = try TraceReader(path: path)
        while let record = try reader.next() {
            if case .thread(let id, let name) = record { threads[id] = name }
            if case .event(let e) = record { perThread[threads[e.thread] ?? "?", default: 0] += 1 }
        }
        XCTAssertEqual(perThread["before-full"], rounds * 4 + 1, "every event before the failure: the lock operations and the thread's exit")
        XCTAssertNil(perThread["after-full"], "nothing after it (the lines of a failed write are dropped whole)")
    }

    /// The file-size limit is reached in the middle of a write (RLIMIT_FSIZE):
    /// the trace ends mid-line. One warning, the program continues, and the
    /// trace is analysed up to its last complete line, with a warning.
    func test_trace_cut_mid_write_analyses_up_to_the_last_complete_line() throws {
        let path = temporaryPath("fsize")
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let a = CheckedMutex(name: "fsize.A"), b = CheckedMutex(name: "fsize.B")
        TestThread.run("before-limit") { for _ in 0..<200 { a.withLock { b.withLock {} } } }
        LockCheck.flushTrace()
        let written = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let stderr = try StderrCapture()
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = rlim_t(written + 1000)   // some of the next write fits, then EFBIG
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        TestThread.run("past-limit") { for _ in 0..<2000 { a.withLock { b.withLock {} } } }
        LockCheck.flushTrace()
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, oldHandler)
        TestThread.run("still-running") { b.withLock { a.withLock {} } }
        let warnings = stderr.finish()
        XCTAssertEqual(warnings.components(separatedBy: "cannot write trace").count - 1, 1, "one warning: \(warnings)")
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.count, written + 1000, "the write stopped at the limit")
        let completeLines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count - 1
        let found = ViolationCollector()
        let analyzer = TraceAnalyzer { found.add($0) }
        try analyzer.analyze(TraceReader(path: path))
        analyzer.finish()
        if bytes.last != UInt8(ascii: "\n") {
            XCTAssertEqual(analyzer.truncatedFiles, [path], "a partial last line is reported")
            XCTAssertFalse(analyzer.warnings.isEmpty)
        }
        XCTAssertEqual(found.rules, [], "the prefix holds only the consistent order")
        let text = String(decoding: bytes, as: UTF8.self)
        let eventLines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(completeLines)
            .filter { $0.first?.isNumber == true }.count
        XCTAssertEqual(analyzer.events, eventLines, "every complete event line analysed")
        XCTAssertGreaterThan(analyzer.events, 200 * 4)
    }

    /// The descriptor of this process's open file `path`.
    static func descriptor(of path: String) -> Int32? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        for entry in entries {
            guard let fd = Int32(entry),
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)") else { continue }
            if target == path || target == resolved { return fd }
        }
        return nil
    }
}

/// Objects handed to a queue, in order (appended by the worker thread, read after it ends).
final class ObjectList: @unchecked Sendable {
    private(set) var all: [UnsafeMutableRawPointer] = []
    func append(_ p: UnsafeMutableRawPointer) { all.append(p) }
}

/// Captures what this process writes to stderr (fd 2) into a pipe until
/// ``finish()``; a reader thread drains the pipe so writers never block.
final class StderrCapture: @unchecked Sendable {
    private let saved: Int32
    private let readEnd: Int32
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        readEnd = fds[0]
        saved = dup(2)
        dup2(fds[1], 2)
        close(fds[1])
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
            }
            done.signal()
        }
    }

    /// Restores stderr; returns what was written meanwhile (and echoes it).
    func finish() -> String {
        dup2(saved, 2)
        close(saved)
        done.wait()
        close(readEnd)
        let text = String(decoding: data, as: UTF8.self)
        FileHandle.standardError.write(Data(text.utf8))
        return text
    }
}
