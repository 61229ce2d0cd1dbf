import Testing
import LockTrace

/// A trace is UTF-8 text: spaces separate tokens, a TAB only separates stack
/// frames, no NUL or other control character, `\r` only before `\n`.
@Suite struct TextErrorTests {
    private let header = Array("lockcheck-trace 1\nthread 1 main\nclass 1 mutex m\nlock 10 1\n".utf8)

    @Test func tabOutsideStackLineFires() {
        expectRejected(prelude + "thread 5\tworker\n", line: afterPrelude(1), "TAB at column 9")
        expectRejected(prelude + "thread 5 wor\tker\n", line: afterPrelude(1), "TAB", "stack line")
        expectRejected(prelude + "1 1 acquire\t10\n", line: afterPrelude(1), "TAB at column 12")
        expectRejected(prelude + "1 1 acquire 10\t\n", line: afterPrelude(1), "TAB")
        expectRejected(prelude + "1 1 sleep what=a\tb\n", line: afterPrelude(1), "TAB")
        expectRejected(prelude + "1 1 sleep note=a\tb\n", line: afterPrelude(1), "TAB")
        expectRejected(prelude + "\t\n", line: afterPrelude(1), "TAB")
        expectRejected(prelude + "# a\tcomment\n", line: afterPrelude(1), "TAB")
        expectRejected("lockcheck-trace\t1\n", line: 1, "missing header")
        expectAccepted(prelude + "stack 8 a\tb\tc\n")
    }

    @Test func nulAndBinaryGarbageFire() {
        expectRejected(bytes: header + Array("thread 2 ma".utf8) + [0] + Array("in\n".utf8), line: 5, "NUL byte at column 12")
        expectRejected(bytes: header + Array("1 1 acquire 10 x=".utf8) + [0, 1, 2] + [0x0A], line: 5, "NUL byte")
        expectRejected(bytes: header + Array("1 1 acquire 1".utf8) + [0] + [0x0A], line: 5, "NUL byte")
        expectRejected(bytes: header + [0x31, 0x20, 0x31, 0x20, 0x1B, 0x5B, 0x0A], line: 5, "control character 0x1B")
        expectRejected(bytes: header + Array("# bell ".utf8) + [0x07, 0x0A], line: 5, "control character 0x07")
        expectRejected(bytes: header + Array("thread 2 a".utf8) + [0x7F, 0x0A], line: 5, "control character 0x7F")
    }

    @Test func invalidUTF8Fires() {
        let cases: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xC3], [0xE2, 0x82], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        ]
        for bad in cases {
            expectRejected(bytes: header + Array("thread 2 n".utf8) + bad + [0x0A], line: 5, "invalid UTF-8 at column 11")
            expectRejected(bytes: header + Array("1 1 sleep what=".utf8) + bad + [0x0A], line: 5, "invalid UTF-8")
            expectRejected(bytes: header + Array("1 1 sleep x=".utf8) + bad + [0x0A], line: 5, "invalid UTF-8")
            expectRejected(bytes: header + Array("# ".utf8) + bad + [0x0A], line: 5, "invalid UTF-8")
        }
    }

    @Test func validUTF8StaysSilent() throws {
        let (records, reader) = try read("lockcheck-trace 1\nthread 1 h\u{e9}lo \u{4e16}\u{754c} \u{1F512}\n1 1 sleep what=\u{fc}ber why=\u{1F600}\n")
        #expect(records.first == .thread(id: 1, name: "h\u{e9}lo \u{4e16}\u{754c} \u{1F512}"))
        #expect(reader.sleepReasons == ["", "\u{fc}ber"])
    }

    @Test func carriageReturnOnlyBeforeNewline() throws {
        let crlf = prelude.replacingOccurrences(of: "\n", with: "\r\n") + "1 1 acquire 10\r\n2 1 release 10 stack=7\r\n"
        let (records, reader) = try read(crlf)
        #expect(records.count == 13)
        #expect(records[0] == .thread(id: 1, name: "main"))
        #expect(records[10] == .stack(id: 7, frames: ["f (a.swift:1)", "g (a.swift:2)"]))
        #expect(events(records).last?.stack == 7)
        #expect(!reader.truncated)
        expectRejected("lockcheck-trace 1\nthread 1 ma\rin\n", line: 2, "control character 0x0D")
        expectRejected("lockcheck-trace 1\nthread 1 main\r\r\n", line: 2, "control character 0x0D")
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let text = "# leading\n\nlockcheck-trace 1\n   # indented\n\n      \nthread 1 main # not a comment\n#\n1 1 sleep\n"
        let (records, _) = try read(text)
        #expect(records == [
            .thread(id: 1, name: "main # not a comment"),
            .event(TraceEvent(seq: 1, thread: 1, op: .sleep, line: 9)),
        ])
    }
}

extension String {
    /// `self` with every `target` replaced (Foundation-free).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
