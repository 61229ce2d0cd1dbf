extension Validator {
    /// Validates that `thread` is about to acquire `lock`, then records it as held.
    ///
    /// Call before blocking on the real lock, so a real deadlock is still
    /// reported; for a trylock, call after it succeeded with `isTry: true`.
    ///
    /// Checks, in lockdep's order: use after `lock-free`, irq usage
    /// (inconsistent state, irq inversion), sleeping in atomic context, the
    /// wait-context lattice, then — for a held-class chain not seen before —
    /// recursive locking and every new dependency against the graph.
    /// - Parameters:
    ///   - mode: Exclusive, shared or recursive-shared; ignored for kinds that
    ///     are not reader/writer locks.
    ///   - subclass: lockdep's nesting subclass; each subclass is its own class.
    ///   - nestLock: A held lock that serializes same-class siblings (nest_lock).
    ///   - countsHolder: false when the caller marks the holder itself (see
    ///     ``acquireExclusive(_:countsHolder:thread:site:)``): then no count is
    ///     added before the caller blocks on the real lock.
    /// - Complexity: For a validated chain: O(held locks in the current
    ///   context), no shared lock, one atomic increment. For a new chain: one
    ///   graph search per new dependency, O(classes + dependencies), under the
    ///   graph lock.
    @inline(__always)
    public func acquire(_ lock: LockInstance, mode: AcquireMode = .exclusive, isTry: Bool = false,
                        subclass: UInt32 = 0, nestLock: LockInstance? = nil, countsHolder: Bool = true,
                        thread t: ThreadState, site: EventSite) {
        if !isTry && subclass == 0 && nestLock == nil
            && (acquireIfMemoized(lock, mode: mode, countsHolder: countsHolder, thread: t, site: site)
                || t.runsTasks && acquireIfMemoizedInTask(lock, mode: mode, countsHolder: countsHolder, task: t.task,
                                                          thread: t, site: site)) {
            return
        }
        guard let freed = begin(lock, thread: t, site: site) else { return }
        acquireChecked(lock, mode: mode, isTry: isTry, subclass: subclass, nestLock: nestLock, freed: freed,
                       countsHolder: countsHolder, thread: t, site: site)
    }

    /// ``acquire(_:mode:isTry:subclass:nestLock:thread:site:)`` of the usual
    /// kind: exclusive, blocking, subclass 0, no nest lock.
    ///
    /// An acquisition this thread already found clean in the same context, on
    /// top of the same held chain (see ``AcquireMemo``), is only pushed on the
    /// held stack: one thread-local probe replaces the checks.
    /// - Parameter countsHolder: false when the caller marks the holder itself
    ///   with ``LockInstance/setExclusiveHolder(_:)`` inside the critical
    ///   section (no atomic operation); pair it with the same in ``release(_:countsHolder:thread:site:)``.
    ///
    /// Inlinable: the memo's hit path compiles into the caller (the
    /// instrumented locks), with no call into the engine.
    @inlinable @inline(__always)
    public func acquireExclusive(_ lock: LockInstance, countsHolder: Bool = true, thread t: ThreadState, site: EventSite) {
        if !acquireIfMemoized(lock, countsHolder: countsHolder, thread: t, site: site) {
            acquireExclusiveChecked(lock, countsHolder: countsHolder, thread: t, site: site)
        }
    }

    /// The hot half of a blocking acquisition with subclass 0 and no nest
    /// lock, in any mode: when the memo holds this acquisition, pushes it and
    /// returns true; otherwise does nothing and returns false, and the caller
    /// must make the full acquisition.
    ///
    /// For a caller that keeps the rare half out of line (the live runtime):
    /// a hit then costs no call into the engine.
    ///
    /// Past the held-depth limit a hit is pushed too: the full path would
    /// push without validating there, and the memo only holds chains taken
    /// within the limit.
    /// - Complexity: Loads of the thread's state and one memo entry; no
    ///   shared memory is written.
    /// - Parameter mode: As asked for; resolved as the full path resolves it
    ///   (exclusive for a kind that is not reader/writer, recursive for a
    ///   queued rwlock's reader in interrupt context).
    ///
    /// Not on a thread that runs Swift tasks (``ThreadState/runsTasks``):
    /// there the memo serves only the task that owns the held locks, through
    /// ``acquireIfMemoizedInTask(_:mode:countsHolder:task:thread:site:)``,
    /// which the full acquisition tries first (for `t.task`) and a caller
    /// that knows the running task may call out of line.
    @inlinable @inline(__always)
    public func acquireIfMemoized(_ lock: LockInstance, mode asked: AcquireMode = .exclusive, countsHolder: Bool,
                                  thread t: ThreadState, site: EventSite) -> Bool {
        acquireIfMemoized(lock, mode: asked, countsHolder: countsHolder, thread: t, siteOnHit: { site })
    }

    /// ``acquireIfMemoized(_:mode:countsHolder:thread:site:)`` that makes
    /// the event's site only on a hit: for a caller whose site takes
    /// something that must not be spent on a miss (the trace recorder's
    /// process-wide `seq`, which the long way then takes).
    /// - Complexity: As ``acquireIfMemoized(_:mode:countsHolder:thread:site:)``, plus `siteOnHit` once on a hit.
    @inlinable @inline(__always)
    public func acquireIfMemoized(_ lock: LockInstance, mode asked: AcquireMode = .exclusive, countsHolder: Bool,
                                  thread t: ThreadState, siteOnHit: () -> EventSite) -> Bool {
        guard lock.memoMayServe && !t.runsTasks else { return false }
        return pushIfMemoized(lock, mode: asked, countsHolder: countsHolder, thread: t, siteOnHit: siteOnHit)
    }

    /// The memo probe and push of ``acquireIfMemoized(_:mode:countsHolder:thread:siteOnHit:)``.
    @inlinable @inline(__always)
    func pushIfMemoized(_ lock: LockInstance, mode asked: AcquireMode, countsHolder: Bool, thread t: ThreadState,
                        siteOnHit: () -> EventSite) -> Bool {
        let mode = asked == .exclusive ? .exclusive : effectiveMode(asked, of: lock.kind, irqContext: t.irqContext)
        guard let chain = t.memo.key(after: t.held.topChainKey, check: t.held.topChainCheck, taking: lock.lockClass,
                                     mode: mode, tag: t.memoTag)
        else { return false }
        push(lock, shape: lock.exclusiveShape | HeldLock.shape(mode: mode), chainKey: chain.key, chainCheck: chain.check,
             site: siteOnHit(), nestLock: nil, countsHolder: countsHolder, thread: t)
        return true
    }

    /// The mode an acquisition asking for `mode` takes on a lock of `kind`
    /// in `irqContext`: exclusive unless the kind is reader/writer, and a
    /// queued rwlock's reader in interrupt context recurses (lockdep's
    /// lock_acquire_shared_recursive when in_interrupt()).
    @inlinable
    func effectiveMode(_ mode: AcquireMode, of kind: LockKind, irqContext ctx: UInt8) -> AcquireMode {
        guard kind.isReaderWriter else { return .exclusive }
        return mode == .shared && kind == .rwlock && ctx != 0 /* IrqContext.process */ ? .recursiveShared : mode
    }

    /// ``acquireExclusive(_:countsHolder:thread:site:)`` when the memo has no answer.
    @usableFromInline @inline(never)
    func acquireExclusiveChecked(_ lock: LockInstance, countsHolder: Bool, thread t: ThreadState, site: EventSite) {
        if t.runsTasks
            && acquireIfMemoizedInTask(lock, mode: .exclusive, countsHolder: countsHolder, task: t.task, thread: t, site: site) {
            return
        }
        guard let freed = begin(lock, thread: t, site: site) else { return }
        acquireChecked(lock, mode: .exclusive, isTry: false, subclass: 0, nestLock: nil, freed: freed,
                       countsHolder: countsHolder, thread: t, site: site)
    }

    /// The first steps of every acquisition: `use-after-destroy`, and a
    /// recursive mutex its owner takes again (counted, nothing else).
    /// - Returns: Whether the lock was freed, or nil when the acquisition is done.
    @inline(__always)
    private func begin(_ lock: LockInstance, thread t: ThreadState, site: EventSite) -> Bool? {
        let freed = lock.isFreed
        if freed { useAfterDestroy(lock: lock, thread: t, site: site) }
        if lock.kind == .recursiveMutex, let i = t.heldIndex(of: lock) {
            t.held[i].recursion += 1
            return nil
        }
        return freed
    }

    /// The checks of ``acquire(_:mode:isTry:subclass:nestLock:thread:site:)``
    /// past use-after-destroy and recursion: everything the memo can skip.
    @inline(never)
    private func acquireChecked(_ lock: LockInstance, mode: AcquireMode, isTry: Bool, subclass: UInt32,
                                nestLock: LockInstance?, freed: Bool, countsHolder: Bool, thread t: ThreadState,
                                site: EventSite) {
        if t.runsTasks { setAsideOtherTasksLocks(acquiring: lock, thread: t, site: site) }
        let kind = lock.kind
        let ctx = t.irqContext
        let mode = effectiveMode(mode, of: kind, irqContext: ctx)
        let cls = classes.subclass(subclass, of: lock.lockClass)
        let wait = effectiveWaitType(kind)

        let needed = t.usage(shared: mode.isShared, isTry: isTry)
        var clean = !freed
        // A new usage captures the stack: the held entry keeps it, so a
        // report on this thread's held locks can say where this one was taken.
        var site = site
        if !classes.usageMask(cls).isSuperset(of: needed) && !classes.isOverflow(cls) {
            site = markUsage(needed, lockClass: cls, mode: mode, thread: t, site: site)
            clean = false
        }
        // A trylock never waits: neither rule applies (lockdep skips check_wait_context for it too).
        if !isTry && (checkSleepInAtomic(acquiring: lock, lockClass: cls, mode: mode, thread: t, site: site)
                      || checkWaitContext(acquiring: lock, lockClass: cls, mode: mode, waitType: wait, thread: t, site: site)) {
            clean = false
        }

        let inContext = t.held.last.map { $0.irqContext == ctx } ?? false
        let prev = t.chainKey
        let prevCheck = t.held.topChainCheck
        let (key, check) = chainStep(after: prev, check: prevCheck, inContext: inContext, lockClass: cls, mode: mode,
                                     isTry: isTry, irqContext: ctx)
        if t.held.count >= heldDepthLimit {
            warnOnce("held-depth", "thread '\(t.name)' holds more than \(heldDepthLimit) locks: deeper acquisitions are tracked but not validated")
        }
        let tag = t.memoTag
        push(lock, shape: HeldLock.shape(lockClass: cls, kind: kind, mode: mode, isTry: isTry, waitType: wait),
             chainKey: key, chainCheck: check, site: site, nestLock: nestLock, countsHolder: countsHolder, thread: t)
        if t.runsTasks { noteTaskAcquisition(lock, thread: t, site: site) }
        guard !isTry, t.held.count <= heldDepthLimit else { return }
        if !chains.contains(key, check: check) {
            validateChain(thread: t, key: key, check: check, chainHead: !inContext)
        } else if clean && subclass == 0 && nestLock == nil {
            // Taken again here, this acquisition would only be pushed: remember that.
            // (On a thread that runs tasks, for the task that owns the held locks only.)
            t.memo.insert(prev: prev, prevCheck: prevCheck, cls: cls, mode: mode, tag: tag, key: key, check: check)
        }
    }

    /// Records `lock` as held by `t` (lockdep's held_lock), with one atomic
    /// increment of its holder count unless the caller marks it.
    /// - Parameter shape: The entry's ``HeldLock/shape`` (class, kind, mode, try, wait type).
    @inlinable @inline(__always)
    func push(_ lock: LockInstance, shape: UInt64, chainKey key: UInt64, chainCheck check: UInt64, site: EventSite,
              nestLock: LockInstance?, countsHolder: Bool, thread t: ThreadState) {
        let kind = lock.kind
        if kind.spins {
            t.spinningHeld &+= 1
            if kind == .rawSpinlock { t.rawHeld &+= 1 }
            t.spinningHeldChanged()
        }
        if countsHolder { lock.addHolder(1) }
        t.held.append(HeldLock(instance: ObjectIdentifier(lock), instanceID: lock.id, shape: shape,
                               irqContext: t.irqContext, chainKey: key, chainCheck: check, site: site,
                               nestInstance: nestLock.map(ObjectIdentifier.init)))
    }

    /// The held-stack depth past which acquisitions are tracked but not validated.
    @inlinable var heldDepthLimit: Int { configuration.limits.heldDepth }

    /// The wait type `kind` has under this configuration.
    @inlinable
    func effectiveWaitType(_ kind: LockKind) -> WaitType {
        let w = kind.waitType
        return w == .config ? configWait : w
    }

    /// Checks a held-class chain seen for the first time (lockdep's
    /// validate_chain), then records it as validated.
    func validateChain(thread t: ThreadState, key: UInt64, check: UInt64, chainHead: Bool) {
        var found: [Violation] = []
        graphLock.withLock {
            guard !chains.contains(key, check: check) else { return }
            defer { chains.insert(key, check: check) }
            guard checkRecursiveLock(thread: t, into: &found) else { return }
            if !chainHead { addDependencies(thread: t, into: &found) }
        }
        for v in found { report(v) }
    }
}

extension ThreadState {
    /// The index of `lock` in the held stack, searching from the top.
    @inline(__always)
    func heldIndex(of lock: LockInstance) -> Int? {
        let id = ObjectIdentifier(lock)
        var i = held.count - 1
        while i >= 0 {
            if held[i].instance == id { return i }
            i -= 1
        }
        return nil
    }
}
