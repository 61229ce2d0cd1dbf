/// The stable rule ids of rules.md. Ids never change meaning: CI
/// configurations, suppressions and SARIF consumers key on them.
public enum RuleID: String, Sendable, CaseIterable, Hashable, Comparable {
    case lockOrderInversion = "lock-order-inversion"
    case recursiveLock = "recursive-lock"
    case invalidWaitContext = "invalid-wait-context"
    case sleepInAtomic = "sleep-in-atomic"
    case allocUnderRawLock = "alloc-under-raw-lock"
    case irqLockInversion = "irq-lock-inversion"
    case inconsistentLockState = "inconsistent-lock-state"
    case unlockUnheld = "unlock-unheld"
    case heldLockFreed = "held-lock-freed"
    case heldAtExit = "held-at-exit"
    case doubleDeferredFree = "double-deferred-free"
    case destroyWithPendingFree = "destroy-with-pending-free"
    case useAfterDestroy = "use-after-destroy"
    /// Live only: threads blocked on lockcheck locks in a cycle.
    case deadlock = "deadlock"
    /// Live only: a wait for a lockcheck lock longer than `LOCKCHECK_WAIT_TIMEOUT`.
    case lockWaitTimeout = "lock-wait-timeout"
    case blockingInAsyncContext = "blocking-in-async-context"
    case lockHeldAcrossSuspension = "lock-held-across-suspension"

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }

    /// Whether the rule is found only in the running process, never in a
    /// trace: it is about threads that are blocked now (`deadlock`,
    /// `lock-wait-timeout`), which a trace of acquisitions cannot show.
    public var isLiveOnly: Bool {
        switch self {
        case .deadlock, .lockWaitTimeout: return true
        case .lockOrderInversion, .recursiveLock, .invalidWaitContext, .sleepInAtomic, .allocUnderRawLock,
             .irqLockInversion, .inconsistentLockState, .unlockUnheld, .heldLockFreed, .heldAtExit,
             .doubleDeferredFree, .destroyWithPendingFree, .useAfterDestroy, .blockingInAsyncContext, .lockHeldAcrossSuspension:
            return false
        }
    }
    private var order: Int { Self.allCases.firstIndex(of: self)! }

    /// The lockdep (or kernel) message the rule mirrors.
    public var lockdepTitle: String {
        switch self {
        case .lockOrderInversion: return "possible circular locking dependency detected"
        case .recursiveLock: return "possible recursive locking detected"
        case .invalidWaitContext: return "Invalid wait context"
        case .sleepInAtomic: return "sleeping function called from invalid context"
        case .allocUnderRawLock: return "allocation may take a spinning lock under a raw lock"
        case .irqLockInversion: return "irq-safe -> irq-unsafe lock order detected"
        case .inconsistentLockState: return "inconsistent lock state"
        case .unlockUnheld: return "bad unlock balance detected"
        case .heldLockFreed: return "held lock freed"
        case .heldAtExit: return "lock held when the thread exited"
        case .doubleDeferredFree: return "object queued for deferred free twice"
        case .destroyWithPendingFree: return "pool destroyed with deferred frees pending"
        case .useAfterDestroy: return "use after destroy"
        case .deadlock: return "deadlock detected: threads wait for each other"
        case .lockWaitTimeout: return "lock held too long: a waiter timed out"
        case .blockingInAsyncContext: return "blocking call in an async context"
        case .lockHeldAcrossSuspension: return "lock held when the task suspended"
        }
    }
}
