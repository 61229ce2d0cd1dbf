import Testing
@testable import LockTrace

/// The word-at-a-time scanners agree with the obvious byte-at-a-time ones.
@Suite struct SWARTests {
    /// Runs `body` with `text` in a buffer that has the reader's slack after it.
    func withLine<R>(_ text: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count + SWAR.slack)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0x37, count: text.count + SWAR.slack)  // digits after the end must not count
        buffer.update(from: text, count: text.count)
        return body(buffer, text.count)
    }

    @Test func wordsMatchTheirSpellings() {
        func word(_ s: String, _ part: Int = 0) -> UInt64 {
            let bytes = Array(s.utf8.dropFirst(8 * part).prefix(8))
            return bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        for op in TraceOp.allCases {
            let length = op.name.utf8.count
            #expect(TraceOp(length: length, first: word(op.name), second: word(op.name, 1)) == op, "\(op.name)")
        }
        for flags in AllocFlags.allCases {
            #expect(AllocFlags(length: flags.spelling.utf8.count, first: word(flags.spelling), second: word(flags.spelling, 1)) == flags)
        }
        let keys: [(String, EventKey)] = [("sub", .sub), ("nest", .nest), ("stack", .stack), ("what", .what), ("ptr", .ptr), ("pool", .pool)]
        for (name, key) in keys { #expect(EventKey(length: name.utf8.count, word: word(name)) == key, "\(name)") }
        let flags: [EventFlag] = [.w, .r, .rr, .try, .threaded, .headless, .bh, .sched]
        for flag in flags { #expect(EventFlag(length: flag.spelling.utf8.count, word: word(flag.spelling)) == flag) }
        #expect(TraceOp(length: 7, first: word("acquirf"), second: 0) == nil)
        #expect(EventKey(length: 4, word: word("Pool")) == nil)
    }

    @Test func decimalAgreesWithTheScalarParser() {
        var rng = SplitMix64(seed: 7)
        var cases = ["0", "7", "07", "12345678", "123456789", "18446744073709551615", "18446744073709551616",
                     "99999999999999999999", "00000000000000000000000000042", "1a", "", " ", "12 34", "1\u{0}", "\u{ff}1",
                     "1844674407370955161", "18446744073709551610"]
        for _ in 0..<2000 {
            let length = Int(rng.next() % 24)
            cases.append(String((0..<length).map { _ in rng.next() % 10 == 0 ? "x" : Character(String(rng.next() % 10)) }))
        }
        for text in cases {
            let bytes = Array(text.utf8)
            let scalar: UInt64? = bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return nil }
                let end = bytes.firstIndex(of: 0x20) ?? bytes.count
                return NumberScanning.decimal(base, Token(start: 0, end: end))
            }
            let fast = withLine(bytes) { SWAR.decimal($0, from: 0, end: $1) }
            #expect(fast?.value == scalar, "\(text)")
            if let fast { #expect(fast.end == (bytes.firstIndex(of: 0x20) ?? bytes.count), "\(text)") }
        }
    }

    @Test func findStopsAtTheFirstByteOrTheEnd() {
        for length in 0..<20 {
            for at in 0...length {
                var bytes = [UInt8](repeating: 0x61, count: length)
                if at < length { bytes[at] = 0x20 }
                let found = withLine(bytes) { SWAR.find(0x20, $0, from: 0, end: $1) }
                #expect(found == at, "length \(length), space at \(at)")
            }
        }
    }
}

extension SWARTests {
    @Test func pointerAgreesWithTheScalarParser() {
        var rng = SplitMix64(seed: 11)
        var cases = ["0x0", "0x", "0", "0x1", "0xdeadBEEF", "0xffffffffffffffff", "0x1ffffffffffffffff", "0x0000000000000000000000001",
                     "0xg", "0x12 3", "0X1", "1x1", "0x7f0001313cfc", "0x@", "0x`", "0xG", "0x:", "0x/", "0x\u{e9}"]
        let alphabet = Array("0123456789abcdefABCDEFgG@`:/ x")
        for _ in 0..<3000 {
            let length = Int(rng.next() % 22)
            cases.append("0x" + String((0..<length).map { _ in rng.next() % 8 == 0 ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : alphabet[Int(rng.next() % 22)] }))
        }
        for text in cases {
            let bytes = Array(text.utf8)
            let end = bytes.firstIndex(of: 0x20) ?? bytes.count
            let scalar: UInt64? = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { NumberScanning.pointer($0, Token(start: 0, end: end)) }
            }
            let fast = withLine(bytes) { SWAR.pointer($0, from: 0, end: $1) }
            #expect(fast?.value == scalar, "\(text)")
            if let fast { #expect(fast.end == end, "\(text)") }
        }
    }
}
