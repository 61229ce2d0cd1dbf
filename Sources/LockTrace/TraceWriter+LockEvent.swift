extension TraceWriter {
    /// Writes the line of the commonest events, an `acquire` (blocking,
    /// subclass 0, no nest lock, no stack) or a `release` (no stack): the same
    /// bytes as ``event(_:sleepReason:)`` writes for them, built in place and
    /// appended at once. The trace recorder's hot path.
    ///
    /// Any other `op` is written by ``event(_:sleepReason:)``.
    /// - Parameter task: The Swift task the thread runs (` task=<n>`, revision 1.2); 0: none.
    /// - Complexity: O(1): one append to the buffer.
    public mutating func lockEvent(seq: UInt64, thread: UInt64, op: TraceOp, id: UInt64, mode: AcquireMode = .exclusive,
                                   task: UInt64 = 0) {
        guard op == .acquire || op == .release else {
            event(TraceEvent(seq: seq, thread: thread, op: op, id: id, mode: mode, task: task))
            return
        }
        // 4 numbers of at most 20 digits, "acquire", " rr", " task=", 3 spaces and a newline: 100 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 104) { space in
            let p = space.baseAddress!
            var n = Self.putDecimal(seq, at: p)
            p[n] = ASCII.space
            n &+= 1
            n &+= Self.putDecimal(thread, at: p + n)
            p[n] = ASCII.space
            n &+= 1
            // "acquire " and "release " are both 8 bytes.
            let word: StaticString = op == .acquire ? "acquire " : "release "
            (p + n).update(from: word.utf8Start, count: 8)
            n &+= 8
            n &+= Self.putDecimal(id, at: p + n)
            if op == .acquire && mode != .exclusive {
                p[n] = ASCII.space
                p[n &+ 1] = 0x72  // r
                p[n &+ 2] = 0x72
                n &+= mode == .recursiveShared ? 3 : 2
            }
            if task != 0 {
                let key: StaticString = " task="
                (p + n).update(from: key.utf8Start, count: 6)
                n &+= 6
                n &+= Self.putDecimal(task, at: p + n)
            }
            p[n] = ASCII.newline
            buffer.append(contentsOf: UnsafeBufferPointer(start: p, count: n &+ 1))
        }
    }

    /// Writes `value` in decimal at `p`, two digits a step; returns the length (1–20).
    @inline(__always)
    static func putDecimal(_ value: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 1
        var power: UInt64 = 10
        while length < 20 && value >= power {
            length &+= 1
            power = power &* 10
        }
        let pairs = digitPairs.utf8Start
        var v = value
        var i = length
        while v >= 100 {
            let pair = Int(truncatingIfNeeded: v % 100) &* 2
            v /= 100
            i &-= 2
            p[i] = pairs[pair]
            p[i &+ 1] = pairs[pair &+ 1]
        }
        if v >= 10 {
            let pair = Int(truncatingIfNeeded: v) &* 2
            p[i &- 2] = pairs[pair]
            p[i &- 1] = pairs[pair &+ 1]
        } else {
            p[i &- 1] = ASCII.zero &+ UInt8(truncatingIfNeeded: v)
        }
        return length
    }

    /// "00", "01" … "99": constant bytes, no table to build or bounds to check.
    private static var digitPairs: StaticString {
        """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }
}
