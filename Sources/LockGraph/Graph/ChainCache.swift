import CLockGraphAtomics

/// The set of validated lock chains (lockdep's chain-hash cache): the hash of
/// a held-class sequence is here once that sequence has been checked, so
/// taking the same locks in the same order again costs one probe, not a graph
/// search.
///
/// A chain is named by two independent 64-bit hashes of its held classes:
/// its key (``extend(_:with:)``), which places it in the table, and its check
/// (``extendCheck(_:with:)``), stored beside the key and compared on every
/// hit. lockdep confirms a hit by comparing the held classes themselves
/// (`check_no_collision`, under CONFIG_DEBUG_LOCKDEP); we compare the second
/// hash instead, which costs one load and needs no per-chain class list: a
/// hit then means both 64-bit hashes match, so two different chains are
/// confused with probability about 2⁻¹²⁸ per pair rather than 2⁻⁶⁴, and a
/// collision of keys alone (forced in the tests) is a miss, validated the
/// long way.
///
/// Lookups take no lock: keys are read with acquire loads from an
/// open-addressing table, and a grown table is published with one release
/// store. Inserts happen under the validator's graph lock; the check is
/// written before its key is published. Old tables are kept until the cache
/// dies, so a reader never sees freed memory. Key 0 marks an empty slot.
final class ChainCache: @unchecked Sendable {
    /// Layout of a table: [capacity][count][key, check…].
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
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * capacity + 2)
        t.initialize(repeating: 0, count: 2 * capacity + 2)
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

    /// Whether the chain named `key` and `check` was validated.
    /// - Complexity: Expected O(1); lock-free.
    @inline(__always)
    func contains(_ key: UInt64, check: UInt64) -> Bool {
        let t = table
        let mask = Int(t[0]) - 1
        var i = Self.slot(key, mask)
        while true {
            let k = lg_load_acquire_u64(t + 2 + 2 * i)
            // A key with another check is another chain (a collision): probe on.
            if k == key && t[3 + 2 * i] == check { return true }
            if k == 0 { return false }
            i = (i + 1) & mask
        }
    }

    /// Records the chain named `key` and `check` as validated. Call under the graph lock.
    /// - Complexity: Amortized O(1).
    func insert(_ key: UInt64, check: UInt64) {
        var t = table
        if Int(t[1]) * 2 >= Int(t[0]) {
            let bigger = Self.makeTable(capacity: Int(t[0]) * 2)
            let mask = Int(bigger[0]) - 1
            for j in 0..<Int(t[0]) where t[2 + 2 * j] != 0 {
                var i = Self.slot(t[2 + 2 * j], mask)
                while bigger[2 + 2 * i] != 0 { i = (i + 1) & mask }
                bigger[2 + 2 * i] = t[2 + 2 * j]
                bigger[3 + 2 * i] = t[3 + 2 * j]
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
            let k = t[2 + 2 * i]
            if k == key && t[3 + 2 * i] == check { return }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        t[1] += 1
        t[3 + 2 * i] = check
        lg_store_release_u64(t + 2 + 2 * i, key)
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

    /// Mixes one held lock into a chain check: a second hash of the chain,
    /// independent of ``extend(_:with:)`` (other constants, another mixer:
    /// Murmur3's finaliser), so a collision of keys is not one of checks.
    @inline(__always)
    static func extendCheck(_ check: UInt64, with id: UInt64) -> UInt64 {
        var h = (check &* 0xC2B2_AE3D_27D4_EB4F) ^ (id &* 0x1656_67B1_9E37_79F9 &+ 0x27D4_EB2F_1656_67C5)
        h = (h << 31 | h >> 33) &* 0x9FB2_1C65_1E98_DF25
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
