import Testing
import LockTrace

/// Whatever the bytes, the reader returns records, nil or a TraceError: it
/// never traps, never hangs. Each randomized test prints its seed.
@Suite struct RobustnessTests {
    /// Reads `bytes` to the end or the first error; checks the invariants
    /// that hold for any input.
    private func survive(_ bytes: [UInt8], context: @autoclosure () -> String) {
        let reader = TraceReader(name: testFile, bytes: bytes)
        var count = 0
        do {
            while try reader.next() != nil { count += 1 }
            #expect(reader.truncated == (bytes.last.map { $0 != 0x0A } ?? false), "\(context())")
        } catch {
            #expect(error.line >= 1, "\(context()): \(error)")
            #expect(!error.message.isEmpty, "\(context())")
            #expect(error.description.utf8.count < 400, "\(context()): \(error)")
        }
        #expect(reader.bytesRead == bytes.count)
    }

    private static let sample = Array((prelude + """
        config raw-nesting=off
        1 1 acquire 10 stack=7
        2 1 acquire 20 r nest=10 sub=1 try
        3 2 sleep what=futex x=1
        4 1 release 20
        5 1 release 10 stack=7
        6 2 alloc nowait 4096 ptr=0x7f00dead pool=1 stack=7
        7 2 defer-free 1 0x10 headless
        8 2 reclaimed 1 0x10
        9 2 rcu-lock bh
        10 2 rcu-unlock bh
        11 1 hardirq-enter threaded
        12 1 hardirq-exit
        13 2 pool-destroy 1
        14 2 thread-exit

        """).utf8)

    @Test func sampleIsValid() {
        expectAccepted(String(decoding: Self.sample, as: UTF8.self))
    }

    @Test func everyPrefixOfASampleTrace() throws {
        for n in 0...Self.sample.count {
            let prefix = Array(Self.sample[..<n])
            survive(prefix, context: "prefix \(n)")
            // A prefix cut at a line end is a valid trace once the header is in.
            if n >= 18 && (n == Self.sample.count || Self.sample[n - 1] == 0x0A) {
                expectAccepted(String(decoding: prefix, as: UTF8.self))
            }
        }
    }

    @Test func randomGarbage() {
        let seed = UInt64.random(in: 0..<1_000_000)
        print("RobustnessTests.randomGarbage seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let words = ["lockcheck-trace 1\n", "thread ", "class ", "lock ", "stack ", "pool ", "queue ", "config ",
                     "acquire ", "release ", "alloc ", "nowait ", "r ", "rr ", "w ", "sub=", "nest=", "stack=",
                     "what=", "ptr=", "0x", "=", " ", "  ", "\n", "\r\n", "\t", "#", "1", "10", "18446744073709551616",
                     "mutex ", "rwlock ", "\u{e9}", "\u{1F512}", "thread-exit", "\0"]
        for iteration in 0..<3000 {
            var bytes: [UInt8] = rng.next() % 4 == 0 ? [] : Array("lockcheck-trace 1\n".utf8)
            for _ in 0..<Int(rng.next() % 120) {
                if rng.next() % 3 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                } else {
                    bytes += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
                }
            }
            survive(bytes, context: "seed \(seed) iteration \(iteration)")
        }
    }

    @Test func randomMutationsOfASampleTrace() {
        let seed = UInt64.random(in: 0..<1_000_000)
        print("RobustnessTests.randomMutationsOfASampleTrace seed \(seed)")
        var rng = SplitMix64(seed: seed)
        for iteration in 0..<3000 {
            var bytes = Self.sample
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                case 3: bytes[at] = [0x20, 0x0A, 0x09, 0x3D, 0x30, 0x39, 0x0D][Int(rng.next() % 7)]
                default:
                    let end = min(bytes.count, at + Int(rng.next() % 40))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                }
                if bytes.isEmpty { break }
            }
            survive(bytes, context: "seed \(seed) iteration \(iteration)")
        }
    }

    @Test func fixedSeedsStayReproducible() {
        // The same garbage as a fixed seed, so a failure found once stays covered.
        var rng = SplitMix64(seed: 42)
        for iteration in 0..<500 {
            let bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            survive(Array("lockcheck-trace 1\n".utf8) + bytes, context: "seed 42 iteration \(iteration)")
        }
    }

    /// Inputs shaped to provoke quadratic work: long runs of spaces, many
    /// tokens, many lines, many distinct ids and reasons.
    @Test func adversarialShapesStayLinear() throws {
        let spaces = String(repeating: " ", count: 1 << 20)
        expectAccepted("lockcheck-trace 1\nthread 1" + spaces + "t" + spaces + "\n1" + spaces + "1 sleep" + spaces + "\n")
        let manyTokens = (0..<50_000).map { "u\($0)=\($0)" }.joined(separator: " ")
        expectAccepted("lockcheck-trace 1\nthread 1 t\n1 1 sleep " + manyTokens + "\n")
        var text = "lockcheck-trace 1\nclass 1 mutex m\n"
        for i in 0..<20_000 { text += "thread \(UInt64(i) &* 0x9E37_79B9_7F4A_7C15 >> 1) t\nlock \(i * 977) 1\n" }
        for i in 0..<20_000 { text += "\(i) \(UInt64(i) &* 0x9E37_79B9_7F4A_7C15 >> 1) sleep what=w\(i % 5000)\n" }
        let (records, reader) = try read(text)
        #expect(records.count == 1 + 40_000 + 20_000)
        #expect(reader.sleepReasons.count == 5001)
    }
}
