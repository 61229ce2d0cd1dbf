// lock-bench: the cost of instrumented locks (issue 4), as ratios to plain
// pthread mutexes measured in the same process.
//
//   swift build -c release --package-path Benchmarks --product lock-bench
//   Benchmarks/.build/release/lock-bench [--rounds R] [--iterations N]
//
// Without a worker argument, lock-bench starts itself once per configuration
// (the validator's mode is fixed per process) and prints one table:
//
//   worker      environment                          measures
//   validated   LOCKCHECK=report                     plain, CheckedMutex validated, 1 vs 2 threads,
//                                                    new dependencies (stacks on), unw_backtrace
//   nostacks    LOCKCHECK=report, captureStacks off  new dependencies without stack capture
//   off         LOCKCHECK=off                        plain, CheckedMutex off, 1 vs 2 threads
//   trace       LOCKCHECK=report LOCKCHECK_TRACE=…   plain, CheckedMutex validated + recorded
//
// The workload ("nested"): three locks A, B, C taken in that order and
// released in reverse, over and over; one "op" is one lock + unlock, so an
// iteration is 3 ops. Each worker first starts (and joins) a thread, so the
// process is multi-threaded, as the issue asks. Every figure is the best of
// R rounds; the plain and instrumented loops alternate round by round.
import BenchSupport
import CMachineControl
import CUnwindProbe
import Foundation
import Instrumented
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Timing

let rounds = argument("--rounds", 7)
let iterations = argument("--iterations", 1_000_000)

// MARK: - The workloads

/// Three plain locks of type `T`, initialised by `initialise`, each on a
/// cache line of its own, as the instrumented locks' words are: two threads'
/// plain locks must not share a line either.
func threeAlignedLocks<T>(_ initialise: (UnsafeMutablePointer<T>) -> Void) -> [UnsafeMutablePointer<T>] {
    (0..<3).map { _ in
        let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: T.self, capacity: 1)
        initialise(p)
        return p
    }
}

final class PlainLocks: @unchecked Sendable {
    let m: [UnsafeMutablePointer<pthread_mutex_t>] = threeAlignedLocks { pthread_mutex_init($0, nil) }
    @inline(never) func run(_ n: Int) {
        let a = m[0], b = m[1], c = m[2]
        for _ in 0..<n {
            pthread_mutex_lock(a); pthread_mutex_lock(b); pthread_mutex_lock(c)
            pthread_mutex_unlock(c); pthread_mutex_unlock(b); pthread_mutex_unlock(a)
        }
    }
}

final class CheckedLocks: @unchecked Sendable {
    let a: CheckedMutex, b: CheckedMutex, c: CheckedMutex
    /// Same `prefix` = same lock classes (the same code path on other objects).
    init(prefix: String = "bench") {
        a = CheckedMutex(name: "\(prefix).A")
        b = CheckedMutex(name: "\(prefix).B")
        c = CheckedMutex(name: "\(prefix).C")
    }
    @inline(never) func run(_ n: Int) {
        for _ in 0..<n {
            a.lock(); b.lock(); c.lock()
            c.unlock(); b.unlock(); a.unlock()
        }
    }
}

/// The read side of the nested workload: A, B, C read-locked in order.
final class PlainRWLocks: @unchecked Sendable {
    let m: [UnsafeMutablePointer<pthread_rwlock_t>] = threeAlignedLocks { pthread_rwlock_init($0, nil) }
    @inline(never) func run(_ n: Int) {
        let a = m[0], b = m[1], c = m[2]
        for _ in 0..<n {
            pthread_rwlock_rdlock(a); pthread_rwlock_rdlock(b); pthread_rwlock_rdlock(c)
            pthread_rwlock_unlock(c); pthread_rwlock_unlock(b); pthread_rwlock_unlock(a)
        }
    }
}

/// ``PlainRWLocks`` with `CheckedRWLock`s.
final class CheckedRWLocks: @unchecked Sendable {
    let a = CheckedRWLock(name: "bench.rw.A"), b = CheckedRWLock(name: "bench.rw.B"), c = CheckedRWLock(name: "bench.rw.C")
    @inline(never) func run(_ n: Int) {
        for _ in 0..<n {
            a.readLock(); b.readLock(); c.readLock()
            c.unlock(); b.unlock(); a.unlock()
        }
    }
}

/// Row 7, the contended path: one lock that two threads take in turn, a
/// plain pthread mutex or a `CheckedMutex` (whose failed trylock takes the
/// contended path: a timed wait, watched for deadlocks after a slice).
final class ContendedLock: @unchecked Sendable {
    let plain: UnsafeMutablePointer<pthread_mutex_t> = threeAlignedLocks { pthread_mutex_init($0, nil) }[0]
    let checked = CheckedMutex(name: "bench.contended")
    var counter = 0
    @inline(never) func runPlain(_ n: Int) {
        for _ in 0..<n {
            pthread_mutex_lock(plain); counter &+= 1; pthread_mutex_unlock(plain)
        }
    }
    @inline(never) func runChecked(_ n: Int) {
        for _ in 0..<n {
            checked.lock(); counter &+= 1; checked.unlock()
        }
    }
}

/// Row 7: ns per lock + unlock with two threads on one lock (best of R), plain then checked.
func measureContended() -> (plain: Double, checked: Double) {
    let l = ContendedLock()
    let n = iterations
    var bp = Double.infinity, bc = Double.infinity
    for _ in 0..<rounds {
        bp = min(bp, parallel(2, n, [l.runPlain, l.runPlain]) / Double(2 * n))
        bc = min(bc, parallel(2, n, [l.runChecked, l.runChecked]) / Double(2 * n))
    }
    return (bp, bc)
}

/// The machine control: compute-bound work, no locks, no memory traffic
/// (`machine_compute`). One "op" is one iteration of its loop.
final class ComputeLoop: @unchecked Sendable {
    var sink: UInt64 = 0
    @inline(never) func run(_ n: Int) { sink &+= machine_compute(Int64(n * 3), sink) }
}

/// ns per op (lock + unlock) of one call of `body(iterations)`.
func time(_ n: Int, _ body: (Int) -> Void) -> Double {
    let t0 = now()
    body(n)
    return Double(now() - t0) / Double(n * 3)
}

// MARK: - Threads

final class ThreadJob: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

func startThread(_ body: @escaping () -> Void) -> pthread_t {
    var tid = pthread_t()
    let job = Unmanaged.passRetained(ThreadJob(body)).toOpaque()
    let rc = pthread_create(&tid, nil, { arg in
        let job = Unmanaged<ThreadJob>.fromOpaque(arg!).takeRetainedValue()
        job.body()
        return nil
    }, job)
    precondition(rc == 0, "pthread_create: \(rc)")
    return tid
}

func join(_ tid: pthread_t) { pthread_join(tid, nil) }

/// Wall ns for `threads` threads each running `work(i)(iterations)` at once.
/// Threads wait on a start flag, so creation is not timed.
func parallel(_ threads: Int, _ n: Int, _ work: [(Int) -> Void]) -> Double {
    let ready = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    ready.initialize(to: 0)
    var mu = pthread_mutex_t(), cv = pthread_cond_t()
    pthread_mutex_init(&mu, nil); pthread_cond_init(&cv, nil)
    let go = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    go.initialize(to: false)
    let muP = withUnsafeMutablePointer(to: &mu) { $0 }, cvP = withUnsafeMutablePointer(to: &cv) { $0 }
    let readyP = ready
    var tids: [pthread_t] = []
    for i in 0..<threads {
        let w = work[i]
        tids.append(startThread {
            w(1_000)  // this thread's first events (per-thread state) before the clock starts
            pthread_mutex_lock(muP)
            readyP.pointee += 1
            pthread_cond_broadcast(cvP)
            while !go.pointee { pthread_cond_wait(cvP, muP) }
            pthread_mutex_unlock(muP)
            w(n)
        })
    }
    pthread_mutex_lock(muP)
    while readyP.pointee < threads { pthread_cond_wait(cvP, muP) }
    let t0 = now()
    go.pointee = true
    pthread_cond_broadcast(cvP)
    pthread_mutex_unlock(muP)
    for t in tids { join(t) }
    return Double(now() - t0)
}

// MARK: - Workers

var results: [(String, Double)] = []
func emit(_ key: String, _ value: Double) { print("\(key) \(value)") }

/// Best-of-R: plain and checked nested loops, alternating.
func measureNested(checked: CheckedLocks) -> (plain: Double, checked: Double) {
    let plain = PlainLocks()
    plain.run(iterations / 10); checked.run(iterations / 10)  // warm-up: validates the chains once
    var bp = Double.infinity, bc = Double.infinity
    for _ in 0..<rounds {
        bp = min(bp, time(iterations, plain.run))
        bc = min(bc, time(iterations, checked.run))
    }
    return (bp, bc)
}

/// Row 2c: `CheckedRWLock` read sides against pthread rwlocks (best of R each).
func measureRead() -> (plain: Double, checked: Double) {
    let plain = PlainRWLocks(), checked = CheckedRWLocks()
    plain.run(iterations / 10); checked.run(iterations / 10)
    var bp = Double.infinity, bc = Double.infinity
    for _ in 0..<rounds {
        bp = min(bp, time(iterations, plain.run))
        bc = min(bc, time(iterations, checked.run))
    }
    return (bp, bc)
}

/// 1 thread vs 2 threads, each on its own locks; throughput ratio (best of R).
func measureScaling(prefix: (Int) -> String?) -> (one: Double, two: Double) {
    measureScaling((0..<2).map { i in
        if let p = prefix(i) { let l = CheckedLocks(prefix: p); return l.run } else { let l = PlainLocks(); return l.run }
    })
}

/// 1 thread vs 2 threads running `sets[0]` and `sets[1]`: ns per op of all threads (best of R).
func measureScaling(_ sets: [(Int) -> Void]) -> (one: Double, two: Double) {
    var best1 = Double.infinity, best2 = Double.infinity
    let n = iterations
    for _ in 0..<rounds {
        best1 = min(best1, parallel(1, n, [sets[0]]))
        best2 = min(best2, parallel(2, n, sets))
    }
    // ns per op: wall / ops done by all threads
    return (best1 / Double(n * 3), best2 / Double(2 * n * 3))
}

/// `body` while another thread spins (on the other CPU of this 2-CPU
/// machine): what the measured code gets when its core's other half, or the
/// host's, is busy.
func withBusySibling<T>(_ body: () -> T) -> T {
    let stop = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    stop.initialize(to: 0)
    defer { stop.deallocate() }
    let spinner = startThread { machine_spin(stop) }
    usleep(20_000)  // the spinner is running
    let result = body()
    machine_set(stop, 1)
    join(spinner)
    return result
}

/// Best-of-R ns per op of the compute control, alone and with the other CPU busy.
func measureCompute() -> (alone: Double, busy: Double) {
    let loop = ComputeLoop()
    loop.run(iterations / 10)
    func best() -> Double { (0..<rounds).map { _ in time(iterations, loop.run) }.min()! }
    let alone = best()
    return (alone, withBusySibling(best))
}

/// The control's rows: compute ns alone and busy, and its two-thread scaling.
func emitMachineControl() {
    let c = measureCompute()
    emit("compute_ns", c.alone); emit("compute_busy_ns", c.busy)
    let scaling = measureScaling([ComputeLoop().run, ComputeLoop().run])
    emit("compute_1t_ns", scaling.one); emit("compute_2t_ns", scaling.two)
}

/// A new dependency each iteration: lock i then lock j (i < j) of a pool of
/// fresh classes, a pair never taken before; j has no outgoing dependency
/// yet, so the cycle search is trivial. Includes the new chain and the
/// dependency insert (and the stack capture, when on). ns per pair.
func measureFreshDependencies(round: Int, poolSize: Int) -> Double {
    let pool = (0..<poolSize).map { CheckedMutex(name: "fresh.\(round).\($0)") }
    for l in pool { l.lock(); l.unlock() }  // classes registered, single-lock chains seen
    var pairs = 0
    let t0 = now()
    for j in 1..<poolSize {
        let b = pool[j]
        for i in 0..<j {
            let a = pool[i]
            a.lock(); b.lock(); b.unlock(); a.unlock()
            pairs += 1
        }
    }
    return Double(now() - t0) / Double(pairs)
}

/// A new dependency each iteration between two classes used nowhere else:
/// lock 2k then lock 2k+1 of a pool of fresh, already registered classes.
/// Nothing is reachable from or to either class, so every graph search is
/// trivial: this is the fixed cost of a new chain + dependency (+ stack).
func measureIsolatedDependencies(round: Int, pairs: Int) -> Double {
    let pool = (0..<(2 * pairs)).map { CheckedMutex(name: "isolated.\(round).\($0)") }
    for l in pool { l.lock(); l.unlock() }
    let t0 = now()
    for k in 0..<pairs {
        let a = pool[2 * k], b = pool[2 * k + 1]
        a.lock(); b.lock(); b.unlock(); a.unlock()
    }
    return Double(now() - t0) / Double(pairs)
}

func isolatedBest() -> Double {
    var best = Double.infinity
    for r in 0..<3 { best = min(best, measureIsolatedDependencies(round: r, pairs: 4_000)) }
    return best
}

func startAThread() { join(startThread {}) }

func workerValidated(stacks: Bool) {
    startAThread()
    if !stacks {
        var best = Double.infinity
        for r in 0..<3 { best = min(best, measureFreshDependencies(round: r, poolSize: 150)) }
        emit("fresh_dep_ns", best)
        emit("isolated_dep_ns", isolatedBest())
        let (p, c) = measureNested(checked: CheckedLocks())
        emit("plain_ns", p); emit("checked_ns", c)
        if let s = LockCheck.statistics { emit("dependencies", Double(s.dependencies)); emit("stacks", Double(s.stacks)) }
        return
    }
    let nested = CheckedLocks()
    let (p, c) = measureNested(checked: nested)
    emit("plain_ns", p); emit("checked_ns", c)
    let busy = withBusySibling { measureNested(checked: nested) }
    emit("busy_plain_ns", busy.plain); emit("busy_checked_ns", busy.checked)
    let read = measureRead()
    emit("plain_rw_ns", read.plain); emit("checked_rw_ns", read.checked)
    let contended = measureContended()
    emit("plain_contended_ns", contended.plain); emit("checked_contended_ns", contended.checked)
    emitMachineControl()
    let same = measureScaling { _ in "scale.same" }            // same classes, disjoint locks
    emit("same_1t_ns", same.one); emit("same_2t_ns", same.two)
    let distinct = measureScaling { "scale.t\($0)" }      // distinct classes per thread
    emit("distinct_1t_ns", distinct.one); emit("distinct_2t_ns", distinct.two)
    let plain = measureScaling { _ in nil }
    emit("plain_1t_ns", plain.one); emit("plain_2t_ns", plain.two)
    var best = Double.infinity
    for r in 0..<3 { best = min(best, measureFreshDependencies(round: r, poolSize: 150)) }
    emit("fresh_dep_ns", best)
    emit("isolated_dep_ns", isolatedBest())
    // Direct: unw_backtrace from 12 frames down (about where the validator captures).
    var bu = Double.infinity
    var frames: Int32 = 0
    for _ in 0..<rounds {
        let n = 20_000
        let t0 = now()
        frames = unwind_probe(12, n)
        bu = min(bu, Double(now() - t0) / Double(n))
    }
    emit("unw_backtrace_ns", bu); emit("unw_backtrace_frames", Double(frames))
    if let s = LockCheck.statistics {
        emit("violations", Double(s.totalViolations)); emit("dependencies", Double(s.dependencies)); emit("stacks", Double(s.stacks))
    }
}

func workerOff() {
    startAThread()
    let (p, c) = measureNested(checked: CheckedLocks())
    emit("plain_ns", p); emit("checked_ns", c)
    let same = measureScaling { _ in "scale.same" }
    emit("same_1t_ns", same.one); emit("same_2t_ns", same.two)
    emit("enabled", LockCheck.isEnabled ? 1 : 0)
}

func workerTrace(path: String) {
    startAThread()
    let (p, c) = measureNested(checked: CheckedLocks())
    emit("plain_ns", p); emit("checked_ns", c)
    LockCheck.stopRecording()
    var st = stat()
    if stat(path, &st) == 0 { emit("trace_bytes", Double(st.st_size)) }
    // events written: (warm-up + rounds) iterations × 6 events, plus the thread's own
    emit("trace_events", Double((iterations / 10 + rounds * iterations) * 6))
}

/// The validated nested loop alone, for `valgrind --tool=callgrind` (instruction counts per
/// function; see `callgrind-lock-path.sh`): warm-up, then `--iterations` iterations.
func workerProfile() {
    startAThread()
    let locks = CheckedLocks()
    locks.run(1_000)
    locks.run(iterations)
}

/// ``workerProfile()``'s loop run inside a Swift task (issue 14): on a thread
/// that runs tasks the memo's short way serves the task that owns the held
/// locks, and records the task of each (`lock-held-across-suspension`).
func workerProfileTask() {
    startAThread()
    final class Box: @unchecked Sendable { let locks = CheckedLocks() }
    let box = Box()
    let n = iterations
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.locks.run(1_000)
        box.locks.run(n)
        done.signal()
    }
    done.wait()
}

// MARK: - Orchestrator

func runWorker(_ name: String, env extra: [String: String]) -> [String: Double] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].hasPrefix("/")
                          ? CommandLine.arguments[0]
                          : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
    p.arguments = ["--worker", name, "--rounds", "\(rounds)", "--iterations", "\(extra["ITER"] ?? "\(iterations)")"]
    var env = ProcessInfo.processInfo.environment
    for k in env.keys where k.hasPrefix("LOCKCHECK") { env[k] = nil }
    for (k, v) in extra where k != "ITER" { env[k] = v }
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    try! p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "worker \(name) failed: \(p.terminationStatus)")
    var out: [String: Double] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count == 2, let v = Double(f[1]) { out[String(f[0])] = v }
    }
    return out
}

func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
func x(_ v: Double) -> String { String(format: "%.2f×", v) }

func orchestrate() {
    let tracePath = ProcessInfo.processInfo.environment["LOCK_BENCH_TRACE"] ?? "/tmp/lock-bench-trace.log"
    let traceIterations = max(1, iterations / 10)
    let v = runWorker("validated", env: ["LOCKCHECK": "report"])
    let ns = runWorker("nostacks", env: ["LOCKCHECK": "report"])
    let off = runWorker("off", env: ["LOCKCHECK": "off"])
    let tr = runWorker("trace", env: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": tracePath, "ITER": "\(traceIterations)"])
    unlink(tracePath)

    print("lock-bench: best of \(rounds) rounds, \(iterations) iterations × 3 ops (trace worker: \(traceIterations)); op = lock + unlock")
    print("")
    print("| # | measurement | ns/op | ratio | target |")
    print("|---|---|---:|---:|---|")
    let slow = v["compute_busy_ns"]! / v["compute_ns"]!
    print("| 0 | machine control: a compute loop bound by issue width (no locks, no memory traffic), alone / with the other CPU busy | \(f(v["compute_ns"]!)) / \(f(v["compute_busy_ns"]!)) | \(x(slow)) busy | the host's state: about 19 ns when this CPU is not shared |")
    print("| 1 | plain pthread mutex, nested A→B→C (validated worker's process) | \(f(v["plain_ns"]!)) | 1.00× | |")
    let r2 = v["checked_ns"]! / v["plain_ns"]!
    print("| 2 | `CheckedMutex`, validation on (`LOCKCHECK=report`), steady state | \(f(v["checked_ns"]!)) | \(x(r2)) of plain | ≤ 2× \(r2 <= 2 ? "met" : "missed") |")
    let r2b = v["busy_checked_ns"]! / v["busy_plain_ns"]!
    print("| 2b | the same with the other CPU busy (a spinning thread; plain then: \(f(v["busy_plain_ns"]!)) ns) | \(f(v["busy_checked_ns"]!)) | \(x(r2b)) of plain | |")
    let r2c = v["checked_rw_ns"]! / v["plain_rw_ns"]!
    print("| 2c | `CheckedRWLock` read side, nested A→B→C, against pthread rwlocks read-locked (plain: \(f(v["plain_rw_ns"]!)) ns) | \(f(v["checked_rw_ns"]!)) | \(x(r2c)) of plain | |")
    let r2d = v["checked_contended_ns"]! / v["plain_contended_ns"]!
    print("| 2d | contended: 2 threads take one `CheckedMutex` in turn (trylock, then the timed wait), against one pthread mutex (plain: \(f(v["plain_contended_ns"]!)) ns) | \(f(v["checked_contended_ns"]!)) | \(x(r2d)) of plain | |")
    let r3 = off["checked_ns"]! / off["plain_ns"]!
    print("| 3 | `CheckedMutex`, validation off (`LOCKCHECK=off`; plain in that process: \(f(off["plain_ns"]!)) ns) | \(f(off["checked_ns"]!)) | \(x(r3)) of plain | ≤ 1.05× \(r3 <= 1.05 ? "met" : "missed") |")
    let s = v["same_1t_ns"]! / v["same_2t_ns"]!
    print("| 4 | 2 threads vs 1, disjoint locks, same classes, validated (ns/op per thread-op: 1t \(f(v["same_1t_ns"]!)), 2t \(f(v["same_2t_ns"]!))) | | \(x(s)) throughput | ≥ 1.8× \(s >= 1.8 ? "met" : "missed") |")
    let d = v["distinct_1t_ns"]! / v["distinct_2t_ns"]!
    print("| 4b | same, distinct classes per thread (1t \(f(v["distinct_1t_ns"]!)), 2t \(f(v["distinct_2t_ns"]!))) | | \(x(d)) throughput | |")
    let pl = v["plain_1t_ns"]! / v["plain_2t_ns"]!
    print("| 4c | same, plain pthread mutexes (1t \(f(v["plain_1t_ns"]!)), 2t \(f(v["plain_2t_ns"]!))) | | \(x(pl)) throughput | reference |")
    let o = off["same_1t_ns"]! / off["same_2t_ns"]!
    print("| 4d | same, `CheckedMutex` off (1t \(f(off["same_1t_ns"]!)), 2t \(f(off["same_2t_ns"]!))) | | \(x(o)) throughput | reference |")
    let cs = v["compute_1t_ns"]! / v["compute_2t_ns"]!
    print("| 4e | same, the compute loop (1t \(f(v["compute_1t_ns"]!)), 2t \(f(v["compute_2t_ns"]!))) | | \(x(cs)) throughput | what the machine gives code not bound by atomics |")
    let steady2 = 2 * v["checked_ns"]!, steady2NS = 2 * ns["checked_ns"]!
    let iso = v["isolated_dep_ns"]! - steady2, isoNS = ns["isolated_dep_ns"]! - steady2NS
    print("| 5a | a new dependency between two otherwise unused classes, stacks on, minus 2 steady ops (\(f(steady2)) ns) | \(f(iso)) | | per new dependency |")
    print("| 5b | the same, `captureStacks: false` (separate process) | \(f(isoNS)) | | |")
    print("| 5c | **one stack capture** = 5a − 5b (unw_backtrace + StackStore insert + trim) | \(f(iso - isoNS)) | | |")
    let fresh = v["fresh_dep_ns"]! - steady2, freshNS = ns["fresh_dep_ns"]! - steady2NS
    print("| 5e | a new dependency in a dense graph (150 classes, all 11,175 pairs i→j), stacks on / off | \(f(fresh)) / \(f(freshNS)) | | difference \(f(fresh - freshNS)) |")
    print("| 5d | `unw_backtrace` alone, \(Int(v["unw_backtrace_frames"]!)) frames (CUnwindProbe) | \(f(v["unw_backtrace_ns"]!)) | | |")
    let perEvent = (tr["checked_ns"]! - v["checked_ns"]!) / 2
    let r6 = tr["checked_ns"]! / tr["plain_ns"]!
    print("| 6 | `CheckedMutex` validated + `LOCKCHECK_TRACE` (plain in that process: \(f(tr["plain_ns"]!)) ns) | \(f(tr["checked_ns"]!)) | \(x(r6)) of plain | |")
    let bytes = (tr["trace_bytes"] ?? 0) / (tr["trace_events"] ?? 1)
    print("| 6b | **trace recorder per event** = (6 − 2) / 2 events per op (\(f(bytes, 1)) bytes/event) | \(f(perEvent)) | | |")
    print("")
    print("violations reported by the validated worker: \(Int(v["violations"] ?? -1)) (must be 0); off worker validator enabled: \(Int(off["enabled"] ?? -1)) (must be 0)")
    print("RAW validated \(v.sorted { $0.key < $1.key })")
    print("RAW nostacks \(ns.sorted { $0.key < $1.key })")
    print("RAW off \(off.sorted { $0.key < $1.key })")
    print("RAW trace \(tr.sorted { $0.key < $1.key })")
}

// MARK: - Creation (issue 16)

/// A project's lock wrapper: every lock is created on its one line, so the
/// class comes from the creation stack (CreationSiteRule).
final class BenchLockBox {
    let mutex: CheckedMutex
    init() { mutex = CheckedMutex() }
}

/// ns per lock created and destroyed: a named lock (no stack), an unnamed
/// lock created directly, and one behind a wrapper; best of 5 rounds of `n`.
func measureCreation(_ n: Int) -> (named: Double, direct: Double, wrapped: Double) {
    @inline(never) func named(_ n: Int) { for _ in 0..<n { withExtendedLifetime(CheckedMutex(name: "bench.named")) {} } }
    @inline(never) func direct(_ n: Int) { for _ in 0..<n { withExtendedLifetime(CheckedMutex()) {} } }
    @inline(never) func wrapped(_ n: Int) { for _ in 0..<n { withExtendedLifetime(BenchLockBox()) {} } }
    func best(_ body: (Int) -> Void) -> Double {
        (0..<5).map { _ in
            let t0 = now()
            body(n)
            return Double(now() - t0) / Double(n)
        }.min()!
    }
    return (best(named), best(direct), best(wrapped))
}

// MARK: - Entry

let args = CommandLine.arguments
if let i = args.firstIndex(of: "--worker"), i + 1 < args.count {
    let worker = args[i + 1]
    // Before the first lock. The environment (set by the orchestrator) overrides these.
    LockCheck.configure(.init(mode: .report, captureStacks: worker != "nostacks"))
    switch worker {
    case "validated": workerValidated(stacks: true)
    case "nostacks": workerValidated(stacks: false)
    case "off": workerOff()
    case "trace": workerTrace(path: ProcessInfo.processInfo.environment["LOCKCHECK_TRACE"]!)
    case "profile": workerProfile()
    case "profile-task": workerProfileTask()
    case "nested":  // the steady-state row alone (quick before/after comparisons)
        startAThread()
        let (p, c) = measureNested(checked: CheckedLocks())
        emit("plain_ns", p); emit("checked_ns", c); emit("ratio", c / p)
        let compute = measureCompute()
        emit("compute_ns", compute.alone); emit("compute_busy_ns", compute.busy)
    case "nested-task":  // the "nested" row with both loops inside a Swift task (issue 14)
        startAThread()
        final class Box: @unchecked Sendable { var plain = 0.0, checked = 0.0 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            (box.plain, box.checked) = measureNested(checked: CheckedLocks())
            done.signal()
        }
        done.wait()
        emit("plain_ns", box.plain); emit("checked_ns", box.checked); emit("ratio", box.checked / box.plain)
    case "contended":  // row 2d alone: two threads on one lock
        startAThread()
        let (p, c) = measureContended()
        emit("plain_contended_ns", p); emit("checked_contended_ns", c); emit("ratio", c / p)
    case "read":  // the read side of the nested workload, rwlocks (row 2c)
        startAThread()
        let (p, c) = measureRead()
        emit("plain_rw_ns", p); emit("checked_rw_ns", c); emit("ratio", c / p)
    case "creation":  // issue 16: the cost of a lock's creation stack (once per lock)
        let c = measureCreation(argument("--creations", 20_000))
        emit("create_named_ns", c.named); emit("create_direct_ns", c.direct); emit("create_wrapped_ns", c.wrapped)
    default: fatalError("unknown worker \(worker)")
    }
} else {
    orchestrate()
}
