// load-test: the load test of issue 7. 2× the machine's cores in threads
// run tens of millions of lock operations on the instrumented locks, with
// validation and trace recording on, in one consistent lock order:
//
// - no validator deadlock: a watchdog stops the run (exit 3) if no thread
//   makes progress for --stall-seconds;
// - no false positive: no violation live, none from `lockcheck analyze`'s
//   engine (TraceAnalyzer) on the recorded trace;
// - no lost trace event: every thread counts the lock operations it made
//   (acquisitions, successful trylocks, releases) and the trace must hold
//   exactly that many events of that thread, plus its thread-exit.
//
//   swift build -c release --package-path Benchmarks --product load-test
//   Benchmarks/.build/release/load-test [--threads N] [--ops M] [--keep-trace]
//
// --ops is the total over all threads (default 40,000,000); --threads
// defaults to 2 × ProcessInfo.activeProcessorCount. The trace goes to a
// fresh temporary folder and is deleted at the end unless --keep-trace.
// Exit status: 0 all checks passed, 1 a check failed, 3 the run stalled.
//
// The workload: per thread, iterations of four shapes in a fixed global order
// (sleeping locks outermost, spinning locks inside, the raw spinlock last):
//   shape 0: outer mutex (shared by all threads) → own rwsem (read) → shard spinlock → leaf raw spinlock
//   shape 1: own recursive mutex, taken twice → shard spinlock
//   shape 2: own rwsem (write) → leaf raw spinlock by trylock (it may fail: then nothing is recorded)
//   shape 3: shard spinlock → leaf raw spinlock
// Shards are spinlocks shared by pairs of threads; the outer mutex and the
// leaf are shared by all, so every lock but the recursive mutex is contended.
import Foundation
import Instrumented
import LockGraph
import LockTrace
import TraceAnalysis
#if canImport(Glibc)
import Glibc
#endif

func argument(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]) { return v }
    return fallback
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

let threadCount = argument("--threads", 2 * ProcessInfo.processInfo.activeProcessorCount)
let totalOps = argument("--ops", 40_000_000)
let stallSeconds = argument("--stall-seconds", 60)
let keepTrace = CommandLine.arguments.contains("--keep-trace")

LockCheck.configure(LockCheck.Options(mode: .report))
guard LockCheck.isEnabled else {
    print("load-test: validation is off (LOCKCHECK=off?); nothing to test")
    exit(1)
}
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
let liveViolations = Counter()
LockCheck.setViolationHandler { v in
    liveViolations.add()
    FileHandle.standardError.write(Data("load-test: live violation: [\(v.rule.rawValue)] \(v.message)\n".utf8))
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-load-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
let tracePath = dir.appendingPathComponent("load.log").path

// MARK: The locks

let outer = CheckedMutex(name: "load.outer")
let leaf = RawSpinLock(name: "load.leaf")
let shards = (0..<max(1, threadCount / 2)).map { _ in SpinLock(name: "load.shard") }
let rwsems = (0..<threadCount).map { _ in CheckedRWLock(name: "load.rwsem") }
let recursive = (0..<threadCount).map { _ in CheckedRecursiveMutex(name: "load.recursive") }

/// Per-thread progress and operation count (written by its thread only; read
/// by the watchdog without synchronisation: an approximate, monotone value).
final class Progress: @unchecked Sendable {
    let ops: UnsafeMutablePointer<Int>
    init(_ n: Int) {
        ops = .allocate(capacity: n * 8)  // one cache line each
        ops.initialize(repeating: 0, count: n * 8)
    }
    func slot(_ t: Int) -> UnsafeMutablePointer<Int> { ops + t * 8 }
}
let progress = Progress(threadCount)

/// One thread's share of the workload; returns the lock operations made.
func work(_ t: Int, ops target: Int) -> Int {
    let shard = shards[t / 2 % shards.count]
    let rw = rwsems[t], rec = recursive[t]
    let counter = progress.slot(t)
    var ops = 0
    var i = 0
    while ops < target {
        switch i & 3 {
        case 0 where i & 60 == 0:
            outer.lock(); rw.readLock(); shard.lock(); leaf.lock()
            leaf.unlock(); shard.unlock(); rw.unlock(); outer.unlock()
            ops += 8
        case 1:
            rec.lock(); rec.lock(); shard.lock()
            shard.unlock(); rec.unlock(); rec.unlock()
            ops += 6
        case 2:
            rw.writeLock()
            if leaf.tryLock() { leaf.unlock(); ops += 2 }
            rw.unlock()
            ops += 2
        default:
            shard.lock(); leaf.lock()
            leaf.unlock(); shard.unlock()
            ops += 4
        }
        i += 1
        if i & 1023 == 0 { counter.pointee = ops }
    }
    counter.pointee = ops
    return ops
}

// MARK: Run

print("load-test: \(threadCount) threads (2 × \(ProcessInfo.processInfo.activeProcessorCount) cores), \(totalOps) lock operations, validation and recording on; trace \(tracePath)")
guard LockCheck.startRecording(path: tracePath) else { print("load-test: cannot record to \(tracePath)"); exit(1) }

final class Results: @unchecked Sendable {
    var ops: [Int]
    init(_ n: Int) { ops = Array(repeating: 0, count: n) }
}
let results = Results(threadCount)
let start = DispatchTime.now()
let group = DispatchGroup()

/// A worker on a thread of its own, joined with pthread_join (so its
/// thread-exit has been recorded when the join returns).
final class Worker {
    let index: Int
    var thread = pthread_t()
    init(_ index: Int) { self.index = index }
    func start() {
        group.enter()
        let rc = pthread_create(&thread, nil, { raw in
            let w = Unmanaged<Worker>.fromOpaque(raw!).takeRetainedValue()
            LockCheck.setThreadName("load-\(w.index)")
            results.ops[w.index] = work(w.index, ops: totalOps / threadCount)
            group.leave()
            return nil
        }, Unmanaged.passRetained(self).toOpaque())
        precondition(rc == 0, "pthread_create: \(rc)")
    }
}
let workers = (0..<threadCount).map(Worker.init)
workers.forEach { $0.start() }

// The watchdog: the run must keep moving.
var last = -1
var lastChange = DispatchTime.now()
while group.wait(timeout: .now() + 5) == .timedOut {
    let sum = (0..<threadCount).reduce(0) { $0 + progress.slot($1).pointee }
    if sum != last {
        last = sum
        lastChange = DispatchTime.now()
    } else if seconds(since: lastChange) > Double(stallSeconds) {
        print("load-test: FAIL: no progress for \(stallSeconds) s at \(sum) operations: the validator (or the recorder) is deadlocked")
        exit(3)
    }
    print(String(format: "load-test: %.0f s, %d operations", seconds(since: start), sum))
}
let runSeconds = seconds(since: start)
for w in workers { pthread_join(w.thread, nil) }
LockCheck.stopRecording()
let ops = results.ops.reduce(0, +)
let traceBytes = (try? FileManager.default.attributesOfItem(atPath: tracePath)[.size] as? Int) ?? 0
print(String(format: "load-test: ran %d lock operations in %.2f s (%.1f M ops/s), trace %.1f MB",
             ops, runSeconds, Double(ops) / runSeconds / 1e6, Double(traceBytes) / 1e6))

// MARK: Check the trace

var failures: [String] = []
let countStart = DispatchTime.now()
let reader = try TraceReader(path: tracePath)
var names: [UInt64: String] = [:]
var perThread: [String: Int] = [:]
var exits: [String: Int] = [:]
var events = 0
while let record = try reader.next() {
    switch record {
    case .thread(let id, let name): names[id] = name
    case .event(let e):
        events += 1
        let name = names[e.thread] ?? "?"
        if e.op == .threadExit { exits[name, default: 0] += 1 } else if e.op == .acquire || e.op == .release { perThread[name, default: 0] += 1 }
    default: break
    }
}
for t in 0..<threadCount {
    let name = "load-\(t)"
    if perThread[name] != results.ops[t] {
        failures.append("\(name): \(results.ops[t]) lock operations made, \(perThread[name] ?? 0) in the trace")
    }
    if exits[name] != 1 { failures.append("\(name): \(exits[name] ?? 0) thread-exit events") }
}
let traced = (0..<threadCount).reduce(0) { $0 + (perThread["load-\($1)"] ?? 0) }
print(String(format: "load-test: the trace holds %d events (%d lock operations of the workers + %d thread-exits + %d others); read in %.2f s",
             events, traced, exits.values.reduce(0, +), events - traced - exits.values.reduce(0, +), seconds(since: countStart)))

let analyzeStart = DispatchTime.now()
let offline = Counter()
let analyzer = TraceAnalyzer { v in
    offline.add()
    FileHandle.standardError.write(Data("load-test: offline violation: [\(v.rule.rawValue)] \(v.message)\n".utf8))
}
try analyzer.analyze(TraceReader(path: tracePath))
analyzer.finish()
print(String(format: "load-test: analysed %d events in %.2f s: %d violations; warnings: %@", analyzer.events,
             seconds(since: analyzeStart), offline.value, analyzer.warnings.isEmpty ? "none" : analyzer.warnings.joined(separator: "; ")))
if liveViolations.value > 0 { failures.append("\(liveViolations.value) live violations (false positives)") }
if offline.value > 0 { failures.append("\(offline.value) violations in the trace (false positives)") }
if analyzer.events != events { failures.append("analysed \(analyzer.events) of \(events) events") }

if keepTrace { print("load-test: kept \(tracePath)") } else { try? FileManager.default.removeItem(at: dir) }
if failures.isEmpty {
    print("load-test: PASS: no deadlock, no false positive, every lock operation in the trace")
} else {
    for f in failures { print("load-test: FAIL: \(f)") }
    exit(1)
}
