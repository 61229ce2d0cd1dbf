import Testing
import LockTrace

/// The writer produces exactly what the reader reads back.
@Suite struct WriterTests {
    @Test func writesTheSpecExample() {
        var writer = TraceWriter()
        writer.header()
        writer.config(["raw-nesting": "on", "preempt-rt": "off"])
        writer.thread(id: 1, name: "main")
        writer.thread(id: 2, name: "worker")
        writer.lockClass(id: 1, kind: .rawSpinlock, name: "krc.lock")
        writer.lock(id: 10, classID: 1)
        writer.stack(id: 7, frames: ["kvfree_call_rcu + 0x88 (Example)", "main + 0x20 (Example)"])
        writer.event(TraceEvent(seq: 100, thread: 1, op: .acquire, id: 10))
        writer.event(TraceEvent(seq: 101, thread: 1, op: .alloc, bytes: 4096, stack: 7, allocFlags: .nowait))
        writer.event(TraceEvent(seq: 102, thread: 1, op: .release, id: 10))
        let expected = ExampleTraceTests.example.replacingOccurrences(
            of: "config raw-nesting=on preempt-rt=off", with: "config preempt-rt=off raw-nesting=on")
        #expect(String(decoding: writer.takeBuffer(), as: UTF8.self) == expected)
        #expect(writer.buffer.isEmpty)
    }

    @Test func writesEveryOptionalArgument() {
        var writer = TraceWriter()
        writer.event(TraceEvent(seq: 1, thread: 2, op: .acquire, id: 3, stack: 4, nest: 5, subclass: 6, mode: .recursiveShared, isTry: true))
        writer.event(TraceEvent(seq: 1, thread: 2, op: .alloc, pointer: 0xABC, bytes: 9, pool: 8, allocFlags: .noLocks))
        writer.event(TraceEvent(seq: 1, thread: 2, op: .deferFree, id: 3, pointer: 0, pool: 1, headless: true))
        writer.event(TraceEvent(seq: 1, thread: 2, op: .rcuUnlock, rcuFlavor: .sched))
        writer.event(TraceEvent(seq: 1, thread: 2, op: .hardirqEnter, threaded: true))
        writer.event(TraceEvent(seq: 1, thread: 2, op: .sleep, stack: 1), sleepReason: "cond wait")
        writer.event(TraceEvent(seq: 1, thread: 2, op: .release, id: 3, pool: 1, nest: 2, subclass: 3, isTry: true))
        #expect(String(decoding: writer.buffer, as: UTF8.self) == """
            1 2 acquire 3 rr try sub=6 nest=5 stack=4
            1 2 alloc no-locks 9 ptr=0xabc pool=8
            1 2 defer-free 3 0x0 headless pool=1
            1 2 rcu-unlock sched
            1 2 hardirq-enter threaded
            1 2 sleep what=cond_wait stack=1
            1 2 release 3

            """)
    }

    /// The recorder's short way writes the same bytes as `event`, for every
    /// number of digits, both ops and every mode.
    @Test func lockEventWritesWhatEventWrites() {
        var numbers: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1_000, 65_535, UInt64(UInt32.max), UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 { power *= 10; numbers += [power - 1, power, power + 1] }
        var rng = SplitMix64(seed: 41)
        for _ in 0..<500 { numbers.append(rng.next() >> (rng.next() % 64)) }
        for (i, n) in numbers.enumerated() {
            let other = numbers[(i * 7 + 3) % numbers.count]
            for op in [TraceOp.acquire, .release, .sleep] {
                for mode in AcquireMode.allCases where op == .acquire || mode == .exclusive {
                    // With no task, and with a task of every digit count (revision 1.2).
                    for task in [0, n, other] {
                        var short = TraceWriter(), long = TraceWriter()
                        short.lockEvent(seq: n, thread: other, op: op, id: n ^ other, mode: mode, task: task)
                        long.event(TraceEvent(seq: n, thread: other, op: op, id: n ^ other, mode: mode, task: task))
                        #expect(short.buffer == long.buffer, "\(op) \(mode) \(n) \(other) \(task)")
                    }
                }
            }
        }
    }

    /// Event lines of any length, extreme numbers included, are written whole.
    @Test func longEventLinesAreWrittenWhole() {
        for length in [0, 1, 180, 199, 200, 201, 255, 256, 1_000, 70_000] {
            let reason = String(repeating: "w", count: length)
            var writer = TraceWriter(buffer: Array("before\n".utf8))
            writer.event(TraceEvent(seq: UInt64.max, thread: UInt64.max, op: .sleep, stack: UInt64.max), sleepReason: reason)
            writer.event(TraceEvent(seq: 2, thread: 3, op: .release, id: 4))
            let what = length == 0 ? "" : " what=\(reason)"
            #expect(String(decoding: writer.buffer, as: UTF8.self)
                    == "before\n18446744073709551615 18446744073709551615 sleep\(what) stack=18446744073709551615\n2 3 release 4\n",
                    "reason of \(length) bytes")
        }
    }

    @Test func namesThatCannotBeWrittenAreReplaced() throws {
        var writer = TraceWriter()
        writer.header()
        writer.comment("two\nlines\tand a tab")
        writer.thread(id: 1, name: "  a\tb\nc\r  ")
        writer.thread(id: 2, name: "\n\t ")
        writer.stack(id: 3, frames: ["f\tg", "", " h "])
        writer.stack(id: 4, frames: [])
        writer.config(["k y=": "v a\tl"])
        let (records, _) = try read(String(decoding: writer.buffer, as: UTF8.self))
        #expect(records == [
            .thread(id: 1, name: "a b c"),
            .thread(id: 2, name: "?"),
            .stack(id: 3, frames: ["f g", "?", "h"]),
            .stack(id: 4, frames: ["?"]),
            .config(["k_y_": "v_a_l"]),
        ])
    }

    /// Random valid traces, written then read: the reader returns what was
    /// written, line numbers included.
    @Test func randomTracesRoundTrip() throws {
        for seed in UInt64(1)...200 {
            var rng = SplitMix64(seed: seed)
            let (expected, reasons) = randomTrace(&rng)
            var writer = TraceWriter()
            writer.header()
            for record in expected { writer.record(record, sleepReasons: reasons) }
            let reader = TraceReader(name: testFile, bytes: writer.buffer)
            let records: [TraceRecord]
            do {
                records = try drain(reader)
            } catch {
                Issue.record("seed \(seed): \(error)")
                continue
            }
            #expect(records == expected, "seed \(seed)")
            #expect(reader.sleepReasons == reasons, "seed \(seed)")
            // And writing what was read gives the same bytes.
            var again = TraceWriter()
            again.header()
            for record in records { again.record(record, sleepReasons: reader.sleepReasons) }
            #expect(again.buffer == writer.buffer, "seed \(seed)")
        }
    }

    /// Declarations, then events using them, with event lines numbered as
    /// the reader will number them (header on line 1). Sleep reasons are
    /// interned in order of first use, as the reader does.
    private func randomTrace(_ rng: inout SplitMix64) -> ([TraceRecord], [String]) {
        var records: [TraceRecord] = []
        let big: UInt64 = 1 << 40
        let threads: [UInt64] = [1, 2, big + 3]
        let locks: [(id: UInt64, rw: Bool)] = [(10, false), (11, true), (big, true), (12, false)]
        records.append(.config(["raw-nesting": "on", "x-extra": "1"]))
        records.append(.process(id: 1, name: "app \(rng.next() % 100)"))
        for t in threads { records.append(.thread(id: t, name: "thread \(t)")) }
        records.append(.lockClass(id: 1, kind: .mutex, name: "m lock"))
        records.append(.lockClass(id: 2, kind: .rwsem, name: "sem"))
        for lock in locks { records.append(.lock(id: lock.id, classID: lock.rw ? 2 : 1)) }
        records.append(.pool(id: 5, name: "kmalloc-64"))
        records.append(.queue(id: 6, name: "krc"))
        records.append(.stack(id: 7, frames: ["a + 0x1 (m)", "b (f.swift:2)"]))
        records.append(.stack(id: big, frames: ["only"]))
        let words = ["futex", "poll", "cond", "gp"]
        var reasons = [""]
        var seq: UInt64 = 0
        for _ in 0..<Int(rng.next() % 300) {
            seq += rng.next() % 3
            let thread = threads[Int(rng.next() % 3)]
            let ops = TraceOp.allCases.filter { $0 != .threadExit }
            let op = ops[Int(rng.next() % UInt64(ops.count))]
            var e = TraceEvent(seq: seq, thread: thread, op: op, line: UInt32(records.count + 2))
            func maybe(_ x: UInt64) -> UInt64? { rng.next() % 2 == 0 ? x : nil }
            let stack = maybe(rng.next() % 2 == 0 ? 7 : big)
            if op.listsStack { e.stack = stack }
            switch op {
            case .acquire:
                let lock = locks[Int(rng.next() % UInt64(locks.count))]
                e.id = lock.id
                if lock.rw { e.mode = AcquireMode.allCases[Int(rng.next() % 3)] }
                e.isTry = rng.next() % 2 == 0
                e.subclass = UInt32(rng.next() % 4)
                e.nest = maybe(locks[Int(rng.next() % UInt64(locks.count))].id)
            case .release, .lockInit, .lockFree:
                e.id = locks[Int(rng.next() % UInt64(locks.count))].id
            case .sleep:
                if rng.next() % 2 == 0 {
                    let word = words[Int(rng.next() % 4)]
                    if let index = reasons.firstIndex(of: word) {
                        e.what = UInt32(index)
                    } else {
                        reasons.append(word)
                        e.what = UInt32(reasons.count - 1)
                    }
                }
            case .hardirqEnter:
                e.threaded = rng.next() % 2 == 0
            case .rcuLock, .rcuUnlock:
                e.rcuFlavor = RCUFlavor.allCases[Int(rng.next() % 3)]
            case .alloc:
                e.allocFlags = AllocFlags.allCases[Int(rng.next() % 4)]
                e.bytes = rng.next() >> (rng.next() % 64)
                e.pointer = rng.next() % 2 == 0 ? 0 : rng.next()
                e.pool = maybe(5)
            case .free:
                e.pointer = rng.next()
                e.pool = maybe(5)
            case .deferFree:
                e.id = 6
                e.pointer = rng.next() >> 20
                e.headless = rng.next() % 2 == 0
                e.pool = maybe(5)
            case .reclaimed:
                e.id = 6
                e.pointer = rng.next()
            case .barrier:
                e.id = 6
            case .poolDestroy:
                e.id = 5
            case .await:
                e.task = 1 + rng.next() % 1_000_000
                if rng.next() % 4 != 0 { e.suspension = SuspensionKind.allCases[Int(rng.next() % 4)] }
            default:
                break
            }
            records.append(.event(e))
        }
        return (records, reasons)
    }
}

extension TraceOp {
    /// Whether the op lists `stack=`, per the spec's table.
    var listsStack: Bool {
        [.acquire, .release, .sleep, .alloc, .free, .deferFree, .barrier, .poolDestroy].contains(self)
    }
}
