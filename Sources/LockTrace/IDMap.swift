/// Maps the ids of one declaration kind (`<tid>`, `<lid>`…) to dense slots
/// `0..<count`, so per-id state lives in plain arrays.
///
/// Ids below ``directLimit`` — what producers that number from 1 use — are
/// looked up by indexing a dense array that grows (by doubling) to the
/// largest such id seen, at most 4 bytes × ``directLimit``. Larger ids (a
/// producer using addresses or system thread ids) go to an open-addressing
/// hash table with Fibonacci hashing and linear probing, kept at most half
/// full. Neither allocates on lookup; ids are never removed.
struct IDMap {
    /// Ids below this are stored densely.
    static let directLimit: UInt64 = 1 << 20

    /// Slot of each small id, -1 when undeclared.
    private var direct: [Int32] = []
    /// Keys of the hash table; meaningful where `hashedSlots` is not -1.
    private var hashedKeys: [UInt64] = []
    /// Slot of each hash-table entry, -1 for an empty entry.
    private var hashedSlots: [Int32] = []
    private var hashedCount = 0
    private var shift: UInt64 = 64

    /// The slot of `id`, or -1 if it was never inserted.
    ///
    /// - Complexity: O(1) for small ids; O(1) expected otherwise.
    @inline(__always)
    func slot(of id: UInt64) -> Int32 {
        if id < UInt64(direct.count) { return direct[Int(id)] }
        if id < Self.directLimit || hashedCount == 0 { return -1 }
        return hashedSlot(of: id)
    }

    private func hashedSlot(of id: UInt64) -> Int32 {
        let mask = hashedSlots.count - 1
        var i = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let slot = hashedSlots[i]
            if slot < 0 || hashedKeys[i] == id { return slot }
            i = (i + 1) & mask
        }
    }

    /// Records that `id` has `slot`. `id` must not be present yet.
    ///
    /// - Complexity: amortized O(1).
    mutating func insert(_ id: UInt64, slot: Int32) {
        if id < Self.directLimit {
            let index = Int(id)
            if index >= direct.count {
                let grown = min(Int(Self.directLimit), max(index + 1, direct.count * 2, 64))
                direct.append(contentsOf: repeatElement(-1, count: grown - direct.count))
            }
            direct[index] = slot
            return
        }
        if (hashedCount + 1) * 2 > hashedSlots.count { growHashTable() }
        insertHashed(id, slot)
        hashedCount += 1
    }

    private mutating func insertHashed(_ id: UInt64, _ slot: Int32) {
        let mask = hashedSlots.count - 1
        var i = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while hashedSlots[i] >= 0 { i = (i + 1) & mask }
        hashedKeys[i] = id
        hashedSlots[i] = slot
    }

    private mutating func growHashTable() {
        let oldKeys = hashedKeys
        let oldSlots = hashedSlots
        let capacity = max(16, oldSlots.count * 2)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        hashedKeys = Array(repeating: 0, count: capacity)
        hashedSlots = Array(repeating: -1, count: capacity)
        for i in oldSlots.indices where oldSlots[i] >= 0 {
            insertHashed(oldKeys[i], oldSlots[i])
        }
    }
}
