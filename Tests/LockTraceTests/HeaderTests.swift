import Testing
import LockTrace

/// `lockcheck-trace 1` must be the first line that is neither blank nor a comment.
@Suite struct HeaderTests {
    @Test func missingHeaderFires() {
        expectRejected("thread 1 main\n", line: 1, "missing header", "lockcheck-trace 1")
        expectRejected("100 1 acquire 10\n", line: 1, "missing header")
    }

    @Test func missingHeaderInEmptyFileFires() {
        expectRejected("", line: 1, "missing header")
        expectRejected("# only a comment\n\n", line: 3, "missing header")
    }

    @Test func headerAfterCommentsAndBlankLinesStaysSilent() {
        expectAccepted("# made by a test\n\n   \nlockcheck-trace 1\n")
        expectAccepted("  lockcheck-trace   01  \n")
    }

    @Test func wrongVersionFires() {
        expectRejected("lockcheck-trace 2\n", line: 1, "unsupported trace version 2")
        expectRejected("# c\nlockcheck-trace 0\n", line: 2, "unsupported trace version 0")
        expectRejected("lockcheck-trace\n", line: 1, "no version")
        expectRejected("lockcheck-trace one\n", line: 1, "malformed trace version `one`")
        expectRejected("lockcheck-trace 1 extra\n", line: 1, "extra token `extra`")
    }

    @Test func secondHeaderFires() {
        expectRejected("lockcheck-trace 1\nthread 1 a\nlockcheck-trace 1\n", line: 3, "second `lockcheck-trace` header")
    }

    @Test func binaryFileIsNotATrace() {
        expectRejected(bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x0A], line: 1, "missing header")
    }
}
