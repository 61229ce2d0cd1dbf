import LockVocabulary
import Testing

/// Each vocabulary type's trace spelling, against the table in
/// docs/trace-format.md: every case has its own, reading it back gives the
/// case, and a word that is none of them is refused.
@Suite struct SpellingTests {
    @Test func lockKindSpellingsAreTheTraceFormatTable() {
        #expect(LockKind.allCases.map(\.spelling)
                == ["raw-spinlock", "spinlock", "rwlock", "mutex", "rt-mutex", "recursive-mutex", "rwsem"])
        for kind in LockKind.allCases { #expect(LockKind(spelling: kind.spelling) == kind) }
    }

    @Test func unknownLockKindIsRefused() {
        for word in ["", "Mutex", "raw_spinlock", "rtmutex", "mutex "] { #expect(LockKind(spelling: word) == nil) }
    }

    @Test func lockKindWaitTypesAreTheTraceFormatTable() {
        let table: [LockKind: WaitType] = [
            .rawSpinlock: .spin, .spinlock: .config, .rwlock: .config, .mutex: .sleep,
            .rtMutex: .sleep, .recursiveMutex: .sleep, .rwsem: .sleep,
        ]
        for kind in LockKind.allCases {
            #expect(kind.waitType == table[kind])
            #expect(kind.spins == (kind.waitType != .sleep))
            #expect(kind.isReaderWriter == (kind == .rwlock || kind == .rwsem))
        }
    }

    @Test func waitTypesAreOrderedSpinConfigSleepAny() {
        #expect(WaitType.allCases == [.spin, .config, .sleep, .any])
        #expect(WaitType.allCases.sorted() == WaitType.allCases)
        #expect(WaitType.allCases.map(\.name) == ["spin", "config", "sleep", "any"])
    }

    /// Revision 1.3: the `what=` of an `await`, and how reports name it.
    @Test func suspensionKindSpellingsAreTheTraceFormatTable() {
        #expect(SuspensionKind.allCases.map(\.spelling) == ["hop", "continuation", "async-let", "async-let-end"])
        for kind in SuspensionKind.allCases { #expect(SuspensionKind(spelling: kind.spelling) == kind) }
        for word in ["", "Hop", "switch", "async_let", "hop "] { #expect(SuspensionKind(spelling: word) == nil) }
        #expect(SuspensionKind.allCases.map(\.awaitName)
                == ["an actor hop", "a continuation's await", "an async let's await", "the end of an async let's scope"])
    }

    @Test func acquireModeSpellingsRoundTrip() {
        #expect(AcquireMode.allCases.map(\.spelling) == ["w", "r", "rr"])
        for mode in AcquireMode.allCases { #expect(AcquireMode(spelling: mode.spelling) == mode) }
        #expect(AcquireMode.allCases.filter(\.isShared) == [.shared, .recursiveShared])
    }

    @Test func unknownAcquireModeIsRefused() {
        for word in ["", "W", "rw", "rrr", "try"] { #expect(AcquireMode(spelling: word) == nil) }
    }

    @Test func allocFlagsSpellingsRoundTrip() {
        #expect(AllocFlags.allCases.map(\.spelling) == ["may-block", "atomic", "nowait", "no-locks"])
        for flags in AllocFlags.allCases { #expect(AllocFlags(spelling: flags.spelling) == flags) }
    }

    @Test func unknownAllocFlagsAreRefused() {
        for word in ["", "mayblock", "GFP_ATOMIC", "no_locks", "atomic,nowait"] { #expect(AllocFlags(spelling: word) == nil) }
    }

    @Test func rcuFlavorSpellingsAndNames() {
        #expect(RCUFlavor.allCases.map(\.spelling) == [nil, "bh", "sched"])
        #expect(RCUFlavor.allCases.map(\.name) == ["rcu_read_lock", "rcu_read_lock_bh", "rcu_read_lock_sched"])
    }

    @Test func irqStatesAreLockdepsUsageOrder() {
        #expect(IrqState.allCases.map(\.rawValue) == [0, 1])
        #expect(IrqState.allCases.map(\.name) == ["HARDIRQ", "SOFTIRQ"])
    }
}
