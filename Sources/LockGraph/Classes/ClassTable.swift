#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLockGraphAtomics

/// The engine's lock classes, registered by kind and name, with their irq
/// usage masks.
///
/// Registration takes the table's lock (it happens once per class); reading a
/// class or its usage mask takes none: records live at stable addresses in a
/// table allocated once at its full capacity (untouched pages cost no memory)
/// and never move, and usage masks are read with atomic loads.
final class ClassTable: @unchecked Sendable {
    /// The most classes the table holds; past it, new classes share one
    /// overflow class per kind, which no ordering or usage rule checks (it
    /// would merge unrelated classes), and the validator warns once.
    let capacity: Int
    private let records: UnsafeMutablePointer<LockClass>
    /// Usage bits per class (``UsageMask``); read lock-free, set under the graph lock.
    let usage: UnsafeMutablePointer<UInt32>
    /// Class ids of subclasses 1–7 per base class; 0 = not registered yet.
    private let subclassCache: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var byKey: [Key: LockClassID] = [:]
    private let lock = PlainLock()
    /// Set once the capacity was exceeded.
    @exclusivity(unchecked) private(set) var overflowed = false
    @exclusivity(unchecked) private var overflowedKinds: Set<LockKind> = []

    private struct Key: Hashable {
        let kind: LockKind
        let name: String
        let subclass: UInt32
    }

    init(capacity: Int) {
        self.capacity = max(capacity, LockKind.allCases.count + 2)
        firstOverflow = self.capacity - LockKind.allCases.count
        records = .allocate(capacity: self.capacity)
        // Zeroed by calloc, whose large blocks are fresh mmap'd pages: no
        // page is touched (about 2.3 MB at the default capacity) until a class
        // uses it, which keeps the validator's start well under a millisecond.
        usage = Self.zeroed(count: self.capacity)
        subclassCache = Self.zeroed(count: self.capacity * 8)
    }

    deinit {
        records.deinitialize(count: count)
        for kind in overflowedKinds {
            (records + firstOverflow + LockKind.allCases.firstIndex(of: kind)!).deinitialize(count: 1)
        }
        records.deallocate()
        free(usage)
        free(subclassCache)
    }

    /// `count` zeroed words from calloc (freed with free).
    private static func zeroed(count: Int) -> UnsafeMutablePointer<UInt32> {
        guard let raw = calloc(count, MemoryLayout<UInt32>.stride) else {
            fatalError("lockcheck: calloc of the class table (\(count) words) failed")
        }
        return raw.bindMemory(to: UInt32.self, capacity: count)
    }

    /// The class of `kind` and `name` with `subclass`, registered on first use.
    ///
    /// Never fails: when the table is full, a class not yet registered gets
    /// the overflow class of its kind (``isOverflow(_:)`` is then true for
    /// it, `isNew` false, and ``overflowed`` is set for the caller to warn).
    /// - Returns: The class, and whether this call registered it.
    /// - Complexity: One lock and a dictionary lookup.
    func register(kind: LockKind, name: String, subclass: UInt32 = 0) -> (id: LockClassID, isNew: Bool) {
        lock.withLock {
            let key = Key(kind: kind, name: name, subclass: subclass)
            if let id = byKey[key] { return (id, false) }
            var base = LockClassID(rawValue: UInt32(count))
            if subclass != 0 {
                let baseKey = Key(kind: kind, name: name, subclass: 0)
                if let known = byKey[baseKey] { base = known } else {
                    guard count < firstOverflow else { return (overflowClass(kind), false) }
                    base = append(LockClass(name: name, kind: kind, subclass: 0, base: base), key: baseKey)
                }
            }
            guard count < firstOverflow else { return (overflowClass(kind), false) }
            let id = append(LockClass(name: name, kind: kind, subclass: subclass,
                                      base: subclass == 0 ? LockClassID(rawValue: UInt32(count)) : base), key: key)
            return (id, true)
        }
    }

    /// The subclass `subclass` of `base`.
    /// - Complexity: One atomic load for subclasses 1–7 once registered
    ///   (lockdep's MAX_LOCKDEP_SUBCLASSES); otherwise one lock and a lookup.
    @inline(__always)
    func subclass(_ subclass: UInt32, of base: LockClassID) -> LockClassID {
        if subclass == 0 { return base }
        if subclass < 8 {
            let cached = lg_load_relaxed_u32(subclassCache + base.index * 8 + Int(subclass))
            if cached != 0 { return LockClassID(rawValue: cached) }
        }
        return registerSubclass(subclass, of: base)
    }

    private func registerSubclass(_ subclass: UInt32, of base: LockClassID) -> LockClassID {
        let b = self[base]
        let id = register(kind: b.kind, name: b.name, subclass: subclass).id
        if subclass < 8 { _ = lg_fetch_or_u32(subclassCache + base.index * 8 + Int(subclass), id.rawValue) }
        return id
    }

    private func append(_ record: LockClass, key: Key) -> LockClassID {
        let id = LockClassID(rawValue: UInt32(count))
        (records + count).initialize(to: record)
        count += 1
        byKey[key] = id
        return id
    }

    /// The first of the overflow slots at the end of the table, one per kind.
    /// Stored: `allCases` builds an array, and ``isOverflow(_:)`` runs on
    /// acquisitions, which must not allocate in a signal handler.
    private let firstOverflow: Int

    /// Whether `id` is an overflow class (never checked for ordering or usage).
    @inline(__always)
    func isOverflow(_ id: LockClassID) -> Bool { id.index >= firstOverflow }

    /// The slot shared by every class of `kind` registered past capacity.
    private func overflowClass(_ kind: LockKind) -> LockClassID {
        let i = firstOverflow + LockKind.allCases.firstIndex(of: kind)!
        let id = LockClassID(rawValue: UInt32(i))
        if !overflowedKinds.contains(kind) {
            overflowed = true
            overflowedKinds.insert(kind)
            (records + i).initialize(to: LockClass(name: "<\(kind.spelling) classes past the limit>", kind: kind, subclass: 0, base: id))
        }
        return id
    }

    /// The class record. No lock.
    @inline(__always)
    subscript(id: LockClassID) -> LockClass { records[id.index] }

    /// The class's usage bits. One relaxed atomic load.
    @inline(__always)
    func usageMask(_ id: LockClassID) -> UsageMask {
        UsageMask(rawValue: lg_load_relaxed_u32(usage + id.index))
    }

    /// Sets usage bits; returns the bits that were already set. Called under the graph lock.
    func addUsage(_ bits: UsageMask, to id: LockClassID) -> UsageMask {
        if !bits.isDisjoint(with: .usedInAll) { someClassUsedInIrq = true }
        return UsageMask(rawValue: lg_fetch_or_u32(usage + id.index, bits.rawValue))
    }

    /// Whether any class ever gained a used-in-irq bit (it is irq-safe).
    /// Until then no dependency can be irq-unsafe. Set by ``addUsage(_:to:)``,
    /// read under the graph lock.
    @exclusivity(unchecked) private(set) var someClassUsedInIrq = false

    /// Number of registered classes. Takes the lock.
    var registeredCount: Int { lock.withLock { count } }
}

extension ClassTable {
    /// Takes the store's lock for a `fork()`; see ``Validator/lockForFork()``.
    func lockForFork() { lock.lockForFork() }
    /// Releases what ``lockForFork()`` took.
    func unlockAfterFork() { lock.unlockAfterFork() }
}
