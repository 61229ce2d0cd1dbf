#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to file descriptor `fd` (1 or 2) unbuffered. Messages go
/// through here rather than `stderr`/`stdout`, which Swift 6 treats as shared
/// mutable state.
func writeText(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { utf8 in
        var offset = 0
        while offset < utf8.count {
            let n = write(fd, utf8.baseAddress! + offset, utf8.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// Writes `text` to stderr.
func printError(_ text: String) {
    writeText(text, to: 2)
}
