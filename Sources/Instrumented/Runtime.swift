#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import LockTextReport
import LockTrace

/// The process-wide live validator: the engine, its stacks, the trace
/// recorder and the violation action. Created once, on first use, and never
/// destroyed (threads and locks keep unowned references to it).
final class Runtime: @unchecked Sendable {
    let options: LockCheck.Options
    let validator: Validator
    let stacks: StackStore
    let symbolizer: Symbolizer
    /// Names the classes of unnamed locks by their creation site; nil when
    /// stacks are off (classes are then the init site `fileID:line`).
    let creationSites: CreationSites?
    let recorder: TraceRecorder
    /// Threads blocked on locks, for `deadlock` and `lock-wait-timeout`.
    let waits: WaitRegistry
    /// `.captureOnDemand` when stacks are captured, else `.none`.
    let stackMode: StackRef
    /// The key whose destructor reports `thread-exit` (and `held-at-exit`).
    let threadKey: pthread_key_t
    /// Source of lock, pool and trace ids.
    private let idCounter: UnsafeMutablePointer<Int64>
    let handlerLock = PlainLock()
    private var handler: (@Sendable (Violation) -> Void)?
    private let colorReports: Bool

    // MARK: Start-up

    static let configLock = PlainLock()
    nonisolated(unsafe) private static var configured: LockCheck.Options?
    nonisolated(unsafe) private static var started = false

    /// The runtime, or nil when validation is off. The first access starts it.
    static let shared: Runtime? = start()

    static func configure(_ options: LockCheck.Options) -> Bool {
        configLock.withLock {
            if started { return false }
            configured = options
            return true
        }
    }

    /// The configured options with the environment applied, and the warnings.
    static func startOptions() -> LockCheck.Options { resolveOptions().options }

    private static func resolveOptions() -> (options: LockCheck.Options, warnings: [String]) {
        var env: [String: String] = [:]
        for key in ["LOCKCHECK", "LOCKCHECK_TRACE", "LOCKCHECK_RAW_NESTING", "LOCKCHECK_PREEMPT_RT", "LOCKCHECK_WAIT_TIMEOUT",
                    "LOCKCHECK_HOLDER_SIGNAL"] {
            if let v = getenv(key) { env[key] = String(cString: v) }
        }
        var warnings: [String] = []
        let base = configLock.withLock { configured ?? LockCheck.Options() }
        return (base.applying(environment: env, warnings: &warnings), warnings)
    }

    private static func start() -> Runtime? {
        let (options, warnings) = resolveOptions()
        configLock.withLock { started = true }
        for w in warnings { writeStderr(w + "\n") }
        guard options.mode != .off else { return nil }
        let runtime = Runtime(options: options)
        TaskStatusLock.install()
        SuspensionPoints.install()
        if let path = options.tracePath { _ = runtime.recorder.start(path: path) }
        runtime.installForkHandlers()
        return runtime
    }

    private init(options: LockCheck.Options) {
        self.options = options
        let symbolizer = Symbolizer()
        self.symbolizer = symbolizer
        creationSites = options.captureStacks ? CreationSites(symbolizer: symbolizer) : nil
        let stacks = StackStore()
        stacks.symbolizer = symbolizer
        self.stacks = stacks
        stackMode = options.captureStacks ? .captureOnDemand : .none
        idCounter = .allocate(capacity: 1)
        idCounter.initialize(to: 0)
        colorReports = isatty(2) != 0 && getenv("NO_COLOR") == nil
        let recorder = TraceRecorder(rawNesting: options.rawNesting, preemptRT: options.preemptRT, symbolizer: symbolizer)
        self.recorder = recorder
        waits = WaitRegistry(timeout: options.waitTimeout, holderSignal: options.holderSignal)
        validator = Validator(
            configuration: Configuration(rawNesting: options.rawNesting, preemptRT: options.preemptRT),
            stacks: stacks,
            stackProvider: options.captureStacks ? UnwindStackCapture(symbolizer: symbolizer, recorder: recorder) : nil,
            holderSite: { $0.holderSite },
            onViolation: { Runtime.shared?.handle($0) },
            onWarning: { writeStderr("lockcheck: warning: \($0)\n") })
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            if let raw { PerThread.threadDidExit(raw) }
        }
        precondition(rc == 0, "lockcheck: pthread_key_create failed (\(rc))")
        threadKey = key
        recorder.validator = validator
    }

    /// A new id for a lock, pool or queue (unique in the process).
    @inline(__always)
    func nextID() -> UInt64 { UInt64(lc_fetch_add_i64(idCounter, 1) + 1) }

    // MARK: Violations

    func setHandler(_ h: (@Sendable (Violation) -> Void)?) {
        handlerLock.withLock { handler = h }
    }

    /// The violation action, on the thread that found the violation (inside
    /// an event, so the re-entry guard is up).
    func handle(_ violation: Violation) {
        let pt = PerThread.currentIfAny()
        if recorder.isRecording { pt?.afterEvent |= PerThread.flushTrace }
        if let h = handlerLock.withLock({ handler }) {
            h(violation)
            return
        }
        writeStderr(TextReport(color: colorReports).render(violation) + "\n")
        if options.mode == .trap {
            if let pt {
                pt.afterEvent |= PerThread.trap
                pt.trapRule = violation.rule.rawValue
            } else {
                trap(violation.rule.rawValue)
            }
        }
    }

    /// Flushes the trace and stops the program (`LOCKCHECK=trap`).
    func trap(_ rule: String) -> Never {
        recorder.flushAll()
        fatalError("lockcheck: stopping at violation [\(rule)] (LOCKCHECK=trap)")
    }
}

extension Runtime {
    nonisolated(unsafe) private static var warnedUnvalidatedInHandler = false

    /// Says (once per process) that `count` events in hardirq scopes came on
    /// a thread before it had its state, and were not validated.
    static func warnUnvalidatedInHandler(_ count: UInt64) {
        let first = configLock.withLock { () -> Bool in
            defer { warnedUnvalidatedInHandler = true }
            return !warnedUnvalidatedInHandler
        }
        guard first else { return }
        writeStderr("lockcheck: warning: \(count) event\(count == 1 ? "" : "s") in LockCheck.hardirq (a signal handler) came on a thread before its first lock and \(count == 1 ? "was" : "were") not validated (creating the thread's state there could deadlock in malloc); call LockCheck.start() on threads that take signals\n")
    }
}

extension Runtime {
    nonisolated(unsafe) private static var handlerEventsDroppedTotal: UInt64 = 0
    nonisolated(unsafe) private static var handlerDropWarnings = 0

    /// Signal handlers' events dropped so far in the process (not validated).
    static var droppedHandlerEvents: UInt64 { configLock.withLock { handlerEventsDroppedTotal } }

    /// Counts `count` dropped handler events of `thread` and says so (the
    /// first 10 times in the process; the count goes on).
    func handlerEventsDropped(_ count: UInt64, thread: String) {
        let warnings = Runtime.configLock.withLock { () -> Int in
            Runtime.handlerEventsDroppedTotal += count
            Runtime.handlerDropWarnings += 1
            return Runtime.handlerDropWarnings
        }
        guard warnings <= 10 else { return }
        let last = warnings == 10 ? " (further drops are counted in LockCheck.droppedHandlerEvents, not reported)" : ""
        writeStderr("lockcheck: warning: \(count) handler event\(count == 1 ? "" : "s") dropped on thread \(thread), not validated: a signal handler's hardirq scope did not fit in the thread's ring of \(LC_HANDLER_SLOTS) events, or it slept there\(last)\n")
    }
}

/// Writes `text` to stderr with write(2), bypassing stdio buffers and locks.
func writeStderr(_ text: String) {
    var text = text
    text.withUTF8 { buf in
        var p = buf.baseAddress
        var left = buf.count
        while left > 0, let base = p {
            let n = write(2, base, left)
            if n < 0 { if errno == EINTR { continue }; return }
            p = base + n
            left -= n
        }
    }
}
