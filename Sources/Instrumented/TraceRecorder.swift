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
/// - Each thread appends whole event lines to its own ring
///   (``TraceLineRing``): no lock, no atomic read-modify-write, no system
///   call; a plain acquire or release is formatted straight into the ring.
///   The one shared write per event is `seq`'s relaxed fetch-add, which
///   orders threads' lines (the format's `<seq>`; the analyzer sorts by it).
/// - Declarations (thread, class, lock, pool, queue, stack) go straight into the
///   shared output under the recorder lock, before the event that first uses
///   them is buffered, so they always precede it in the file.
/// - A writer thread (`lockcheck-flush`) takes every thread's lines and
///   writes them, under the recorder lock: when the event whose `seq` is a
///   multiple of 4,096 wakes it, every 100 µs while the program keeps it
///   busy (it is then not woken: a wake-up is a system call), and every
///   200 ms. So the file grows in whole lines, as before, but the recording
///   threads make no `write`.
/// - A thread drains every ring and writes itself when its own ring is
///   full, when the writer is more than 16,384 events behind at a multiple
///   of 4,096 (threads' lines stay well within the analyzer's 65,536-event
///   reorder window), when there is no writer (a forked child), on each
///   violation, when it exits, and at exit.
/// - After a crash the file holds every line written so far, each whole,
///   as before: what is lost is what the rings held (at most about 4,096
///   events of the process, or 200 ms), and a file cut mid-line is still
///   analysed up to its last whole line.
/// - A write error (disk full, bad path) gives one warning on stderr and
///   stops recording; the program continues.
final class TraceRecorder: @unchecked Sendable {
    /// 0 while not recording, else the current session number; read (relaxed)
    /// on every event (a lock event reads it through its thread's copy of
    /// the pointer, ``PerThread/traceSessionWord``).
    let sessionWord: UnsafeMutablePointer<Int64>
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
    /// 1 while the writer thread runs (never in a forked child).
    private let writerRunning: UnsafeMutablePointer<Int32>
    /// 1 while the writer polls (its last drain found much): no need to wake it.
    private let writerPolling: UnsafeMutablePointer<Int32>
    /// Wakes the writer thread.
    private let wake: UnsafeMutablePointer<sem_t>
    /// The last `seq` handed out when the rings were last drained.
    private let drainedSeq: UnsafeMutablePointer<Int64>
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
        writerRunning = .allocate(capacity: 1)
        writerRunning.initialize(to: 0)
        writerPolling = .allocate(capacity: 1)
        writerPolling.initialize(to: 0)
        drainedSeq = .allocate(capacity: 1)
        drainedSeq.initialize(to: 0)
        wake = .allocate(capacity: 1)
        sem_init(wake, 0, 0)
    }

    /// Bytes of each recording thread's ring: about 13,000 lock events, more
    /// than a thread writes between two of the writer's drains.
    static let ringCapacity = 256 * 1024
    /// The writer is woken by every event whose `seq` is a multiple of this.
    static let drainInterval: UInt64 = 4096
    /// A thread drains the rings itself when the writer has not for this
    /// many events.
    static let maxLag: Int64 = 16384
    /// A drain that found this much sends the writer polling: it drains
    /// again after ``pollInterval`` without being woken, so the recording
    /// threads of a busy program make no system call at all (a wake-up is
    /// a futex call and, here, a cross-CPU interrupt).
    static let busyBytes = 16 * 1024
    static let pollInterval = timespec(tv_sec: 0, tv_nsec: 100_000)

    /// Whether a trace is being recorded. One relaxed load.
    @inline(__always)
    var isRecording: Bool { lc_load_relaxed_i64(sessionWord) != 0 }

    // MARK: Starting and stopping

    /// Opens `path` (truncating it) and writes the header and config. When
    /// another live process records to `path` (a program the recorded one
    /// started, inheriting `LOCKCHECK_TRACE` without `%p`), this process
    /// records to `path.<pid>` instead, and says so (``openOwned(_:)``).
    func start(path template: String) -> Bool {
        var path = Self.expand(template)
        return lock.withLock {
            if fd >= 0 { closeLocked() }
            var newFD = Self.openOwned(path)
            if newFD == -2 {
                let own = path + "." + String(getpid())
                writeStderr("lockcheck: warning: '\(path)' is another running process's trace; process \(getpid()) records to '\(own)' (put %p in the path to name one trace per process)\n")
                path = own
                newFD = Self.openOwned(path)
            }
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
            lc_store_relaxed_i64(drainedSeq, Int64(bitPattern: lc_current_seq()))
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
                startWriter()
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

    /// Opens `path` for this process alone and empties it: an exclusive
    /// `flock` held for as long as the descriptor is open (it closes at exec,
    /// and a process's exit releases it). Truncating after the lock, never
    /// at `open`, keeps a second process from emptying a trace another one
    /// is writing, which left a hole of NUL bytes at the first one's offset.
    /// - Returns: The descriptor; -1 on an error (`errno` set); -2 when
    ///   another process holds the file.
    /// - Complexity: Three system calls.
    static func openOwned(_ path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return -1 }
        // A file system without flock (ENOLCK, EINVAL) records as before.
        if flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            close(fd)
            return -2
        }
        guard ftruncate(fd, 0) == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            return -1
        }
        return fd
    }

    /// `path` with every `%p` replaced by the process id, so test processes
    /// that share one `LOCKCHECK_TRACE` each write a trace of their own.
    static func expand(_ path: String) -> String {
        path.split(separator: "%p", omittingEmptySubsequences: false).joined(separator: String(getpid()))
    }

    // MARK: Events

    /// Buffers one event line of `pt` (its `thread` is filled in here),
    /// declaring first whatever it names that this session has not seen.
    /// - Complexity: The line built in the thread's scratch buffer and
    ///   copied into its ring, no lock; every 4,096 events of the process,
    ///   a wake-up of the writer thread.
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
        pt.traceScratch.buffer.removeAll(keepingCapacity: true)
        pt.traceScratch.event(e, sleepReason: sleepReason)
        let appended = pt.traceScratch.buffer.withUnsafeBytes { pt.traceRing.unsafelyUnwrapped.append($0) }
        if !appended { writeAround(pt.traceScratch.buffer, session: session) }
        if e.seq & (Self.drainInterval &- 1) == 0 { kick(seq: e.seq) }
    }

    /// ``recordLock(_:seq:thread:lock:mode:task:)`` when something is to be
    /// declared first, a stack was captured, or the ring is full.
    @inline(never)
    func recordLockSlow(_ op: TraceOp, seq: UInt64, thread pt: PerThread, lock l: LockIdentity,
                                mode: AcquireMode, task: UInt64, session: Int64) {
        guard pt.traceSession == session, pt.capturedStack == nil, lc_load_relaxed_i64(l.declaredSession) == session else {
            record(TraceEvent(seq: seq, thread: 0, op: op, id: l.traceID, mode: mode, task: task), thread: pt, lock: l)
            return
        }
        var line = TraceWriter()
        line.lockEvent(seq: seq, thread: pt.traceTID, op: op, id: l.traceID, mode: mode, task: task)
        writeAround(line.buffer, session: session)
        if seq & (Self.drainInterval &- 1) == 0 { kick(seq: seq) }
    }

    /// A line that does not fit in its thread's ring (full: the writer is
    /// behind, or the line is longer than the ring): every ring is drained,
    /// the thread's own included, so the line still follows its thread's
    /// earlier lines, and the line is written after them.
    @inline(never)
    private func writeAround(_ line: [UInt8], session: Int64) {
        lock.withLock {
            guard fd >= 0, lc_load_relaxed_i64(sessionWord) == session else { return }
            drainLocked()
            out.buffer.append(contentsOf: line)
            writeLocked()
        }
    }

    /// Every 4,096 events: wakes the writer thread unless it polls, or
    /// drains and writes here when there is none (a forked child) or it is
    /// more than ``maxLag`` events behind.
    @inline(never)
    func kick(seq: UInt64) {
        let behind = Int64(bitPattern: seq &- UInt64(bitPattern: lc_load_relaxed_i64(drainedSeq)))
        if lc_load_relaxed_i32(writerRunning) == 0 || behind > Self.maxLag {
            flushAll()
        } else if lc_load_relaxed_i32(writerPolling) == 0 {
            sem_post(wake)
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
                // No consumer runs (we hold the lock), and this is the ring's thread.
                if let ring = pt.traceRing {
                    ring.reset()  // lines of an earlier session
                } else {
                    pt.traceRing = TraceLineRing(capacity: Self.ringCapacity)
                }
                pt.traceSession = session
                pt.traceLineHead.invalidate()  // built with the old <tid>
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
            // The writer thread was not copied, and the child starts none: a
            // thread created in the child of a multithreaded process is what
            // POSIX and the sanitizers forbid. The child's threads drain and
            // write every 4,096 events, and on full rings, violations, thread
            // exits, exit and flushTrace().
            flusherStarted = true
            lc_store_relaxed_i32(writerRunning, 0)
            current?.traceRing?.reset()  // the forking thread's: the child's only thread
            guard wasRecording else { return nil }
            if template.contains("%p") { return template }
            writeStderr("lockcheck: warning: process \(getpid()) was forked while recording to '\(path)', which has no %p: the child does not record\n")
            return nil
        }()
        if let restart { _ = start(path: restart) }
    }

    // MARK: Flushing

    /// Writes every thread's buffered lines to the file; returns how many
    /// bytes that was.
    /// - Complexity: O(bytes buffered) and one `write`, under the recorder lock.
    @discardableResult
    func flushAll() -> Int {
        lock.withLock {
            guard fd >= 0 else { return 0 }
            drainLocked()
            let n = out.buffer.count
            writeLocked()
            return n
        }
    }

    private func drainLocked() {
        lc_store_relaxed_i64(drainedSeq, Int64(bitPattern: lc_current_seq()))
        for pt in threads.values { drain(pt) }
    }

    private func drain(_ pt: PerThread) {
        pt.traceRing?.take(into: &out.buffer)
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

    /// Starts the writer thread: it drains every ring and writes when an
    /// event wakes it (every 4,096 events), every 100 µs while each drain
    /// finds at least ``busyBytes``, and every 200 ms, so the recording
    /// threads make no system call and a crash loses little.
    private func startWriter() {
        var thread = pthread_t()
        lc_store_relaxed_i32(writerRunning, 1)
        let rc = pthread_create(&thread, nil, { _ in
            lc_set_thread_name("lockcheck-flush")
            _ = lc_preload_set_guard(1)  // lockcheck's own thread: its locks are not the program's
            var polling = false
            while true {
                guard let recorder = Runtime.shared?.recorder else { return nil }
                recorder.waitForWork(polling: polling)
                polling = recorder.flushAll() >= TraceRecorder.busyBytes
                lc_store_relaxed_i32(recorder.writerPolling, polling ? 1 : 0)
            }
        }, nil)
        if rc == 0 { pthread_detach(thread) } else { lc_store_relaxed_i32(writerRunning, 0) }
    }

    /// The writer thread's wait: ``pollInterval`` while it polls; else until
    /// an event wakes it, or 200 ms. Wake-ups that came meanwhile are merged
    /// (one drain serves them all).
    private func waitForWork(polling: Bool) {
        if polling {
            var interval = Self.pollInterval
            _ = nanosleep(&interval, nil)
            while sem_trywait(wake) == 0 {}
            return
        }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_nsec += 200_000_000
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        while sem_timedwait(wake, &deadline) != 0 && errno == EINTR {}
        while sem_trywait(wake) == 0 {}
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
