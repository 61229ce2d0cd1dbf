import Testing
import LockTrace

/// A last line without its `\n` is always a partial line: skipped, with a
/// warning, and `truncated` set.
@Suite struct TruncationTests {
    @Test func truncatedReleaseIsNotReadAsAnotherLock() throws {
        // `release 10` cut after `release 1` looks complete, and lock 1 would even exist.
        let text = prelude + "lock 1 1\n1 1 acquire 10\n2 1 release 1"
        let (records, reader) = try read(text)
        #expect(events(records).map(\.op) == [.acquire])
        #expect(reader.truncated)
        #expect(reader.warnings == [TraceWarning(
            file: testFile, line: afterPrelude(3),
            message: "trace ends mid-line (the producer stopped); analysed up to line \(afterPrelude(2))")])
        #expect(reader.warnings.first?.description
            == "t.trace:15: trace ends mid-line (the producer stopped); analysed up to line 14")
    }

    @Test func partialLineIsNeverValidated() throws {
        let (records, reader) = try read(prelude + "1 1 acquire 10\n\u{1}garbage\t")
        #expect(events(records).count == 1)
        #expect(reader.truncated)
    }

    @Test func partialDeclarationIsSkipped() throws {
        let (records, reader) = try read("lockcheck-trace 1\nthread 1 main\nthread 2 work")
        #expect(records == [.thread(id: 1, name: "main")])
        #expect(reader.truncated && reader.warnings.count == 1)
    }

    @Test func completeTraceIsNotTruncated() throws {
        let (_, reader) = try read(prelude + "1 1 acquire 10\n")
        #expect(!reader.truncated && reader.warnings.isEmpty)
    }

    @Test func truncatedHeaderIsAMissingHeader() {
        let reader = TraceReader(name: testFile, bytes: Array("lockcheck-trace 1".utf8))
        #expect(throws: TraceError(file: testFile, line: 1, message: "missing header: the file has no `lockcheck-trace 1` line; is this a lockcheck trace?")) {
            try reader.next()
        }
        #expect(reader.truncated)
        #expect(reader.warnings.first?.message.contains("analysed up to line 0") == true)
    }

    @Test func trailingCarriageReturnWithoutNewlineIsPartial() throws {
        let (records, reader) = try read(prelude + "1 1 acquire 10\r")
        #expect(events(records).isEmpty && reader.truncated)
    }
}
