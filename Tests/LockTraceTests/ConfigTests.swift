import Testing
import LockTrace

/// `config` lines: before the first event, merged, one value per key.
@Suite struct ConfigTests {
    @Test func configLinesMergeAndUnknownKeysWarn() throws {
        let (records, reader) = try read("lockcheck-trace 1\nconfig raw-nesting=off\nconfig preempt-rt=on raw-nesting=off color=blue\n")
        #expect(records == [
            .config(["raw-nesting": "off"]),
            .config(["preempt-rt": "on", "raw-nesting": "off", "color": "blue"]),
        ])
        #expect(reader.warnings == [TraceWarning(file: testFile, line: 3, message: "unknown config key `color` ignored")])
    }

    @Test func configAfterFirstEventFires() {
        expectRejected(prelude + "1 1 sleep\nconfig raw-nesting=on\n", line: afterPrelude(2),
                       "config line after the first event (line 13)")
    }

    @Test func configKeyWithTwoValuesFires() {
        expectRejected("lockcheck-trace 1\nconfig preempt-rt=on\nconfig preempt-rt=off\n", line: 3,
                       "`preempt-rt` is `off` here but was `on` on line 2")
        expectRejected("lockcheck-trace 1\nconfig x=1\nconfig x=2\n", line: 3, "`x` is `2` here but was `1`")
    }

    @Test func configKeyTwiceOnOneLineFires() {
        expectRejected("lockcheck-trace 1\nconfig raw-nesting=on raw-nesting=on\n", line: 2, "`raw-nesting` given twice")
    }

    @Test func malformedConfigFires() {
        expectRejected("lockcheck-trace 1\nconfig raw-nesting\n", line: 2, "malformed config setting `raw-nesting`")
        expectRejected("lockcheck-trace 1\nconfig =on\n", line: 2, "malformed config setting")
        expectRejected("lockcheck-trace 1\nconfig raw-nesting=\n", line: 2, "malformed config setting")
        expectRejected("lockcheck-trace 1\nconfig raw-nesting=yes\n", line: 2, "must be `on` or `off`")
        expectRejected("lockcheck-trace 1\nconfig\n", line: 2, "without settings")
    }
}
