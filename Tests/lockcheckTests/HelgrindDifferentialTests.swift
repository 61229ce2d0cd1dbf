import Foundation
import XCTest

/// lockcheck against a tool nobody here wrote: random C programs over plain
/// pthread mutexes (each mutex its own class) run under Valgrind's Helgrind,
/// and record a lockcheck trace of their own lock operations as they run
/// (`Tests/Differential/helgrind/lctrace.h`), so both tools judge the same
/// run. Every lock-order violation Helgrind reports must be reported by
/// `lockcheck analyze --format json` on that trace.
///
/// What "reported" means. Helgrind's `lock order "X before Y" violated`
/// says X and Y lie on a cycle of its lock-order graph. lockcheck reports
/// representative cycles of the whole class graph, chosen so that together
/// they break every cycle; a pair is reported
/// - on **one cycle** when a lockcheck inversion names both X and Y, else
/// - in **one tangle** when X and Y are in one strongly connected component
///   of lockcheck's class graph (`lockcheck graph`) and lockcheck reported
///   an inversion among that component's classes, and no dependency joins
///   X and Y: Helgrind orders X before every lock taken under it, lockcheck
///   (as lockdep) only the lock held last, so X -> Y may be a path
///   X -> H -> Y whose shortest cycles each miss X or Y.
/// Anything else fails the test. A dependency on a cycle must be in a
/// reported inversion (the shortest cycle through it is reported) and drawn
/// red by `lockcheck graph`.
///
/// By design the two tools disagree on one thing: a lock taken by a
/// successful trylock while holding others. Helgrind counts its order;
/// lockcheck, as lockdep, does not (a trylock never waits, so it cannot
/// deadlock). A Helgrind pair lockcheck does not report is accepted only in a
/// program with trylocks, and only if lockcheck reports it on the same trace
/// with its `try` flags removed (Helgrind's view). Half the programs have no
/// trylock, where the plain claim must hold.
///
/// Each program's seed is printed. LOCKCHECK_HELGRIND_SEEDS (default 6) sets
/// how many programs run, LOCKCHECK_TEST_SEED the first seed;
/// `scripts/helgrind-differential` runs a long series and summarises it.
final class HelgrindDifferentialTests: XCTestCase {
    func test_every_lock_order_violation_helgrind_reports_lockcheck_reports_too() throws {
        guard let valgrind = Self.which("valgrind"), let cc = Self.which("cc") else {
            throw XCTSkip("valgrind and cc are needed (scripts/setup installs valgrind)")
        }
        let env = ProcessInfo.processInfo.environment
        let count = env["LOCKCHECK_HELGRIND_SEEDS"].flatMap { Int($0) } ?? 6
        let first = env["LOCKCHECK_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max / 2)
        print("HelgrindDifferentialTests: seeds \(first) … \(first + UInt64(count) - 1) (LOCKCHECK_TEST_SEED=\(first) replays them)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-helgrind-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var totals = Totals()
        for n in 0..<UInt64(count) {
            let seed = first + n
            let result = try runProgram(seed: seed, trylocks: seed % 2 == 1, in: dir, cc: cc, valgrind: valgrind)
            totals.add(result)
            print("HelgrindDifferentialTests: seed \(seed): \(result.summary)")
            if testRun?.failureCount ?? 0 > 0 {
                print("HelgrindDifferentialTests: kept \(dir.path) for seed \(seed)")
                return
            }
        }
        try? FileManager.default.removeItem(at: dir)
        print("HelgrindDifferentialTests: \(totals.summary)")
        // The generator must give Helgrind something to find, or the comparison says nothing.
        XCTAssertGreaterThan(totals.helgrindPairs, 0, "no lock-order violation in \(count) programs from seed \(first)")
    }

    // MARK: One program

    struct ProgramResult {
        var trylocks: Bool
        /// Distinct Helgrind pairs, as class names ("m1", "m4").
        var helgrind: [Set<String>] = []
        /// lockcheck's lock-order-inversion class sets on the trace as recorded.
        var lockcheck: [Set<String>] = []
        /// Helgrind pairs on one cycle lockcheck reported, or only in one tangle with one.
        var sameCycle: [Set<String>] = []
        var sameTangle: [Set<String>] = []
        /// Helgrind pairs lockcheck reports only when trylocks count as locks.
        var trylockOnly: [Set<String>] = []
        /// lockcheck inversions containing no Helgrind pair, and those of them
        /// in a tangle where Helgrind reported some pair.
        var lockcheckOnly: [Set<String>] = []
        var lockcheckOnlyInHelgrindTangle = 0

        var summary: String {
            func list(_ sets: [Set<String>]) -> String { sets.map { $0.sorted().joined(separator: "+") }.joined(separator: " ") }
            return "\(trylocks ? "with" : "no") trylocks; Helgrind \(helgrind.count) pair(s) [\(list(helgrind))], "
                + "lockcheck \(lockcheck.count) inversion(s) [\(list(lockcheck))]; "
                + "same cycle [\(list(sameCycle))], same tangle [\(list(sameTangle))], "
                + "trylock orders [\(list(trylockOnly))]; lockcheck-only [\(list(lockcheckOnly))]"
        }
    }

    struct Totals {
        var programs = 0, helgrindPairs = 0, sameCycle = 0, sameTangle = 0, trylockOnly = 0, inversions = 0, lockcheckOnly = 0
        var lockcheckOnlyInHelgrindTangle = 0
        mutating func add(_ r: ProgramResult) {
            programs += 1
            helgrindPairs += r.helgrind.count
            sameCycle += r.sameCycle.count
            sameTangle += r.sameTangle.count
            trylockOnly += r.trylockOnly.count
            inversions += r.lockcheck.count
            lockcheckOnly += r.lockcheckOnly.count
            lockcheckOnlyInHelgrindTangle += r.lockcheckOnlyInHelgrindTangle
        }
        var summary: String {
            "\(programs) programs: Helgrind reported \(helgrindPairs) lock-order pair(s); lockcheck reported "
                + "\(sameCycle) on one cycle and \(sameTangle) in one tangle with a reported cycle; "
                + "the other \(trylockOnly) are trylock orders (reported once trylocks count as locks); "
                + "lockcheck reported \(inversions) inversion(s), \(lockcheckOnly) of them containing no Helgrind pair "
                + "(\(lockcheckOnlyInHelgrindTangle) of those in a tangle where Helgrind reported another pair)"
        }
    }

    private func runProgram(seed: UInt64, trylocks: Bool, in dir: URL, cc: String, valgrind: String) throws -> ProgramResult {
        let context = "seed \(seed) (LOCKCHECK_TEST_SEED=\(seed) LOCKCHECK_HELGRIND_SEEDS=1)"
        let program = CLockProgram(seed: seed, trylocks: trylocks)
        let source = dir.appendingPathComponent("prog-\(seed).c")
        let binary = dir.appendingPathComponent("prog-\(seed)")
        let trace = dir.appendingPathComponent("prog-\(seed).log")
        let helgrindLog = dir.appendingPathComponent("prog-\(seed).helgrind")
        try program.source.write(to: source, atomically: true, encoding: .utf8)
        let header = Lockcheck.path("Tests/Differential/helgrind")
        let build = try Self.run(cc, ["-g", "-O0", "-pthread", "-I", header, "-o", binary.path, source.path])
        XCTAssertEqual(build.status, 0, "cc: \(build.stderr); \(context)")
        let run = try Self.run(valgrind, ["--tool=helgrind", "--log-file=\(helgrindLog.path)", binary.path, trace.path])
        XCTAssertEqual(run.status, 0, "the program under Helgrind: \(run.stderr); \(context)")

        // Helgrind's pairs, mapped from addresses to the mutexes' class names.
        var names: [UInt64: String] = [:]
        for line in run.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, f[0] == "lock", let address = UInt64(f[2].dropFirst(2), radix: 16) { names[address] = "m\(f[1])" }
        }
        let log = try String(contentsOf: helgrindLog, encoding: .utf8)
        var result = ProgramResult(trylocks: trylocks)
        for pair in Self.lockOrderPairs(inHelgrindLog: log) {
            guard let a = names[pair.0], let b = names[pair.1] else {
                XCTFail("Helgrind names a lock the program did not declare: \(pair); \(context)")
                continue
            }
            if !result.helgrind.contains([a, b]) { result.helgrind.append([a, b]) }
        }

        // lockcheck on the same run's trace, and on it with trylocks counted as locks.
        let recorded = try LockcheckView(trace.path, context: context)
        result.lockcheck = recorded.inversions
        let asLocks = try String(contentsOf: trace, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix(" try") && $0.contains(" acquire ") ? $0.dropLast(4) : $0 }
            .joined(separator: "\n")
        let stripped = trace.path + ".as-locks"
        try asLocks.write(toFile: stripped, atomically: true, encoding: .utf8)
        let helgrindView = try LockcheckView(stripped, context: context)

        for pair in result.helgrind {
            if recorded.onOneCycle(pair) {
                result.sameCycle.append(pair)
            } else if recorded.inOneTangle(pair) {
                XCTAssertFalse(recorded.isDependencyOnCycle(pair),
                               "\(pair.sorted()) is a dependency on a cycle, yet no reported cycle names both; \(context)")
                result.sameTangle.append(pair)
            } else {
                XCTAssertTrue(trylocks, "Helgrind reports \(pair.sorted()), lockcheck does not (no trylock in this program); \(context)\n\(log)")
                XCTAssertTrue(helgrindView.onOneCycle(pair) || helgrindView.inOneTangle(pair),
                              "Helgrind reports \(pair.sorted()); lockcheck does not, even with trylocks counted as locks; \(context)\n\(log)")
                result.trylockOnly.append(pair)
            }
        }
        result.lockcheckOnly = result.lockcheck.filter { set in !result.helgrind.contains { set.isSuperset(of: $0) } }
        result.lockcheckOnlyInHelgrindTangle = result.lockcheckOnly.filter { set in
            result.helgrind.contains { recorded.inOneComponent(set.union($0)) }
        }.count
        return result
    }

    /// Helgrind's `lock order "0xA before 0xB" violated` lines, as address pairs.
    static func lockOrderPairs(inHelgrindLog log: String) -> [(UInt64, UInt64)] {
        var pairs: [(UInt64, UInt64)] = []
        for line in log.split(separator: "\n") where line.contains("lock order \"") && line.hasSuffix("violated") {
            let quoted = line.split(separator: "\"")
            guard quoted.count >= 2 else { continue }
            let words = quoted[1].split(separator: " ")
            guard words.count == 3, words[1] == "before",
                  let a = UInt64(words[0].dropFirst(2), radix: 16), let b = UInt64(words[2].dropFirst(2), radix: 16) else { continue }
            pairs.append((a, b))
        }
        return pairs
    }

    func test_helgrind_log_parsing() {
        let log = """
            ==27376== Thread #3: lock order "0x10C060 before 0x10C0E0" violated
            ==27376==
            ==27376== Observed (incorrect) order is: acquisition of lock at 0x10C0E0
            """
        let pairs = Self.lockOrderPairs(inHelgrindLog: log)
        XCTAssertEqual(pairs.map(\.0), [0x10C060])
        XCTAssertEqual(pairs.map(\.1), [0x10C0E0])
    }

    // MARK: Processes

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = DataReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.finish(), as: UTF8.self))
    }
}

/// What lockcheck says about one trace: its lock-order inversions
/// (`analyze --format json`) and its class graph (`graph --format dot`).
struct LockcheckView {
    /// The classes of each inversion reported.
    let inversions: [Set<String>]
    /// For each class, the classes it reaches (transitively) in the graph.
    private let reaches: [String: Set<String>]
    /// The dependencies, as (from, to) class names.
    private let dependencies: Set<[String]>

    init(_ trace: String, context: String) throws {
        let r = try Lockcheck.run(["analyze", "--format", "json", trace])
        XCTAssertTrue(r.status == 0 || r.status == 1, "lockcheck analyze exit \(r.status): \(r.stderr); \(context)")
        let violations = try r.json()["violations"] as? [[String: Any]] ?? []
        inversions = violations.filter { $0["rule"] as? String == "lock-order-inversion" }
            .map { Set($0["classes"] as? [String] ?? []) }
        let dot = trace + ".dot"
        defer { unlink(dot) }
        let g = try Lockcheck.run(["graph", "--format", "dot", "-o", dot, trace])
        XCTAssertEqual(g.status, 0, "lockcheck graph: \(g.stderr); \(context)")
        // Nodes `c0 [label="m1\nmutex", …]`, edges `c3 -> c0 [` (the legend's nodes are not `c<n>`).
        var names: [String: String] = [:]
        var next: [String: Set<String>] = [:]
        var drawnInInversion: Set<[String]> = []
        for line in try String(contentsOfFile: dot, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard f.count >= 2, f[0].first == "c", Int(f[0].dropFirst()) != nil else { continue }
            if f[1] == "->", f.count >= 3 {
                next[f[0], default: []].insert(f[2])
                if line.contains("lock-order-inversion") { drawnInInversion.insert([f[0], f[2]]) }
            } else if let start = line.range(of: "label=\""), let end = line[start.upperBound...].range(of: "\\n") {
                names[f[0]] = String(line[start.upperBound..<end.lowerBound])
            }
        }
        var reaches: [String: Set<String>] = [:]
        for node in names.keys {
            var seen: Set<String> = []
            var stack = Array(next[node] ?? [])
            while let n = stack.popLast() {
                guard seen.insert(n).inserted else { continue }
                stack.append(contentsOf: next[n] ?? [])
            }
            reaches[names[node]!] = Set(seen.compactMap { names[$0] })
        }
        self.reaches = reaches
        dependencies = Set(next.flatMap { from, targets in targets.compactMap { to in names[from].flatMap { f in names[to].map { [f, $0] } } } })
        // Every dependency on a cycle is on a reported one, so drawn as such.
        for (from, targets) in next {
            for to in targets where reaches[names[to] ?? ""]?.contains(names[from] ?? "") == true {
                XCTAssertTrue(drawnInInversion.contains([from, to]),
                              "lockcheck graph draws \(names[from] ?? from) -> \(names[to] ?? to) outside every inversion, yet it is on a cycle; \(context)")
            }
        }
    }

    /// Whether a dependency joins the two classes of `pair` (in either
    /// direction) and lies on a cycle: then the shortest cycle through it,
    /// naming both, must be reported.
    func isDependencyOnCycle(_ pair: Set<String>) -> Bool {
        guard pair.count == 2 else { return false }
        let p = Array(pair)
        return (dependencies.contains(p) || dependencies.contains(p.reversed())) && inOneComponent(pair)
    }

    /// Whether one reported inversion names every class of `pair`.
    func onOneCycle(_ pair: Set<String>) -> Bool { inversions.contains { $0.isSuperset(of: pair) } }

    /// Whether every class of `set` is on one cycle with every other (one
    /// strongly connected component of the graph).
    func inOneComponent(_ set: Set<String>) -> Bool {
        set.allSatisfy { a in set.allSatisfy { b in a == b || (reaches[a]?.contains(b) == true && reaches[b]?.contains(a) == true) } }
    }

    /// Whether the classes of `pair` are in one strongly connected component
    /// of the graph, and a reported inversion lies in it.
    func inOneTangle(_ pair: Set<String>) -> Bool {
        guard pair.count == 2, inOneComponent(pair), let a = pair.first else { return false }
        return inversions.contains { !$0.isEmpty && inOneComponent($0.union([a])) }
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class DataReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }
    func finish() -> Data { done.wait(); return data }
}

/// A random C program over pthread mutexes whose threads take turns, one
/// operation at a time, in an order chosen from the seed (semaphores hand
/// the turn over). A blocking lock is only scheduled when the mutex is free,
/// so the program never deadlocks, whatever orders it uses; a trylock of a
/// mutex another thread holds really fails. Each operation is on its own
/// source line, so Helgrind sees a distinct stack for each.
struct CLockProgram {
    let source: String

    init(seed: UInt64, trylocks: Bool) {
        var rng = SplitMix64(state: seed)
        let lockCount = 4 + rng.below(5)
        let threadCount = 2 + rng.below(3)
        var order = Array(0..<lockCount)
        for i in stride(from: lockCount - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var rank = Array(repeating: 0, count: lockCount)
        for (r, l) in order.enumerated() { rank[l] = r }
        let breakChance = [0.02, 0.08, 0.2][rng.below(3)]

        var owner: [Int?] = Array(repeating: nil, count: lockCount)
        var held: [[Int]] = Array(repeating: [], count: threadCount)
        var alive = Array(repeating: true, count: threadCount)
        var steps: [(thread: Int, code: String)] = []
        let length = 30 + rng.below(70)
        func unlock(_ t: Int, _ k: Int) {
            let l = held[t].remove(at: k)
            owner[l] = nil
            steps.append((t, "unlock_(\(t), \(l));"))
        }
        for step in 0..<length {
            let living = (0..<threadCount).filter { alive[$0] }
            guard !living.isEmpty else { break }
            let t = living[rng.below(living.count)]
            let n = held[t].count
            if n > 0 && rng.chance(0.25 + 0.15 * Double(n)) {
                unlock(t, rng.below(n))
            } else if step > length / 2 && rng.chance(0.02) {
                alive[t] = false
                steps.append((t, "EXIT"))
            } else if trylocks && rng.chance(0.25) {
                let candidates = (0..<lockCount).filter { owner[$0] != t }
                guard !candidates.isEmpty else { continue }
                let l = candidates[rng.below(candidates.count)]
                let free = owner[l] == nil
                steps.append((t, "try_(\(t), \(l), \(free ? 1 : 0));"))
                if free { owner[l] = t; held[t].append(l) }
            } else if n < 4 {
                let free = (0..<lockCount).filter { owner[$0] == nil }
                let top = held[t].map { rank[$0] }.max() ?? -1
                let inOrder = free.filter { rank[$0] > top }
                let pool = rng.chance(breakChance) || inOrder.isEmpty ? free : inOrder
                guard !pool.isEmpty else { continue }
                let l = pool[rng.below(pool.count)]
                owner[l] = t
                held[t].append(l)
                steps.append((t, "lock_(\(t), \(l));"))
            }
        }
        for t in 0..<threadCount where alive[t] {
            if rng.chance(0.9) { while !held[t].isEmpty { unlock(t, rng.below(held[t].count)) } }
            steps.append((t, "EXIT"))
        }

        // Each thread's code: its steps, handing the turn to the next step's thread.
        var bodies: [[String]] = Array(repeating: [], count: threadCount)
        for (i, s) in steps.enumerated() {
            let next = i + 1 < steps.count ? steps[i + 1].thread : threadCount  // threadCount: main
            if s.code == "EXIT" {
                bodies[s.thread].append("return exit_(\(s.thread), \(next));")
            } else {
                bodies[s.thread].append(s.code)
                if next != s.thread { bodies[s.thread].append("pass_(\(s.thread), \(next));") }
            }
        }
        var c = """
            /* Generated by HelgrindDifferentialTests from seed \(seed): \(threadCount) threads, \(lockCount) mutexes. */
            #include <pthread.h>
            #include <semaphore.h>
            #include "lctrace.h"

            #define LOCKS \(lockCount)
            #define THREADS \(threadCount)
            static pthread_mutex_t m[LOCKS];
            static sem_t turn[THREADS + 1]; /* turn[THREADS]: main */

            /* Trace ids: thread t is <t + 1>, mutex i is lock and class <i + 1>. */
            static void wait_(unsigned self) { while (sem_wait(&turn[self]) != 0) {} }
            static void pass_(unsigned self, unsigned next) { sem_post(&turn[next]); wait_(self); }
            static void *exit_(unsigned self, unsigned next) { lct_thread_exit(self + 1); sem_post(&turn[next]); return NULL; }
            static void lock_(unsigned t, unsigned i) { lct_acquire(t + 1, i + 1, 0); if (pthread_mutex_lock(&m[i]) != 0) abort(); }
            static void unlock_(unsigned t, unsigned i) { if (pthread_mutex_unlock(&m[i]) != 0) abort(); lct_release(t + 1, i + 1); }
            static void try_(unsigned t, unsigned i, int expected) {
                int ok = pthread_mutex_trylock(&m[i]) == 0;
                if (ok) lct_acquire(t + 1, i + 1, 1);
                if (ok != expected) { fprintf(stderr, "trylock of mutex %u: %d, expected %d\\n", i, ok, expected); exit(4); }
            }

            """
        for t in 0..<threadCount {
            c += "static void *thread\(t)(void *arg) {\n    (void)arg;\n    wait_(\(t));\n"
            for line in bodies[t] { c += "    \(line)\n" }
            c += "}\n\n"
        }
        c += """
            int main(int argc, char **argv) {
                if (argc != 2) { fprintf(stderr, "usage: %s trace.log\\n", argv[0]); return 2; }
                lct_open(argv[1]);
                for (unsigned i = 0; i < LOCKS; i++) {
                    pthread_mutex_init(&m[i], NULL);
                    lct_mutex(i + 1);
                    printf("lock %u %p\\n", i + 1, (void *)&m[i]);
                }
                char name[16];
                for (unsigned t = 0; t < THREADS; t++) { snprintf(name, sizeof name, "t%u", t); lct_thread(t + 1, name); }
                for (unsigned t = 0; t <= THREADS; t++) sem_init(&turn[t], 0, 0);
                void *(*bodies[THREADS])(void *) = {
            """
        c += (0..<threadCount).map { "thread\($0)" }.joined(separator: ", ")
        c += """
            };
                pthread_t threads[THREADS];
                for (unsigned t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, bodies[t], NULL);
                sem_post(&turn[\(steps.first?.thread ?? threadCount)]);
                wait_(THREADS);
                for (unsigned t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
                lct_close();
                return 0;
            }

            """
        source = c
    }
}

