extension TraceWriter {
    /// The start of one thread's lock lines, `<seq> <tid> `, kept built so
    /// that a line's only formatting is the last four digits of its `seq`.
    ///
    /// It holds the digits of `seq / 10,000` (the *block*), four bytes the
    /// line's last four digits overwrite, and ` <tid> `: within a block the
    /// head of every line of the thread is these bytes with four digits
    /// changed. The recorder rebuilds it when a `seq` of another block comes
    /// (once per 10,000 events of the process, at most, per thread) and
    /// forgets it when the thread's `<tid>` changes (a new recording session).
    ///
    /// No head is built for block 0 (a `seq` below 10,000 has fewer than
    /// four digits) or for one longer than ``capacity`` bytes (a block of
    /// more than 20 digits in all with the `<tid>`): the caller then writes
    /// the line with ``TraceWriter/putLockLine(at:seq:thread:op:id:mode:task:)``.
    public struct LockLineHead: Sendable {
        /// The first `seq` of the block the bytes are for (a multiple of 10,000).
        @usableFromInline var blockStart: UInt64 = 0
        /// The `seq`s the bytes serve from `blockStart`: ``blockSize``, or 0 (no head).
        @usableFromInline var blockSpan: UInt64 = 0
        /// Where the last four digits go: the length of the block's digits.
        @usableFromInline var lowAt = 0
        /// The head's length: the block's digits, four digits, ` <tid> `.
        @usableFromInline var length = 0
        /// The head's bytes in memory order, zero after `length`.
        @usableFromInline var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        /// The `seq`s of one block: a power of ten, so a block's lines share every digit but the last four.
        @inlinable public static var blockSize: UInt64 { 10_000 }
        /// The longest head: what ``put(seq:at:)`` writes, whatever the length.
        @inlinable public static var capacity: Int { 32 }

        /// No head: the next line rebuilds one.
        /// - Complexity: O(1).
        public init() {}

        /// Forgets the head (the thread's `<tid>` changed).
        /// - Complexity: O(1).
        public mutating func invalidate() { blockSpan = 0 }

        /// Whether the head serves `seq` as it is, or once rebuilt for its
        /// block and `tid`; false when no head can serve it (block 0, or too long).
        /// - Complexity: A subtraction and a comparison; out of line, once
        ///   a block, the rebuild: O(digits).
        @inlinable @inline(__always)
        public mutating func serves(seq: UInt64, thread tid: UInt64) -> Bool {
            _fastPath(seq &- blockStart < blockSpan) || rebuild(block: seq / Self.blockSize, thread: tid)
        }

        /// Builds the head of `block`'s lines on thread `tid`.
        @usableFromInline @inline(never)
        mutating func rebuild(block b: UInt64, thread tid: UInt64) -> Bool {
            blockSpan = 0
            let blockDigits = TraceWriter.decimalLength(b), tidDigits = TraceWriter.decimalLength(tid)
            let n = blockDigits + 4 + 1 + tidDigits + 1
            guard b != 0, n <= Self.capacity else { return false }
            bytes = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &bytes) { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                _ = TraceWriter.putDecimal(b, at: p)
                for i in 0..<4 { p[blockDigits + i] = 0x30 }  // "0000", overwritten by each line
                p[blockDigits + 4] = 0x20
                _ = TraceWriter.putDecimal(tid, at: p + blockDigits + 5)
                p[n - 1] = 0x20
            }
            lowAt = blockDigits
            length = n
            blockStart = b &* Self.blockSize
            blockSpan = Self.blockSize
            return true
        }

        /// Writes `<seq> <tid> ` at `p`, which has room for ``capacity``
        /// bytes (all are written); returns its length. The head must serve
        /// `seq` (``serves(seq:thread:)``).
        /// - Complexity: O(1): a 32-byte copy and two digit pairs.
        @inlinable @inline(__always)
        public func put(seq: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
            UnsafeMutableRawPointer(p).storeBytes(of: bytes, as: (UInt64, UInt64, UInt64, UInt64).self)
            let low = UInt32(truncatingIfNeeded: seq &- blockStart)  // 0..<10,000
            let high = low / 100
            let pairs = UnsafeRawPointer(TraceWriter.digitPairs.utf8Start)
            let hi = pairs.loadUnaligned(fromByteOffset: Int(high &* 2), as: UInt16.self)
            let lo = pairs.loadUnaligned(fromByteOffset: Int((low &- high &* 100) &* 2), as: UInt16.self)
            // The two pairs in one store, in memory order.
            let four = UInt32(UInt16(littleEndian: hi)) | UInt32(UInt16(littleEndian: lo)) << 16
            UnsafeMutableRawPointer(p + lowAt).storeBytes(of: four.littleEndian, as: UInt32.self)
            return length
        }
    }

    /// The end of a lock's lines, built once with the lock: its `<lid>`'s
    /// digits and a newline (`acquire `/`release ` and a reader's ` r` or
    /// ` rr` are added per line).
    public struct LockLineID: Sendable {
        /// The digits and the newline in memory order, zero after them.
        @usableFromInline var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// The number of digits.
        @usableFromInline var digits: Int
        /// The length of the line's end for an exclusive `acquire` or a
        /// `release`: `acquire `/`release `, the digits and the newline.
        @usableFromInline var lineEnd: Int

        /// The bytes of lock `id`.
        /// - Complexity: O(digits).
        public init(_ id: UInt64) {
            digits = 0
            lineEnd = 0
            digits = withUnsafeMutableBytes(of: &bytes) { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let n = TraceWriter.putDecimal(id, at: p)
                p[n] = 0x0A
                return n
            }
            lineEnd = 8 + digits + 1
        }
    }

    /// The end of one thread's lock lines in a Swift task, ` task=<n>` and
    /// the newline (revision 1.2), kept built for the last task the thread
    /// ran: the events of one task come in runs on a thread.
    public struct LockLineTask: Sendable {
        /// The task the bytes are for; 0: none.
        @usableFromInline var task: UInt64 = 0
        /// The bytes' length.
        @usableFromInline var length = 0
        /// ` task=<n>\n` in memory order, zero after it.
        @usableFromInline var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        /// No task: the first line in one builds the bytes.
        /// - Complexity: O(1).
        public init() {}

        /// Makes the bytes those of `task` (not 0), unless they are.
        /// - Complexity: A comparison; when the task changed, O(digits), out of line.
        @inlinable @inline(__always)
        public mutating func serve(_ task: UInt64) {
            if _slowPath(task != self.task) { rebuild(task) }
        }

        @usableFromInline @inline(never)
        mutating func rebuild(_ t: UInt64) {
            bytes = (0, 0, 0, 0)
            length = withUnsafeMutableBytes(of: &bytes) { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                for (i, c) in " task=".utf8.enumerated() { p[i] = c }
                let n = 6 + TraceWriter.putDecimal(t, at: p + 6)
                p[n] = 0x0A
                return n + 1
            }
            task = t
        }
    }

    /// ``putLockLine(at:seq:head:op:id:mode:)`` in a Swift task: the line
    /// ends with `task`'s ` task=<n>` (revision 1.2), as
    /// ``putLockLine(at:seq:thread:op:id:mode:task:)`` writes it. `p` has
    /// room for ``lockLineCapacity`` bytes; `task` must serve the task.
    /// - Complexity: O(1): four fixed-size copies, four digits.
    @inlinable @inline(__always)
    public static func putLockLine(at p: UnsafeMutablePointer<UInt8>, seq: UInt64, head: LockLineHead, op: TraceOp,
                                   id: LockLineID, mode: AcquireMode, task: LockLineTask) -> Int {
        let n = head.put(seq: seq, at: p)
        let word: UInt64 = op == .acquire ? 0x2065_7269_7571_6361 : 0x2065_7361_656C_6572
        UnsafeMutableRawPointer(p + n).storeBytes(of: word.littleEndian, as: UInt64.self)
        UnsafeMutableRawPointer(p + (n &+ 8)).storeBytes(of: id.bytes, as: (UInt64, UInt64, UInt64).self)
        var at = n &+ 8 &+ id.digits
        if op == .acquire && mode != .exclusive {
            // " r" or " rr" before the task.
            let tail: UInt32 = mode == .recursiveShared ? 0x0072_7220 : 0x0000_7220
            UnsafeMutableRawPointer(p + at).storeBytes(of: tail.littleEndian, as: UInt32.self)
            at &+= mode == .recursiveShared ? 3 : 2
        }
        UnsafeMutableRawPointer(p + at).storeBytes(of: task.bytes, as: (UInt64, UInt64, UInt64, UInt64).self)
        return at &+ task.length
    }

    /// The longest line ``putLockLine(at:seq:head:op:id:mode:)`` writes, and
    /// the bytes it may touch: a head, `acquire `, 24 bytes of the id and
    /// ` rr\n` past its digits.
    @inlinable public static var prebuiltLockLineCapacity: Int { LockLineHead.capacity + 8 + 24 }

    /// ``putLockLine(at:seq:thread:op:id:mode:task:)`` with no task (no
    /// ` task=`), from prebuilt bytes: the same bytes, for the head's
    /// thread, when `head` serves `seq`. `p` has room for
    /// ``prebuiltLockLineCapacity`` bytes (some past the line may be written).
    /// - Complexity: O(1): three fixed-size copies, four digits, no division
    ///   but by constants.
    @inlinable @inline(__always)
    public static func putLockLine(at p: UnsafeMutablePointer<UInt8>, seq: UInt64, head: LockLineHead, op: TraceOp,
                                   id: LockLineID, mode: AcquireMode) -> Int {
        let n = head.put(seq: seq, at: p)
        // "acquire " and "release ", 8 bytes each, stored as one word (little-endian).
        let word: UInt64 = op == .acquire ? 0x2065_7269_7571_6361 : 0x2065_7361_656C_6572
        UnsafeMutableRawPointer(p + n).storeBytes(of: word.littleEndian, as: UInt64.self)
        UnsafeMutableRawPointer(p + (n &+ 8)).storeBytes(of: id.bytes, as: (UInt64, UInt64, UInt64).self)
        if op == .acquire && mode != .exclusive {
            // " r\n" or " rr\n" over the id's newline.
            let at = n &+ 8 &+ id.digits
            let tail: UInt32 = mode == .recursiveShared ? 0x0A72_7220 : 0x000A_7220
            UnsafeMutableRawPointer(p + at).storeBytes(of: tail.littleEndian, as: UInt32.self)
            return at &+ (mode == .recursiveShared ? 4 : 3)
        }
        return n &+ id.lineEnd
    }
}
