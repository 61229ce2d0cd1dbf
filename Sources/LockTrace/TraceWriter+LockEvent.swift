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
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.lockLineCapacity) { space in
            let n = Self.putLockLine(at: space.baseAddress!, seq: seq, thread: thread, op: op, id: id, mode: mode, task: task)
            buffer.append(contentsOf: UnsafeBufferPointer(start: space.baseAddress!, count: n))
        }
    }

    /// Room that ``putLockLine(at:seq:thread:op:id:mode:task:)`` may use: 4
    /// numbers of at most 20 digits, `acquire`, ` rr`, ` task=`, 3 spaces
    /// and a newline are 100 bytes.
    @inlinable public static var lockLineCapacity: Int { 104 }

    /// Writes the line of an `acquire` (blocking, subclass 0, no nest lock,
    /// no stack) or, for any other `op`, a `release` of lock `id` at `p`,
    /// which has room for ``lockLineCapacity`` bytes, newline included;
    /// returns its length. `task` (revision 1.2) is written as ` task=<n>`
    /// unless 0. The bytes ``lockEvent(seq:thread:op:id:mode:task:)``
    /// appends; the trace recorder writes them straight into a thread's ring.
    /// - Complexity: O(1), no allocation; inlinable, so the recorder's
    ///   call sites specialise it for their `op`.
    @inlinable @inline(__always)
    public static func putLockLine(at p: UnsafeMutablePointer<UInt8>, seq: UInt64, thread: UInt64, op: TraceOp,
                                   id: UInt64, mode: AcquireMode, task: UInt64 = 0) -> Int {
        var n = putDecimal(seq, at: p)
        p[n] = 0x20
        n &+= 1
        n &+= putDecimal(thread, at: p + n)
        p[n] = 0x20
        n &+= 1
        // "acquire " and "release ", 8 bytes each, stored as one word (little-endian).
        let word: UInt64 = op == .acquire ? 0x2065_7269_7571_6361 : 0x2065_7361_656C_6572
        UnsafeMutableRawPointer(p + n).storeBytes(of: word.littleEndian, as: UInt64.self)
        n &+= 8
        n &+= putDecimal(id, at: p + n)
        if op == .acquire && mode != .exclusive {
            p[n] = 0x20
            p[n &+ 1] = 0x72  // r
            p[n &+ 2] = 0x72
            n &+= mode == .recursiveShared ? 3 : 2
        }
        if task != 0 {
            // " task=", 6 bytes: one word of " task=" and two zero bytes the digits overwrite.
            UnsafeMutableRawPointer(p + n).storeBytes(of: UInt64(0x3D6B_7361_7420).littleEndian, as: UInt64.self)
            n &+= 6
            n &+= putDecimal(task, at: p + n)
        }
        p[n] = 0x0A
        return n &+ 1
    }

    /// Writes `value` in decimal at `p`, two digits a step; returns the length (1–20).
    @inlinable @inline(__always)
    static func putDecimal(_ value: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        let length = decimalLength(value)
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
            p[i &- 1] = 0x30 &+ UInt8(truncatingIfNeeded: v)  // "0" + v
        }
        return length
    }

    /// The number of decimal digits of `value` (1–20): a few comparisons for
    /// up to 10 digits (every `seq` and id of a real trace).
    @inlinable @inline(__always)
    static func decimalLength(_ value: UInt64) -> Int {
        if value < 100_000 {
            if value < 100 { return value < 10 ? 1 : 2 }
            if value < 10_000 { return value < 1_000 ? 3 : 4 }
            return 5
        }
        if value < 10_000_000_000 {
            if value < 10_000_000 { return value < 1_000_000 ? 6 : 7 }
            if value < 1_000_000_000 { return value < 100_000_000 ? 8 : 9 }
            return 10
        }
        var length = 11
        var power: UInt64 = 100_000_000_000
        while length < 20 && value >= power {
            length &+= 1
            power = power &* 10
        }
        return length
    }

    /// "00", "01" … "99": constant bytes, no table to build or bounds to check.
    @usableFromInline static var digitPairs: StaticString {
        """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }
}
