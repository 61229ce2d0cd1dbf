/// "SIMD within a register": the event-line parser looks at eight bytes at
/// a time instead of one, so finding a token's end or reading a number costs
/// a few word operations and one predictable branch instead of a
/// data-dependent branch per byte (whose mispredictions dominated the
/// byte-at-a-time parser).
///
/// Words are loaded little-endian: the first byte of the text is the lowest
/// byte of the word. A load may read up to seven bytes past the end of the
/// line; ``LineSource`` keeps ``slack`` readable bytes after its data for
/// that, and every result is clamped to the line's end.
enum SWAR {
    /// Readable bytes a buffer must have after its last byte of data.
    static let slack = 16

    static let lowBits: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080
    static let sevenBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The eight bytes at `p`.
    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// A word keeping the low `count` bytes of a word (all eight for 8 or more).
    @inline(__always)
    static func mask(_ count: Int) -> UInt64 {
        count >= 8 ? ~0 : (1 << (UInt64(truncatingIfNeeded: count) &* 8)) &- 1
    }

    /// The first `count` bytes at `p` (at most eight) as a word, higher bytes zero.
    @inline(__always)
    static func word(_ p: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        load(p) & mask(count)
    }

    /// Bit 7 set in each byte of `w` that is zero; exact, no false positives.
    @inline(__always)
    static func zeroBytes(_ w: UInt64) -> UInt64 {
        ~(((w & sevenBits) &+ sevenBits) | w) & highBits
    }

    /// The offset of the first `byte` in `p[from..<end]`, or `end`.
    ///
    /// - Complexity: O((result - from) / 8).
    @inline(__always)
    static func find(_ byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        let pattern = lowBits &* UInt64(byte)
        var i = from
        while i < end {
            let hits = zeroBytes(load(p + i) ^ pattern)
            if hits != 0 { return min(i + hits.trailingZeroBitCount >> 3, end) }
            i += 8
        }
        return end
    }

    /// The end of the token starting at `from`: the first space or `end`.
    @inline(__always)
    static func tokenEnd(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        find(ASCII.space, p, from: from, end: end)
    }

    /// The number of leading bytes of `w` that are ASCII digits (0...8).
    @inline(__always)
    static func digitCount(_ w: UInt64) -> Int {
        let x = w ^ (lowBits &* 0x30)
        // A byte of x is a digit iff it is below 10: adding 0x76 to its low
        // seven bits then leaves bit 7 clear, and bit 7 of x itself is clear.
        let nonDigits = (((x & sevenBits) &+ (lowBits &* 0x76)) | x) & highBits
        return nonDigits == 0 ? 8 : nonDigits.trailingZeroBitCount >> 3
    }

    /// The value of the first `count` (1...8) digits of `w`.
    ///
    /// The digits are shifted to the top of the word (leading zeros fill the
    /// bottom), then pairs, quads and octets are combined with one multiply
    /// each (Lemire, "Parsing integers quickly", 2018).
    @inline(__always)
    static func digitsValue(_ w: UInt64, count: Int) -> UInt64 {
        var v = (w & (lowBits &* 0x0F)) << (UInt64(truncatingIfNeeded: 8 &- count) &* 8)
        v = (v &* 2561) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }

    /// The unsigned decimal integer at `p[from...]`, which must end at a
    /// space or at `end`, and the offset after it; nil if there is no digit,
    /// a non-digit before the space, or more than 64 bits.
    ///
    /// - Complexity: O(digits / 8), allocation-free.
    ///
    /// `@_transparent` rather than `@inline(__always)`: the event parser
    /// calls this at several places and the optimizer stopped inlining it
    /// there once the parser grew, costing a tenth of the line time.
    @_transparent
    static func decimal(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> (value: UInt64, end: Int)? {
        // The first eight digits cannot overflow; most numbers end there.
        let w = load(p + from)
        let count = min(digitCount(w), end - from)
        guard count > 0 else { return nil }
        var value = digitsValue(w, count: count)
        var i = from + count
        if count == 8 {
            while true {
                let w = load(p + i)
                let count = min(digitCount(w), end - i)
                if count == 0 { break }
                let (scaled, o1) = value.multipliedReportingOverflow(by: powerOfTen(count))
                let (sum, o2) = scaled.addingReportingOverflow(digitsValue(w, count: count))
                if o1 || o2 { return nil }
                value = sum
                i += count
                if count < 8 { break }
            }
        }
        guard i == end || p[i] == ASCII.space else { return nil }
        return (value, i)
    }

    /// The number of leading bytes of `w` that are hex digits, either case (0...8).
    @inline(__always)
    static func hexDigitCount(_ w: UInt64) -> Int {
        let x = w ^ (lowBits &* 0x30)
        let digits = ~(((x & sevenBits) &+ (lowBits &* 0x76)) | x) & highBits
        // Letters: w | 0x20 folds A-F onto a-f; a byte below 0x80 is in
        // 0x61...0x66 iff adding 0x1F sets bit 7 and adding 0x19 does not.
        let lower = w | (lowBits &* 0x20)
        let low7 = lower & sevenBits
        let letters = ((low7 &+ (lowBits &* 0x1F)) & ~(low7 &+ (lowBits &* 0x19)) & ~lower) & highBits
        let others = ~(digits | letters) & highBits
        return others == 0 ? 8 : others.trailingZeroBitCount >> 3
    }

    /// The value of the first `count` (1...8) hex digits of `w`.
    ///
    /// A digit's value is its low nibble, plus 9 for a letter (bit 6 set);
    /// then nibble pairs, byte pairs and half-words are merged by shifts.
    @inline(__always)
    static func hexValue(_ w: UInt64, count: Int) -> UInt64 {
        let nibbles = (w & (lowBits &* 0x0F)) &+ ((w >> 6) & lowBits) &* 9
        var v = nibbles << (UInt64(truncatingIfNeeded: 8 &- count) &* 8)
        v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return ((v << 16) | (v >> 32)) & 0xFFFF_FFFF
    }

    /// The `0x`-prefixed hex pointer at `p[from...]`, which must end at a
    /// space or at `end`, and the offset after it; nil if malformed or
    /// wider than 64 bits.
    ///
    /// - Complexity: O(digits / 8), allocation-free.
    @inline(__always)
    static func pointer(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> (value: UInt64, end: Int)? {
        guard end - from > 2, p[from] == ASCII.zero, p[from + 1] == 0x78 else { return nil }
        var i = from + 2
        var value: UInt64 = 0
        while true {
            let w = load(p + i)
            let count = min(hexDigitCount(w), end - i)
            if count == 0 { break }
            guard value >> (64 - 4 * UInt64(truncatingIfNeeded: count)) == 0 else { return nil }
            value = value << (4 * UInt64(truncatingIfNeeded: count)) | hexValue(w, count: count)
            i += count
            if count < 8 { break }
        }
        guard i > from + 2, i == end || p[i] == ASCII.space else { return nil }
        return (value, i)
    }

    /// 10^n for n in 1...8.
    @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 {
        switch n {
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }
}
