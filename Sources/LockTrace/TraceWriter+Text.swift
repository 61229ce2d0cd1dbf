/// The writer's byte-level helpers: numbers and text that always reads back.
extension TraceWriter {
    @inline(__always)
    mutating func append(_ text: StaticString) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always) mutating func space() { buffer.append(ASCII.space) }

    @inline(__always) mutating func newline() { buffer.append(ASCII.newline) }

    /// Appends `value` in decimal.
    mutating func appendDecimal(_ value: UInt64) {
        if value < 10 {
            buffer.append(ASCII.zero &+ UInt8(truncatingIfNeeded: value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let length = Self.putDecimal(value, at: digits.baseAddress!)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<length]))
        }
    }

    /// Appends `value` as a `0x`-prefixed lowercase hex pointer.
    mutating func appendHex(_ value: UInt64) {
        append("0x")
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { digits in
            var v = value
            var i = 16
            repeat {
                i -= 1
                let digit = UInt8(truncatingIfNeeded: v & 0xF)
                digits[i] = digit < 10 ? ASCII.zero &+ digit : 0x61 &+ digit &- 10
                v >>= 4
            } while v != 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<16]))
        }
    }

    /// Appends a name or frame: control characters (newline, TAB…) become
    /// spaces, surrounding spaces are trimmed, empty becomes `?`.
    mutating func appendName(_ name: String) {
        let utf8 = name.utf8
        func blank(_ byte: UInt8) -> Bool { byte <= ASCII.space || byte == 0x7F }
        guard let first = utf8.firstIndex(where: { !blank($0) }),
              let last = utf8.lastIndex(where: { !blank($0) })
        else {
            buffer.append(0x3F)
            return
        }
        for byte in utf8[first...last] {
            buffer.append(blank(byte) ? ASCII.space : byte)
        }
    }

    /// Appends a token that must hold no space: spaces and control
    /// characters (and `=` when `replacingEquals`) become `_`; empty becomes `?`.
    mutating func appendToken(_ token: String, replacingEquals: Bool) {
        if token.isEmpty {
            buffer.append(0x3F)
            return
        }
        for byte in token.utf8 {
            let bad = byte <= ASCII.space || byte == 0x7F || (replacingEquals && byte == ASCII.equals)
            buffer.append(bad ? 0x5F : byte)
        }
    }
}
