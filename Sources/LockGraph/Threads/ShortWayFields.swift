import CLockGraphAtomics

// The engine's data as the C short way (`lockgraph_short_way.h`) sees it:
// the addresses of a thread's held stack and memo and of a lock instance's
// flags, handed out only when the C mirror of each Swift type has the Swift
// layout. Swift does not promise a struct's layout; these checks make a
// layout the compiler changed turn the C way off (the caller then takes the
// Swift way) instead of corrupting a held stack.

extension ThreadState {
    /// Where the C short way finds this thread's held stack, memo and memo
    /// tag (`site_stack` left 0, `StackRef.none`, for the caller to set), or
    /// nil when the C mirrors do not match the Swift layout. The
    /// addresses stay valid as long as the state lives; only the thread that
    /// owns the state may use them.
    /// - Complexity: O(1): a few layout comparisons and three stores and
    ///   loads that check the field addresses.
    public func shortWayFields() -> lg_short_thread? {
        guard ShortWayLayout.matches else { return nil }
        let (heldAddress, tagAddress, contextAddress) = shortWayAddresses()
        // The addresses are the fields themselves, not copies: a store
        // through each is seen by the property (and then undone).
        let stack = heldAddress.assumingMemoryBound(to: lg_held_stack.self)
        let capacity = stack.pointee.capacity
        stack.pointee.capacity = capacity &+ 1
        let heldAliases = held.capacity == capacity &+ 1
        stack.pointee.capacity = capacity
        let tag = tagAddress.assumingMemoryBound(to: UInt64.self)
        let oldTag = tag.pointee
        tag.pointee = oldTag ^ 1
        let tagAliases = memoTag == oldTag ^ 1
        tag.pointee = oldTag
        let context = contextAddress.assumingMemoryBound(to: UInt8.self)
        let oldContext = context.pointee
        context.pointee = oldContext ^ 0x80
        let contextAliases = irqContext == oldContext ^ 0x80
        context.pointee = oldContext
        guard heldAliases && tagAliases && contextAliases else { return nil }
        return lg_short_thread(held: stack,
                               memo: UnsafeRawPointer(memo.entries).assumingMemoryBound(to: lg_memo_entry.self),
                               memo_tag: UnsafePointer(tag), irq_context: UnsafePointer(context), site_stack: 0)
    }
}

extension LockInstance {
    /// What the C short way needs of this instance, or nil when the C
    /// mirrors do not match the Swift layout. Valid as long as the instance lives.
    /// - Complexity: O(1).
    public var shortWayFields: lg_short_lock? {
        guard ShortWayLayout.matches else { return nil }
        return lg_short_lock(instance: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), id: id,
                             shape: exclusiveShape | HeldLock.shape(mode: .exclusive), flags: UnsafePointer(flags))
    }

    /// Whether the C short way may serve this instance's kind: one that
    /// does not spin (a push of a spinning lock also changes the thread's
    /// spinning count and memo tag, which only the Swift way does).
    public var shortWayServesKind: Bool { !kind.spins }
}

/// The C mirrors of the engine's types against their Swift layouts.
enum ShortWayLayout {
    /// Whether every mirrored field sits at the same offset with the same
    /// size, and every mirrored type has the same stride.
    static var matches: Bool {
        typealias H = HeldLock
        typealias CH = lg_held_lock
        let held = MemoryLayout<H>.stride == MemoryLayout<CH>.stride
            && same(\H.instance, \CH.instance) && same(\H.instanceID, \CH.instance_id) && same(\H.shape, \CH.shape)
            && same(\H.contextAndRecursion, \CH.context_and_recursion)
            && same(\H.chainKey, \CH.chain_key) && same(\H.chainCheck, \CH.chain_check)
            && same(\H.site.seq, \CH.site_seq) && same(\H.site.source, \CH.site_source)
            && same(\H.site.line, \CH.site_line) && same(\H.site.stack, \CH.site_stack)
            && same(\H.nestInstance, \CH.nest_instance)
        typealias S = HeldStack
        typealias CS = lg_held_stack
        let stack = MemoryLayout<S>.size == MemoryLayout<CS>.size
            && same(\S.base, \CS.base) && same(\S.count, \CS.count) && same(\S.capacity, \CS.capacity)
        typealias E = AcquireMemo.Entry
        typealias CE = lg_memo_entry
        let memo = MemoryLayout<E>.stride == MemoryLayout<CE>.stride
            && same(\E.prev, \CE.prev) && same(\E.prevCheck, \CE.prev_check) && same(\E.key, \CE.key)
            && same(\E.check, \CE.check) && same(\E.classAndTag, \CE.class_and_tag)
        return held && stack && memo && MemoryLayout<AcquireMode>.size == 1
    }

    /// Whether a Swift field and its C mirror have the same offset and size.
    private static func same<T, V, C, W>(_ swift: KeyPath<T, V>, _ c: KeyPath<C, W>) -> Bool {
        guard let a = MemoryLayout<T>.offset(of: swift), let b = MemoryLayout<C>.offset(of: c) else { return false }
        return a == b && MemoryLayout<V>.size == MemoryLayout<W>.size
    }
}
