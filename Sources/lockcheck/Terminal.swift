#if canImport(Glibc)
import Glibc
#endif

/// Standard output and error (unbuffered writes: reports are few), and a
/// monotonic clock.
enum Terminal {
    static func out(_ s: String, terminator: String = "\n") { write(STDOUT_FILENO, s + terminator) }
    static func error(_ s: String) { write(STDERR_FILENO, s + "\n") }
    /// Writes to stderr without a newline (progress lines).
    static func errorInline(_ s: String) { write(STDERR_FILENO, s) }

    private static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    /// `x` with `digits` decimals.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let v = (x * scale).rounded() / scale
        var s = String(v)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }
}

enum Clock {
    /// Seconds on the monotonic clock.
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
