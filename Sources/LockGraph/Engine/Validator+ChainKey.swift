extension Validator {
    /// One step of a held chain (lockdep's `iterate_chain_key`): the chain
    /// key and check of the held stack once `lockClass` is taken in `mode`,
    /// in irq context `irqContext`, on top of an entry whose key and check
    /// are `key` and `check`. Chains stay within one irq context: when the
    /// entry below is of another context (`inContext` false) the chain
    /// starts afresh from the context's own seed.
    ///
    /// The one place a chain is extended: acquisitions and the rebuild after
    /// a release below the top both step through here, so a held stack's
    /// keys are the same however it was reached.
    /// - Complexity: O(1).
    @inline(__always)
    func chainStep(after key: UInt64, check: UInt64, inContext: Bool, lockClass: LockClassID, mode: AcquireMode,
                   irqContext: UInt8) -> (key: UInt64, check: UInt64) {
        let link = UInt64(lockClass.rawValue) | UInt64(mode.rawValue) << 32
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
