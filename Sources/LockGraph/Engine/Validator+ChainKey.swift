extension Validator {
    /// One step of a held chain (lockdep's `iterate_chain_key`): the chain
    /// key and check of the held stack once `lockClass` is taken in `mode`,
    /// in irq context `irqContext`, on top of an entry whose key and check
    /// are `key` and `check`. Chains stay within one irq context: when the
    /// entry below is of another context (`inContext` false) the chain
    /// starts afresh from the context's own seed.
    ///
    /// A trylock is its own link (`isTry`), unlike lockdep's `hlock_id`: the
    /// dependencies a chain adds depend on which held locks were trylocks
    /// (check_prevs_add walks down past them), so two chains that differ only
    /// there must not share a cache entry. Among exclusive locks the skipped
    /// dependencies are implied by the ones between; past a recursive reader
    /// they are not (A -(ER)-> M -(SN)-> B is no strong path), and sharing
    /// the entry lost a real A -> B (TrylockChainTests). A blocking
    /// acquisition's link is unchanged, so the memo's keys are too.
    ///
    /// The one place a chain is extended: acquisitions and the rebuild after
    /// a release below the top both step through here, so a held stack's
    /// keys are the same however it was reached.
    /// - Complexity: O(1).
    @inline(__always)
    func chainStep(after key: UInt64, check: UInt64, inContext: Bool, lockClass: LockClassID, mode: AcquireMode,
                   isTry: Bool, irqContext: UInt8) -> (key: UInt64, check: UInt64) {
        let link = UInt64(lockClass.rawValue) | UInt64(mode.rawValue) << 32 | (isTry ? 1 << 40 : 0)
        let seed = UInt64(irqContext) &+ 1
        return (chainKey(inContext ? key : seed, with: link), ChainCache.extendCheck(inContext ? check : seed, with: link))
    }

    /// The chain key of `before` extended by `link` (``ChainCache/extend(_:with:)``),
    /// narrowed to ``chainKeyMask``: a test narrows it to force collisions.
    @inline(__always)
    func chainKey(_ before: UInt64, with link: UInt64) -> UInt64 {
        let k = ChainCache.extend(before, with: link) & chainKeyMask
        return k == 0 ? 1 : k
    }
}
