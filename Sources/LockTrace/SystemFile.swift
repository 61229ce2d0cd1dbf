#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: its errno.
struct SystemError: Error, CustomStringConvertible {
    var code: Int32

    /// ENOMEM: a buffer could not grow.
    static var outOfMemory: SystemError { SystemError(code: ENOMEM) }

    var description: String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// Every platform call of the module, each result checked.
enum SystemFile {
    /// The descriptor of standard input.
    static let standardInput: Int32 = 0

    /// Opens `path` for reading.
    static func open(_ path: String) throws(SystemError) -> Int32 {
        while true {
            let fd = path.withCString { openFile($0, O_RDONLY | O_CLOEXEC) }
            if fd >= 0 { return fd }
            if errno != EINTR { throw SystemError(code: errno) }
        }
    }

    /// Reads at most `count` bytes into `buffer`; 0 at end of file. Retries
    /// on EINTR.
    static func read(_ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(SystemError) -> Int {
        while true {
            let n = readFile(fd, buffer, count)
            if n >= 0 { return n }
            if errno != EINTR { throw SystemError(code: errno) }
        }
    }

    /// Closes `fd`; a reader has nothing to flush, so the result is moot.
    static func close(_ fd: Int32) {
        _ = closeFile(fd)
    }

    /// `malloc`, so that ``reallocate(_:count:)`` may grow the block.
    static func allocate(count: Int) -> UnsafeMutablePointer<UInt8>? {
        malloc(max(count, 1))?.assumingMemoryBound(to: UInt8.self)
    }

    /// `realloc`: nil when memory is exhausted (the old block stays valid).
    static func reallocate(_ block: UnsafeMutablePointer<UInt8>, count: Int) -> UnsafeMutablePointer<UInt8>? {
        realloc(block, count)?.assumingMemoryBound(to: UInt8.self)
    }

    /// `memmove`: copies `count` bytes between possibly overlapping regions.
    static func move(from source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>, count: Int) {
        if count > 0 { _ = memmove(destination, source, count) }
    }

    /// `free`.
    static func deallocate(_ block: UnsafeMutablePointer<UInt8>) {
        free(block)
    }

    /// The offset of the first `byte` in `start[0..<count]`, or nil (memchr).
    @inline(__always)
    static func find(_ byte: UInt8, in start: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count > 0, let found = memchr(start, Int32(byte), count) else { return nil }
        return UnsafeRawPointer(start).distance(to: UnsafeRawPointer(found))
    }
}

// Module-level names for the C functions, so SystemFile's methods can share them.
private func openFile(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 { open(path, flags) }
private func readFile(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { read(fd, buffer, count) }
private func closeFile(_ fd: Int32) -> Int32 { close(fd) }
