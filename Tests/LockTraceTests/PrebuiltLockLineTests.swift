import Testing
import LockTrace

/// The recorder's lock lines from prebuilt bytes (a thread's head, a lock's
/// id) are the very bytes `event` writes, and the head is rebuilt or
/// refused exactly where it must be.
@Suite struct PrebuiltLockLineTests {
    /// Every `seq` of a block boundary, a power of ten, random and extreme,
    /// every digit count of `<tid>` and `<lid>`, both ops and every mode: the
    /// prebuilt line equals `event`'s, or no head serves the `seq` (block 0,
    /// or a head past 32 bytes) and the caller formats it whole.
    @Test func prebuiltLineWritesWhatEventWrites() {
        var numbers: [UInt64] = [0, 1, 9, 10, 99, 100, 9_999, 10_000, 10_001, 19_999, 20_000, 65_535,
                                 UInt64(UInt32.max), UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 { power *= 10; numbers += [power - 1, power, power + 1] }
        var rng = SplitMix64(seed: 19)
        for _ in 0..<300 { numbers.append(rng.next() >> (rng.next() % 64)) }
        var served = 0, refused = 0
        for (i, seq) in numbers.enumerated() {
            let tid = numbers[(i * 7 + 3) % numbers.count] % (i % 3 == 0 ? UInt64.max : 100_000)
            let id = numbers[(i * 5 + 1) % numbers.count]
            var head = TraceWriter.LockLineHead()
            guard head.serves(seq: seq, thread: tid) else {
                refused += 1
                let blockDigits = String(seq / 10_000).utf8.count, tidDigits = String(tid).utf8.count
                #expect(seq < 10_000 || blockDigits + 4 + tidDigits + 2 > TraceWriter.LockLineHead.capacity,
                        "a head of \(seq) on thread \(tid) was refused")
                continue
            }
            served += 1
            for op in [TraceOp.acquire, .release] {
                for mode in AcquireMode.allCases where op == .acquire || mode == .exclusive {
                    let prebuilt = withUnsafeTemporaryAllocation(of: UInt8.self,
                                                                 capacity: TraceWriter.prebuiltLockLineCapacity) { p in
                        p.initialize(repeating: 0xFF)  // bytes past the line are never part of it
                        let n = TraceWriter.putLockLine(at: p.baseAddress!, seq: seq, head: head, op: op,
                                                        id: TraceWriter.LockLineID(id), mode: mode)
                        return Array(p[..<n])
                    }
                    var long = TraceWriter()
                    long.event(TraceEvent(seq: seq, thread: tid, op: op, id: id, mode: mode))
                    #expect(prebuilt == long.buffer, "\(op) \(mode) seq \(seq) thread \(tid) lock \(id)")
                    // In a task (revision 1.2), of every digit count; one task's bytes serve the next line too.
                    var task = TraceWriter.LockLineTask()
                    for t in [UInt64(1), seq, id | 1, UInt64.max, UInt64.max] {
                        task.serve(t)
                        let inTask = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TraceWriter.lockLineCapacity) { p in
                            p.initialize(repeating: 0xFF)
                            let n = TraceWriter.putLockLine(at: p.baseAddress!, seq: seq, head: head, op: op,
                                                            id: TraceWriter.LockLineID(id), mode: mode, task: task)
                            return Array(p[..<n])
                        }
                        var longInTask = TraceWriter()
                        longInTask.event(TraceEvent(seq: seq, thread: tid, op: op, id: id, mode: mode, task: t))
                        #expect(inTask == longInTask.buffer, "\(op) \(mode) seq \(seq) thread \(tid) lock \(id) task \(t)")
                    }
                }
            }
        }
        #expect(served > 150 && refused > 10, "both outcomes seen: \(served) served, \(refused) refused")
    }

    /// One head serves every `seq` of its block, with only the last four
    /// digits changed; the next block rebuilds it, and `invalidate` (a new
    /// `<tid>`) forgets it.
    @Test func oneHeadServesItsBlockAndIsRebuiltForTheNext() {
        var head = TraceWriter.LockLineHead()
        let id = TraceWriter.LockLineID(7)
        func line(_ seq: UInt64, _ tid: UInt64) -> String {
            let serves = head.serves(seq: seq, thread: tid)
            #expect(serves)
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TraceWriter.prebuiltLockLineCapacity) { p in
                let n = TraceWriter.putLockLine(at: p.baseAddress!, seq: seq, head: head, op: .release, id: id,
                                                mode: .exclusive)
                return String(decoding: UnsafeBufferPointer(start: p.baseAddress!, count: n), as: UTF8.self)
            }
        }
        #expect(line(120_000, 3) == "120000 3 release 7\n")
        #expect(line(120_005, 3) == "120005 3 release 7\n")
        #expect(line(129_999, 3) == "129999 3 release 7\n")
        #expect(line(130_000, 3) == "130000 3 release 7\n")  // the next block: rebuilt
        #expect(line(120_001, 3) == "120001 3 release 7\n")  // an earlier block again (another thread's order)
        head.invalidate()
        #expect(line(120_002, 41) == "120002 41 release 7\n")
        var empty = TraceWriter.LockLineHead()
        let servesBlock0 = empty.serves(seq: 9_999, thread: 1)
        #expect(!servesBlock0, "block 0: fewer than four low digits")
    }
}
