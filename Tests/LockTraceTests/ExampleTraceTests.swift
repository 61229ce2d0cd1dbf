import Testing
import LockTrace

/// The example of the trace format spec reads back as the records it shows.
@Suite struct ExampleTraceTests {
    static let example = """
        lockcheck-trace 1
        config raw-nesting=on preempt-rt=off
        thread 1 main
        thread 2 worker
        class 1 raw-spinlock krc.lock
        lock 10 1
        stack 7 kvfree_call_rcu + 0x88 (Example)\tmain + 0x20 (Example)
        100 1 acquire 10
        101 1 alloc nowait 4096 stack=7
        102 1 release 10

        """

    @Test func specExampleParsesToItsRecords() throws {
        let (records, reader) = try read(Self.example)
        #expect(records == [
            .config(["raw-nesting": "on", "preempt-rt": "off"]),
            .thread(id: 1, name: "main"),
            .thread(id: 2, name: "worker"),
            .lockClass(id: 1, kind: .rawSpinlock, name: "krc.lock"),
            .lock(id: 10, classID: 1),
            .stack(id: 7, frames: ["kvfree_call_rcu + 0x88 (Example)", "main + 0x20 (Example)"]),
            .event(TraceEvent(seq: 100, thread: 1, op: .acquire, line: 8, id: 10)),
            .event(TraceEvent(seq: 101, thread: 1, op: .alloc, line: 9, bytes: 4096, stack: 7, allocFlags: .nowait)),
            .event(TraceEvent(seq: 102, thread: 1, op: .release, line: 10, id: 10)),
        ])
        #expect(reader.warnings.isEmpty)
        #expect(!reader.truncated)
        #expect(reader.bytesRead == Self.example.utf8.count)
        #expect(reader.lineNumber == 10)
        #expect(reader.name == testFile)
        // At the end, the reader keeps answering nil.
        #expect(try reader.next() == nil)
    }

    @Test func everyOpParses() throws {
        let text = prelude + """
            1 1 acquire 20 r try sub=2 nest=10 stack=7
            2 1 acquire 30 rr
            3 1 acquire 10 w
            4 1 release 10 stack=7
            5 1 sleep what=futex stack=7
            6 1 hardirq-enter threaded
            7 1 hardirq-exit
            8 1 softirq-enter
            9 1 softirq-exit
            10 1 irqs-off
            11 1 irqs-on
            12 1 softirqs-off
            13 1 softirqs-on
            14 1 preempt-off
            15 1 preempt-on
            16 1 rcu-lock bh
            17 1 rcu-unlock sched
            18 1 alloc may-block 64 ptr=0xDEADbeef pool=1 stack=7
            19 1 alloc atomic 1
            20 1 alloc no-locks 2
            21 1 free 0x10 pool=1 stack=7
            22 1 defer-free 1 0x20 headless pool=1 stack=7
            23 1 reclaimed 1 0x20
            24 1 barrier 1 stack=7
            25 1 pool-destroy 1 stack=7
            26 1 lock-init 10
            27 1 lock-free 10
            28 1 sleep
            29 1 sleep what=futex
            30 1 thread-exit

            """
        let (records, reader) = try read(text)
        let e = events(records)
        try #require(e.count == 30)
        #expect(e.map(\.op) == [
            .acquire, .acquire, .acquire, .release, .sleep, .hardirqEnter, .hardirqExit,
            .softirqEnter, .softirqExit, .irqsOff, .irqsOn, .softirqsOff, .softirqsOn,
            .preemptOff, .preemptOn, .rcuLock, .rcuUnlock, .alloc, .alloc, .alloc, .free,
            .deferFree, .reclaimed, .barrier, .poolDestroy, .lockInit, .lockFree, .sleep, .sleep, .threadExit,
        ])
        #expect(e[0] == TraceEvent(seq: 1, thread: 1, op: .acquire, line: 13, id: 20, stack: 7, nest: 10,
                                   subclass: 2, mode: .shared, isTry: true))
        #expect(e[1].mode == .recursiveShared)
        #expect(e[2].mode == .exclusive)
        #expect(e[4].what == 1 && reader.sleepReasons == ["", "futex"])
        #expect(e[5].threaded)
        #expect(e[15].rcuFlavor == .bh && e[16].rcuFlavor == .sched)
        #expect(e[17] == TraceEvent(seq: 18, thread: 1, op: .alloc, line: 30, pointer: 0xDEAD_BEEF, bytes: 64,
                                    pool: 1, stack: 7, allocFlags: .mayBlock))
        #expect(e[18].allocFlags == .atomic && e[19].allocFlags == .noLocks)
        #expect(e[20].pointer == 0x10 && e[20].pool == 1)
        #expect(e[21] == TraceEvent(seq: 22, thread: 1, op: .deferFree, line: 34, id: 1, pointer: 0x20,
                                    pool: 1, stack: 7, headless: true))
        #expect(e[22].id == 1 && e[22].pointer == 0x20)
        #expect(e[24].id == 1)
        #expect(e[27].what == 0 && e[28].what == 1)
    }

    @Test func namesWithSpacesAndLeadingSpaces() throws {
        let lines = [
            "lockcheck-trace 1",
            "thread 1   the main   thread   ",
            "  process 4 my app (pid 42)",
            "class 1 mutex  a lock  with spaces",
            "pool 3 kmalloc-64 pool",
            "queue 2 krc per-cpu batch",
            "   100 1 thread-exit",
        ]
        let (records, _) = try read(lines.joined(separator: "\n") + "\n")
        #expect(records == [
            .thread(id: 1, name: "the main   thread"),
            .process(id: 4, name: "my app (pid 42)"),
            .lockClass(id: 1, kind: .mutex, name: "a lock  with spaces"),
            .pool(id: 3, name: "kmalloc-64 pool"),
            .queue(id: 2, name: "krc per-cpu batch"),
            .event(TraceEvent(seq: 100, thread: 1, op: .threadExit, line: 7)),
        ])
    }

    @Test func everyLockKindIsKnown() throws {
        var text = "lockcheck-trace 1\n"
        for (i, kind) in LockKind.allCases.enumerated() { text += "class \(i) \(kind.spelling) c\(i)\n" }
        let (records, _) = try read(text)
        #expect(records == LockKind.allCases.enumerated().map { .lockClass(id: UInt64($0), kind: $1, name: "c\($0)") })
    }
}
