#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A big buffered writer of trace text to a file descriptor.
///
/// Text goes into one fixed buffer with no per-line allocation; the buffer is
/// written out with `write(2)` when it passes `flushThreshold` and at `close()`.
/// Numbers are formatted by hand, not through `String`.
final class TraceWriter {
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    /// Bytes written to the descriptor so far.
    private(set) var bytesWritten = 0

    /// Lines longer than `capacity - flushThreshold` must not be written
    /// between two `flushIfNeeded()` calls.
    private let flushThreshold: Int

    init(fd: Int32 = 1, capacity: Int = 4 << 20) {
        self.fd = fd
        self.capacity = capacity
        self.flushThreshold = capacity - (64 << 10)
        self.buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
    }

    @inline(__always)
    func byte(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    /// Appends ASCII text. Static strings cost no allocation.
    @inline(__always)
    func text(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        (buffer + count).update(from: s.utf8Start, count: n)
        count += n
    }

    /// Appends a string's UTF-8 (declarations and comments; not the hot path).
    func text(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            precondition(utf8.count < capacity - count, "line too long for the trace buffer")
            (buffer + count).update(from: utf8.baseAddress!, count: utf8.count)
            count += utf8.count
        }
        flushIfNeeded()
    }

    /// Appends `v` in decimal.
    @inline(__always)
    func decimal(_ v: UInt64) {
        var digits = 1
        var t = v
        while t >= 10 {
            t /= 10
            digits += 1
        }
        var x = v
        var i = count + digits - 1
        repeat {
            buffer[i] = UInt8(truncatingIfNeeded: x % 10) &+ 48
            x /= 10
            i -= 1
        } while x != 0
        count += digits
    }

    @inline(__always)
    func decimal(_ v: Int) {
        decimal(UInt64(v))
    }

    /// Appends `0x` and `v` in lowercase hex.
    @inline(__always)
    func hex(_ v: UInt64) {
        byte(48)
        byte(120)
        var digits = 1
        var t = v >> 4
        while t != 0 {
            t >>= 4
            digits += 1
        }
        var x = v
        var i = count + digits - 1
        repeat {
            let d = UInt8(truncatingIfNeeded: x & 15)
            buffer[i] = d < 10 ? d &+ 48 : d &+ 87
            x >>= 4
            i -= 1
        } while x != 0
        count += digits
    }

    @inline(__always)
    func flushIfNeeded() {
        if count >= flushThreshold {
            flush()
        }
    }

    /// Writes everything buffered; exits the process on a write error (there
    /// is nobody to report a half-written trace to but stderr).
    func flush() {
        var offset = 0
        while offset < count {
            let n = write(fd, buffer + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                printError("tracegen: write failed: \(reason)\n")
                exit(1)
            }
            offset += n
        }
        bytesWritten += count
        count = 0
    }
}
