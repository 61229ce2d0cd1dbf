import Testing
import LockTrace

/// Event lines: every check of the event path, each with a twin that passes.
@Suite struct EventErrorTests {
    private func rejected(_ events: String, at n: Int, _ fragments: String...,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let reader = TraceReader(name: testFile, bytes: Array((prelude + events + "\n").utf8))
        do {
            _ = try drain(reader)
            Issue.record("accepted: \(events)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.line == afterPrelude(n), "\(error)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.message.contains(fragment), "\(error) should mention \(fragment)", sourceLocation: sourceLocation)
            }
        }
    }

    private func accepted(_ events: String, sourceLocation: SourceLocation = #_sourceLocation) -> [TraceEvent] {
        expectAccepted(prelude + events + "\n", sourceLocation: sourceLocation)
    }

    @Test func unknownOpFires() {
        rejected("1 1 jump 10", at: 1, "unknown op `jump`")
        rejected("1 1 Acquire 10", at: 1, "unknown op `Acquire`")
        rejected("1 1", at: 1, "missing <op>")
    }

    @Test func undeclaredThreadFires() {
        rejected("1 9 sleep", at: 1, "undeclared thread 9")
        _ = accepted("1 2 sleep")
    }

    @Test func undeclaredLockFires() {
        rejected("1 1 acquire 11", at: 1, "undeclared lock 11")
        rejected("1 1 release 11", at: 1, "undeclared lock 11")
        rejected("1 1 lock-init 11", at: 1, "undeclared lock 11")
        rejected("1 1 lock-free 11", at: 1, "undeclared lock 11")
        rejected("1 1 acquire 10 nest=11", at: 1, "undeclared lock 11")
    }

    @Test func undeclaredPoolQueueStackFires() {
        rejected("1 1 pool-destroy 2", at: 1, "undeclared pool 2")
        rejected("1 1 alloc nowait 8 pool=2", at: 1, "undeclared pool 2")
        rejected("1 1 free 0x1 pool=2", at: 1, "undeclared pool 2")
        rejected("1 1 barrier 2", at: 1, "undeclared queue 2")
        rejected("1 1 defer-free 2 0x1", at: 1, "undeclared queue 2")
        rejected("1 1 reclaimed 2 0x1", at: 1, "undeclared queue 2")
        rejected("1 1 release 10 stack=8", at: 1, "undeclared stack 8")
        rejected("1 1 sleep stack=8", at: 1, "undeclared stack 8")
    }

    @Test func declarationAfterItsFirstUseFires() {
        rejected("1 1 acquire 11\nlock 11 1", at: 1, "undeclared lock 11")
        _ = accepted("lock 11 1\n1 1 acquire 11")
    }

    @Test func seqGoingBackwardsFires() {
        rejected("100 1 acquire 10\n99 1 release 10", at: 2, "seq 99 goes backwards", "thread 1", "seq 100")
        // Equal seq is fine, and other threads have their own order.
        _ = accepted("100 1 acquire 10\n100 1 release 10\n5 2 sleep\n7 2 sleep")
    }

    @Test func eventAfterThreadExitFires() {
        rejected("1 2 thread-exit\n2 2 sleep", at: 2, "after its thread-exit on line 13")
        // Redeclaring the exited thread identically does not revive it.
        rejected("1 2 thread-exit\nthread 2 worker\n2 2 sleep", at: 3, "after its thread-exit")
        _ = accepted("1 2 thread-exit\nthread 3 worker\n2 3 sleep\n2 1 sleep")
    }

    @Test func twoModeFlagsFire() {
        rejected("1 1 acquire 20 r w", at: 1, "two mode flags, `r` and `w`")
        rejected("1 1 acquire 20 rr r", at: 1, "two mode flags")
        rejected("1 1 acquire 10 w w", at: 1, "two mode flags")
        _ = accepted("1 1 acquire 20 try r sub=1")
    }

    @Test func sharedModeOnExclusiveLockFires() {
        rejected("1 1 acquire 10 r", at: 1, "mode `r` on lock 10", "rwlock and rwsem")
        rejected("1 1 acquire 10 rr", at: 1, "mode `rr` on lock 10")
        let e = accepted("1 1 acquire 20 r\n2 1 acquire 30 rr\n3 1 acquire 10 w")
        #expect(e.map(\.mode) == [.shared, .recursiveShared, .exclusive])
    }

    @Test func badAllocFlagsFire() {
        rejected("1 1 alloc gfp-kernel 16", at: 1, "bad allocation flags `gfp-kernel`", "may-block")
        rejected("1 1 alloc nowait,atomic 16", at: 1, "bad allocation flags")
        rejected("1 1 alloc 16", at: 1, "bad allocation flags `16`")
        rejected("1 1 alloc", at: 1, "missing <flags>")
    }

    @Test func malformedNumbersFire() {
        rejected("1x 1 sleep", at: 1, "malformed <seq> `1x`")
        rejected("1 one sleep", at: 1, "malformed <tid> `one`")
        rejected("18446744073709551616 1 sleep", at: 1, "<seq> `18446744073709551616` does not fit in 64 bits")
        rejected("1 1 acquire 99999999999999999999999", at: 1, "<lid>", "does not fit in 64 bits")
        rejected("1 1 acquire +10", at: 1, "malformed <lid> `+10`")
        rejected("1 1 alloc nowait 1e3", at: 1, "malformed <bytes> `1e3`")
        rejected("1 1 acquire 10 sub=-1", at: 1, "malformed sub=<n>")
        rejected("1 1 acquire 10 sub=4294967296", at: 1, "subclass 4294967296 out of range")
        rejected("1 1 acquire 10 stack=", at: 1, "missing <sid>")
        // Leading zeros and the largest 64-bit value are fine.
        let e = accepted("18446744073709551615 01 acquire 0010 sub=4294967295")
        #expect(e.first?.seq == UInt64.max && e.first?.thread == 1 && e.first?.id == 10 && e.first?.subclass == UInt32.max)
    }

    @Test func malformedPointersFire() {
        rejected("1 1 free 1234", at: 1, "malformed pointer `1234`", "0x")
        rejected("1 1 free 0x", at: 1, "malformed pointer `0x`")
        rejected("1 1 free 0xg1", at: 1, "malformed pointer `0xg1`")
        rejected("1 1 free 0X10", at: 1, "malformed pointer")
        rejected("1 1 free 0x1ffffffffffffffff", at: 1, "pointer `0x1ffffffffffffffff` does not fit in 64 bits")
        rejected("1 1 alloc nowait 8 ptr=10", at: 1, "malformed pointer `10`")
        rejected("1 1 free", at: 1, "missing <ptr>")
        let e = accepted("1 1 free 0x00000000000000000000FFffFFffFFffFFff")
        #expect(e.first?.pointer == UInt64.max)
    }

    @Test func missingPositionalArgumentsFire() {
        rejected("1 1 acquire", at: 1, "missing <lid>")
        rejected("1 1 release stack=7", at: 1, "malformed <lid> `stack=7`")
        rejected("1 1 alloc nowait", at: 1, "missing <bytes>")
        rejected("1 1 defer-free 1", at: 1, "missing <ptr>")
        rejected("1 1 reclaimed", at: 1, "missing <qid>")
        rejected("1 1 barrier", at: 1, "missing <qid>")
        rejected("1 1 pool-destroy", at: 1, "missing <pid>")
    }

    @Test func extraPositionalTokensFire() {
        rejected("1 1 release 10 11", at: 1, "extra argument `11`", "`release` takes only <lid>")
        rejected("1 1 thread-exit 2", at: 1, "extra argument `2`", "takes no positional argument")
        rejected("1 1 free 0x1 0x2", at: 1, "extra argument `0x2`")
    }

    @Test func unknownBareFlagFires() {
        rejected("1 1 acquire 10 fast", at: 1, "unknown flag `fast` for `acquire`")
        rejected("1 1 release 10 try", at: 1, "unknown flag `try` for `release`")
        rejected("1 1 hardirq-exit threaded", at: 1, "unknown flag `threaded`")
        rejected("1 1 free 0x1 headless", at: 1, "unknown flag `headless`")
        rejected("1 1 acquire 10 try try", at: 1, "flag `try` given twice")
        rejected("1 1 rcu-lock bh sched", at: 1, "two RCU flavours")
    }

    @Test func unknownKeysAreIgnored() {
        let e = accepted("1 1 acquire 10 color=red x= y=a=b cpu=3\n2 1 release 10 note=\u{e9}t\u{e9}")
        #expect(e.count == 2)
    }

    @Test func knownKeysOnOtherOpsAreIgnored() {
        let e = accepted("1 1 release 10 sub=zz nest=no what=x ptr=nonsense pool=99\n2 1 barrier 1 what=gp sub=1\n3 1 sleep pool=5 ptr=q")
        #expect(e.count == 3 && e[0].subclass == 0 && e[0].nest == nil && e[0].pool == nil && e[1].what == 0)
        #expect(e[2].pool == nil && e[2].pointer == 0)
    }

    /// Revision 1.2: `task=<n>` on `acquire` and `release`; a decimal, once;
    /// ignored on other ops, like any known key that does not apply.
    @Test func taskKeyOnLockEvents() {
        let e = accepted("1 1 acquire 10 task=140235 stack=7\n2 1 release 10 task=18446744073709551615\n3 1 sleep task=5\n4 1 acquire 10\n5 1 release 10")
        #expect(e.map(\.task) == [140235, UInt64.max, 0, 0, 0])
        rejected("1 1 acquire 10 task=0x10", at: 1, "malformed <task>")
        rejected("1 1 acquire 10 task=", at: 1, "<task>")
        rejected("1 1 release 10 task=1 task=1", at: 1, "key `task` given twice")
        // The bare flag `task` stays a `sleep` flag.
        rejected("1 1 acquire 10 task", at: 1, "unknown flag `task` for `acquire`")
        #expect(accepted("1 1 sleep task").first?.inTask == true)
    }

    /// Revision 1.3: `await task=<n> what=<kind>`, a suspension point of a
    /// Swift task. `task=` is required and not 0; `what=`, when given, is a
    /// kind of await; the op takes no positional argument and no flag.
    @Test func awaitEvents() {
        let e = accepted("""
            1 1 await task=140235 what=hop
            2 1 await task=7 what=continuation
            3 2 await what=async-let task=18446744073709551615
            4 2 await task=9 what=async-let-end
            5 1 await task=9 color=red stack=7 sub=3
            """)
        #expect(e.map(\.op) == Array(repeating: .await, count: 5))
        #expect(e.map(\.task) == [140235, 7, UInt64.max, 9, 9])
        #expect(e.map(\.suspension) == [.hop, .continuation, .asyncLet, .asyncLetEnd, nil])
        #expect(e[4].stack == nil && e[4].subclass == 0)  // known keys the op does not list are ignored
        // The kind sits in padding: the event the reorder buffers copy did not grow.
        #expect(MemoryLayout<TraceEvent>.stride == 112)
    }

    @Test func malformedAwaitFires() {
        rejected("1 1 await", at: 1, "an await needs task=<n>")
        rejected("1 1 await what=hop", at: 1, "an await needs task=<n>")
        rejected("1 1 await task=0 what=hop", at: 1, "an await needs task=<n>", "not 0")
        rejected("1 1 await task=0x10", at: 1, "malformed <task>")
        rejected("1 1 await task=", at: 1, "<task>")
        rejected("1 1 await task=1 task=1", at: 1, "key `task` given twice")
        rejected("1 1 await task=1 what=sleep", at: 1, "unknown await kind `sleep`", "hop, continuation, async-let, async-let-end")
        rejected("1 1 await task=1 what=Hop", at: 1, "unknown await kind `Hop`")
        rejected("1 1 await task=1 what=", at: 1, "empty what=")
        rejected("1 1 await task=1 what=hop what=hop", at: 1, "key `what` given twice")
        rejected("1 1 await task=1 hop", at: 1, "unknown flag `hop` for `await`")
        rejected("1 1 await task=1 task", at: 1, "unknown flag `task` for `await`")
        rejected("1 1 await 10 task=1", at: 1, "extra argument `10`", "`await` takes no positional argument")
        rejected("1 9 await task=1", at: 1, "undeclared thread 9")
        rejected("5 1 sleep\n4 1 await task=1", at: 2, "seq 4 goes backwards")
        rejected("1 1 awaits task=1", at: 1, "unknown op `awaits`")
        // An await is no lock event: `what=` of a sleep stays free text.
        _ = accepted("1 1 sleep what=hop-along")
    }

    @Test func keyTwiceOnOneLineFires() {
        rejected("1 1 acquire 10 stack=7 stack=7", at: 1, "key `stack` given twice")
        rejected("1 1 acquire 10 cpu=1 x=2 cpu=1", at: 1, "key `cpu` given twice")
        rejected("1 1 release 10 sub=1 sub=2", at: 1, "key `sub` given twice")
        rejected("1 1 acquire 10 =5", at: 1, "malformed argument `=5`")
    }

    @Test func duplicateAmongManyUnknownKeysFires() {
        let keys = (0..<5000).map { "k\($0)=v" }.joined(separator: " ")
        _ = accepted("1 1 sleep " + keys)
        rejected("1 1 sleep " + keys + " k4321=w", at: 1, "key `k4321` given twice")
    }

    @Test func sleepReasonsAreInterned() throws {
        let (records, reader) = try read(prelude + "1 1 sleep what=futex\n2 1 sleep what=poll\n3 2 sleep what=futex\n4 2 sleep\n")
        #expect(events(records).map(\.what) == [1, 2, 1, 0])
        #expect(reader.sleepReasons == ["", "futex", "poll"])
        rejected("1 1 sleep what=", at: 1, "empty what=")
    }
}
