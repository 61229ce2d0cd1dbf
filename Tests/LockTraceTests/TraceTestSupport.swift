import Testing
@testable import LockTrace

/// The name every in-memory test trace is read under.
let testFile = "t.trace"

/// A header and one declaration of each kind, 12 lines; the first event
/// after it is on line 13.
///
/// Locks: 10 of a mutex class, 20 of an rwlock class, 30 of an rwsem class.
let prelude = """
    lockcheck-trace 1
    thread 1 main
    thread 2 worker
    class 1 mutex m
    class 2 rwlock rw
    class 3 rwsem sem
    lock 10 1
    lock 20 2
    lock 30 3
    pool 1 p
    queue 1 q
    stack 7 f (a.swift:1)\tg (a.swift:2)

    """

/// The line of the `n`th (1-based) line appended to ``prelude``.
func afterPrelude(_ n: Int) -> Int { 12 + n }

/// Everything `reader` returns until the end; throws the reader's error.
func drain(_ reader: TraceReader) throws(TraceError) -> [TraceRecord] {
    var records: [TraceRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
}

/// Reads `text` fully, returning the records and the reader.
func read(_ text: String) throws(TraceError) -> (records: [TraceRecord], reader: TraceReader) {
    let reader = TraceReader(name: testFile, bytes: Array(text.utf8))
    return (try drain(reader), reader)
}

/// The events of `records`.
func events(_ records: [TraceRecord]) -> [TraceEvent] {
    records.compactMap { if case .event(let e) = $0 { e } else { nil } }
}

/// Reads `text` and expects it accepted; returns its events.
@discardableResult
func expectAccepted(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [TraceEvent] {
    do {
        return events(try read(text).records)
    } catch {
        Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// Reads `bytes` and expects a ``TraceError`` on `line` whose message holds
/// every fragment.
func expectRejected(
    bytes: [UInt8], line: Int, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation
) {
    let reader = TraceReader(name: testFile, bytes: bytes)
    do {
        let records = try drain(reader)
        Issue.record("expected an error on line \(line), but \(records.count) records were accepted", sourceLocation: sourceLocation)
    } catch {
        #expect(error.file == testFile, sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\(error) should mention \(fragment)", sourceLocation: sourceLocation)
        }
        #expect(error.description == "\(testFile):\(line): \(error.message)", sourceLocation: sourceLocation)
        // The reader stays stopped on its error.
        #expect(throws: error, sourceLocation: sourceLocation) { try reader.next() }
    }
}

/// As ``expectRejected(bytes:line:_:sourceLocation:)`` for text.
func expectRejected(_ text: String, line: Int, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    let reader = TraceReader(name: testFile, bytes: Array(text.utf8))
    do {
        let records = try drain(reader)
        Issue.record("expected an error on line \(line), but \(records.count) records were accepted", sourceLocation: sourceLocation)
    } catch {
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\(error) should mention \(fragment)", sourceLocation: sourceLocation)
        }
        #expect(throws: error, sourceLocation: sourceLocation) { try reader.next() }
    }
}

