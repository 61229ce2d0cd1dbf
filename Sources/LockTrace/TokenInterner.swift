/// Interns the `what=<token>` words of `sleep` events: each distinct token
/// becomes a small index, so an event carries a number instead of a String.
///
/// Index 0 is the empty string ("no `what=`"). Lookups hash the bytes
/// (FNV-1a) into an open-addressing table kept at most half full and compare
/// the bytes against an arena; a hit allocates nothing. Memory grows with the
/// number of distinct tokens, which producers draw from a small vocabulary.
struct TokenInterner {
    /// The interned tokens; `strings[0] == ""`.
    private(set) var strings: [String] = [""]
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var ends: [Int] = [0]
    /// Index into `strings` per table entry, -1 when empty.
    private var table: [Int32] = Array(repeating: -1, count: 16)

    /// The index of the token `bytes`, or nil if it was never interned.
    ///
    /// - Complexity: O(bytes.count) expected, allocation-free.
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard let probe = bytes.baseAddress else { return nil }
        let mask = table.count - 1
        var i = Self.hash(bytes) & mask
        return arena.withUnsafeBufferPointer { stored -> UInt32? in
            while true {
                let index = table[i]
                if index < 0 { return nil }
                let start = starts[Int(index)]
                if ends[Int(index)] - start == bytes.count,
                   let base = stored.baseAddress, ASCII.equals(base + start, probe, bytes.count) {
                    return UInt32(index)
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Interns `bytes`, which must be valid UTF-8 and not interned yet.
    ///
    /// - Complexity: amortized O(bytes.count).
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let index = strings.count
        strings.append(String(decoding: bytes, as: UTF8.self))
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        ends.append(arena.count)
        if strings.count * 2 > table.count {
            table = Array(repeating: -1, count: table.count * 2)
            for old in 1..<strings.count { place(old) }
        } else {
            place(index)
        }
        return UInt32(truncatingIfNeeded: index)
    }

    private mutating func place(_ index: Int) {
        let mask = table.count - 1
        let range = starts[index]..<ends[index]
        let h = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[range])) }
        var i = h & mask
        while table[i] >= 0 { i = (i + 1) & mask }
        table[i] = Int32(truncatingIfNeeded: index)
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}
