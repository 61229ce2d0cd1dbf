import CLockGraphAtomics

/// A thread's memo of clean acquisitions: "in this context, on top of the
/// chain `prev`, taking a lock of class `cls` in this mode (blocking,
/// subclass 0, no nest lock) was checked and found clean; its chain key is
/// `key`".
///
/// A chain is named here as in ``ChainCache``, by its key and its check (two
/// independent hashes): an entry serves only when both of `prev`'s match, so
/// a chain whose key collides with another's is not taken for it.
///
/// A hit lets ``Validator/acquire(_:mode:isTry:subclass:nestLock:thread:site:)``
/// skip the usage, sleep and wait-context checks and the chain-cache probe.
/// Each of them depends only on what the memo's key and tag hold — the
/// context (fixed within one ``ThreadState/contextEpoch``), the held chain
/// of the current context (`prev`), whether a spinning lock is held, and the
/// class — or only moves towards "clean" (usage bits are only added,
/// validated chains only inserted). Thread-local: no atomics, no shared line.
/// Direct-mapped; a miss costs the normal path and nothing else.
@usableFromInline
struct AcquireMemo {
    @usableFromInline
    struct Entry {
        @usableFromInline var prev: UInt64
        @usableFromInline var prevCheck: UInt64
        /// The chain key after the acquisition; 0: empty entry.
        @usableFromInline var key: UInt64
        @usableFromInline var check: UInt64
        /// The class in the low 32 bits, the mode in bits 33–34, the tag
        /// (see ``ThreadState/memoTag``) in bit 32 and bits 35–63.
        @usableFromInline var classAndTag: UInt64

        @inlinable
        init(prev: UInt64, prevCheck: UInt64, key: UInt64, check: UInt64, classAndTag: UInt64) {
            self.prev = prev
            self.prevCheck = prevCheck
            self.key = key
            self.check = check
            self.classAndTag = classAndTag
        }
    }

    static let size = 64
    @usableFromInline let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Self.size)
        entries.initialize(repeating: Entry(prev: 0, prevCheck: 0, key: 0, check: 0, classAndTag: 0), count: Self.size)
    }

    /// Empties every entry.
    func clear() { entries.update(repeating: Entry(prev: 0, prevCheck: 0, key: 0, check: 0, classAndTag: 0), count: Self.size) }

    /// Frees the entries; the owner calls it once, from its deinit.
    func deallocate() { entries.deallocate() }

    /// The entry for taking `cls` on top of `prev` (`lg_memo_slot`, which the C short way shares).
    @inlinable
    static func slot(_ prev: UInt64, _ cls: LockClassID) -> Int { lg_memo_slot(prev, cls.rawValue) }

    /// The chain key and check a clean acquisition of `cls` on top of the
    /// chain `prev` (with its `prevCheck`) produced under `tag` (a
    /// ``ThreadState/memoTag``, never 0, so an empty entry never matches), or
    /// nil if there is none.
    @inlinable
    func key(after prev: UInt64, check prevCheck: UInt64, taking cls: LockClassID, mode: AcquireMode,
             tag: UInt64) -> (key: UInt64, check: UInt64)? {
        let e = entries + Self.slot(prev, cls)
        guard e.pointee.prev == prev && e.pointee.classAndTag == Self.classAndTag(cls, mode, tag)
                && e.pointee.prevCheck == prevCheck else { return nil }
        return (e.pointee.key, e.pointee.check)
    }

    /// Remembers a clean acquisition (replacing whatever shared its slot).
    func insert(prev: UInt64, prevCheck: UInt64, cls: LockClassID, mode: AcquireMode, tag: UInt64, key: UInt64,
                check: UInt64) {
        entries[Self.slot(prev, cls)] = Entry(prev: prev, prevCheck: prevCheck, key: key, check: check,
                                              classAndTag: Self.classAndTag(cls, mode, tag))
    }

    /// `lg_memo_class_and_tag`, which the C short way shares.
    @inlinable @inline(__always)
    static func classAndTag(_ cls: LockClassID, _ mode: AcquireMode, _ tag: UInt64) -> UInt64 {
        lg_memo_class_and_tag(cls.rawValue, mode.rawValue, tag)
    }
}
