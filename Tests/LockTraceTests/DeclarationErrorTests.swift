import Testing
import LockTrace

/// Declarations: unknown records, kinds, names, ids and redeclarations.
@Suite struct DeclarationErrorTests {
    @Test func unknownRecordFires() {
        expectRejected(prelude + "frob 1 2\n", line: afterPrelude(1), "unknown record `frob`")
        expectRejected(prelude + "Thread 1 main\n", line: afterPrelude(1), "unknown record `Thread`")
    }

    @Test func unknownLockKindFires() {
        expectRejected(prelude + "class 9 semaphore s\n", line: afterPrelude(1), "unknown lock kind `semaphore`", "raw-spinlock")
        expectRejected(prelude + "class 9\n", line: afterPrelude(1), "class 9 has no kind")
    }

    @Test func emptyNameFires() {
        expectRejected(prelude + "thread 5\n", line: afterPrelude(1), "thread 5 has no name")
        expectRejected(prelude + "thread 5    \n", line: afterPrelude(1), "thread 5 has no name")
        expectRejected(prelude + "class 9 mutex \n", line: afterPrelude(1), "class 9 has no name")
        expectRejected(prelude + "pool 9\n", line: afterPrelude(1), "pool 9 has no name")
        expectRejected(prelude + "queue 9\n", line: afterPrelude(1), "queue 9 has no name")
        expectRejected(prelude + "process 9\n", line: afterPrelude(1), "process 9 has no name")
    }

    @Test func stackWithoutFrameFires() {
        expectRejected(prelude + "stack 9\n", line: afterPrelude(1), "stack 9 has no frame")
        expectRejected(prelude + "stack 9 \n", line: afterPrelude(1), "stack 9 has no frame")
        expectRejected(prelude + "stack 9 a\t\tb\n", line: afterPrelude(1), "stack 9 has an empty frame (frame 2)")
        expectRejected(prelude + "stack 9 a\t\n", line: afterPrelude(1), "empty frame")
    }

    @Test func stackFramesAreTrimmed() throws {
        let (records, _) = try read("lockcheck-trace 1\nstack 9  a + 0x1 (m)  \t b (f.swift:3)\n")
        #expect(records == [.stack(id: 9, frames: ["a + 0x1 (m)", "b (f.swift:3)"])])
    }

    @Test func lockBeforeItsClassFires() {
        expectRejected("lockcheck-trace 1\nlock 10 1\nclass 1 mutex m\n", line: 2, "undeclared class 1", "before")
    }

    @Test func lockWithExtraTokenFires() {
        expectRejected(prelude + "lock 11 1 2\n", line: afterPrelude(1), "extra token `2`")
        expectRejected(prelude + "lock 11\n", line: afterPrelude(1), "missing <cid>")
    }

    @Test func malformedDeclarationIDFires() {
        expectRejected(prelude + "thread x main\n", line: afterPrelude(1), "malformed <tid> `x`")
        expectRejected(prelude + "lock 18446744073709551616 1\n", line: afterPrelude(1), "<lid>", "does not fit in 64 bits")
        expectRejected(prelude + "stack -1 f\n", line: afterPrelude(1), "malformed <sid> `-1`")
    }

    @Test func conflictingRedeclarationFires() {
        let cases: [(String, String)] = [
            ("thread 1 other", "thread 1 redeclared"),
            ("class 1 spinlock m", "class 1 redeclared"),
            ("class 1 mutex n", "class 1 redeclared"),
            ("lock 10 2", "lock 10 redeclared"),
            ("pool 1 other", "pool 1 redeclared"),
            ("queue 1 other", "queue 1 redeclared"),
            ("stack 7 f (a.swift:1)", "stack 7 redeclared"),
            ("process 1 a\nprocess 1 b", "process 1 redeclared"),
        ]
        for (line, message) in cases {
            let n = line.split(separator: "\n").count
            expectRejected(prelude + line + "\n", line: afterPrelude(n), message, "first declared on line")
        }
    }

    @Test func identicalRedeclarationStaysSilent() throws {
        let again = "thread 1 main\nclass 2 rwlock rw\nlock 20 2\npool 1 p\nqueue 1 q\nstack 7 f (a.swift:1)\tg (a.swift:2)\n"
            + "thread 1 main   \nprocess 3 app\nprocess 3 app\n"
        let (records, _) = try read(prelude + again + "1 1 acquire 20 r\n")
        // Redeclarations are accepted and not returned a second time.
        #expect(records.count == 11 + 1 + 1)
        #expect(records.last.map { if case .event = $0 { true } else { false } } == true)
    }

    @Test func idSpacesAreSeparatePerKind() {
        expectAccepted("lockcheck-trace 1\nprocess 1 app\npool 1 p\nqueue 1 q\nthread 1 t\nclass 1 mutex m\nlock 1 1\nstack 1 f\n")
    }
}
