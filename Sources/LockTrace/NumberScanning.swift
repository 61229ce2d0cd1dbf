/// Parsers for the numbers of the trace format: unsigned decimal integers
/// (`<seq>`, ids, `<bytes>`, `sub=`) and `0x`-prefixed hex pointers, both
/// fitting in 64 bits.
///
/// They return nil on any problem; the caller then asks ``problem(_:_:_:)``
/// or ``pointerProblem(_:_:)`` for the words of the error, off the hot path.
enum NumberScanning {
    /// The unsigned decimal integer spelled by `token`, or nil if it is empty,
    /// holds a non-digit, or exceeds `UInt64.max`. Leading zeros are allowed
    /// (`07` is 7).
    ///
    /// - Complexity: O(token length), allocation-free.
    @inline(__always)
    static func decimal(_ line: UnsafePointer<UInt8>, _ token: Token) -> UInt64? {
        var i = token.start
        guard i < token.end else { return nil }
        var value: UInt64 = 0
        while i < token.end {
            let digit = line[i] &- ASCII.zero
            guard digit < 10 else { return nil }
            // 1844674407370955161 * 10 + 5 == UInt64.max.
            if value >= 1_844_674_407_370_955_161 {
                guard value == 1_844_674_407_370_955_161 && digit <= 5 else { return nil }
            }
            value = value &* 10 &+ UInt64(digit)
            i += 1
        }
        return value
    }

    /// The pointer spelled by `token`: `0x` followed by at least one hex
    /// digit (either case), at most 64 significant bits. Nil otherwise.
    ///
    /// - Complexity: O(token length), allocation-free.
    @inline(__always)
    static func pointer(_ line: UnsafePointer<UInt8>, _ token: Token) -> UInt64? {
        guard token.count > 2, line[token.start] == ASCII.zero, line[token.start + 1] == 0x78 else { return nil }
        var value: UInt64 = 0
        var valid = true
        var i = token.start + 2
        // Branch-free per digit: digits and letters mix at random in
        // pointers, so a branch per kind would be mispredicted half the time.
        while i < token.end {
            let byte = line[i]
            let digit = byte &- 0x30
            let letter = (byte | 0x20) &- 0x61
            let isDigit = digit < 10
            valid = valid && (isDigit || letter < 6) && value >> 60 == 0
            value = value << 4 | UInt64(isDigit ? digit : letter &+ 10)
            i += 1
        }
        return valid ? value : nil
    }

    /// Why `token` is not a decimal `what` (e.g. "<seq>"), as an error message.
    static func problem(_ line: UnsafePointer<UInt8>, _ token: Token, _ what: String) -> String {
        if token.isEmpty { return "missing \(what)" }
        var allDigits = true
        for i in token.start..<token.end where line[i] &- ASCII.zero >= 10 {
            allDigits = false
            break
        }
        let shown = Quoting.quote(line, token)
        if allDigits { return "\(what) \(shown) does not fit in 64 bits" }
        return "malformed \(what) \(shown): expected an unsigned decimal integer"
    }

    /// Why `token` is not a `0x`-hex pointer, as an error message.
    static func pointerProblem(_ line: UnsafePointer<UInt8>, _ token: Token) -> String {
        if token.isEmpty { return "missing <ptr>" }
        let shown = Quoting.quote(line, token)
        if token.count > 2, line[token.start] == ASCII.zero, line[token.start + 1] == 0x78 {
            var allHex = true
            for i in (token.start + 2)..<token.end {
                let b = line[i]
                if !(b &- 0x30 < 10 || b &- 0x61 < 6 || b &- 0x41 < 6) {
                    allHex = false
                    break
                }
            }
            if allHex { return "pointer \(shown) does not fit in 64 bits" }
        }
        return "malformed pointer \(shown): expected 0x-prefixed hex"
    }
}
