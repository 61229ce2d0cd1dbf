/// The kinds of lock the generator uses, with their trace tokens.
enum LockKind: UInt8 {
    case mutex, rwsem, spinlock, rwlock, rawSpinlock

    var token: String {
        switch self {
        case .mutex: "mutex"
        case .rwsem: "rwsem"
        case .spinlock: "spinlock"
        case .rwlock: "rwlock"
        case .rawSpinlock: "raw-spinlock"
        }
    }

    /// Reader/writer kinds take an explicit `r` or `w`.
    var isShared: Bool { self == .rwsem || self == .rwlock }

    /// Where the kind sits in the global order. Sleeping locks come first
    /// (outermost), then config-level spinning locks, then raw locks
    /// (innermost), so that no chain ever takes a sleeping lock under a
    /// spinning one or a spinlock under a raw one.
    var tier: Tier {
        switch self {
        case .mutex, .rwsem: .sleep
        case .spinlock, .rwlock: .config
        case .rawSpinlock: .spin
        }
    }

    var nameSuffix: String {
        switch self {
        case .mutex: "mutex"
        case .rwsem: "rwsem"
        case .spinlock: "lock"
        case .rwlock: "rwlock"
        case .rawSpinlock: "rawLock"
        }
    }
}

/// The wait-type tiers of the global lock order.
enum Tier: Int {
    case sleep = 0, config = 1, spin = 2
}

/// One lock class of the synthetic program. Its index in
/// `ProgramModel.classes` is its rank in the global order.
struct LockClass {
    /// The class id in the trace (`class <cid> …`): index + 1.
    let cid: Int
    let kind: LockKind
    let name: String
    /// The Swift-ish type the lock lives in, for stack frames.
    let owner: String
    /// Lock instances (`lock <lid> <cid>`) of this class.
    var lids: [Int32] = []
}

/// A code path: a chain of nested acquisitions in strictly increasing rank,
/// run many times by the threads it is assigned to.
struct CodePath {
    /// Class indices (ranks), strictly increasing.
    let classes: [Int32]
    /// Trylock call sites. Fixed per site, so a path always adds the same
    /// dependencies (a trylock adds none into itself).
    let isTry: [Bool]
    /// Runs inside a plain RCU read-side section (only spinning chains).
    let inRCU: Bool
    /// Stack id of site 0; site `j` uses `firstStack + j`.
    let firstStack: Int
    /// Index of the service the path belongs to, for stack frames.
    let service: Int
    let verb: Int
}

/// The synthetic program behind a trace: classes, instances, code paths and
/// which thread runs which path. Everything is drawn from one seeded
/// generator, so the model is a pure function of the options.
struct ProgramModel {
    static let subsystems = [
        "Net", "Storage", "VFS", "Cache", "Sched", "Mem", "IPC", "Crypto",
        "Block", "Timer", "Audit", "Trace", "Auth", "Index", "Queue", "Log",
    ]
    static let owners = [
        "Socket", "Inode", "PageCache", "Buffer", "RunQueue", "HashTable",
        "Session", "Request", "Extent", "Journal", "Slab", "Zone", "TimerWheel",
        "Connection", "Ring", "BTree", "Dentry", "Mount", "Lease", "Segment",
    ]
    static let verbs = [
        "insert", "lookup", "flush", "evict", "commit", "update", "drain",
        "resize", "attach", "release", "rebalance", "scan", "reserve", "publish",
    ]
    static let roles = [
        "http-worker", "db-writer", "cache-evictor", "log-flusher", "scheduler",
        "io-completion", "net-rx", "compactor", "timer", "gc",
    ]
    static let pools = [
        "kmalloc-64", "kmalloc-256", "kmalloc-1k", "Inode.cache", "Dentry.cache",
        "Request.pool", "Buffer.pool", "Session.cache",
    ]
    static let queues = ["kvfree.rcu.0", "kvfree.rcu.1"]

    private(set) var classes: [LockClass] = []
    /// Lock ids are `1...lockCount`.
    private(set) var lockCount = 0
    /// Base paths first, then `latePathCount` late paths.
    private(set) var paths: [CodePath] = []
    private(set) var basePathCount = 0
    private(set) var latePathCount = 0
    /// Stack ids `1..<nextStack` belong to paths.
    private(set) var nextStack = 1
    /// Distinct dependencies the base paths add.
    private(set) var baseDependencies = 0
    /// Worker thread names and paths; the reclaimer is not included.
    private(set) var workerNames: [String] = []
    private(set) var workerPaths: [[Int32]] = []

    /// The program and who runs what, all drawn from `rng`.
    init(options: Options, rng: inout Xoshiro256) {
        makeProgram(options: options, rng: &rng)
        assignPaths(workers: options.threads - 1, rng: &rng)
    }

    /// The program (classes, order, paths) drawn from `rng`, which thread
    /// runs which paths from `assignmentRNG` (`--model-seed`).
    init(options: Options, rng: inout Xoshiro256, assignmentRNG: inout Xoshiro256) {
        makeProgram(options: options, rng: &rng)
        assignPaths(workers: options.threads - 1, rng: &assignmentRNG)
    }

    private mutating func makeProgram(options: Options, rng: inout Xoshiro256) {
        makeClasses(count: options.classes, rng: &rng)
        var baseEdges = Set<Int>()
        let baseCount = options.classes * 2
        for _ in 0..<baseCount {
            let path = makePath(rng: &rng)
            forEachDependency(of: path) { baseEdges.insert($0 * classes.count + $1) }
            paths.append(path)
        }
        basePathCount = paths.count
        baseDependencies = baseEdges.count
        // Late paths: each must add at least one dependency the base paths
        // never add (still in rank order, so never a cycle).
        let lateCount = max(3, options.classes / 50)
        var attempts = 0
        while latePathCount < lateCount && attempts < 100_000 {
            attempts += 1
            let path = makePath(rng: &rng)
            var adds = false
            forEachDependency(of: path) { if !baseEdges.contains($0 * classes.count + $1) { adds = true } }
            if adds {
                paths.append(path)
                latePathCount += 1
            } else {
                nextStack -= path.classes.count
            }
        }
    }

    /// Calls `body(a, b)` for each dependency `a -> b` one run of `path` adds:
    /// for every non-try site, an edge from each held site down to and
    /// including the first non-try one (lockdep's check_prevs_add).
    func forEachDependency(of path: CodePath, _ body: (Int, Int) -> Void) {
        for j in path.classes.indices where !path.isTry[j] {
            var i = j - 1
            while i >= 0 {
                body(Int(path.classes[i]), Int(path.classes[j]))
                if !path.isTry[i] { break }
                i -= 1
            }
        }
    }

    private mutating func makeClasses(count: Int, rng: inout Xoshiro256) {
        let sleeping = count * 52 / 100
        let config = count * 36 / 100
        var used = Set<String>()
        for rank in 0..<count {
            let kind: LockKind
            if rank < sleeping {
                kind = rng.chance(0.2) ? .rwsem : .mutex
            } else if rank < sleeping + config {
                kind = rng.chance(0.08) ? .rwlock : .spinlock
            } else {
                kind = .rawSpinlock
            }
            let subsystem = Self.subsystems[rng.below(Self.subsystems.count)]
            let owner = Self.owners[rng.below(Self.owners.count)]
            var name = "\(subsystem).\(owner).\(kind.nameSuffix)"
            var n = 2
            while used.contains(name) {
                name = "\(subsystem).\(owner)\(n).\(kind.nameSuffix)"
                n += 1
            }
            used.insert(name)
            var cls = LockClass(cid: rank + 1, kind: kind, name: name, owner: owner)
            // Per-object locks have several instances; a few are global.
            let instances = 1 + rng.below(4)
            for _ in 0..<instances {
                lockCount += 1
                cls.lids.append(Int32(lockCount))
            }
            classes.append(cls)
        }
    }

    private mutating func makePath(rng: inout Xoshiro256) -> CodePath {
        // Depth 1…6, shallow chains most common.
        let depthWeights = [20, 25, 22, 16, 10, 7]
        var pick = rng.below(100)
        var depth = 1
        for (i, w) in depthWeights.enumerated() {
            if pick < w { depth = i + 1; break }
            pick -= w
        }
        // Chains stay within a window of nearby ranks, like locks of one subsystem.
        let start = rng.below(classes.count)
        let window = min(classes.count - start, 6 + rng.below(40))
        depth = min(depth, window)
        var offsets = Array(1..<window)
        for i in 0..<(depth - 1) {
            offsets.swapAt(i, i + rng.below(offsets.count - i))
        }
        var ranks = [Int32(start)]
        ranks += offsets.prefix(depth - 1).sorted().map { Int32(start + $0) }
        var isTry = [Bool]()
        for _ in ranks { isTry.append(rng.chance(0.05)) }
        let spinningOnly = classes[start].kind.tier != .sleep
        let path = CodePath(
            classes: ranks, isTry: isTry,
            inRCU: spinningOnly && rng.chance(0.25),
            firstStack: nextStack,
            service: rng.below(Self.subsystems.count),
            verb: rng.below(Self.verbs.count))
        nextStack += ranks.count
        return path
    }

    private mutating func assignPaths(workers: Int, rng: inout Xoshiro256) {
        workerPaths = Array(repeating: [], count: workers)
        for p in 0..<basePathCount {
            let copies = min(workers, 1 + rng.below(3))
            var chosen: [Int] = []
            while chosen.count < copies {
                let w = rng.below(workers)
                if !chosen.contains(w) { chosen.append(w) }
            }
            for w in chosen { workerPaths[w].append(Int32(p)) }
        }
        for w in 0..<workers {
            if workerPaths[w].isEmpty { workerPaths[w].append(Int32(rng.below(basePathCount))) }
            // Shuffle: the order is both the warm-up order and the popularity rank.
            var list = workerPaths[w]
            for i in stride(from: list.count - 1, to: 0, by: -1) {
                list.swapAt(i, rng.below(i + 1))
            }
            workerPaths[w] = list
            workerNames.append("\(Self.roles[w % Self.roles.count])-\(w / Self.roles.count)")
        }
    }

    /// Frames of a path site, innermost first, TAB-separated.
    func frames(path: Int, site: Int) -> String {
        let p = paths[path]
        let cls = classes[Int(p.classes[site])]
        let verb = Self.verbs[(p.verb + site * 5) % Self.verbs.count]
        let service = Self.subsystems[p.service]
        let callerVerb = Self.verbs[p.verb]
        return "\(cls.owner).\(verb)() (\(cls.owner).swift:\(20 + (path * 37 + site * 13) % 880))"
            + "\t\(service)Service.\(callerVerb)(_:) (\(service)Service.swift:\(30 + (path * 11) % 600))"
            + "\tWorker.run() (Worker.swift:\(40 + path % 7))"
    }
}
