import CInstrumented
import LockGraph

/// The live validator of a process: configuration, the violation action,
/// trace recording, and (in `LockCheck+*.swift`) contexts, sleep points and
/// allocation entry points.
///
/// One ``LockGraph/Validator`` serves the whole process. It is created on
/// first use (the first lock initialised or event recorded) from
/// ``configure(_:)``'s options, overridden by the environment:
///
/// | variable | values |
/// |---|---|
/// | `LOCKCHECK` | `off`, `report` (print and continue), `trap` (print, flush the trace, stop) |
/// | `LOCKCHECK_TRACE` | a path: record a v1 trace of every event there |
/// | `LOCKCHECK_RAW_NESTING` | `on` / `off` (CONFIG_PROVE_RAW_LOCK_NESTING, default on) |
/// | `LOCKCHECK_PREEMPT_RT` | `on` / `off` (explain config locks as sleeping locks, default off) |
/// | `LOCKCHECK_WAIT_TIMEOUT` | seconds a lock wait may last before `lock-wait-timeout` (default 30, `0` off) |
/// | `LOCKCHECK_HOLDER_SIGNAL` | the realtime signal that asks a lock's holder for its stack in a `lock-wait-timeout` report (default `SIGRTMAX-6`, `0` never asks) |
///
/// Debug builds validate by default; release builds default to `off`, where
/// every lock is one predictable branch away from its plain pthread or
/// spinning implementation.
public enum LockCheck {
    /// What the validator does.
    public enum Mode: String, Sendable {
        /// No validation, no trace: plain locks.
        case off
        /// Print each violation to stderr in lockdep's layout and continue.
        case report
        /// Print the violation, flush the trace, then stop the program.
        case trap
    }

    /// Settings of the live validator, fixed when it starts.
    public struct Options: Sendable {
        public var mode: Mode
        /// Record a v1 trace of every event to this path; `%p` in it becomes
        /// the process id (one trace per test process).
        public var tracePath: String?
        /// CONFIG_PROVE_RAW_LOCK_NESTING: spinlocks under raw spinlocks are reported.
        public var rawNesting: Bool
        /// Explain config-level locks as the sleeping locks they are on PREEMPT_RT.
        public var preemptRT: Bool
        /// Capture stacks (libunwind) for new dependencies and reports.
        public var captureStacks: Bool
        /// Seconds a thread may wait for one lock before `lock-wait-timeout`
        /// is reported (go-deadlock's default, 30); 0 turns the rule off.
        /// `deadlock` is found whatever this is.
        public var waitTimeout: Double
        /// The realtime signal a `lock-wait-timeout` sends the lock's holder
        /// to ask for its current stack (default `SIGRTMAX - 6`); 0 never
        /// signals (the report then says the holder's stack is unavailable).
        public var holderSignal: Int32

        /// - Parameter mode: Default `report` in debug builds, `off` in release builds.
        public init(mode: Mode = Options.defaultMode, tracePath: String? = nil, rawNesting: Bool = true,
                    preemptRT: Bool = false, captureStacks: Bool = true, waitTimeout: Double = 30,
                    holderSignal: Int32? = nil) {
            self.mode = mode
            self.tracePath = tracePath
            self.rawNesting = rawNesting
            self.preemptRT = preemptRT
            self.captureStacks = captureStacks
            self.waitTimeout = waitTimeout
            self.holderSignal = holderSignal ?? HolderStack.defaultSignal
        }

        /// `report` in debug builds, `off` in release builds.
        public static var defaultMode: Mode {
            #if DEBUG
            return .report
            #else
            return .off
            #endif
        }

        /// These options with the `LOCKCHECK*` variables of `environment`
        /// applied on top. Unknown values are ignored with a warning in `warnings`.
        public func applying(environment: [String: String], warnings: inout [String]) -> Options {
            var o = self
            func flag(_ key: String) -> Bool? {
                guard let v = environment[key] else { return nil }
                switch v.lowercased() {
                case "on", "1", "yes", "true": return true
                case "off", "0", "no", "false": return false
                default:
                    warnings.append("lockcheck: ignoring \(key)=\(v) (expected on or off)")
                    return nil
                }
            }
            if let v = environment["LOCKCHECK"] {
                if let m = Mode(rawValue: v.lowercased()) { o.mode = m } else {
                    warnings.append("lockcheck: ignoring LOCKCHECK=\(v) (expected off, report or trap)")
                }
            }
            if let p = environment["LOCKCHECK_TRACE"] { o.tracePath = p.isEmpty ? nil : p }
            if let b = flag("LOCKCHECK_RAW_NESTING") { o.rawNesting = b }
            if let b = flag("LOCKCHECK_PREEMPT_RT") { o.preemptRT = b }
            if let v = environment["LOCKCHECK_WAIT_TIMEOUT"] {
                if let t = Double(v), t >= 0, t.isFinite { o.waitTimeout = t } else {
                    warnings.append("lockcheck: ignoring LOCKCHECK_WAIT_TIMEOUT=\(v) (expected seconds, 0 or more)")
                }
            }
            if let v = environment["LOCKCHECK_HOLDER_SIGNAL"] {
                let n = v.lowercased() == "off" ? 0 : Int32(v)
                if let n, n == 0 || HolderStack.realtimeSignals.contains(n) { o.holderSignal = n } else {
                    warnings.append("lockcheck: ignoring LOCKCHECK_HOLDER_SIGNAL=\(v) (expected a realtime signal number, \(HolderStack.realtimeSignals.lowerBound)–\(HolderStack.realtimeSignals.upperBound), or 0)")
                }
            }
            return o
        }
    }

    /// Sets the options the validator starts with; the environment still
    /// overrides them. Call it before the first lock is created.
    /// - Returns: false (and changes nothing) if the validator already started.
    /// - Complexity: O(1), one lock.
    @discardableResult
    public static func configure(_ options: Options) -> Bool {
        Runtime.configure(options)
    }

    /// Starts the validator now, on the calling thread, instead of at the
    /// first lock: for a program that wants lockcheck's start-up out of its
    /// first critical section (call it first thing in `main`). It reads the
    /// environment and ``configure(_:)``'s options, creates the engine, opens
    /// `LOCKCHECK_TRACE` and gives the calling thread its state; the symbol
    /// tables and the unwinder are still set up on first need (the first
    /// stack captured or symbolized). Calling it again does nothing.
    /// - Returns: Whether validation is on.
    /// - Complexity: Well under a millisecond the first time (see
    ///   Benchmarks/RESULTS.md, issue 18), O(1) after.
    @discardableResult
    public static func start() -> Bool {
        guard Runtime.shared != nil else { return false }
        if PerThread.currentIfAny() == nil { PerThread.create(name: nil) }
        return true
    }

    /// Whether events are validated in this process (starts the validator).
    public static var isEnabled: Bool { Runtime.shared != nil }

    /// The options in force (starts the validator).
    public static var options: Options { Runtime.shared?.options ?? Runtime.startOptions() }

    /// Replaces the violation action: `handler` receives every violation
    /// (once per distinct violation, on the thread that found it) instead of
    /// the mode's print or trap; nil restores the mode's action. For tests
    /// and for applications that collect reports.
    ///
    /// The handler runs inside the validator: locks it takes are not
    /// validated (the re-entry guard), and it must not block for long.
    /// - Complexity: O(1), one lock.
    public static func setViolationHandler(_ handler: (@Sendable (Violation) -> Void)?) {
        Runtime.shared?.setHandler(handler)
    }

    /// Names the calling thread: its pthread name (15 bytes kept) and, if it
    /// has not yet had an event, the name reports and traces give it (in
    /// full). Call it first thing in a thread; otherwise reports name a
    /// thread by its pthread name at its first event, or `thread-<tid>`.
    /// - Complexity: O(name length).
    public static func setThreadName(_ name: String) {
        lc_set_thread_name(String(name.utf8.prefix(15)) ?? name)
        if PerThread.currentIfAny() == nil { PerThread.create(name: name) }
    }

    /// What the validator has learned so far; nil when off.
    public static var statistics: Validator.Statistics? { Runtime.shared?.validator.statistics }

    /// Starts recording a v1 trace to `path` (replacing the file), from now
    /// on, for every thread. `LOCKCHECK_TRACE` does this at start-up.
    ///
    /// Start it while no lock is held: a lock taken before and released
    /// after has its release in the trace but not its acquisition, which
    /// `lockcheck analyze` reports as `unlock-unheld`.
    /// - Returns: false when validation is off or the file cannot be opened
    ///   (with one warning on stderr).
    /// - Complexity: One lock and an open(2).
    @discardableResult
    public static func startRecording(path: String) -> Bool {
        Runtime.shared?.recorder.start(path: path) ?? false
    }

    /// Flushes every thread's buffered events and closes the trace.
    /// - Complexity: O(buffered events), one lock per thread buffer.
    public static func stopRecording() {
        Runtime.shared?.recorder.stop()
    }

    /// Writes every thread's buffered events to the trace now. First
    /// validates the calling thread's queued signal-handler events (see
    /// ``hardirq(threaded:_:)``).
    public static func flushTrace() {
        guard let runtime = Runtime.shared else { return }
        validateHandlerEvents()
        runtime.recorder.flushAll()
    }

    /// Validates now the events that signal handlers queued on the calling
    /// thread (see ``hardirq(threaded:_:)``); the thread's next lock event,
    /// ``flushTrace()`` and its exit do it too. Call it in normal context,
    /// never in a handler (there it does nothing).
    /// - Complexity: O(queued events), at most 64.
    public static func validateHandlerEvents() {
        guard let pt = PerThread.currentIfAny(), !lc_guard_is_clear(), !lc_guard_busy(), !lc_guard_in_handler() else { return }
        pt.drainHandlerEvents()
    }

    /// Signal handlers' events dropped so far in this process, not
    /// validated: a handler scope that did not fit in its thread's ring
    /// (64 events), or a sleep point in a handler.
    /// Each drop is also reported on stderr (the first 10 times).
    /// - Complexity: O(1), one lock.
    public static var droppedHandlerEvents: UInt64 { Runtime.droppedHandlerEvents }
}
