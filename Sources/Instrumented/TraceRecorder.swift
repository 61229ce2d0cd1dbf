#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import LockTrace

/// Records every live event of every thread as a v1 trace
/// (`LOCKCHECK_TRACE=path` or ``LockCheck/startRecording(path:)``).
///
/// - Each thread appends event lines to its own buffer (a spinlock word that
///   only the recorder ever contends for).
/// - Declarations (thread, class, lock, pool, queue, stack) go straight into the
///   shared output under the recorder lock, before the event that first uses
///   them is buffered, so they always precede it in the file.
/// - Every thread's buffer is flushed, under the recorder lock, every 4,096
///   events of the process (so threads' lines stay well within the
///   analyzer's 65,536-event reorder window), on each violation, when a
///   thread exits, every 200 ms from a background thread, and at exit.
/// - A write error (disk full, bad path) gives one warning on stderr and
///   stops recording; the program continues.
final class TraceRecorder: @unchecked Sendable {
    /// 0 while not recording, else the current session number; read (relaxed)
    /// on every event.
    private let sessionWord: UnsafeMutablePointer<Int64>
    private let lock = PlainLock()
    private var sessions: Int64 = 0
    private var fd: Int32 = -1
    private var path = ""
    /// The path as given, `%p` unexpanded (a forked child expands it again).
    private var template = ""
    private var out = TraceWriter()
    private var threads: [ObjectIdentifier: PerThread] = [:]
    private var declaredClasses: Set<UInt32> = []
    private var nextThreadID: UInt64 = 1
    private var nextStackID: UInt64 = 1
    private var exitHookInstalled = false
    private var flusherStarted = false
    private let rawNesting: Bool
    private let preemptRT: Bool
    private let symbolizer: Symbolizer
    /// Set once by the runtime, before any event.
    var validator: Validator?

    init(rawNesting: Bool, preemptRT: Bool, symbolizer: Symbolizer) {
        self.rawNesting = rawNesting
        self.preemptRT = preemptRT
        self.symbolizer = symbolizer
        sessionWord = .allocate(capacity: 1)
        sessionWord.initialize(to: 0)
    }

    /// Whether a trace is being recorded. One relaxed load.
    @inline(__always)
    var isRecording: Bool { lc_load_relaxed_i64(sessionWord) != 0 }

    // MARK: Starting and stopping

    /// Opens `path` (truncating it) and writes the header and config.
    func start(path template: String) -> Bool {
        let path = Self.expand(template)
        return lock.withLock {
            if fd >= 0 { closeLocked() }
            let newFD = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard newFD >= 0 else {
                writeStderr("lockcheck: warning: cannot open trace '\(path)': \(String(cString: strerror(errno))); not recording (the program continues)\n")
                return false
            }
            fd = newFD
            self.path = path
            self.template = template
            sessions += 1
            declaredClasses = []
            threads = [:]
            nextThreadID = 1
            nextStackID = 1
            out.buffer.removeAll(keepingCapacity: true)
            out.header()
            out.config(["raw-nesting": rawNesting ? "on" : "off", "preempt-rt": preemptRT ? "on" : "off"])
            out.process(id: 1, name: "\(processName()) (pid \(getpid()))")
            writeLocked()
            guard fd >= 0 else { return false }
            // Shared `seq` first: it also turns off the locks' short way,
            // which neither takes a shared `seq` nor records.
            lc_set_seq_shared(1)
            lc_store_relaxed_i64(sessionWord, sessions)
            if !exitHookInstalled {
                exitHookInstalled = true
                atexit {
                    let guarded = lc_preload_set_guard(1)
                    Runtime.shared?.recorder.flushAll()
                    _ = lc_preload_set_guard(guarded)
                }
            }
            if !flusherStarted {
                flusherStarted = true
                startFlusher()
            }
            return true
        }
    }

    /// Flushes and closes the trace.
    func stop() {
        lock.withLock {
            guard fd >= 0 else { return }
            drainLocked()
            writeLocked()
            closeLocked()
        }
    }

    private func closeLocked() {
        lc_store_relaxed_i64(sessionWord, 0)
        lc_set_seq_shared(0)
        if fd >= 0 { close(fd) }
        fd = -1
        threads = [:]
        out.buffer.removeAll(keepingCapacity: true)
    }

    /// `path` with every `%p` replaced by the process id, so test processes
    /// that share one `LOCKCHECK_TRACE` each write a trace of their own.
    static func expand(_ path: String) -> String {
        path.split(separator: "%p", omittingEmptySubsequences: false).joined(separator: String(getpid()))
    }

    // MARK: Events

    /// Buffers one event line of `pt` (its `thread` is filled in here),
    /// declaring first whatever it names that this session has not seen.
    /// - Complexity: One spinlock round trip and a line append; every 4,096
    ///   events of the process, a flush of every thread's buffer.
    @inline(__always)
    func record(_ event: TraceEvent, thread pt: PerThread, lock l: LockIdentity? = nil, nest: LockIdentity? = nil,
                pool: LockCheck.Pool? = nil, queue: DeferredFreeEvents? = nil, sleepReason: String? = nil) {
        let session = lc_load_relaxed_i64(sessionWord)
        guard session != 0 else { return }
        var e = event
        if pt.traceSession != session || pt.capturedStack != nil
            || (l.map { lc_load_relaxed_i64($0.declaredSession) != session } ?? false)
            || (nest.map { lc_load_relaxed_i64($0.declaredSession) != session } ?? false)
            || (pool.map { lc_load_relaxed_i64($0.declaredSession) != session } ?? false)
            || (queue.map { lc_load_relaxed_i64($0.declaredSession) != session } ?? false) {
            guard let stack = declare(session: session, thread: pt, lock: l, nest: nest, pool: pool, queue: queue) else { return }
            if stack != 0 { e.stack = stack }
        }
        e.thread = pt.traceTID
        append(seq: e.seq, thread: pt) { $0.event(e, sleepReason: sleepReason) }
    }

    /// Writes one line into `pt`'s buffer under its lock; every 4,096
    /// events of the process, flushes every thread's buffer.
    @inline(__always)
    private func append(seq: UInt64, thread pt: PerThread, _ write: (inout TraceWriter) -> Void) {
        lc_spin_lock(pt.bufferLock)
        write(&pt.writer)
        lc_spin_unlock(pt.bufferLock)
        if seq & 4095 == 0 { flushAll() }
    }

    /// ``record(_:thread:lock:nest:pool:queue:sleepReason:)`` of a lock's
    /// `acquire` (blocking, subclass 0, no nest lock) or `release`, the
    /// commonest events: once the thread and lock are declared and no stack
    /// was captured, the line is written straight from its fields
    /// (``TraceWriter/lockEvent(seq:thread:op:id:mode:)``).
    @inline(__always)
    func recordLock(_ op: TraceOp, seq: UInt64, thread pt: PerThread, lock l: LockIdentity, mode: AcquireMode,
                    task: UInt64) {
        let session = lc_load_relaxed_i64(sessionWord)
        guard session != 0 else { return }
        guard pt.traceSession == session, pt.capturedStack == nil, lc_load_relaxed_i64(l.declaredSession) == session else {
            record(TraceEvent(seq: seq, thread: 0, op: op, id: l.traceID, mode: mode, task: task), thread: pt, lock: l)
            return
        }
        append(seq: seq, thread: pt) {
            $0.lockEvent(seq: seq, thread: pt.traceTID, op: op, id: l.traceID, mode: mode, task: task)
        }
    }

    /// Declares what `record` needs. Returns nil if the session ended, else
    /// the id of the stack captured during the event (0: none).
    @inline(never)
    private func declare(session: Int64, thread pt: PerThread, lock l: LockIdentity?, nest: LockIdentity?,
                         pool: LockCheck.Pool?, queue: DeferredFreeEvents?) -> UInt64? {
        let frames = pt.capturedStack
        pt.capturedStack = nil
        // Symbolize outside the recorder lock (the first lookup in an object reads its symbol table).
        let symbolized = frames.map { $0.dropFirst(symbolizer.runtimeFrameCount($0)).map { frame -> String in
            switch frame {
            case .text(let s): return s
            case .address(let a): return symbolizer.symbolize(a)
            }
        } }
        // A stack of the validator's frames only (none of the program's) is "?".
        let text = symbolized.map { $0.isEmpty ? ["?"] : $0 }
        return lock.withLock { () -> UInt64? in
            guard fd >= 0, lc_load_relaxed_i64(sessionWord) == session else { return nil }
            if pt.traceSession != session {
                pt.traceTID = nextThreadID
                nextThreadID += 1
                out.thread(id: pt.traceTID, name: pt.state.name)
                lc_spin_lock(pt.bufferLock)
                pt.writer.buffer.removeAll(keepingCapacity: true)  // lines of an earlier session
                lc_spin_unlock(pt.bufferLock)
                pt.traceSession = session
                threads[ObjectIdentifier(pt)] = pt
            }
            for x in [l, nest] { if let x { declareLocked(x, session: session) } }
            if let pool, lc_load_relaxed_i64(pool.declaredSession) != session {
                out.pool(id: pool.traceID, name: pool.name)
                lc_store_relaxed_i64(pool.declaredSession, session)
            }
            if let queue, lc_load_relaxed_i64(queue.declaredSession) != session {
                out.queue(id: queue.traceID, name: queue.name)
                lc_store_relaxed_i64(queue.declaredSession, session)
            }
            guard let text else { return 0 }
            let id = nextStackID
            nextStackID += 1
            out.stack(id: id, frames: text)
            return id
        }
    }

    private func declareLocked(_ l: LockIdentity, session: Int64) {
        guard lc_load_relaxed_i64(l.declaredSession) != session, let validator else { return }
        let base = l.classID.rawValue
        if declaredClasses.insert(base).inserted {
            let info = validator.classInfo(l.classID)
            out.lockClass(id: UInt64(base), kind: info.kind, name: info.name)
        }
        out.lock(id: l.traceID, classID: UInt64(base))
        lc_store_relaxed_i64(l.declaredSession, session)
    }

    /// A thread exits: its buffered lines move to the output; it leaves the set.
    func unregister(_ pt: PerThread) {
        guard pt.traceSession != 0 else { return }
        lock.withLock {
            guard threads.removeValue(forKey: ObjectIdentifier(pt)) != nil else { return }
            drain(pt)
        }
    }

    // MARK: fork()

    /// Takes the recorder's lock for a `fork()` (no flush or declaration is
    /// then half-done in the child).
    func lockForFork() { lock.lockForFork() }

    /// Releases what ``lockForFork()`` took, in the parent.
    func unlockAfterForkInParent() { lock.unlockAfterFork() }

    /// In the child, after the fork: releases the lock, forgets the parent's
    /// threads and buffered lines (the parent writes them), and, when
    /// recording, moves to a trace of the child's own: `template` expanded
    /// with the child's pid when it has `%p`; otherwise the child stops
    /// recording (both would write one file) with one warning.
    /// - Parameter current: The forking thread's state, the child's only thread.
    func resetInChild(current: PerThread?) {
        let restart: String? = {
            defer { lock.unlockAfterFork() }
            let wasRecording = fd >= 0
            if fd >= 0 { close(fd) }    // the child's copy only
            fd = -1
            lc_store_relaxed_i64(sessionWord, 0)
            lc_set_seq_shared(0)
            threads = [:]
            out.buffer.removeAll(keepingCapacity: true)
            // The flusher thread was not copied, and the child starts none: a
            // thread created in the child of a multithreaded process is what
            // POSIX and the sanitizers forbid. The child flushes every 4,096
            // events, on violations, thread exits, exit and flushTrace().
            flusherStarted = true
            if let current {
                lc_store_relaxed_i32(current.bufferLock, 0)
                current.writer.buffer.removeAll(keepingCapacity: true)
            }
            guard wasRecording else { return nil }
            if template.contains("%p") { return template }
            writeStderr("lockcheck: warning: process \(getpid()) was forked while recording to '\(path)', which has no %p: the child does not record\n")
            return nil
        }()
        if let restart { _ = start(path: restart) }
    }

    // MARK: Flushing

    /// Writes every thread's buffered lines to the file.
    func flushAll() {
        lock.withLock {
            guard fd >= 0 else { return }
            drainLocked()
            writeLocked()
        }
    }

    private func drainLocked() {
        for pt in threads.values { drain(pt) }
    }

    private func drain(_ pt: PerThread) {
        lc_spin_lock(pt.bufferLock)
        out.buffer.append(contentsOf: pt.writer.buffer)
        pt.writer.buffer.removeAll(keepingCapacity: true)
        lc_spin_unlock(pt.bufferLock)
    }

    /// Writes the output buffer; on an error, warns once and stops recording.
    private func writeLocked() {
        guard fd >= 0 else { return }
        let failure: Int32? = out.buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        out.buffer.removeAll(keepingCapacity: true)
        if let failure {
            writeStderr("lockcheck: warning: cannot write trace '\(path)': \(String(cString: strerror(failure))); recording stopped (the program continues)\n")
            closeLocked()
        }
    }

    /// Flushes every 200 ms while recording, so a crash loses little.
    private func startFlusher() {
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { _ in
            lc_set_thread_name("lockcheck-flush")
            _ = lc_preload_set_guard(1)  // lockcheck's own thread: its locks are not the program's
            while true {
                usleep(200_000)
                Runtime.shared?.recorder.flushAll()
            }
        }, nil)
        if rc == 0 { pthread_detach(thread) }
    }
}

/// The process's short name (`/proc/self/comm`).
func processName() -> String {
    var buf = [CChar](repeating: 0, count: 64)
    let fd = open("/proc/self/comm", O_RDONLY)
    guard fd >= 0 else { return "process" }
    defer { close(fd) }
    let n = read(fd, &buf, 63)
    return n > 0 ? buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.trimmingNewline() : "process"
}
