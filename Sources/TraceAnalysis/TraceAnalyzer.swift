import LockGraph
import LockTrace

/// Replays v1 traces into a ``Validator``: one or more files analysed as one
/// program.
///
/// Each file is one process: its ids, threads and `seq` order are its own,
/// and its events are released to the engine in `seq` order (within a bounded
/// reorder window). Classes are matched by kind and name across files, so an
/// inversion whose halves ran in different processes is found.
///
/// The validator is created when the first event arrives, with the first
/// file's `config` lines under the caller's overrides.
///
/// Call ``finish()`` after the last input: lock-order and irq inversions are
/// reported then, derived from the whole class graph, so that the same
/// inversions are reported whatever the order of the inputs and however
/// traces were grouped into saved graphs. Every other rule is reported as
/// the events arrive.
public final class TraceAnalyzer {
    /// Options of an analysis.
    public struct Options: Sendable {
        /// Overrides the traces' `raw-nesting`.
        public var rawNesting: Bool?
        /// Overrides the traces' `preempt-rt`.
        public var preemptRT: Bool?
        /// Events held back to restore `seq` order across threads.
        public var reorderWindow = 1 << 16
        /// Only parse; run no rule (to measure the reader alone).
        public var parseOnly = false
        /// Parse each trace on a thread of its own while this thread runs the
        /// rules (two cores), through a bounded queue of event batches. The
        /// reports, warnings and errors are the same as with `false` (one
        /// thread), byte for byte. Ignored with ``parseOnly``.
        public var readerThread = true
        /// Events per batch handed from the reader thread (tests use tiny ones).
        var readerBatchSize = 4096
        /// Batches in flight between the two threads: what bounds the memory.
        var readerBatchDepth = 4
        /// When lock-order and irq inversions are reported.
        public var inversions = InversionReporting.wholeGraph
        public var limits = Configuration.Limits()
        public init() {}
    }

    /// When lock-order and irq inversions are reported.
    public enum InversionReporting: Sendable {
        /// By ``finish()``, derived from the whole class graph: the same for
        /// every order of the inputs and every grouping of traces into saved
        /// graphs (what `lockcheck analyze` does).
        case wholeGraph
        /// As the events arrive, each with the cycle or conflict the graph
        /// held at that moment, as the live validator reports them: for
        /// overlapping cycles, which ones are named depends on the order of
        /// the events (and of the inputs). For checking that replaying a
        /// recorded run reports what the live validator reported.
        case asFound
    }

    public let options: Options
    /// Every stack declared in the traces, and those the engine captured.
    public let stacks = StackStore()
    /// The engine, once the first event arrived.
    @exclusivity(unchecked) public private(set) var validator: Validator?
    /// Events analysed, over all files.
    @exclusivity(unchecked) public private(set) var events = 0
    /// Threads declared, over all files.
    @exclusivity(unchecked) public private(set) var threads = 0
    /// Warnings and notes, formatted `file:line: message`.
    @exclusivity(unchecked) public private(set) var warnings: [String] = []
    /// Files that ended mid-line.
    @exclusivity(unchecked) public private(set) var truncatedFiles: [String] = []
    /// Called every ``progressInterval`` events with the events analysed so
    /// far (all files) and the bytes read of the current file.
    public var progress: ((_ events: Int, _ bytesOfFile: Int) -> Void)?
    /// Events between two ``progress`` calls; rounded up to a power of two.
    public var progressInterval = 1 << 20 {
        didSet {
            var p = 1
            while p < progressInterval { p <<= 1 }
            progressMask = p - 1
        }
    }
    private var progressMask = (1 << 20) - 1
    private let router: ReportRouter
    private let warningSink = WarningSink()
    @exclusivity(unchecked) private var configuration: Configuration?
    @exclusivity(unchecked) private var finished = false

    /// - Parameter onViolation: Called once per distinct violation: as the
    ///   events arrive (in `seq` order within a file) for the rules about one
    ///   thread, lock or pool and for the irq usage of a class; from
    ///   ``finish()`` for lock-order and irq inversions.
    public init(options: Options = Options(), onViolation: @escaping @Sendable (Violation) -> Void) {
        self.options = options
        self.router = ReportRouter(onViolation, holding: options.inversions == .wholeGraph)
    }

    /// Every violation reported so far, in the order reported.
    public var violations: [Violation] { router.delivered }

    /// Violations reported so far, per rule.
    public var violationCounts: [RuleID: Int] { router.counts }

    /// Ends the analysis: reports the lock-order and irq inversions of the
    /// whole class graph (``Validator/wholeGraphInversions(reusing:budget:)``):
    /// the same for every order of the inputs. A violation the streaming
    /// checks found with the same classes keeps their report (the acquisition
    /// that closed it, with the held stack). Call it once, after the last
    /// ``analyze(_:)`` or ``merge(_:name:)``; a later call does nothing, and
    /// inputs analysed after it report inversions as they find them. With
    /// ``InversionReporting/asFound`` there is nothing left to report.
    /// - Complexity: See ``Validator/wholeGraphInversions(reusing:budget:)``:
    ///   O(classes + dependencies) and a sort when the graph has no cycle.
    public func finish() {
        if finished { return }
        finished = true
        guard let engine = validator, !options.parseOnly, options.inversions == .wholeGraph else {
            _ = router.stopHolding()
            return
        }
        let found = engine.wholeGraphInversions(reusing: router.stopHolding())
        for v in found { router.deliver(v) }
        warnings += warningSink.drain()
    }

    /// What the analysis learned, to save with `--save-graph`: the class
    /// graph with its usages, and every violation reported (call ``finish()`` first).
    /// - Complexity: O(classes + dependencies + stack frames + violations).
    public func graphFile() -> GraphFile {
        var file = validator?.graphFile() ?? GraphFile()
        file.violations = router.delivered
        return file
    }

    /// Reads `reader` to its end and analyses it: on a second thread that
    /// parses while this one runs the rules (``Options/readerThread``), or on
    /// this thread alone. Either way, the reader must not be used elsewhere
    /// until this returns.
    /// - Throws: The reader's ``TraceError`` (bad input: file, line, reason).
    ///   Events before the bad line have been analysed.
    /// - Complexity: O(events) plus one graph search per new dependency;
    ///   memory bounded by declarations, the reorder window and (with the
    ///   reader thread) ``Options/readerBatchDepth`` batches of events.
    public func analyze(_ reader: TraceReader) throws(TraceError) {
        var file = FileReplay(name: reader.name, window: options.reorderWindow)
        // Runs after the reader thread, if any, was joined: it reads the reader.
        defer { finish(&file, reader: reader) }
        do {
            var done = false
            if options.readerThread && !options.parseOnly {
                done = try readOnTwoThreads(reader, &file)
            }
            if !done { try read(reader, &file) }
        } catch {
            flush(&file, reader)  // what came before the bad line is still analysed
            throw error
        }
        flush(&file, reader)
    }

    /// Applies the events still held for reordering. The reader thread, if
    /// any, has exited: the reader is this thread's again.
    private func flush(_ file: inout FileReplay, _ reader: TraceReader) {
        if options.parseOnly { return }
        if file.source == nil { begin(&file) }
        guard let engine = validator else { return }
        while let e = file.reorder.pop() { apply(e, &file, reader, engine) }
    }

    /// ``read(_:_:)`` with the parsing on a ``ReaderThread``: the same records
    /// in the same order, so the same reports. The reader's sleep reasons and
    /// byte count come with each batch, its error with the last one.
    /// - Returns: false if no thread could be started (nothing was read).
    private func readOnTwoThreads(_ reader: TraceReader, _ file: inout FileReplay) throws(TraceError) -> Bool {
        let channel = BatchChannel(depth: options.readerBatchDepth, batchSize: options.readerBatchSize)
        guard let thread = ReaderThread.start(reader, channel: channel) else { return false }
        // Every path out has received the last batch, so the thread is exiting.
        defer { thread.join() }
        // Unretained (`validator` keeps it alive): binding an optional class
        // reference per event would retain and release it per event.
        var engine = validator.map(Unmanaged.passUnretained)
        while true {
            let batch = channel.receive()
            file.sleepReasons = batch.sleepReasons
            let declarations = batch.declarations.count
            var next = 0
            for i in 0..<batch.count {
                while next < declarations && batch.declarations[next].before == i {
                    consume(batch.declarations[next].record, &file)
                    next += 1
                }
                events += 1
                if events & progressMask == 0, let progress { progress(events, batch.bytesRead) }
                if file.source == nil {
                    begin(&file)
                    engine = validator.map(Unmanaged.passUnretained)
                }
                if file.reorder.push(UnsafePointer(batch.events + i)), let ready = file.reorder.pop(), let engine {
                    engine._withUnsafeGuaranteedRef { apply(ready, &file, nil, $0) }
                }
            }
            while next < declarations {
                consume(batch.declarations[next].record, &file)
                next += 1
            }
            let error = batch.error
            let last = batch.isLast
            channel.recycle(batch)
            if let error { throw error }
            if last { return true }
        }
    }

    private func read(_ reader: TraceReader, _ file: inout FileReplay) throws(TraceError) {
        let event = reader.event
        // Held here once, so the per-event path does no reference counting on it.
        var engine = validator
        while true {
            switch try reader.step() {
            case .end:
                return
            case .event:
                events += 1
                if events & progressMask == 0, let progress { progress(events, reader.bytesRead) }
                if options.parseOnly { continue }
                if file.source == nil {
                    begin(&file)
                    engine = validator
                }
                if file.reorder.push(event), let ready = file.reorder.pop(), let engine {
                    apply(ready, &file, reader, engine)
                }
            case .declaration:
                if let record = reader.declaration { consume(record, &file) }
            }
        }
    }

    /// A declaration or config line, in file order among the events.
    private func consume(_ record: TraceRecord, _ file: inout FileReplay) {
        if case .config(let pairs) = record {
            file.config.merge(pairs) { _, new in new }
            return
        }
        if case .thread = record { threads += 1 }
        if options.parseOnly { return }
        if file.source == nil { file.declarations.append(record) } else { declare(record, &file) }
    }

    private func finish(_ file: inout FileReplay, reader: TraceReader) {
        warnings += reader.warnings.map(\.description)
        if reader.truncated { truncatedFiles.append(reader.name) }
        if file.reorder.tooLate > 0 {
            warnings.append("\(reader.name): \(file.reorder.tooLate) events arrived more than \(options.reorderWindow) events out of seq order: cross-thread checks (pools, queues, lock lifetimes) near them may be inexact")
        }
        warnings += warningSink.drain()
        for t in file.threads.values.map({ $0.takeUnretainedValue() }) where !t.exited && t.heldCount > 0 {
            warnings.append("\(reader.name): note: thread '\(t.name)' still holds \(t.heldCount) lock\(t.heldCount == 1 ? "" : "s") at the end of the trace")
        }
    }

    /// Merges a graph saved by `lockcheck analyze --save-graph` (another job's
    /// classes, irq usage and dependencies) into this analysis.
    /// - Complexity: One graph search per new usage bit and dependency.
    public func merge(_ graph: GraphFile, name: String) {
        let v = makeValidator(config: [:], name: name)
        v.merge(graph)
        warnings += warningSink.drain()
    }

    /// The engine, created by the first trace or graph with its config under the options.
    private func makeValidator(config: [String: String], name: String) -> Validator {
        var c = Configuration(limits: options.limits)
        c.rawNesting = options.rawNesting ?? (config["raw-nesting"].map { $0 == "on" } ?? true)
        c.preemptRT = options.preemptRT ?? (config["preempt-rt"].map { $0 == "on" } ?? false)
        if let existing = configuration, let validator {
            if !config.isEmpty && (existing.rawNesting != c.rawNesting || existing.preemptRT != c.preemptRT) {
                warnings.append("\(name): its config (raw-nesting=\(c.rawNesting ? "on" : "off") preempt-rt=\(c.preemptRT ? "on" : "off")) differs from the first trace's; the first trace's settings apply to all")
            }
            return validator
        }
        configuration = c
        let sink = warningSink
        let router = router
        let v = Validator(configuration: c, stacks: stacks, onViolation: { router.receive($0) }, onWarning: { sink.add($0) })
        validator = v
        return v
    }

    /// The first event of a file: create the engine if needed, then replay declarations.
    private func begin(_ file: inout FileReplay) {
        file.source = makeValidator(config: file.config, name: file.name).addSource(name: file.name)
        for d in file.declarations { declare(d, &file) }
        file.declarations = []
    }

    private func declare(_ record: TraceRecord, _ file: inout FileReplay) {
        guard let v = validator, let source = file.source else { return }
        switch record {
        case .thread(let id, let name):
            let t = v.makeThread(name: name, source: source, id: id)
            file.owned.append(t)
            file.threads[id] = Unmanaged.passUnretained(t)
        case .lockClass(let id, let kind, let name):
            file.classes[id] = v.lockClass(kind: kind, name: name)
        case .lock(let id, let classID):
            if let cls = file.classes[classID] {
                let lock = v.makeLock(cls, id: id, source: source)
                file.owned.append(lock)
                file.locks[id] = Unmanaged.passUnretained(lock)
            }
        case .pool(let id, let name):
            file.pools[id] = v.makePool(name: name, id: id, source: source)
        case .queue(let id, let name):
            file.queues[id] = v.makeQueue(name: name, id: id, source: source)
        case .stack(let id, let frames):
            file.stacks[id] = stacks.add(text: frames)
        case .process, .config, .event:
            break
        }
    }

    /// Hands one event to the engine. Threads and locks are looked up
    /// unretained (the file's `owned` list keeps them alive), so the hot path
    /// does no reference counting.
    @inline(__always)
    /// - Parameter reader: The reader, for its sleep reasons; nil while the
    ///   reader thread owns it (then `file.sleepReasons`, from the batch).
    private func apply(_ event: UnsafePointer<TraceEvent>, _ file: inout FileReplay, _ reader: TraceReader?, _ v: Validator) {
        guard let thread = file.threads[event.pointee.thread], let source = file.source else { return }
        let e = event.pointee
        let site = EventSite(seq: e.seq, source: source, line: e.line,
                             stack: e.stack.flatMap { file.stacks[$0] } ?? .none)
        thread._withUnsafeGuaranteedRef { t in
            if e.op == .acquire || e.op == .release {
                guard let lock = file.locks[e.id] else { return }
                v.setTask(e.task, thread: t)  // as the live validator did (revision 1.2; 0 when absent)
                lock._withUnsafeGuaranteedRef { lock in
                    if e.op == .release {
                        v.release(lock, thread: t, site: site)
                    } else {
                        v.acquire(lock, mode: e.mode, isTry: e.isTry,
                                  subclass: e.subclass, nestLock: e.nest.flatMap { file.locks[$0]?.takeUnretainedValue() },
                                  thread: t, site: site)
                    }
                }
            } else {
                applyOther(e, site, t, v, &file, reader)
            }
        }
    }

    /// "sleep what=<token>", built only for a report.
    private static func describeSleep(_ e: TraceEvent, _ reader: TraceReader?, _ batchReasons: [String]) -> String {
        let reasons = reader?.sleepReasons ?? batchReasons
        return e.what != 0 && Int(e.what) < reasons.count ? "sleep what=\(reasons[Int(e.what)])" : "sleep"
    }

    /// Every event but acquire and release.
    private func applyOther(_ e: TraceEvent, _ site: EventSite, _ t: ThreadState, _ v: Validator,
                            _ file: inout FileReplay, _ reader: TraceReader?) {
        switch e.op {
        case .acquire, .release:
            break
        case .sleep:
            v.sleepPoint(Self.describeSleep(e, reader, file.sleepReasons), thread: t, site: site)
            var context: Validator.BlockingContext = []
            if e.inTask { context.insert(.task) }
            if e.nonblocking { context.insert(.nonblockingThread) }
            v.blockingWait(Self.describeSleep(e, reader, file.sleepReasons), context: context, thread: t, site: site)
        case .hardirqEnter: v.hardirqEnter(threaded: e.threaded, thread: t, site: site)
        case .hardirqExit: v.hardirqExit(thread: t, site: site)
        case .softirqEnter: v.softirqEnter(thread: t, site: site)
        case .softirqExit: v.softirqExit(thread: t, site: site)
        case .irqsOff: v.irqsOff(thread: t, site: site)
        case .irqsOn: v.irqsOn(thread: t, site: site)
        case .softirqsOff: v.softirqsOff(thread: t, site: site)
        case .softirqsOn: v.softirqsOn(thread: t, site: site)
        case .preemptOff: v.preemptOff(thread: t, site: site)
        case .preemptOn: v.preemptOn(thread: t, site: site)
        case .rcuLock: v.rcuReadLock(e.rcuFlavor, thread: t, site: site)
        case .rcuUnlock: v.rcuReadUnlock(e.rcuFlavor, thread: t, site: site)
        case .alloc:
            v.allocate(flags: e.allocFlags, bytes: e.bytes, pointer: e.pointer,
                       pool: e.pool.flatMap { file.pools[$0] }, thread: t, site: site)
        case .free:
            v.free(pointer: e.pointer, pool: e.pool.flatMap { file.pools[$0] }, thread: t, site: site)
        case .deferFree:
            guard let q = file.queues[e.id] else { return }
            v.deferFree(queue: q, pointer: e.pointer, headless: e.headless, pool: e.pool.flatMap { file.pools[$0] },
                        thread: t, site: site)
        case .reclaimed:
            if let q = file.queues[e.id] { v.reclaimed(queue: q, pointer: e.pointer, thread: t, site: site) }
        case .barrier:
            if let q = file.queues[e.id] { v.barrier(queue: q, thread: t, site: site) }
        case .poolDestroy:
            if let p = file.pools[e.id] { v.destroyPool(p, thread: t, site: site) }
        case .lockInit:
            if let lock = file.locks[e.id]?.takeUnretainedValue() { v.lockInit(lock, thread: t, site: site) }
        case .lockFree:
            if let lock = file.locks[e.id]?.takeUnretainedValue() { v.lockFree(lock, thread: t, site: site) }
        case .threadExit:
            v.threadExit(thread: t, site: site)
        case .await:
            // The live hook's call (Instrumented's SuspensionPoints), with the recorded task (revision 1.3).
            v.reachedSuspensionPoint(task: e.task, thread: t, site: site,
                                     awaiting: e.suspension?.awaitName ?? SuspensionKind.unknownAwaitName)
        }
    }
}

/// One file's id spaces and pending events.
struct FileReplay {
    let name: String
    var source: SourceID?
    var config: [String: String] = [:]
    var declarations: [TraceRecord] = []
    /// Keeps the file's threads and locks alive; the tables hold them unretained.
    var owned: [AnyObject] = []
    var threads = IDTable<Unmanaged<ThreadState>>()
    var classes = IDTable<LockClassID>()
    var locks = IDTable<Unmanaged<LockInstance>>()
    var pools = IDTable<Pool>()
    var queues = IDTable<DeferredQueue>()
    var stacks = IDTable<StackRef>()
    var reorder: ReorderBuffer
    /// With the reader thread: the sleep reasons of the latest batch.
    var sleepReasons: [String] = []

    init(name: String, window: Int) {
        self.name = name
        reorder = ReorderBuffer(window: window)
    }
}

/// Passes the engine's reports on, holding back lock-order and irq inversions
/// (``RuleID/isDecidedOnWholeGraph``) until the analysis ends: they are only
/// candidates then, whose text ``TraceAnalyzer/finish()`` reuses. Keeps what
/// it delivered, for saved graphs. The engine may report from any thread.
final class ReportRouter: @unchecked Sendable {
    private let lock = PlainLock()
    private let onViolation: @Sendable (Violation) -> Void
    @exclusivity(unchecked) private var holding: Bool
    @exclusivity(unchecked) private var heldBack: [Violation] = []
    @exclusivity(unchecked) private var reported: [Violation] = []
    @exclusivity(unchecked) private var perRule: [RuleID: Int] = [:]

    init(_ onViolation: @escaping @Sendable (Violation) -> Void, holding: Bool) {
        self.onViolation = onViolation
        self.holding = holding
    }

    /// A report from the engine.
    func receive(_ v: Violation) {
        let held = lock.withLock { () -> Bool in
            guard holding && v.rule.isDecidedOnWholeGraph else { return false }
            heldBack.append(v)
            return true
        }
        if !held { deliver(v) }
    }

    /// Passes `v` on to the caller.
    func deliver(_ v: Violation) {
        lock.withLock {
            reported.append(v)
            perRule[v.rule, default: 0] += 1
        }
        onViolation(v)
    }

    /// Stops holding reports back; returns those held.
    func stopHolding() -> [Violation] {
        lock.withLock {
            holding = false
            defer { heldBack = [] }
            return heldBack
        }
    }

    var delivered: [Violation] { lock.withLock { reported } }
    var counts: [RuleID: Int] { lock.withLock { perRule } }
}

/// Collects the engine's warnings (they may come from any thread).
final class WarningSink: @unchecked Sendable {
    @exclusivity(unchecked) private var items: [String] = []
    private let lock = PlainLock()
    func add(_ s: String) { lock.withLock { items.append(s) } }
    func drain() -> [String] { lock.withLock { defer { items = [] }; return items } }
}
