/// What each rule means, for `lockcheck explain`, SARIF rule metadata and the
/// docs: one ``RuleID/Documentation`` per rule id, written for someone who has
/// never read lockdep.
///
/// Every ``RuleID/Documentation/example`` is a complete trace (format 1) on
/// which `lockcheck analyze` reports exactly that rule; a test checks it.
extension RuleID {
    /// How bad a violation of a rule is by default (SARIF's `level`).
    public enum Severity: String, Sendable {
        /// Can deadlock, corrupt memory or lose an interrupt.
        case error
        /// Wrong on some configurations only (PREEMPT_RT), or a strong smell.
        case warning
    }

    /// The explanation of one rule.
    public struct Documentation: Sendable {
        /// UpperCamelCase name (SARIF's `reportingDescriptor.name`).
        public var name: String
        /// One sentence: what the rule catches.
        public var summary: String
        /// When it fires, precisely (rules.md's "fires when").
        public var firesWhen: String
        /// A minimal trace on which the rule fires, and nothing else does; for
        /// a rule that is ``RuleID/isLiveOnly``, a Swift program sketch.
        public var example: String
        /// Why the pattern is a bug, even when the run went fine.
        public var whyItIsABug: String
        /// The lockdep message, kernel source or seed discussion it comes from.
        public var reference: String
        /// How to fix the code, or to tell the validator the nesting is legitimate.
        public var fix: String
        public var severity: Severity
    }

    /// The explanation of this rule.
    /// - Complexity: O(1); the text is built on each call.
    public var documentation: Documentation {
        switch self {
        case .lockOrderInversion:
            return Documentation(
                name: "LockOrderInversion",
                summary: "Two or more lock classes are taken in orders that form a cycle, so threads can deadlock.",
                firesWhen: "A new dependency A -> B (B acquired while A is held) closes a cycle in the class dependency graph: B -> ... -> A was seen before, on any thread, at any time in the run, even in another trace file. Read/write holds follow lockdep's dependency types (-(ER)->, -(EN)->, -(SR)->, -(SN)->), so read-read cycles that cannot deadlock stay silent.",
                example: """
                    lockcheck-trace 1
                    thread 1 teller-1
                    thread 2 teller-2
                    class 1 mutex Account.alice
                    class 2 mutex Account.bob
                    lock 1 1
                    lock 2 2
                    # teller-1 takes alice, then bob: Account.alice -> Account.bob
                    1 1 acquire 1
                    2 1 acquire 2
                    3 1 release 2
                    4 1 release 1
                    # later, teller-2 takes bob, then alice: the reverse order closes the cycle
                    5 2 acquire 2
                    6 2 acquire 1
                    7 2 release 1
                    8 2 release 2

                    """,
                whyItIsABug: "The two halves never overlapped in this run, but nothing prevents it: if teller-1 holds alice and waits for bob while teller-2 holds bob and waits for alice, neither can proceed. lockdep reports the order, not the deadlock, so the bug is found the first time both orders run, not the first time they race.",
                reference: "lockdep \"possible circular locking dependency detected\" (kernel/locking/lockdep.c check_noncircular; Documentation/locking/lockdep-design.rst).",
                fix: "Pick one global order for the classes in the cycle and take them in that order everywhere (for two accounts: by account id). The report's chain shows where each order was first seen. If two classes really are never held by two threads at once (for example a parent object locked before its child of the same type), take the inner one with a subclass (`acquire ... sub=1`, CheckedMutex(subclass:)) so it becomes a class of its own.",
                severity: .error)
        case .recursiveLock:
            return Documentation(
                name: "RecursiveLock",
                summary: "A thread takes a lock class it already holds.",
                firesWhen: "A thread acquires a lock whose class (and subclass) it already holds, except a recursive read over a read, a `recursive-mutex` instance it already holds, or a sibling taken under a held `nest=` lock.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    class 1 mutex Inode.lock
                    lock 1 1
                    lock 2 1
                    # two inodes of one class, the second taken while holding the first
                    1 1 acquire 1
                    2 1 acquire 2
                    3 1 release 2
                    4 1 release 1

                    """,
                whyItIsABug: "On one instance the thread deadlocks on itself. On two instances of one class the validator cannot order them: another thread taking the same two in the other order deadlocks with this one, and lockdep has no class-level order to check that against.",
                reference: "lockdep \"possible recursive locking detected\" (kernel/locking/lockdep.c check_deadlock).",
                fix: "If the nesting is intended (a parent and a child of one type), take the inner lock with its own subclass (`sub=1`), lockdep's mutex_lock_nested; if many siblings are taken under one outer lock, pass that lock as the nest lock (`nest=`), lockdep's mutex_lock_nest_lock. Otherwise release the first lock before taking the second.",
                severity: .error)
        case .invalidWaitContext:
            return Documentation(
                name: "InvalidWaitContext",
                summary: "A lock that may sleep (on PREEMPT_RT) is taken where only spinning is allowed.",
                firesWhen: "A lock is acquired whose wait type (spin < config < sleep) is higher than the lowest wait type of the locks the thread holds, or than its context allows (a hardirq handler allows spin only, a threaded one config; an RCU-sched section spin; a plain RCU section config). The headline case: a `spinlock` under a `raw-spinlock` with `raw-nesting=on`.",
                example: """
                    lockcheck-trace 1
                    config raw-nesting=on
                    thread 1 main
                    class 1 raw-spinlock krc.lock
                    class 2 spinlock zone.lock
                    lock 1 1
                    lock 2 2
                    # a spinlock_t (sleeps on PREEMPT_RT) under a raw spinlock
                    1 1 acquire 1
                    2 1 acquire 2
                    3 1 release 2
                    4 1 release 1

                    """,
                whyItIsABug: "On an ordinary kernel both locks spin and the nesting is harmless. On PREEMPT_RT a spinlock_t is a sleeping lock, and a raw spinlock (or a hardirq handler) is a context that must never sleep: the code that works today schedules while atomic there. CONFIG_PROVE_RAW_LOCK_NESTING makes lockdep check this on every kernel, and so does lockcheck with `raw-nesting=on`.",
                reference: "lockdep \"[ BUG: Invalid wait context ]\" (check_wait_context, CONFIG_PROVE_RAW_LOCK_NESTING); seed 002 (\"mm: Add __GFP_NO_LOCKS flag\": zone->lock taken under the raw krc.lock).",
                fix: "Make the outer lock a non-raw spinlock, make the inner one a raw spinlock if its sections are short and never sleep, or move the acquisition out of the raw section (take it before, or defer the work). If the program never runs on PREEMPT_RT-like systems, analyse with `--raw-nesting off`.",
                severity: .error)
        case .sleepInAtomic:
            return Documentation(
                name: "SleepInAtomic",
                summary: "Something that may block runs in atomic context.",
                firesWhen: "A sleep point in atomic context: a `sleep` event, a `mutex`/`rwsem` acquisition, a `may-block` allocation, a `barrier`, or a `headless` `defer-free`, while the thread holds a spinning lock or is in hardirq / softirq, irqs-off, preempt-off or an RCU read-side section.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    class 1 spinlock dev.lock
                    lock 1 1
                    1 1 acquire 1
                    # waits on a condition while holding a spinlock
                    2 1 sleep what=cond-wait
                    3 1 release 1

                    """,
                whyItIsABug: "A spinning lock's waiters spin while its holder is asleep, an interrupt handler that blocks stalls the interrupted thread, and an RCU reader that blocks holds up the grace period for everyone. The call may not block in this run (the allocation found memory, the condition was already true), but it may in the next.",
                reference: "might_sleep: \"BUG: sleeping function called from invalid context\" (CONFIG_DEBUG_ATOMIC_SLEEP, kernel/sched/core.c __might_sleep); seeds 000 and 001 (a headless kvfree_rcu may fall back to synchronize_rcu, so it must not run in IRQ context).",
                fix: "Move the blocking call out of the atomic section (drop the spinning lock, or leave the handler first), use a non-blocking variant (a trylock, an `atomic` or `no-locks` allocation, a deferred free with an embedded head), or protect the section with a sleeping lock instead.",
                severity: .error)
        case .allocUnderRawLock:
            return Documentation(
                name: "AllocUnderRawLock",
                summary: "A non-sleeping allocation that takes the allocator's spinlock runs under a raw lock.",
                firesWhen: "An `atomic` or `nowait` allocation while a `raw-spinlock` is held or in a hardirq handler, with `raw-nesting=on`. `no-locks` allocations never fire it.",
                example: """
                    lockcheck-trace 1
                    config raw-nesting=on
                    thread 1 main
                    class 1 raw-spinlock krc.lock
                    lock 1 1
                    1 1 acquire 1
                    # kvfree_rcu refills its bulk array under the raw krc.lock
                    2 1 alloc nowait 4096
                    3 1 release 1

                    """,
                whyItIsABug: "GFP_ATOMIC and GFP_NOWAIT never sleep, but the page allocator may take zone->lock, a spinlock_t, which sleeps on PREEMPT_RT. Under a raw spinlock that is a sleeping lock nested in a context that must not sleep, hidden inside the allocator where no lock annotation shows it.",
                reference: "seed 002, \"mm: Add __GFP_NO_LOCKS flag\" (Rezki, McKenney, Gleixner, Zijlstra, August 2020).",
                fix: "Allocate before taking the raw lock (and drop the memory if it turns out unneeded), or use a `no-locks` allocation, which only takes from a lockless per-CPU cache and may fail, and handle its failure.",
                severity: .error)
        case .irqLockInversion:
            return Documentation(
                name: "IrqLockInversion",
                summary: "An irq-safe lock is held while taking a lock that is also taken with interrupts enabled.",
                firesWhen: "A dependency from a class used in hardirq (softirq) context to a class taken with hardirqs (softirqs) enabled, directly or along a path of dependencies, or the same two usages appearing in the other order.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    thread 2 irq
                    class 1 raw-spinlock irq.lock
                    class 2 raw-spinlock data.lock
                    lock 1 1
                    lock 2 2
                    # data.lock is taken with interrupts enabled: HARDIRQ-unsafe
                    1 1 acquire 2
                    2 1 release 2
                    # the interrupt handler takes irq.lock: HARDIRQ-safe
                    3 2 irqs-off
                    4 2 hardirq-enter
                    5 2 acquire 1
                    6 2 release 1
                    7 2 hardirq-exit
                    8 2 irqs-on
                    # irq.lock -> data.lock: the safe lock now waits for the unsafe one
                    9 1 irqs-off
                    10 1 acquire 1
                    11 1 acquire 2
                    12 1 release 2
                    13 1 release 1
                    14 1 irqs-on

                    """,
                whyItIsABug: "CPU1 holds data.lock with interrupts on; CPU0 holds irq.lock and waits for data.lock; an interrupt arrives on CPU1 and its handler waits for irq.lock. CPU1 never returns from the interrupt to release data.lock: a deadlock that needs no lock order cycle.",
                reference: "lockdep \"HARDIRQ-safe -> HARDIRQ-unsafe lock order detected\" (check_irq_usage) and \"possible irq lock inversion dependency detected\" (check_usage_forwards/backwards).",
                fix: "Take the irq-unsafe lock with interrupts disabled everywhere (spin_lock_irqsave; `irqs-off` in traces), which makes it irq-safe too, or do not take it while holding the irq-safe one.",
                severity: .error)
        case .inconsistentLockState:
            return Documentation(
                name: "InconsistentLockState",
                summary: "One lock class is taken inside an interrupt handler and also with interrupts enabled.",
                firesWhen: "One class is both taken in hardirq (softirq) context and taken with hardirqs (softirqs) enabled. Two read usages do not conflict.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    thread 2 irq
                    class 1 raw-spinlock stats.lock
                    lock 1 1
                    # taken with interrupts enabled
                    1 1 acquire 1
                    2 1 release 1
                    # and inside a hardirq handler
                    3 2 irqs-off
                    4 2 hardirq-enter
                    5 2 acquire 1
                    6 2 release 1
                    7 2 hardirq-exit
                    8 2 irqs-on

                    """,
                whyItIsABug: "While a thread holds the lock with interrupts on, the interrupt can arrive on the same CPU; its handler then spins on a lock held by the code it interrupted, which cannot run until the handler returns.",
                reference: "lockdep \"inconsistent lock state\", \"inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage\" (mark_lock_irq, valid_state).",
                fix: "Take the lock with interrupts disabled everywhere outside the handler (spin_lock_irqsave; `irqs-off` in traces; for softirqs spin_lock_bh / `softirqs-off`), or stop taking it in the handler.",
                severity: .error)
        case .unlockUnheld:
            return Documentation(
                name: "UnlockUnheld",
                summary: "A thread releases a lock it does not hold.",
                firesWhen: "A release of a lock the thread does not hold (a double unlock, or an unlock on the wrong thread), or an `rcu-unlock` with no open section of that flavour.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    class 1 mutex cfg.lock
                    lock 1 1
                    1 1 acquire 1
                    2 1 release 1
                    # released a second time
                    3 1 release 1

                    """,
                whyItIsABug: "The lock's state and its users' idea of it disagree: the second unlock may open another thread's critical section, and unlocking a pthread mutex one does not own is undefined behaviour.",
                reference: "lockdep \"WARNING: bad unlock balance detected!\" (print_unlock_imbalance_bug).",
                fix: "Release each lock exactly once, on the thread that acquired it; prefer scoped `withLock { }` over manual lock()/unlock() so every path, including errors, releases once.",
                severity: .error)
        case .heldLockFreed:
            return Documentation(
                name: "HeldLockFreed",
                summary: "A lock is destroyed or re-initialised while a thread holds it.",
                firesWhen: "`lock-free` or `lock-init` of a lock that some thread holds.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    class 1 mutex Session.lock
                    lock 1 1
                    1 1 acquire 1
                    # the session is torn down while its lock is held
                    2 1 lock-free 1

                    """,
                whyItIsABug: "The holder will later unlock memory that is gone or reset, and waiters may wake on garbage; with a reused allocation the unlock lands in an unrelated object.",
                reference: "lockdep \"held lock freed!\" (debug_check_no_locks_freed).",
                fix: "Make sure every holder has released the lock, and no one can reach it any more, before destroying or re-initialising it (release first, or free the owning object only after its last reference is gone).",
                severity: .error)
        case .heldAtExit:
            return Documentation(
                name: "HeldAtExit",
                summary: "A thread exits while holding locks.",
                firesWhen: "`thread-exit` while the thread holds locks.",
                example: """
                    lockcheck-trace 1
                    thread 1 worker
                    class 1 mutex Queue.lock
                    lock 1 1
                    1 1 acquire 1
                    # an early return skipped the unlock
                    2 1 thread-exit

                    """,
                whyItIsABug: "Nothing will ever release those locks; every later acquirer waits forever.",
                reference: "lockdep \"lock held when returning to user space!\" (lockdep_sys_exit).",
                fix: "Release every lock before the thread returns; scoped `withLock { }` releases on every path, including thrown errors.",
                severity: .error)
        case .doubleDeferredFree:
            return Documentation(
                name: "DoubleDeferredFree",
                summary: "An object is queued for deferred free twice before its grace period ended.",
                firesWhen: "`defer-free` of a pointer that is already queued and not yet reclaimed.",
                example: """
                    lockcheck-trace 1
                    thread 1 close-a
                    thread 2 close-b
                    queue 1 kvfree_rcu
                    1 1 defer-free 1 0x1000
                    # a second close path frees the same object before it was reclaimed
                    2 2 defer-free 1 0x1000

                    """,
                whyItIsABug: "After the grace period the queue frees the object twice: a double free that corrupts the allocator, found long after both callers returned.",
                reference: "kvfree_rcu's debug_rcu_head_queue (CONFIG_DEBUG_OBJECTS_RCU_HEAD); seed 001 (\"rcu/tree: support reclaim for head-less object\").",
                fix: "Queue each object exactly once: clear the owner's pointer to it (under the owner's lock) before queueing, so a second path finds nothing to free.",
                severity: .error)
        case .destroyWithPendingFree:
            return Documentation(
                name: "DestroyWithPendingFree",
                summary: "A pool is destroyed while deferred frees of its objects are still pending.",
                firesWhen: "`pool-destroy` while objects of that pool are queued for deferred free and not reclaimed, with no `barrier` on the queue in between.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    pool 1 conn_cache
                    queue 1 kvfree_rcu
                    1 1 alloc may-block 64 ptr=0x1000 pool=1
                    2 1 defer-free 1 0x1000 pool=1
                    # module unload: the pool goes away with the free still queued
                    3 1 pool-destroy 1

                    """,
                whyItIsABug: "When the grace period ends, the queue frees the object into a pool that no longer exists. rcu_barrier() does not help: batched kvfree_rcu frees are not callbacks it waits for.",
                reference: "seed 003, \"slab: kfree_rcu vs kmem_cache_destroy\" (Babka, 2024): the kvfree_rcu_barrier() fix.",
                fix: "Call `barrier` on the queue (kvfree_rcu_barrier) after the last deferred free and before destroying the pool.",
                severity: .error)
        case .useAfterDestroy:
            return Documentation(
                name: "UseAfterDestroy",
                summary: "A pool or lock is used after it was destroyed.",
                firesWhen: "Any event naming a pool after its `pool-destroy` (an allocation, a free, a deferred free or a reclaim into it), or acquiring a lock after its `lock-free` and before a `lock-init`.",
                example: """
                    lockcheck-trace 1
                    thread 1 main
                    thread 2 migration
                    pool 1 zs_pool
                    1 1 pool-destroy 1
                    # late work still reaches the pool
                    2 2 free 0x2000 pool=1

                    """,
                whyItIsABug: "The memory behind the pool or lock is gone: the late user writes into freed memory, usually far from the code that freed it.",
                reference: "seed 004, \"mm/zsmalloc.c: Fix race condition in zs_destroy_pool\" (2019: migration queues work after the final flush); ThreadSanitizer \"use of a destroyed mutex\".",
                fix: "Stop every user of the pool (workers, migration, deferred frees) and wait for it before destroying; or have users take a reference that destroy waits for. For locks: destroy only after the last user is gone.",
                severity: .error)
        case .deadlock:
            return Documentation(
                name: "Deadlock",
                summary: "Threads blocked on lockcheck locks wait for each other in a cycle: the process is hung (live only).",
                firesWhen: "Live only. A thread that could not take a lock at once and has waited about 200 ms follows the wait-for graph: the lock it waits for, the thread(s) holding it, the lock that thread waits for, and so on. When that path comes back to itself, and is still there one check later, every thread in the cycle is reported once: the lock each waits for with the stack where it blocked, and the locks each holds with the source line that took each. A trace records acquisitions, not waits, so `lockcheck analyze` never reports it.",
                example: """
                    // Two threads, one barrier, opposite orders (Examples/deadlock-abba):
                    // lock-order-inversion does not fire, because both locks are of
                    // one class and the inner one is taken with subclass 1.
                    let a = CheckedMutex(name: "Account"), b = CheckedMutex(name: "Account")
                    // thread 1:                         thread 2:
                    a.lock();  barrier.wait()            b.lock();  barrier.wait()
                    b.lock(subclass: 1)   // blocks      a.lock(subclass: 1)   // blocks: deadlock

                    """,
                whyItIsABug: "Nothing can release the locks: each holder waits for another member of the cycle. The process hangs until a CI job's time limit kills it, with no report of which locks or which code; lock order validation predicts most cycles, but not an order hidden by subclass or nest-lock annotations, or taken through instances it never saw nest.",
                reference: "parking_lot's deadlock_detection (checks the wait-for graph of parked threads); absl::Mutex \"potential deadlock\"; the kernel's hung-task detector; hummingbird-project/hummingbird#664, grpc/grpc-swift#430, swiftlang/swift-corelibs-xctest#504 (deadlocks found as hung CI jobs). lockdep itself only predicts.",
                fix: "Take the locks in one global order on every path (for instances of one class, by a stable key such as an id); or take the later lock with tryLock and back off; then annotate the nesting the way lockdep allows (subclass only for a real hierarchy).",
                severity: .error)
        case .lockWaitTimeout:
            return Documentation(
                name: "LockWaitTimeout",
                summary: "A thread waited longer than LOCKCHECK_WAIT_TIMEOUT for a lockcheck lock (live only).",
                firesWhen: "Live only. A thread has been blocked on one lockcheck lock for longer than LOCKCHECK_WAIT_TIMEOUT seconds (default 30, 0 turns the rule off). The report names the holder when lockcheck knows it (a blocked lockcheck waiter that holds the lock, or the owner pthread records for a mutex or a writer), the holder's current stack (where it blocked, or, for a holder not waiting for a lockcheck lock, its answer to one realtime signal, LOCKCHECK_HOLDER_SIGNAL; why not, when it does not answer within 1 s), where the holder took the lock (the source line its lock call passed, which the lock keeps while held, and the stack when lockcheck kept one; for a lock taken by code that gives no line, such as NSLocking's lock() or the lockcheck run preload library, where the lock's class was first taken, said as such), and the waiter's stack. Reported once per waiting thread and lock class.",
                example: """
                    // LOCKCHECK_WAIT_TIMEOUT=1 (Examples/lock-wait-timeout):
                    let config = CheckedMutex(name: "Config.lock")
                    // holder:                              waiter:
                    config.lock(); readFromSlowDisk()       config.lock()   // waits more than 1 s
                    config.unlock()

                    """,
                whyItIsABug: "A lock held across something slow (I/O, a condition, a task, another process) stalls every thread that needs it; past the timeout this is a hang in all but name, and without the report only a backtrace of every thread shows who holds what.",
                reference: "go-deadlock's lock-wait timeout (Opts.DeadlockTimeout, 30 s, \"Previous place where the lock was grabbed\"); the kernel's hung-task detector (khungtaskd, \"task blocked for more than 120 seconds\") next to lockdep.",
                fix: "Do the slow work outside the critical section (copy what it needs under the lock); if a long hold is intended, raise LOCKCHECK_WAIT_TIMEOUT for that run, or set it to 0.",
                severity: .warning)
        case .blockingInAsyncContext:
            return Documentation(
                name: "BlockingInAsyncContext",
                summary: "A thread running a Swift task, or a thread declared non-blocking, blocks waiting for another thread.",
                firesWhen: "A blocking wait (a `sleep` event with the `task` or `nonblock` flag: a condition wait, `LockCheck.sleep`, a semaphore, `LockCheck.mightBlock()`) made while the thread runs a Swift task, or on a thread the program declared non-blocking (`LockCheck.setThreadNonBlocking()`, an event loop). Acquiring a mutex is not a blocking wait for this rule.",
                example: """
                    lockcheck-trace 1
                    thread 1 cooperative-pool-1
                    # a task waits on a semaphore that another task will signal
                    1 1 sleep what=semaphore-wait task

                    """,
                whyItIsABug: "Swift's cooperative pool has as many threads as cores. A task that blocks its thread waiting for another task keeps that thread from running anything else; when every pool thread blocks so, the task that would wake them never runs, and the process hangs (on a 2-core CI machine, two such waits are enough). An event loop that blocks stops every connection it serves.",
                reference: "The Swift concurrency counterpart of might_sleep (\"BUG: sleeping function called from invalid context\"), with the cooperative pool as the context: vapor/async-kit#109 (EventLoopFuture.wait() in async code), swiftlang/swift-package-manager#7382, the Swift forums thread on semaphores in async code; swift-nio's `preconditionNotInEventLoop` for event loops.",
                fix: "Suspend instead of blocking: `await` an async API, or a continuation that the signalling code resumes. Move unavoidable blocking work to a thread of its own (a dedicated Thread, a DispatchQueue) and await its result.",
                severity: .error)
        case .lockHeldAcrossSuspension:
            return Documentation(
                name: "LockHeldAcrossSuspension",
                summary: "A lock a Swift task took is still held when the task suspends.",
                firesWhen: "A thread that holds a lock taken by a Swift task takes a lock for another task (or for code outside any task): the first task is no longer running there, so it suspended with the lock held. Or a thread running a task releases a lock it does not hold: the task took the lock on another thread and moved threads across a suspension (the lock taken before `withCheckedContinuation` and released inside its body, or held across an `await`). Events carry their task with `task=<id>` (trace revision 1.2). Reported no later than either of those; live, on x86_64 Linux, already at the await itself: when the task reaches an actor hop, a continuation's await or an async let's await (the runtime's `swift_task_switch`, `swift_continuation_await`, `swift_asyncLet_get`) holding a lock it took on that thread, whether or not it suspends there this time, as lockdep's might_sleep() reports; this also sees a task that resumes on its own thread and releases the lock before anything else takes a lock there. A recorded trace carries those awaits as `await task=<id> what=<kind>` (revision 1.3; written when the thread holds a lock), and `lockcheck analyze` reports them as the live validator did.",
                example: """
                    lockcheck-trace 1
                    thread 1 cooperative-pool-1
                    class 1 mutex Cache.lock
                    class 2 mutex Metrics.lock
                    lock 1 1
                    lock 2 2
                    # task 0x10 takes Cache.lock, then awaits with it held
                    1 1 acquire 1 task=16
                    # task 0x20 runs on the same thread and takes a lock
                    2 1 acquire 2 task=32
                    3 1 release 2 task=32

                    """,
                whyItIsABug: "While the task is suspended the lock stays held. Any task that wants it blocks a thread of the cooperative pool, which has as many threads as cores, and the suspended task may need one of those threads to resume and release it: a few such waits hang the process (on a 2-core CI machine, two). A pthread mutex released on a thread other than the one that locked it is undefined behaviour, and NIOLock traps on it.",
                reference: "apple/swift-nio#3452, #3454 and #3455, swift-server/async-http-client#871 and #872, swiftlang/swift#85668: a lock taken before `withCheckedContinuation` and released inside its body, assuming the body runs at once on the same thread, while the runtime may enqueue the task again first. The kernel counterpart is lockdep's \"lock held when returning to user space\" (a lock held past the point where the task gives up the CPU for good). Two tasks that merely shared a thread get no dependency between their locks.",
                fix: "Never hold a lock across an await. Take it, copy or update the state and release it before suspending (`withLock { }` around synchronous code only). To wait for a state change, store a continuation under the lock, release the lock, then suspend (call `withCheckedContinuation` with no lock held and take the lock again inside its body). Use an actor, or an async-aware lock, for a critical section that must await.",
                severity: .error)
        }
    }

    /// The documentation as Markdown: summary, when it fires, why it is a bug,
    /// how to fix, the reference, and the example trace.
    /// - Complexity: O(length of the text).
    public var markdownHelp: String {
        let d = documentation
        return """
            **\(rawValue)**: \(d.summary)

            **Fires when.** \(d.firesWhen)

            **Why it is a bug.** \(d.whyItIsABug)

            **How to fix or annotate.** \(d.fix)

            **Reference.** \(d.reference)

            \(isLiveOnly ? "Live only (a trace records no waits); a program where the running process reports it:" : "A minimal trace on which `lockcheck analyze` reports it:")

            ```\(isLiveOnly ? "swift" : "")
            \(d.example.hasSuffix("\n") ? String(d.example.dropLast()) : d.example)
            ```
            """
    }

    /// The documentation as plain text, without the example.
    public var textHelp: String {
        let d = documentation
        return "\(d.summary)\n\nFires when: \(d.firesWhen)\n\nWhy it is a bug: \(d.whyItIsABug)\n\nHow to fix or annotate: \(d.fix)\n\nReference: \(d.reference)"
    }
}
