import Foundation
import Instrumented

/// A random multi-threaded lock program over the instrumented lock types,
/// generated from a seed (see ``RandomProgramTests``).
///
/// The generator simulates the locks as it goes (who holds what, in which
/// mode), so every blocking acquisition it emits is one that cannot wait
/// forever, and it knows whether each trylock will succeed.
struct RandomProgram {
    /// The lock types under test.
    enum Kind: CaseIterable {
        case mutex, recursiveMutex, rwsem, spinlock, rawSpinlock, rwlock
        var isReaderWriter: Bool { self == .rwsem || self == .rwlock }
    }

    enum Action: CustomStringConvertible {
        /// A blocking acquisition (write side unless `shared`).
        case lock(Int, shared: Bool, subclass: UInt32)
        /// A trylock whose outcome the generator knows (nil: it cannot, and the test does not check).
        case tryLock(Int, shared: Bool, expect: Bool?)
        /// A trylock of a contended lock, released at once if it was taken.
        case tryAndRelease(Int, shared: Bool)
        case unlock(Int)
        /// `LockCheck.mightSleep`.
        case sleep
        /// The thread returns (with whatever it still holds).
        case exit

        var description: String {
            switch self {
            case .lock(let i, let shared, let sub): return "lock #\(i)\(shared ? " r" : "")\(sub > 0 ? " sub=\(sub)" : "")"
            case .tryLock(let i, let shared, let expect): return "trylock #\(i)\(shared ? " r" : "") -> \(expect.map { "\($0)" } ?? "?")"
            case .tryAndRelease(let i, let shared): return "trylock+unlock #\(i)\(shared ? " r" : "")"
            case .unlock(let i): return "unlock #\(i)"
            case .sleep: return "might-sleep"
            case .exit: return "exit"
            }
        }

        func perform(on locks: [any CheckedExclusiveLock], outcomes: TryOutcomes) {
            switch self {
            case .lock(let i, let shared, let sub):
                if shared { (locks[i] as! any CheckedReaderWriterLock).readLock(subclass: sub, nestLock: nil) }
                else { locks[i].lock(subclass: sub, nestLock: nil) }
            case .tryLock(let i, let shared, let expect):
                let ok = shared ? (locks[i] as! any CheckedReaderWriterLock).tryReadLock() : locks[i].tryLock()
                outcomes.check(expected: expect, actual: ok, what: "#\(i)")
            case .tryAndRelease(let i, let shared):
                let ok = shared ? (locks[i] as! any CheckedReaderWriterLock).tryReadLock() : locks[i].tryLock()
                if ok { locks[i].unlock() }
            case .unlock(let i):
                locks[i].unlock()
            case .sleep:
                LockCheck.mightSleep("random-program")
            case .exit:
                break
            }
        }
    }

    struct Step {
        var thread: Int
        var action: Action
    }

    enum Schedule {
        /// One step at a time, in this order.
        case turnByTurn([Step])
        /// Each thread's actions, run concurrently.
        case freeRunning([[Action]])
    }

    let prefix: String
    let classKinds: [Kind]
    let instanceClass: [Int]
    let threadCount: Int
    let schedule: Schedule
    /// Instances still held when their thread exited.
    let heldAtEnd: [Int]
    let usesSharedMode: Bool

    /// The program, one step per line (printed when a check fails).
    var listing: String {
        let classes = classKinds.enumerated().map { "L\($0): \($1)" }.joined(separator: ", ")
        let instances = instanceClass.enumerated().map { "#\($0)=L\($1)" }.joined(separator: " ")
        switch schedule {
        case .turnByTurn(let steps):
            return "\(classes)\n\(instances)\n" + steps.enumerated().map { "\($0): t\($1.thread) \($1.action)" }.joined(separator: "\n")
        case .freeRunning(let threads):
            return "\(classes)\n\(instances)\n" + threads.enumerated().map { "t\($0): " + $1.map(\.description).joined(separator: "; ") }.joined(separator: "\n")
        }
    }

    /// Creates the program's locks: instance `i` is of class `L<instanceClass[i]>`.
    func makeLocks() -> [any CheckedExclusiveLock] {
        instanceClass.map { c -> any CheckedExclusiveLock in
            let name = "\(prefix).L\(c)"
            switch classKinds[c] {
            case .mutex: return CheckedMutex(name: name)
            case .recursiveMutex: return CheckedRecursiveMutex(name: name)
            case .rwsem: return CheckedRWLock(name: name)
            case .spinlock: return SpinLock(name: name)
            case .rawSpinlock: return RawSpinLock(name: name)
            case .rwlock: return SpinRWLock(name: name)
            }
        }
    }

    // MARK: Seeds

    /// LOCKCHECK_TEST_SEED, or a random seed; printed either way.
    static func seed(name: String) -> UInt64 {
        let env = ProcessInfo.processInfo.environment["LOCKCHECK_TEST_SEED"].flatMap { UInt64($0) }
        let seed = env ?? UInt64.random(in: 1...UInt64.max)
        print("RandomProgramTests (\(name)): seed \(seed) (LOCKCHECK_TEST_SEED=\(seed) replays it)")
        return seed
    }

    /// LOCKCHECK_TEST_PROGRAMS, or `default`.
    static func count(default n: Int) -> Int {
        ProcessInfo.processInfo.environment["LOCKCHECK_TEST_PROGRAMS"].flatMap { Int($0) } ?? n
    }

    private static let keptLock = NSLock()
    nonisolated(unsafe) private static var kept: [AnyObject] = []

    /// Keeps `locks` allocated for the rest of the process.
    static func keepAlive(_ locks: [any CheckedExclusiveLock]) {
        keptLock.lock(); kept.append(contentsOf: locks as [AnyObject]); keptLock.unlock()
    }

    // MARK: The lock model

    /// Who holds one instance.
    struct Holders {
        var writer: Int?
        var writerDepth = 0
        var readers: [Int: Int] = [:]
        var isFree: Bool { writer == nil && readers.isEmpty }
        func heldBy(_ t: Int) -> Bool { writer == t || readers[t] != nil }
    }

    struct Held {
        var instance: Int
        var shared: Bool
    }

    /// The generator's shared part: classes, instances, a preferred class order.
    private struct Model {
        var rng: SplitMix64
        var kinds: [Kind]
        var instanceClass: [Int]
        var rank: [Int]
        var breakChance: Double

        init(seed: UInt64, instancesPerClass: ClosedRange<Int>) {
            var rng = SplitMix64(state: seed)
            let classCount = 3 + rng.below(5)
            var kinds: [Kind] = []
            for _ in 0..<classCount { kinds.append(rng.pick(Kind.allCases)) }
            self.kinds = kinds
            instanceClass = []
            for c in 0..<classCount {
                for _ in 0..<(instancesPerClass.lowerBound + rng.below(instancesPerClass.count)) { instanceClass.append(c) }
            }
            var order = Array(0..<classCount)
            for i in stride(from: classCount - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            rank = Array(repeating: 0, count: classCount)
            for (r, c) in order.enumerated() { rank[c] = r }
            breakChance = [0.0, 0.03, 0.1, 0.25][rng.below(4)]
            self.rng = rng
        }

        /// A subclass for acquiring `instance` while `held`: 1 (half the time)
        /// when another instance of its class is held, else 0.
        mutating func subclass(for instance: Int, held: [Held]) -> UInt32 {
            let c = instanceClass[instance]
            let sameClass = held.contains { instanceClass[$0.instance] == c && $0.instance != instance }
            return sameClass && rng.chance(0.5) ? 1 : 0
        }

        /// Prefers instances whose class ranks above every held class.
        mutating func choose(_ candidates: [Int], held: [Held]) -> Int? {
            let top = held.map { rank[instanceClass[$0.instance]] }.max() ?? -1
            let inOrder = candidates.filter { rank[instanceClass[$0]] > top }
            let pool = rng.chance(breakChance) || inOrder.isEmpty ? candidates : inOrder
            return pool.isEmpty ? nil : rng.pick(pool)
        }
    }

    // MARK: Turn by turn

    /// A program whose threads take turns one operation at a time.
    static func turnByTurn(seed: UInt64, prefix: String) -> RandomProgram {
        var m = Model(seed: seed, instancesPerClass: 1...2)
        let threadCount = 2 + m.rng.below(3)
        var holders = Array(repeating: Holders(), count: m.instanceClass.count)
        var held: [[Held]] = Array(repeating: [], count: threadCount)
        var alive = Array(repeating: true, count: threadCount)
        var steps: [Step] = []
        var usesShared = false
        let length = 30 + m.rng.below(90)

        func release(_ t: Int, at k: Int) {
            let h = held[t].remove(at: k)
            if h.shared {
                holders[h.instance].readers[t]! -= 1
                if holders[h.instance].readers[t] == 0 { holders[h.instance].readers[t] = nil }
            } else {
                holders[h.instance].writerDepth -= 1
                if holders[h.instance].writerDepth == 0 { holders[h.instance].writer = nil }
            }
            steps.append(Step(thread: t, action: .unlock(h.instance)))
        }
        func take(_ t: Int, _ i: Int, shared: Bool) {
            if shared { holders[i].readers[t, default: 0] += 1 } else { holders[i].writer = t; holders[i].writerDepth += 1 }
            held[t].append(Held(instance: i, shared: shared))
            usesShared = usesShared || shared
        }
        /// Whether `t` can take `i` now without waiting (and without deadlocking on itself).
        func available(_ i: Int, for t: Int, shared: Bool) -> Bool {
            let h = holders[i]
            if m.kinds[m.instanceClass[i]] == .recursiveMutex && h.writer == t { return true }
            if h.heldBy(t) { return false }
            return shared ? h.writer == nil : h.isFree
        }

        for step in 0..<length {
            let living = (0..<threadCount).filter { alive[$0] }
            guard !living.isEmpty else { break }
            let t = m.rng.pick(living)
            let n = held[t].count
            if n > 0 && m.rng.chance(0.25 + 0.12 * Double(n)) {
                release(t, at: m.rng.below(n))
            } else if m.rng.chance(0.05) {
                steps.append(Step(thread: t, action: .sleep))
            } else if step > length / 2 && m.rng.chance(0.03) {
                alive[t] = false
                steps.append(Step(thread: t, action: .exit))
            } else if m.rng.chance(0.2) {
                // A trylock, possibly of a lock another thread holds (it really fails).
                let candidates = (0..<m.instanceClass.count).filter {
                    !holders[$0].heldBy(t) || (m.kinds[m.instanceClass[$0]] == .recursiveMutex && holders[$0].writer == t)
                }
                guard let i = candidates.isEmpty ? nil : m.rng.pick(candidates) else { continue }
                let shared = m.kinds[m.instanceClass[i]].isReaderWriter && m.rng.chance(0.5)
                let ok = available(i, for: t, shared: shared)
                steps.append(Step(thread: t, action: .tryLock(i, shared: shared, expect: ok)))
                if ok { take(t, i, shared: shared) }
            } else if n < 5 {
                let shared = m.rng.chance(0.4)
                let candidates = (0..<m.instanceClass.count).filter {
                    available($0, for: t, shared: shared && m.kinds[m.instanceClass[$0]].isReaderWriter)
                }
                guard let i = m.choose(candidates, held: held[t]) else { continue }
                let s = shared && m.kinds[m.instanceClass[i]].isReaderWriter
                let reacquire = holders[i].writer == t
                steps.append(Step(thread: t, action: .lock(i, shared: s, subclass: reacquire ? 0 : m.subclass(for: i, held: held[t]))))
                take(t, i, shared: s)
            }
        }
        // Every thread ends: most release what they hold first, some exit holding it.
        for t in 0..<threadCount where alive[t] {
            if m.rng.chance(0.85) {
                while !held[t].isEmpty { release(t, at: m.rng.below(held[t].count)) }
            }
            steps.append(Step(thread: t, action: .exit))
        }
        let heldAtEnd = Array(Set(held.flatMap { $0.map(\.instance) }))
        return RandomProgram(prefix: prefix, classKinds: m.kinds, instanceClass: m.instanceClass, threadCount: threadCount,
                             schedule: .turnByTurn(steps), heldAtEnd: heldAtEnd, usesSharedMode: usesShared)
    }

    // MARK: Free running

    /// A program whose threads run at once. Each thread has its own instance
    /// of every class; a few more instances are shared and contended, taken
    /// only as leaves (nothing blocking is acquired while one is held) or by
    /// trylock, so no thread ever waits for a thread that waits.
    static func freeRunning(seed: UInt64, prefix: String) -> RandomProgram {
        var m = Model(seed: seed, instancesPerClass: 0...0)
        let classCount = m.kinds.count
        let threadCount = 2 + m.rng.below(3)
        // Instance t * classCount + c is thread t's own of class c; shared ones follow.
        var instanceClass = (0..<threadCount).flatMap { _ in Array(0..<classCount) }
        let sharedStart = instanceClass.count
        for _ in 0..<(1 + m.rng.below(3)) { instanceClass.append(m.rng.below(classCount)) }
        m.instanceClass = instanceClass
        var threads: [[Action]] = []
        var heldAtEnd: [Int] = []
        var usesShared = false

        for t in 0..<threadCount {
            var actions: [Action] = []
            var held: [Held] = []
            var depth: [Int: Int] = [:]  // instance -> holds by this thread
            let own = (0..<classCount).map { t * classCount + $0 }
            let shared = Array(sharedStart..<instanceClass.count)
            let length = 200 + m.rng.below(600)
            func release(at k: Int) {
                let h = held.remove(at: k)
                depth[h.instance]! -= 1
                if depth[h.instance] == 0 { depth[h.instance] = nil }
                actions.append(.unlock(h.instance))
            }
            func canTake(_ i: Int) -> Bool { depth[i] == nil || m.kinds[instanceClass[i]] == .recursiveMutex }
            for _ in 0..<length {
                let holdsShared = held.contains { $0.instance >= sharedStart }
                if !held.isEmpty && m.rng.chance(0.25 + 0.12 * Double(held.count)) {
                    release(at: m.rng.below(held.count))
                } else if m.rng.chance(0.04) {
                    actions.append(.sleep)
                } else if m.rng.chance(0.15) {
                    let i = m.rng.pick(own + shared)
                    let s = m.kinds[instanceClass[i]].isReaderWriter && m.rng.chance(0.5)
                    if i >= sharedStart {
                        if depth[i] == nil { actions.append(.tryAndRelease(i, shared: s)) }
                    } else if depth[i] == nil || (m.kinds[instanceClass[i]] == .recursiveMutex && !s) {
                        actions.append(.tryLock(i, shared: s, expect: true))
                        held.append(Held(instance: i, shared: s))
                        depth[i, default: 0] += 1
                    }
                    usesShared = usesShared || s
                } else if !holdsShared && held.count < 5 {
                    let candidates = (own + (m.rng.chance(0.2) ? shared : [])).filter(canTake)
                    guard let i = m.choose(candidates, held: held) else { continue }
                    let reacquire = depth[i] != nil
                    let s = !reacquire && m.kinds[instanceClass[i]].isReaderWriter && m.rng.chance(0.4)
                    actions.append(.lock(i, shared: s, subclass: reacquire ? 0 : m.subclass(for: i, held: held)))
                    held.append(Held(instance: i, shared: s))
                    depth[i, default: 0] += 1
                    usesShared = usesShared || s
                }
            }
            // Shared instances are always released; own ones are sometimes kept to the exit.
            let keep = m.rng.chance(0.15)
            var k = held.count - 1
            while k >= 0 {
                if !keep || held[k].instance >= sharedStart { release(at: k) }
                k -= 1
            }
            heldAtEnd += held.map(\.instance)
            threads.append(actions)
        }
        return RandomProgram(prefix: prefix, classKinds: m.kinds, instanceClass: instanceClass, threadCount: threadCount,
                             schedule: .freeRunning(threads), heldAtEnd: Array(Set(heldAtEnd)), usesSharedMode: usesShared)
    }
}
