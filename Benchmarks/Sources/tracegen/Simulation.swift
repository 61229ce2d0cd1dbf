/// One step of a thread's script: an event line to write, or (`marker`) a
/// comment plus declarations that introduce an injected violation.
enum Op {
    case acquire(lid: Int32, cls: Int32, stack: Int32, shared: Bool, isTry: Bool)
    case release(lid: Int32)
    case sleep(what: Sleep)
    case alloc(flags: AllocFlags, bytes: Int32, ptr: UInt64, pool: Int32)
    case free(ptr: UInt64, pool: Int32)
    case deferFree(queue: Int32, ptr: UInt64, pool: Int32)
    case reclaimed(queue: Int32, ptr: UInt64)
    case rcuLock
    case rcuUnlock
    case exit
    case marker(violation: Int32)

    var isEvent: Bool {
        if case .marker = self { return false }
        return true
    }
}

enum Sleep: UInt8 {
    case io, futex, gracePeriod, yield
}

enum AllocFlags: UInt8 {
    case mayBlock, atomic, nowait, noLocks
}

/// What a thread's current script is, for the phase bookkeeping.
enum ScriptKind {
    case none, warmUp, late, normal, violation, filler
}

/// An injected inversion: `a -> b` was established by the program, the
/// violation takes `b` then `a` on instances of its own.
struct Violation {
    let a: Int32
    let b: Int32
    let lidA: Int32
    let lidB: Int32
    let stackB: Int32
    let stackA: Int32
}

struct HeldLock {
    let lid: Int32
    let cls: Int32
    let shared: Bool
    let isTry: Bool
}

struct SimThread {
    let tid: Int
    let isReclaimer: Bool
    var paths: [Int32]
    /// Paths `0..<warmUpCount` are run once each, in order, before any other.
    let warmUpCount: Int
    var warmCursor = 0
    var script: [Op] = []
    var cursor = 0
    var kind = ScriptKind.none
    var held: [HeldLock] = []
    var live: [(ptr: UInt64, pool: Int32)] = []
    var exited = false

    init(tid: Int, isReclaimer: Bool, paths: [Int32]) {
        self.tid = tid
        self.isReclaimer = isReclaimer
        self.paths = paths
        self.warmUpCount = paths.count
    }
}

/// Runs the program of a `ProgramModel` on simulated threads and writes the
/// trace.
///
/// Threads run scripts (one code path each: acquisitions, a few allocations
/// or sleeps, releases, frees), interleaved by a seeded scheduler a few events
/// at a time. A thread waits while another holds the lock it wants, so the
/// trace is a possible execution. Every event gets the next, strictly larger,
/// `seq`, so lines are in seq order. Exactly `options.events` event lines are
/// written: every planned event is counted against the budget when its script
/// is built, and the last scripts are cut down to fit.
///
/// Phases, by events written: warm-up (every thread runs each of its paths
/// once), steady state, late paths from 75% (new dependencies, still in
/// order), injected violations from 90% once every late path has completed
/// (so that no new dependency follows a violation and closes another cycle
/// through it).
struct Simulation {
    let options: Options
    let model: ProgramModel
    var rng: Xoshiro256
    let out: TraceWriter

    var threads: [SimThread] = []
    var active: [Int] = []
    /// Writer (thread index) or -1, and reader count, per lock id.
    var writer: [Int32]
    var readers: [Int32]
    var stackDeclared: [Bool]

    var emitted = 0
    /// Events written plus events planned in scripts plus one exit per live thread.
    var committed = 0
    var seq: UInt64 = 5_000_000_000
    var nextPtr: UInt64 = 0x7f3a_0000_0000

    var pendingFrees: [(queue: Int32, ptr: UInt64)] = []
    var pendingHead = 0

    var dependencySeen = Set<Int>()
    var dependencies: [(a: Int32, b: Int32)] = []
    var lateDependencies = 0

    let lateStart: Int
    let violationStart: Int
    var lateQueued = false
    var lateRemaining = 0
    var warmRemaining = 0
    var forced: [Int32] = []  // >= 0: late path index; < 0: ~violation index
    var forcedHead = 0
    var violationsQueued = false
    var violations: [Violation] = []
    var violationsWritten = 0
    var lidsScratch: [Int32] = []

    init(options: Options, model: ProgramModel, rng: Xoshiro256, out: TraceWriter) {
        self.options = options
        self.model = model
        self.rng = rng
        self.out = out
        let maxLocks = model.lockCount + 2 * options.violations + 1
        writer = Array(repeating: -1, count: maxLocks + 1)
        readers = Array(repeating: 0, count: maxLocks + 1)
        stackDeclared = Array(repeating: false, count: model.nextStack + 2 * options.violations + 1)
        lateStart = options.events / 4 * 3
        violationStart = options.events / 10 * 9
        for (w, paths) in model.workerPaths.enumerated() {
            threads.append(SimThread(tid: w + 1, isReclaimer: false, paths: paths))
            warmRemaining += paths.count
        }
        threads.append(SimThread(tid: options.threads, isReclaimer: true, paths: []))
        active = Array(threads.indices)
        committed = threads.count
    }

    // MARK: - Running

    mutating func run() {
        writeHeader()
        while !active.isEmpty {
            let start = rng.below(active.count)
            var ran = false
            for k in 0..<active.count {
                let slot = (start + k) % active.count
                let t = active[slot]
                if threads[t].cursor == threads[t].script.count {
                    finishScript(t)
                    buildScript(t)
                }
                guard runnable(t) else { continue }
                let burst = 1 + rng.below(4)
                for _ in 0..<burst {
                    step(t)
                    if threads[t].exited {
                        active.swapAt(slot, active.count - 1)
                        active.removeLast()
                        break
                    }
                    if threads[t].cursor == threads[t].script.count || !runnable(t) { break }
                }
                ran = true
                break
            }
            precondition(ran, "tracegen: every thread is blocked (simulation deadlock)")
            out.flushIfNeeded()
        }
        out.flush()
    }

    func runnable(_ t: Int) -> Bool {
        let thread = threads[t]
        guard thread.cursor < thread.script.count else { return false }
        if case let .acquire(lid, _, _, shared, _) = thread.script[thread.cursor] {
            let l = Int(lid)
            return writer[l] < 0 && (shared || readers[l] == 0)
        }
        return true
    }

    /// Bookkeeping when a thread has run its whole script.
    mutating func finishScript(_ t: Int) {
        switch threads[t].kind {
        case .warmUp: warmRemaining -= 1
        case .late: lateRemaining -= 1
        default: break
        }
        threads[t].kind = .none
    }

    // MARK: - Scripts

    mutating func buildScript(_ t: Int) {
        threads[t].script.removeAll(keepingCapacity: true)
        threads[t].cursor = 0
        let budget = options.events - committed
        if budget <= 0 {
            threads[t].script.append(.exit)  // its exit was reserved from the start
            return
        }
        advancePhases()
        if threads[t].isReclaimer {
            buildReclaim(t)
        } else if forcedHead < forced.count {
            let item = forced[forcedHead]
            forcedHead += 1
            if item >= 0 {
                buildPath(t, Int(item))
                threads[t].kind = .late
                threads[t].paths.append(item)  // it keeps running from now on
            } else {
                buildViolation(t, Int(~item))
                threads[t].kind = .violation
            }
        } else if threads[t].warmCursor < threads[t].warmUpCount {
            let p = threads[t].paths[threads[t].warmCursor]
            threads[t].warmCursor += 1
            buildPath(t, Int(p))
            threads[t].kind = .warmUp
        } else if rng.chance(0.02) {
            threads[t].script.append(.sleep(what: .futex))  // blocking outside any lock
            threads[t].kind = .normal
        } else {
            // Popular paths run far more often than the rest (u² skew).
            let u = rng.unit()
            let paths = threads[t].paths
            let p = paths[min(paths.count - 1, Int(Double(paths.count) * u * u))]
            buildPath(t, Int(p))
            threads[t].kind = .normal
        }
        var planned = 0
        for op in threads[t].script where op.isEvent { planned += 1 }
        if planned > budget {
            // The end of the run: replace the script by what still fits.
            switch threads[t].kind {
            case .late: lateRemaining -= 1
            case .warmUp: warmRemaining -= 1
            default: break  // a violation that does not fit is not injected
            }
            threads[t].script.removeAll(keepingCapacity: true)
            for _ in 0..<budget { threads[t].script.append(.sleep(what: .yield)) }
            threads[t].kind = .filler
            planned = budget
        }
        committed += planned
    }

    mutating func advancePhases() {
        if !lateQueued && emitted >= lateStart {
            lateQueued = true
            for p in model.basePathCount..<model.paths.count { forced.append(Int32(p)) }
            lateRemaining = model.latePathCount
        }
        if !violationsQueued && options.violations > 0 && emitted >= violationStart
            && lateQueued && lateRemaining == 0 && warmRemaining == 0
        {
            violationsQueued = true
            chooseViolations()
            for k in violations.indices { forced.append(~Int32(k)) }
        }
    }

    mutating func buildPath(_ t: Int, _ index: Int) {
        let path = model.paths[index]
        lidsScratch.removeAll(keepingCapacity: true)
        if path.inRCU { threads[t].script.append(.rcuLock) }
        for j in path.classes.indices {
            let c = path.classes[j]
            let cls = model.classes[Int(c)]
            let lid = cls.lids[rng.below(cls.lids.count)]
            lidsScratch.append(lid)
            let shared = cls.kind.isShared && rng.chance(0.7)
            threads[t].script.append(.acquire(
                lid: lid, cls: c, stack: Int32(path.firstStack + j), shared: shared, isTry: path.isTry[j]))
            // The innermost held lock decides what may happen here.
            switch cls.kind.tier {
            case .sleep:
                if !path.inRCU {
                    if rng.chance(0.03) {
                        threads[t].script.append(allocation(t, .mayBlock))
                    } else if rng.chance(0.015) {
                        threads[t].script.append(.sleep(what: .io))
                    }
                }
            case .config:
                if rng.chance(0.02) {
                    threads[t].script.append(allocation(t, rng.chance(0.5) ? .atomic : .nowait))
                }
            case .spin:
                if rng.chance(0.005) {
                    threads[t].script.append(allocation(t, .noLocks))
                }
            }
        }
        for lid in lidsScratch.reversed() { threads[t].script.append(.release(lid: lid)) }
        if path.inRCU { threads[t].script.append(.rcuUnlock) }
        // Free something allocated by an earlier script, now and then.
        let live = threads[t].live.count
        if live > 0 && (live > 48 || rng.chance(0.3)) {
            let i = rng.below(live)
            let object = threads[t].live[i]
            threads[t].live.swapAt(i, live - 1)
            threads[t].live.removeLast()
            if rng.chance(0.3) {
                threads[t].script.append(.deferFree(
                    queue: Int32(1 + rng.below(ProgramModel.queues.count)), ptr: object.ptr, pool: object.pool))
            } else {
                threads[t].script.append(.free(ptr: object.ptr, pool: object.pool))
            }
        }
    }

    /// A fresh allocation; its pointer is never reused, so a deferred free is
    /// never doubled.
    mutating func allocation(_ t: Int, _ flags: AllocFlags) -> Op {
        let sizes: [Int32] = [32, 64, 96, 128, 192, 256, 512, 1024, 4096]
        let bytes = sizes[rng.below(sizes.count)]
        let ptr = nextPtr
        nextPtr += UInt64(64 * (1 + rng.below(64)))
        let pool = rng.chance(0.5) ? Int32(1 + rng.below(ProgramModel.pools.count)) : 0
        if flags != .noLocks || rng.chance(0.5) {  // a no-locks allocation may fail: no object
            threads[t].live.append((ptr, pool))
            return .alloc(flags: flags, bytes: bytes, ptr: ptr, pool: pool)
        }
        return .alloc(flags: flags, bytes: bytes, ptr: 0, pool: pool)
    }

    mutating func buildReclaim(_ t: Int) {
        let queued = pendingFrees.count - pendingHead
        if queued == 0 {
            threads[t].script.append(.sleep(what: .gracePeriod))
        } else {
            for _ in 0..<min(queued, 1 + rng.below(16)) {
                let entry = pendingFrees[pendingHead]
                pendingHead += 1
                threads[t].script.append(.reclaimed(queue: entry.queue, ptr: entry.ptr))
            }
            if pendingHead > 4096 && pendingHead * 2 > pendingFrees.count {
                pendingFrees.removeFirst(pendingHead)
                pendingHead = 0
            }
        }
        threads[t].kind = .normal
    }

    /// Picks class pairs `a -> b` of dependencies the run has established,
    /// both of one wait type (so taking them in reverse is only an inversion,
    /// never a wait-context error) and of exclusive kinds, each class in at
    /// most one pair.
    mutating func chooseViolations() {
        var used = Array(repeating: false, count: model.classes.count)
        guard !dependencies.isEmpty else { return }
        let start = rng.below(dependencies.count)
        var nextLid = Int32(model.lockCount + 1)
        var nextStack = Int32(model.nextStack)
        for k in 0..<dependencies.count where violations.count < options.violations {
            let (a, b) = dependencies[(start + k) % dependencies.count]
            let ka = model.classes[Int(a)].kind
            let kb = model.classes[Int(b)].kind
            guard ka.tier == kb.tier, !ka.isShared, !kb.isShared, !used[Int(a)], !used[Int(b)] else { continue }
            used[Int(a)] = true
            used[Int(b)] = true
            violations.append(Violation(a: a, b: b, lidA: nextLid, lidB: nextLid + 1, stackB: nextStack, stackA: nextStack + 1))
            nextLid += 2
            nextStack += 2
        }
    }

    mutating func buildViolation(_ t: Int, _ k: Int) {
        let v = violations[k]
        threads[t].script.append(.marker(violation: Int32(k)))
        threads[t].script.append(.acquire(lid: v.lidB, cls: v.b, stack: v.stackB, shared: false, isTry: false))
        threads[t].script.append(.acquire(lid: v.lidA, cls: v.a, stack: v.stackA, shared: false, isTry: false))
        threads[t].script.append(.release(lid: v.lidA))
        threads[t].script.append(.release(lid: v.lidB))
    }
}
