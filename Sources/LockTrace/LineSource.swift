/// One line handed out by ``LineSource``: `count` bytes at `base`, without
/// the `\n`. Valid until the next call to ``LineSource/nextLine()``.
struct Line {
    var base: UnsafePointer<UInt8>
    var count: Int
}

/// Splits a file into lines, reading it in chunks with `read(2)`.
///
/// One buffer holds the current chunk; a line cut by a chunk boundary is
/// moved to the front before the next read, and the buffer only grows (by
/// doubling, with `realloc`) when a single line is longer than the free
/// space. Memory is therefore about max(chunk size, longest line), whatever
/// the length of the trace. `memchr` finds line ends, and bytes already
/// searched are never searched again, so a 100 MB line without a `\n` costs
/// O(100 MB), not O(n²).
///
/// The buffer always has ``SWAR/slack`` initialized bytes after its data,
/// so the parser may load whole words that run past the end of a line.
struct LineSource: ~Copyable {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Start of the line not handed out yet.
    private var lineStart = 0
    /// End of the bytes read so far.
    private var filled = 0
    /// Bytes in `lineStart..<scanned` hold no `\n`.
    private var scanned = 0
    private var descriptor: Int32
    private let closesDescriptor: Bool
    private let chunkSize: Int
    /// Whether the whole input is in the buffer.
    private(set) var reachedEnd: Bool
    /// Bytes taken from the input so far.
    private(set) var bytesRead = 0

    /// A source reading `descriptor` in chunks of `chunkSize` bytes, closing
    /// it at the end when `closesDescriptor`.
    init(descriptor: Int32, closesDescriptor: Bool, chunkSize: Int) {
        self.chunkSize = max(chunkSize, 1)
        capacity = self.chunkSize
        guard let block = SystemFile.allocate(count: capacity + SWAR.slack) else { fatalError("LockTrace: out of memory") }
        block.initialize(repeating: 0, count: SWAR.slack)
        buffer = block
        self.descriptor = descriptor
        self.closesDescriptor = closesDescriptor
        reachedEnd = false
    }

    /// A source over bytes already in memory.
    init(bytes: [UInt8]) {
        chunkSize = max(bytes.count, 1)
        capacity = chunkSize
        guard let block = SystemFile.allocate(count: capacity + SWAR.slack) else { fatalError("LockTrace: out of memory") }
        buffer = block
        bytes.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { block.update(from: start, count: source.count) }
        }
        filled = bytes.count
        (block + filled).initialize(repeating: 0, count: SWAR.slack)
        bytesRead = bytes.count
        descriptor = -1
        closesDescriptor = false
        reachedEnd = true
    }

    deinit {
        SystemFile.deallocate(buffer)
        if closesDescriptor && descriptor >= 0 { SystemFile.close(descriptor) }
    }

    /// Bytes after the last `\n`: at the end, the partial last line.
    var pendingCount: Int { filled - lineStart }

    /// The next complete line, or nil at the end of the input (then
    /// ``pendingCount`` tells whether a partial line remains).
    ///
    /// - Complexity: amortized O(line length).
    @inline(__always)
    mutating func nextLine() throws(SystemError) -> Line? {
        while true {
            if let offset = SystemFile.find(ASCII.newline, in: buffer + scanned, count: filled - scanned) {
                let end = scanned + offset
                let line = Line(base: buffer + lineStart, count: end - lineStart)
                lineStart = end + 1
                scanned = lineStart
                return line
            }
            scanned = filled
            if reachedEnd { return nil }
            try refill()
        }
    }

    /// Reads the first chunk, so that an unreadable file (a directory, a
    /// broken device) fails when it is opened rather than at line 1.
    mutating func prefetch() throws(SystemError) {
        if !reachedEnd && filled == 0 { try refill() }
    }

    /// Reads the next chunk after the pending partial line.
    private mutating func refill() throws(SystemError) {
        let wanted = max(chunkSize / 2, 1)
        if capacity - filled < wanted && lineStart > 0 {
            let pending = filled - lineStart
            SystemFile.move(from: buffer + lineStart, to: buffer, count: pending)
            scanned -= lineStart
            filled = pending
            lineStart = 0
        }
        if capacity - filled < wanted {
            let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
            let grown = overflow ? Int.max - SWAR.slack : max(doubled, filled + chunkSize)
            guard let block = SystemFile.reallocate(buffer, count: grown + SWAR.slack) else {
                throw SystemError.outOfMemory
            }
            buffer = block
            capacity = grown
        }
        let n = try SystemFile.read(descriptor, into: buffer + filled, count: capacity - filled)
        filled += n
        (buffer + filled).initialize(repeating: 0, count: SWAR.slack)
        bytesRead += n
        if n == 0 {
            reachedEnd = true
            if closesDescriptor && descriptor >= 0 {
                SystemFile.close(descriptor)
                descriptor = -1
            }
        }
    }
}
