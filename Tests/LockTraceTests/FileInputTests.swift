#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import LockTrace

/// Reading from files: chunk boundaries anywhere, unreadable files.
@Suite struct FileInputTests {
    /// A temporary file holding `bytes`, removed by `body`'s end.
    private func withTemporaryFile<R>(_ bytes: [UInt8], _ body: (String) throws -> R) throws -> R {
        var template = Array("/tmp/locktrace-test-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            try #require(n > 0)
            offset += n
        }
        close(fd)
        return try body(path)
    }

    private static let sample = Array((prelude + """
        # a comment
        1 1 acquire 10 stack=7
        2 1 acquire 20 r nest=10 what=ignored
        3 2 sleep what=futex
        4 1 release 20
        stack 8 a very long frame name to straddle chunk boundaries (file.swift:123)\tnext
        5 1 release 10 stack=8
        6 2 alloc nowait 4096 ptr=0x7f00dead pool=1
        7 2 thread-exit
        8 1 release 1
        """).utf8)

    @Test func chunkBoundariesDoNotMatter() throws {
        let memory = TraceReader(name: "x", bytes: Self.sample)
        let expected = try drain(memory)
        #expect(memory.truncated)
        try withTemporaryFile(Self.sample) { path in
            for chunkSize in Array(1...70) + [4096, 1 << 20] {
                let reader = try TraceReader(path: path, chunkSize: chunkSize)
                let records = try drain(reader)
                #expect(records == expected, "chunk size \(chunkSize)")
                #expect(reader.truncated, "chunk size \(chunkSize)")
                #expect(reader.warnings.map(\.line) == memory.warnings.map(\.line))
                #expect(reader.bytesRead == Self.sample.count)
                #expect(reader.name == path)
            }
        }
    }

    @Test func publicInitializerReadsAFile() throws {
        try withTemporaryFile(Self.sample + Array("0\n".utf8)) { path in
            let reader = try TraceReader(path: path)
            let records = try drain(reader)
            #expect(events(records).count == 8)
            #expect(!reader.truncated)
        }
    }

    @Test func errorsNameThePath() throws {
        try withTemporaryFile(Array("lockcheck-trace 1\nthread 1 a\nbogus\n".utf8)) { path in
            let reader = try TraceReader(path: path, chunkSize: 3)
            #expect(throws: TraceError(file: path, line: 3, message: "unknown record `bogus`")) { try drain(reader) }
        }
    }

    @Test func unreadableFileFailsAtLineZero() {
        do {
            _ = try TraceReader(path: "/nonexistent/dir/x.trace")
            Issue.record("opened a file that does not exist")
        } catch {
            #expect(error.line == 0 && error.file == "/nonexistent/dir/x.trace")
            #expect(error.message.contains("No such file"))
            #expect(error.description == "/nonexistent/dir/x.trace: \(error.message)")
        }
        do {
            _ = try TraceReader(path: "/")
            Issue.record("read a directory")
        } catch {
            #expect(error.line == 0 && error.message.contains("directory"), "\(error)")
        }
    }

    /// A line far longer than a chunk, with and without its newline: the
    /// buffer grows to hold it, and nothing is rescanned.
    @Test func hugeLines() throws {
        let frame = [UInt8](repeating: 0x61, count: 8 << 20)
        let good = Array("lockcheck-trace 1\nstack 1 ".utf8) + frame + [0x0A] + Array("thread 1 t\n".utf8)
        try withTemporaryFile(good) { path in
            let reader = try TraceReader(path: path, chunkSize: 4096)
            let records = try drain(reader)
            #expect(records.count == 2)
            if case .stack(1, let frames) = records.first { #expect(frames.first?.utf8.count == 8 << 20) }
        }
        let partial = Array("lockcheck-trace 1\n".utf8) + frame
        try withTemporaryFile(partial) { path in
            let reader = try TraceReader(path: path)
            #expect(try drain(reader).isEmpty)
            #expect(reader.truncated)
        }
        let longToken = Array("lockcheck-trace 1\nthread 1 t\n1 1 sleep ".utf8) + frame + [0x0A]
        expectRejected(bytes: longToken, line: 3, "unknown flag `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…`")
    }
}
