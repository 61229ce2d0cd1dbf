import Dispatch
import Foundation
import Instrumented
@testable import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Differential testing through the real lock types: random multi-threaded
/// lock programs (every lock kind, blocking and try acquisitions, read and
/// write sides, nesting, subclasses, sleep points, threads exiting with locks
/// held) run on real threads with the recorder on. The live reports must
/// equal what `lockcheck analyze` (``TraceAnalyzer``) finds in the trace of
/// the same run.
///
/// Two schedules:
/// - **Turn by turn**: the threads take turns, one operation at a time, in
///   an order the generator chose (semaphores hand the turn over; a blocking
///   acquisition is only scheduled when the lock is free for it, so nothing
///   ever waits, and a trylock on a lock another thread holds really fails).
///   The live validator then sees the events in `seq` order, so the reports
///   must be identical, field by field, in the same order.
/// - **Free running**: the threads run at once, each on its own instances
///   of the shared classes plus a few contended instances taken only as
///   leaves (so the program cannot deadlock). Which cycle a report names may
///   depend on the race; the tests check what cannot: every non-ordering
///   report is identical, and the inversions cover the same cycles of the
///   final class graph.
///
/// Every class name carries the run's seed and the program's index, so the
/// process-wide live validator learns nothing across programs. The seed is
/// printed; set LOCKCHECK_TEST_SEED to replay a run, LOCKCHECK_TEST_PROGRAMS
/// to run more programs.
final class RandomProgramTests: InstrumentedTestCase {
    override func tearDown() {
        LockCheck.stopRecording()
        super.tearDown()
    }

    func test_random_programs_turn_by_turn_live_reports_equal_analyze() throws {
        let seed = RandomProgram.seed(name: "turn by turn")
        var master = SplitMix64(state: seed)
        let programs = RandomProgram.count(default: TestEnvironment.underSanitizer ? 40 : 150)
        var tally: [String: Int] = [:]
        for index in 0..<programs {
            let programSeed = master.next()
            let program = RandomProgram.turnByTurn(seed: programSeed, prefix: "rp\(seed % 100_000).\(index)")
            let context = "run seed \(seed), program \(index) (seed \(programSeed))"
            let outcome = try run(program, context: context)
            // Replayed as the events arrive, the trace gives the live reports, field by field, in order.
            XCTAssertEqual(outcome.live.map(ReportSummary.init), outcome.asFound.map(ReportSummary.init),
                           "live vs replay; \(context):\n\(program.listing)")
            // `lockcheck analyze` decides inversions on the whole graph: the same reports for
            // every other rule, and inversions covering the same cycles.
            XCTAssertEqual(outcome.live.filter(\.isLocal).map(ReportSummary.init),
                           outcome.offline.filter(\.isLocal).map(ReportSummary.init),
                           "live vs analyze; \(context):\n\(program.listing)")
            assertSameCycles(outcome, exhaustive: !program.usesSharedMode, context: context)
            for v in outcome.live { tally[v.rule.rawValue, default: 0] += 1 }
            if testRun?.failureCount ?? 0 > 0 { break }
            outcome.removeTrace()
        }
        print("RandomProgramTests (turn by turn): \(programs) programs, reports per rule: \(tally.sorted { $0.key < $1.key })")
        // A generator that never produces a rule says nothing about it.
        for rule in ["lock-order-inversion", "recursive-lock", "sleep-in-atomic", "invalid-wait-context", "held-at-exit"] {
            XCTAssertGreaterThan(tally[rule] ?? 0, 0, "no \(rule) in \(programs) programs; seed \(seed)")
        }
    }

    func test_random_programs_free_running_live_reports_match_analyze() throws {
        let seed = RandomProgram.seed(name: "free running")
        var master = SplitMix64(state: seed)
        let programs = RandomProgram.count(default: TestEnvironment.underSanitizer ? 10 : 40)
        var inversions = 0
        for index in 0..<programs {
            let programSeed = master.next()
            let program = RandomProgram.freeRunning(seed: programSeed, prefix: "rf\(seed % 100_000).\(index)")
            let context = "run seed \(seed), program \(index) (seed \(programSeed))"
            let outcome = try run(program, context: context)
            // Reports about one thread's own held stack do not depend on the race: the same ones.
            for other in [outcome.offline, outcome.asFound] {
                XCTAssertEqual(Set(outcome.live.filter(\.isLocal).map(\.key)), Set(other.filter(\.isLocal).map(\.key)),
                               "non-ordering reports, live vs analyze; \(context)")
            }
            assertSameCycles(outcome, exhaustive: !program.usesSharedMode, context: context)
            inversions += outcome.live.filter { !$0.isLocal }.count
            if testRun?.failureCount ?? 0 > 0 { break }
            outcome.removeTrace()
        }
        print("RandomProgramTests (free running): \(programs) programs, \(inversions) inversions")
        XCTAssertGreaterThan(inversions, 0, "the generator should produce some inversions; seed \(seed)")
    }

    /// Each inversion names classes of one cycle of the final class graph, and
    /// the live validator, the replay and `lockcheck analyze` report cycles in
    /// the same strongly connected components. With `exhaustive` (exclusive
    /// holds only, where every cycle can deadlock), every cyclic component.
    private func assertSameCycles(_ outcome: Outcome, exhaustive: Bool, context: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let graph = ClassGraph(outcome.dependencies)
        func components(_ vs: [Violation], _ who: String) -> Set<Int> {
            var ids: Set<Int> = []
            for v in vs where !v.isLocal {
                if let c = graph.component(containing: Set(v.classNames)) { ids.insert(c) } else {
                    XCTFail("\(who): \(v.classNames) is not on one cycle; \(context)", file: file, line: line)
                }
            }
            return ids
        }
        let live = components(outcome.live, "live")
        XCTAssertEqual(live, components(outcome.asFound, "replay"), "cyclic components, live vs replay; \(context)", file: file, line: line)
        XCTAssertEqual(live, components(outcome.offline, "analyze"), "cyclic components, live vs analyze; \(context)", file: file, line: line)
        if exhaustive {
            XCTAssertEqual(live, graph.cyclicComponents, "every cycle reported; \(context)", file: file, line: line)
        }
    }

    // MARK: Running a program

    struct Outcome {
        var live: [Violation]
        /// `lockcheck analyze`'s reports: inversions derived from the whole class graph.
        var offline: [Violation]
        /// The replay's reports as the events arrive (``TraceAnalyzer/InversionReporting/asFound``).
        var asFound: [Violation]
        var dependencies: [(from: String, to: String)]
        var tracePath: String
        func removeTrace() { unlink(tracePath) }
    }

    /// Runs `program` on real threads with the recorder on, then analyses its trace.
    private func run(_ program: RandomProgram, context: String) throws -> Outcome {
        let path = temporaryPath("random-program")
        let live = ViolationCollector()
        LockCheck.setViolationHandler { live.add($0) }
        let locks = program.makeLocks()
        XCTAssertTrue(LockCheck.startRecording(path: path), context)
        let outcomes = TryOutcomes()
        switch program.schedule {
        case .turnByTurn(let steps): runTurnByTurn(program, steps: steps, locks: locks, outcomes: outcomes)
        case .freeRunning(let threads): runFreeRunning(program, threads: threads, locks: locks, outcomes: outcomes)
        }
        LockCheck.stopRecording()
        let liveViolations = live.violations
        LockCheck.setViolationHandler { [collector] in collector.add($0) }
        for (expected, actual, what) in outcomes.mismatches {
            XCTFail("trylock of \(what) returned \(actual), the generator expected \(expected); \(context)")
        }
        // Locks a dead thread still holds stay allocated: freeing one would be a real held-lock-freed.
        RandomProgram.keepAlive(program.heldAtEnd.map { locks[$0] })

        let offline = try analyze(path, .wholeGraph, context: context)
        let asFound = try analyze(path, .asFound, context: context)
        return Outcome(live: liveViolations, offline: offline.violations, asFound: asFound.violations,
                       dependencies: offline.dependencies, tracePath: path)
    }

    /// What ``TraceAnalyzer`` (`lockcheck analyze`) reports on the trace at `path`.
    private func analyze(_ path: String, _ inversions: TraceAnalyzer.InversionReporting, context: String) throws
        -> (violations: [Violation], dependencies: [(from: String, to: String)]) {
        var options = TraceAnalyzer.Options()
        options.inversions = inversions
        let found = ViolationCollector()
        let analyzer = TraceAnalyzer(options: options) { found.add($0) }
        do {
            try analyzer.analyze(TraceReader(path: path))
        } catch {
            XCTFail("\(error); trace kept at \(path); \(context)")
            throw error
        }
        analyzer.finish()
        analyzer.validator?._checkInvariants()
        XCTAssertEqual(analyzer.truncatedFiles, [], context)
        let dependencies = (analyzer.validator?.dependencySnapshot() ?? []).map { (from: $0.from.displayName, to: $0.to.displayName) }
        return (found.violations, dependencies)
    }

    private func runTurnByTurn(_ program: RandomProgram, steps: [RandomProgram.Step], locks: [any CheckedExclusiveLock],
                               outcomes: TryOutcomes) {
        let go = (0..<program.threadCount).map { _ in DispatchSemaphore(value: 0) }
        let done = DispatchSemaphore(value: 0)
        let cursor = StepCursor()
        var threads: [TestThread?] = (0..<program.threadCount).map { t in
            TestThread("\(program.prefix)-t\(t)") {
                while true {
                    go[t].wait()
                    let step = steps[cursor.index]
                    if case .exit = step.action { return }
                    step.action.perform(on: locks, outcomes: outcomes)
                    done.signal()
                }
            }
        }
        for (i, step) in steps.enumerated() {
            cursor.index = i
            go[step.thread].signal()
            if case .exit = step.action {
                threads[step.thread]?.join()  // its thread-exit has been handled when join returns
                threads[step.thread] = nil
            } else {
                done.wait()
            }
        }
        precondition(threads.allSatisfy { $0 == nil }, "every generated program ends each thread")
    }

    private func runFreeRunning(_ program: RandomProgram, threads: [[RandomProgram.Action]], locks: [any CheckedExclusiveLock],
                                outcomes: TryOutcomes) {
        let start = DispatchSemaphore(value: 0)
        let running = threads.enumerated().map { t, actions in
            TestThread("\(program.prefix)-t\(t)") {
                start.wait()
                for a in actions { a.perform(on: locks, outcomes: outcomes) }
            }
        }
        for _ in running { start.signal() }
        running.forEach { $0.join() }
    }
}

extension Violation {
    /// Whether the rule is about one thread's own state (not decided on the class graph).
    var isLocal: Bool { rule != .lockOrderInversion && rule != .irqLockInversion }
}

/// What must agree between a live and an offline report (stacks aside: live
/// stacks are captured, offline ones were recorded; file and line exist only offline).
struct ReportSummary: Equatable, CustomStringConvertible {
    var rule: String
    var classes: [String]
    var thread: String
    var seq: UInt64
    var message: String
    var chain: [String]
    var held: [String]

    init(_ v: Violation) {
        rule = v.rule.rawValue
        classes = v.classNames
        thread = v.event.thread
        seq = v.event.seq
        message = v.message
        chain = v.chain.map { "\($0.from) \($0.types) \($0.to) by \($0.thread) at \($0.site.seq)\($0.isNew ? " new" : "")" }
        held = v.held.map { "\($0.className) \($0.mode)\($0.isTry ? " try" : "") at \($0.site.seq)" }
    }

    var description: String { "[\(rule)] \(classes) \(thread)@\(seq) \(message) chain=\(chain) held=\(held)" }
}

/// The turn-by-turn schedule's current step (written by the coordinator
/// before it signals a thread; the semaphores order the accesses).
final class StepCursor: @unchecked Sendable {
    var index = 0
}

/// Trylock results that differ from the generator's prediction.
final class TryOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var mismatches: [(expected: Bool, actual: Bool, what: String)] = []
    func check(expected: Bool?, actual: Bool, what: String) {
        guard let expected, expected != actual else { return }
        lock.lock(); mismatches.append((expected, actual, what)); lock.unlock()
    }
}


/// The class dependency graph of an analysis, for order-independent checks.
struct ClassGraph {
    /// Strongly connected component of each class (Tarjan-free: naive closure, graphs are small).
    private var componentOf: [String: Int] = [:]
    private(set) var cyclicComponents: Set<Int> = []

    init(_ edges: [(from: String, to: String)]) {
        let names = Array(Set(edges.flatMap { [$0.from, $0.to] })).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let n = names.count
        var reach = Array(repeating: Array(repeating: false, count: n), count: n)
        for e in edges { reach[index[e.from]!][index[e.to]!] = true }
        for k in 0..<n { for i in 0..<n where reach[i][k] { for j in 0..<n where reach[k][j] { reach[i][j] = true } } }
        for i in 0..<n {
            // The component's id: its smallest member index.
            let root = (0..<n).first { $0 == i || (reach[i][$0] && reach[$0][i]) }!
            componentOf[names[i]] = root
            if reach[i][i] { cyclicComponents.insert(root) }
        }
    }

    /// The cyclic component holding every class of `set`, or nil.
    func component(containing set: Set<String>) -> Int? {
        let ids = Set(set.map { componentOf[$0] ?? -1 })
        guard ids.count == 1, let id = ids.first, cyclicComponents.contains(id) else { return nil }
        return id
    }
}

/// Settings of the test process.
enum TestEnvironment {
    /// Whether a sanitizer runtime is linked in (scripts/test's TSan and ASan
    /// runs): heavy tests scale down there.
    static let underSanitizer: Bool = {
        let handle = dlopen(nil, RTLD_NOW)
        defer { if let handle { dlclose(handle) } }
        return dlsym(handle, "__tsan_init") != nil || dlsym(handle, "__asan_init") != nil
    }()
}
