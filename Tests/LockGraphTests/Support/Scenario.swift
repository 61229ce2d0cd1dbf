import Foundation
import LockGraph
import XCTest

// A small DSL over `Validator` so that each test reads like one of lockdep's
// lib/locking-selftest.c cases:
//
//     let s = Scenario()
//     s.declare(.spinlock, "A", "B")
//     s.lockUnlock2("A", "B")
//     s.lockUnlock2("B", "A")
//     s.expect(fires(.lockOrderInversion, "A", "B"))
//
// Every event gets the next `seq`; lock, pool and queue names map to one
// engine object each; `thread("t2") { … }` runs its body as another thread.

/// Collects what the validator reports. The handler is `@Sendable` and may be
/// called from any thread, so the log takes a lock.
final class ViolationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Violation] = []

    func append(_ v: Violation) {
        lock.lock()
        items.append(v)
        lock.unlock()
    }

    var all: [Violation] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    var count: Int { all.count }
}

/// One expected violation: its rule id and its sorted class (or pool) names.
struct Expected: Hashable, Comparable, CustomStringConvertible {
    let rule: RuleID
    let classes: [String]

    init(_ rule: RuleID, _ classes: [String]) {
        self.rule = rule
        self.classes = classes.sorted()
    }

    init(_ v: Violation) { self.init(v.rule, v.classNames) }

    var description: String { "\(rule.rawValue) [\(classes.joined(separator: ", "))]" }
    static func < (a: Expected, b: Expected) -> Bool { a.description < b.description }
}

/// `fires(.recursiveLock, "A")`: one violation of `rule` naming exactly these classes.
func fires(_ rule: RuleID, _ classes: String...) -> Expected { Expected(rule, classes) }

/// The lock flavours of locking-selftest.c's GENERATE_TESTCASE permutations:
/// a lock kind plus the mode `LOCK(x)` takes it in. `rlock` is a recursive
/// read (the selftest runs with force_read_lock_recursive = 1), `rsem` a
/// plain (non-recursive) read.
enum Flavor: String, CaseIterable, CustomStringConvertible {
    case spin, wlock, rlock, mutex, wsem, rsem, rtmutex

    var kind: LockKind {
        switch self {
        case .spin: return .spinlock
        case .wlock, .rlock: return .rwlock
        case .mutex: return .mutex
        case .wsem, .rsem: return .rwsem
        case .rtmutex: return .rtMutex
        }
    }

    var mode: AcquireMode {
        switch self {
        case .rlock: return .recursiveShared
        case .rsem: return .shared
        default: return .exclusive
        }
    }

    var description: String { rawValue }
    /// The flavours that can be taken in interrupt context (spinning locks).
    static let irqSafe: [Flavor] = [.spin, .wlock, .rlock]
}

/// Hard or soft interrupt flavour of the selftest's IRQ_ENTER / IRQ_DISABLE macros.
enum Irq: String, CaseIterable, CustomStringConvertible {
    case hard, soft
    var description: String { rawValue }
}

final class Scenario {
    let validator: Validator
    let log: ViolationLog
    private(set) var seq: UInt64 = 0
    private var classIDs: [String: LockClassID] = [:]
    private var locks: [String: LockInstance] = [:]
    private var defaultModes: [String: AcquireMode] = [:]
    private var threads: [String: ThreadState] = [:]
    private var pools: [String: Pool] = [:]
    private var queues: [String: DeferredQueue] = [:]
    private var nextID: UInt64 = 1
    /// The thread events are delivered on.
    private(set) var current: ThreadState

    init(rawNesting: Bool = true, preemptRT: Bool = false) {
        let log = ViolationLog()
        self.log = log
        validator = Validator(configuration: Configuration(rawNesting: rawNesting, preemptRT: preemptRT),
                              onViolation: { log.append($0) })
        current = validator.makeThread(name: "main", id: 0)
        threads["main"] = current
    }

    // MARK: Declarations

    /// Declares one lock per name, each of its own class named like the lock.
    func declare(_ kind: LockKind, _ names: String...) {
        for n in names { declare(kind, class: n, instances: [n]) }
    }

    /// Declares locks in the selftest flavour `flavor`: `lock(name)` then uses its mode.
    func declare(flavor: Flavor, _ names: String...) {
        for n in names {
            declare(flavor.kind, class: n, instances: [n])
            defaultModes[n] = flavor.mode
        }
    }

    /// Declares several instances of one class (lockdep's X1 / X2).
    func declare(_ kind: LockKind, class cls: String, instances: String...) {
        declare(kind, class: cls, instances: instances)
    }

    /// Declares several instances of one class in the selftest flavour `flavor`.
    func declare(flavor: Flavor, class cls: String, instances: String...) {
        declare(flavor.kind, class: cls, instances: instances)
        for n in instances { defaultModes[n] = flavor.mode }
    }

    func declare(_ kind: LockKind, class cls: String, instances: [String]) {
        let id = classIDs[cls] ?? validator.lockClass(kind: kind, name: cls)
        classIDs[cls] = id
        for n in instances {
            precondition(locks[n] == nil, "lock \(n) declared twice")
            locks[n] = validator.makeLock(id, id: nextID)
            nextID += 1
        }
    }

    func instance(_ name: String) -> LockInstance {
        guard let l = locks[name] else { fatalError("undeclared lock \(name)") }
        return l
    }

    func thread(named name: String) -> ThreadState {
        if let t = threads[name] { return t }
        let t = validator.makeThread(name: name, id: UInt64(threads.count))
        threads[name] = t
        return t
    }

    func pool(_ name: String) -> Pool {
        if let p = pools[name] { return p }
        let p = validator.makePool(name: name, id: UInt64(pools.count + 1))
        pools[name] = p
        return p
    }

    func queue(_ name: String) -> DeferredQueue {
        if let q = queues[name] { return q }
        let q = validator.makeQueue(name: name, id: UInt64(queues.count + 1))
        queues[name] = q
        return q
    }

    private func site() -> EventSite {
        seq += 1
        return EventSite(seq: seq)
    }

    // MARK: Threads

    /// Runs `body` with its events delivered as thread `name`.
    func thread(_ name: String, _ body: () -> Void) {
        let saved = current
        current = thread(named: name)
        body()
        current = saved
    }

    func exitThread() { validator.threadExit(thread: current, site: site()) }

    /// The current thread runs Swift task `id` from now on (0: none).
    func task(_ id: UInt64) { validator.setTask(id, thread: current) }

    // MARK: Locks

    /// Acquires `name` (blocking acquisition; `mode` defaults to the declared flavour's).
    func lock(_ name: String, _ mode: AcquireMode? = nil, sub: UInt32 = 0, nest: String? = nil) {
        let l = instance(name)
        validator.acquire(l, mode: mode ?? defaultModes[name] ?? .exclusive, isTry: false, subclass: sub,
                          nestLock: nest.map(instance), thread: current, site: site())
    }

    /// A successful trylock of `name`.
    func trylock(_ name: String, _ mode: AcquireMode? = nil) {
        validator.acquire(instance(name), mode: mode ?? defaultModes[name] ?? .exclusive, isTry: true,
                          thread: current, site: site())
    }

    func unlock(_ name: String) { validator.release(instance(name), thread: current, site: site()) }

    /// The selftest's WL / RL: write lock and recursive read lock.
    func wlock(_ name: String) { lock(name, .exclusive) }
    func rlock(_ name: String) { lock(name, .recursiveShared) }

    /// LOCK_UNLOCK_2(a, b): take a, take b, release b, release a.
    func lockUnlock2(_ a: String, _ b: String) {
        lock(a)
        lock(b)
        unlock(b)
        unlock(a)
    }

    /// Takes `names` in order and releases them in reverse.
    func nested(_ names: String...) {
        for n in names { lock(n) }
        for n in names.reversed() { unlock(n) }
    }

    func lockInit(_ name: String) { validator.lockInit(instance(name), thread: current, site: site()) }
    func lockFree(_ name: String) { validator.lockFree(instance(name), thread: current, site: site()) }

    // MARK: Contexts

    func sleep(_ what: String = "sleep what=cond-wait") { validator.sleepPoint(what, thread: current, site: site()) }
    /// A blocking wait (`sleep` with the `task` / `nonblock` flags) in `context`.
    func blockingWait(_ what: String = "sleep what=semaphore-wait", in context: Validator.BlockingContext) {
        validator.sleepPoint(what, thread: current, site: site())
        validator.blockingWait(what, context: context, thread: current, site: site())
    }
    func hardirqEnter(threaded: Bool = false) { validator.hardirqEnter(threaded: threaded, thread: current, site: site()) }
    func hardirqExit() { validator.hardirqExit(thread: current, site: site()) }
    func softirqEnter() { validator.softirqEnter(thread: current, site: site()) }
    func softirqExit() { validator.softirqExit(thread: current, site: site()) }
    func irqsOff() { validator.irqsOff(thread: current, site: site()) }
    func irqsOn() { validator.irqsOn(thread: current, site: site()) }
    func softirqsOff() { validator.softirqsOff(thread: current, site: site()) }
    func softirqsOn() { validator.softirqsOn(thread: current, site: site()) }
    func preemptOff() { validator.preemptOff(thread: current, site: site()) }
    func preemptOn() { validator.preemptOn(thread: current, site: site()) }
    func rcuLock(_ flavor: RCUFlavor = .plain) { validator.rcuReadLock(flavor, thread: current, site: site()) }
    func rcuUnlock(_ flavor: RCUFlavor = .plain) { validator.rcuReadUnlock(flavor, thread: current, site: site()) }

    /// HARDIRQ_ENTER … HARDIRQ_EXIT: irqs off, handler, irqs back on.
    func inHardirq(threaded: Bool = false, _ body: () -> Void) {
        irqsOff()
        hardirqEnter(threaded: threaded)
        body()
        hardirqExit()
        irqsOn()
    }

    /// SOFTIRQ_ENTER … SOFTIRQ_EXIT: bh off, irqs off, softirq context, and back.
    func inSoftirq(_ body: () -> Void) {
        softirqsOff()
        irqsOff()
        softirqEnter()
        body()
        softirqExit()
        irqsOn()
        softirqsOn()
    }

    /// The selftest's IRQ_ENTER / IRQ_EXIT for `irq`.
    func inIrq(_ irq: Irq, _ body: () -> Void) {
        switch irq {
        case .hard: inHardirq(body)
        case .soft: inSoftirq(body)
        }
    }

    /// The selftest's IRQ_DISABLE / IRQ_ENABLE for `irq` (local_irq_disable or local_bh_disable).
    func irqDisable(_ irq: Irq) { irq == .hard ? irqsOff() : softirqsOff() }
    func irqEnable(_ irq: Irq) { irq == .hard ? irqsOn() : softirqsOn() }

    /// Runs `body` with `irq` disabled.
    func withIrqDisabled(_ irq: Irq, _ body: () -> Void) {
        irqDisable(irq)
        body()
        irqEnable(irq)
    }

    // MARK: Memory

    func alloc(_ flags: AllocFlags, _ bytes: UInt64 = 64, pointer: UInt64 = 0, pool: String? = nil) {
        validator.allocate(flags: flags, bytes: bytes, pointer: pointer, pool: pool.map(self.pool),
                           thread: current, site: site())
    }

    func free(_ pointer: UInt64, pool: String? = nil) {
        validator.free(pointer: pointer, pool: pool.map(self.pool), thread: current, site: site())
    }

    func deferFree(_ queue: String, _ pointer: UInt64, headless: Bool = false, pool: String? = nil) {
        validator.deferFree(queue: self.queue(queue), pointer: pointer, headless: headless,
                            pool: pool.map(self.pool), thread: current, site: site())
    }

    func reclaimed(_ queue: String, _ pointer: UInt64) {
        validator.reclaimed(queue: self.queue(queue), pointer: pointer, thread: current, site: site())
    }

    func barrier(_ queue: String) { validator.barrier(queue: self.queue(queue), thread: current, site: site()) }
    func destroyPool(_ name: String) { validator.destroyPool(pool(name), thread: current, site: site()) }

    // MARK: Expectations

    var violations: [Violation] { log.all }

    /// Asserts that exactly these violations were reported (each once), in any order.
    func expect(_ expected: Expected..., file: StaticString = #filePath, line: UInt = #line) {
        expect(expected, file: file, line: line)
    }

    func expect(_ expected: [Expected], _ label: String = "", file: StaticString = #filePath, line: UInt = #line) {
        let got = violations.map(Expected.init).sorted()
        XCTAssertEqual(got.map(\.description), expected.sorted().map(\.description),
                       label.isEmpty ? "violations" : label, file: file, line: line)
        for v in violations {
            XCTAssertFalse(v.message.isEmpty, "\(v.rule) has an empty message", file: file, line: line)
        }
    }

    /// Takes `body`'s locks three times (checked once, then served by the
    /// acquire memo) and asserts that the warm-up reported nothing.
    func warm(file: StaticString = #filePath, line: UInt = #line, _ body: () -> Void) {
        for _ in 0..<3 { body() }
        expectSilent("warm-up", file: file, line: line)
    }

    /// Asserts that nothing was reported.
    func expectSilent(_ label: String = "", file: StaticString = #filePath, line: UInt = #line) {
        expect([], label, file: file, line: line)
    }
}

/// The six orders of three events, as GENERATE_PERMUTATIONS_3_EVENTS names them.
let permutations3: [(name: String, order: [Int])] = [
    ("123", [0, 1, 2]), ("132", [0, 2, 1]), ("213", [1, 0, 2]),
    ("231", [1, 2, 0]), ("312", [2, 0, 1]), ("321", [2, 1, 0]),
]

/// The two orders of two events (GENERATE_PERMUTATIONS_2_EVENTS).
let permutations2: [(name: String, order: [Int])] = [("12", [0, 1]), ("21", [1, 0])]
