import CLockGraphAtomics

/// The set of validated lock chains (lockdep's chain-hash cache): the hash of
/// a held-class sequence is here once that sequence has been checked, so
/// taking the same locks in the same order again costs one probe, not a graph
/// search.
///
/// Lookups take no lock: keys are read with acquire loads from an
/// open-addressing table, and a grown table is published with one release
/// store. Inserts happen under the validator's graph lock. Old tables are kept
/// until the cache dies, so a reader never sees freed memory. Key 0 marks an
/// empty slot.
final class ChainCache: @unchecked Sendable {
    /// Layout of a table: [capacity][count][key…].
    private let current: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var retired: [UnsafeMutablePointer<UInt64>] = []

    init(initialCapacity: Int = 1 << 12) {
        current = .allocate(capacity: 1)
        current.initialize(to: UnsafeMutableRawPointer(Self.makeTable(capacity: initialCapacity)))
    }

    deinit {
        if let t = current.pointee { t.assumingMemoryBound(to: UInt64.self).deallocate() }
        for t in retired { t.deallocate() }
        current.deallocate()
    }

    private static func makeTable(capacity: Int) -> UnsafeMutablePointer<UInt64> {
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity + 2)
        t.initialize(repeating: 0, count: capacity + 2)
        t[0] = UInt64(capacity)
        return t
    }

    @inline(__always) private var table: UnsafeMutablePointer<UInt64> {
        lg_load_acquire_ptr(UnsafeRawPointer(current).assumingMemoryBound(to: UnsafeMutableRawPointer?.self))!
            .assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key ^ (key >> 31)) & UInt64(mask))
    }

    /// Whether the chain `key` was validated.
    /// - Complexity: Expected O(1); lock-free.
    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        let t = table
        let mask = Int(t[0]) - 1
        var i = Self.slot(key, mask)
        while true {
            let k = lg_load_acquire_u64(t + 2 + i)
            if k == key { return true }
            if k == 0 { return false }
            i = (i + 1) & mask
        }
    }

    /// Records the chain `key` as validated. Call under the graph lock.
    /// - Complexity: Amortized O(1).
    func insert(_ key: UInt64) {
        var t = table
        if Int(t[1]) * 2 >= Int(t[0]) {
            let bigger = Self.makeTable(capacity: Int(t[0]) * 2)
            let mask = Int(bigger[0]) - 1
            for j in 0..<Int(t[0]) where t[2 + j] != 0 {
                var i = Self.slot(t[2 + j], mask)
                while bigger[2 + i] != 0 { i = (i + 1) & mask }
                bigger[2 + i] = t[2 + j]
            }
            bigger[1] = t[1]
            retired.append(t)
            lg_store_release_ptr(UnsafeMutableRawPointer(current).assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
                                 UnsafeMutableRawPointer(bigger))
            t = bigger
        }
        let mask = Int(t[0]) - 1
        var i = Self.slot(key, mask)
        while true {
            let k = t[2 + i]
            if k == key { return }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        t[1] += 1
        lg_store_release_u64(t + 2 + i, key)
    }

    /// Number of validated chains.
    var count: Int { Int(table[1]) }

    /// Mixes one held lock into a chain key (lockdep's iterate_chain_key).
    @inline(__always)
    static func extend(_ key: UInt64, with id: UInt64) -> UInt64 {
        // Position-dependent: the running key is multiplied and rotated before
        // the next id is folded in, so no reordering or id choice cancels out.
        var h = ((key &* 0x9E37_79B9_7F4A_7C15) << 23 | (key &* 0x9E37_79B9_7F4A_7C15) >> 41) ^ ((id &+ 1) &* 0xD6E8_FEB8_6659_FD93)
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h == 0 ? 1 : h
    }
}
