import Foundation
import LockGraph
import LockTextReport
import XCTest

/// What the live hang reports say about a lock's holders, built on the
/// engine alone: where a held lock was taken when lockcheck kept that stack,
/// where its class was first taken when it did not (said as such), and a
/// holder's current stack or why there is none.
///
/// The scenario: thread 'first' takes A and B once each (their classes'
/// first acquisitions, whose stacks are kept); then 't1' holds A and waits
/// for B while 't2' holds B and waits for A. The stack provider names the
/// thread that captured it, so each printed stack says whose it is.
final class HangReportHolderTests: XCTestCase {
    private final class NamedStacks: StackCapturing, @unchecked Sendable {
        var current = "?"
        func captureStack() -> [StackFrame] { [.text("stack of \(current)")] }
    }

    private struct Setup {
        let v: Validator
        let log: ViolationLog
        let a, b: LockInstance
        let t1, t2: WaitingThread
    }

    private func abbaAfterFirstUse(sourceSite: @escaping (LockInstance) -> Violation.SiteInfo? = { _ in nil }) -> Setup {
        let stacks = NamedStacks()
        let log = ViolationLog()
        let v = Validator(stackProvider: stacks, onViolation: { log.append($0) })
        let a = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 2)
        var seq: UInt64 = 0
        func site() -> EventSite { seq += 1; return EventSite(seq: seq, stack: .captureOnDemand) }
        let first = v.makeThread(name: "first", id: 9)
        stacks.current = "first"
        for l in [a, b] {
            v.acquire(l, thread: first, site: site())
            v.release(l, thread: first, site: site())
        }
        let t1 = v.makeThread(name: "t1", id: 1), t2 = v.makeThread(name: "t2", id: 2)
        stacks.current = "t1"
        v.acquire(a, thread: t1, site: site())
        stacks.current = "t2"
        v.acquire(b, thread: t2, site: site())
        stacks.current = "t1"
        v.acquire(b, thread: t1, site: site())          // validated before blocking: t1 waits for B
        stacks.current = "t2"
        v.acquire(a, thread: t2, site: site())          // t2 waits for A
        func waiting(_ t: ThreadState, _ name: String, for l: LockInstance) -> WaitingThread {
            WaitingThread(name: name, threadID: t.id, waitsFor: v.lockInfo(l, mode: .exclusive),
                          held: v.heldLocks(of: t, waitingFor: l, sourceSite: sourceSite), stack: [.text("\(name) blocked")],
                          waitedSeconds: 2, seq: 0,
                          classesFirstTaken: v.classesFirstTaken(of: t, waitingFor: l, sourceSite: sourceSite))
        }
        return Setup(v: v, log: log, a: a, b: b, t1: waiting(t1, "t1", for: b), t2: waiting(t2, "t2", for: a))
    }

    func test_heldLockTakenByMemo_hasNoStack_andItsClassFirstTakenIsGiven() throws {
        let s = abbaAfterFirstUse()
        XCTAssertEqual(s.t1.held.map(\.className), ["A"])
        XCTAssertEqual(s.t1.held[0].site.stack, [], "t1's A: no new usage, no new chain: no stack kept")
        let first = try XCTUnwrap(s.t1.classesFirstTaken.first)
        XCTAssertEqual(first.label, "this class, A, was first taken at")
        XCTAssertEqual(first.thread, "first")
        XCTAssertEqual(first.site.stack, ["stack of first"])
    }

    func test_deadlock_reportsWhereStacklessHeldClassesWereFirstTaken() throws {
        let s = abbaAfterFirstUse()
        XCTAssertTrue(s.v.reportDeadlock([s.t1, s.t2]))
        let d = try XCTUnwrap(s.log.all.first { $0.rule == .deadlock })
        let notes = d.related.filter { $0.label.contains("was first taken at") }
        XCTAssertEqual(notes.map(\.label).sorted(), [
            "held locks above with neither a source line nor a stack (taken by code that gives no line; lockcheck keeps a stack per new usage or dependency, not per acquisition): this class, A, was first taken at",
            "held locks above with neither a source line nor a stack (taken by code that gives no line; lockcheck keeps a stack per new usage or dependency, not per acquisition): this class, B, was first taken at",
        ])
        XCTAssertEqual(Set(notes.map(\.thread)), ["first"])
        XCTAssertEqual(Set(notes.flatMap(\.site.stack)), ["stack of first"])
    }

    func test_deadlock_heldLockWithItsOwnStack_needsNoNote() throws {
        // The first acquisitions are the cycle's own: each held lock has its stack, no note.
        let stacks = NamedStacks()
        let log = ViolationLog()
        let v = Validator(stackProvider: stacks, onViolation: { log.append($0) })
        let a = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 2)
        let t1 = v.makeThread(name: "t1", id: 1), t2 = v.makeThread(name: "t2", id: 2)
        stacks.current = "t1"
        v.acquire(a, thread: t1, site: EventSite(seq: 1, stack: .captureOnDemand))
        stacks.current = "t2"
        v.acquire(b, thread: t2, site: EventSite(seq: 1, stack: .captureOnDemand))
        let w1 = WaitingThread(name: "t1", threadID: 1, waitsFor: v.lockInfo(b, mode: .exclusive),
                               held: v.heldLocks(of: t1, waitingFor: b), stack: [], waitedSeconds: 1, seq: 0,
                               classesFirstTaken: v.classesFirstTaken(of: t1, waitingFor: b))
        let w2 = WaitingThread(name: "t2", threadID: 2, waitsFor: v.lockInfo(a, mode: .exclusive),
                               held: v.heldLocks(of: t2, waitingFor: a), stack: [], waitedSeconds: 1, seq: 0,
                               classesFirstTaken: v.classesFirstTaken(of: t2, waitingFor: a))
        XCTAssertEqual(w1.held.first?.site.stack, ["stack of t1"], "a class's first acquisition keeps its stack")
        XCTAssertEqual(w1.classesFirstTaken.count + w2.classesFirstTaken.count, 0)
        XCTAssertTrue(v.reportDeadlock([w1, w2]))
        let d = try XCTUnwrap(log.all.first { $0.rule == .deadlock })
        XCTAssertFalse(d.related.contains { $0.label.contains("was first taken at") })
    }

    func test_lockWaitTimeout_runningHolder_showsItsStack_andTheClassFirstTaken() throws {
        let s = abbaAfterFirstUse()
        let holder = LockHolder(name: "t2", threadID: 2, waiting: nil, stack: [.text("slowRead()"), .text("main")])
        XCTAssertTrue(s.v.reportLockWaitTimeout(s.t1, holders: [holder], timeout: 1, lock: s.b))
        let r = try XCTUnwrap(s.log.all.first { $0.rule == .lockWaitTimeout })
        let text = TextReport().render(r)
        XCTAssertTrue(text.contains("\nthe holder 't2' (tid 2) is now, 2.0 s into the wait, at:\n    slowRead()\n    main\n"), text)
        XCTAssertTrue(text.contains("\nwhere the holder took B #2 is not known (it was taken by code that gives no source line: NSLocking's lock(), the lockcheck run preload library, C code, a reader); this class, B, was first taken at seq 3 by thread 'first':\n    stack of first\n"), text)
        XCTAssertFalse(text.contains("unavailable"), text)
    }

    func test_lockWaitTimeout_holderThatCannotAnswer_saysWhy() throws {
        let s = abbaAfterFirstUse()
        let holder = LockHolder(name: "t2", threadID: 2, waiting: nil, stackUnavailable: "it did not answer")
        XCTAssertTrue(s.v.reportLockWaitTimeout(s.t1, holders: [holder], timeout: 1, lock: s.b))
        let text = TextReport().render(try XCTUnwrap(s.log.all.first { $0.rule == .lockWaitTimeout }))
        XCTAssertTrue(text.contains("\nthe holder 't2' (tid 2): its current stack is unavailable: it did not answer\n\n"), text)
        XCTAssertTrue(text.contains("this class, B, was first taken at"), "the rest of the report:\n\(text)")
    }

    func test_lockWaitTimeout_waitingHolder_needsNoSignal_andShowsWhereItBlocked() throws {
        let s = abbaAfterFirstUse()
        let holder = LockHolder(name: "t2", threadID: 2, waiting: s.t2)
        XCTAssertTrue(s.v.reportLockWaitTimeout(s.t1, holders: [holder], timeout: 1, lock: s.b))
        let text = TextReport().render(try XCTUnwrap(s.log.all.first { $0.rule == .lockWaitTimeout }))
        XCTAssertTrue(text.contains("the holder 't2' took B #2 (w) at seq "), text)
        XCTAssertTrue(text.contains("the holder 't2' waits for A #1, blocked at"), text)
        XCTAssertTrue(text.contains("    t2 blocked\n"), text)
        XCTAssertTrue(text.contains("this class, B, was first taken at"), "t2's B was taken by memo: no stack\n\(text)")
        XCTAssertFalse(text.contains("is now"), text)
    }

    // MARK: Source sites (the line a lock keeps while held)

    private static func source(_ file: String, _ line: Int) -> Violation.SiteInfo {
        Violation.SiteInfo(seq: 0, file: file, line: line, stack: [])
    }

    func test_lockWaitTimeout_holderSiteKnown_namesTheLine_andNeedsNoStandIn() throws {
        let s = abbaAfterFirstUse()
        let holder = LockHolder(name: "t2", threadID: 2, waiting: nil, stack: [.text("slowRead()")])
        XCTAssertTrue(s.v.reportLockWaitTimeout(s.t1, holders: [holder], timeout: 1, lock: s.b,
                                                takenAt: Self.source("App/Config.swift", 42)))
        let text = TextReport().render(try XCTUnwrap(s.log.all.first { $0.rule == .lockWaitTimeout }))
        XCTAssertTrue(text.contains("\nB #2 was taken at App/Config.swift:42 by thread 't2'\n\nthe holder 't2' (tid 2) is now"), text)
        XCTAssertFalse(text.contains("first taken at"), text)
    }

    func test_lockWaitTimeout_unknownHolder_withASite_stillNamesTheLine() throws {
        let s = abbaAfterFirstUse()
        XCTAssertTrue(s.v.reportLockWaitTimeout(s.t1, holders: [], timeout: 1, lock: s.b,
                                                takenAt: Self.source("App/Spin.swift", 9)))
        let text = TextReport().render(try XCTUnwrap(s.log.all.first { $0.rule == .lockWaitTimeout }))
        XCTAssertTrue(text.contains("held by an unknown holder"), text)
        XCTAssertTrue(text.contains("\nB #2 was taken by its holder at App/Spin.swift:9\n"), text)
    }

    func test_deadlock_heldLockWithASourceSite_namesItsLine_andOnlyTheOtherGetsAClassNote() throws {
        // A (instance 1), held by t1, keeps its holder's line; B does not.
        let s = abbaAfterFirstUse { $0.id == 1 ? Self.source("App/A.swift", 7) : nil }
        XCTAssertEqual(s.t1.held.map(\.site.file), ["App/A.swift"])
        XCTAssertEqual(s.t1.classesFirstTaken.count, 0)
        XCTAssertTrue(s.v.reportDeadlock([s.t1, s.t2]))
        let d = try XCTUnwrap(s.log.all.first { $0.rule == .deadlock })
        let text = TextReport().render(d)
        XCTAssertTrue(text.contains("  #0: A (mutex) [w], taken at seq 5, App/A.swift:7\n"), text)
        XCTAssertEqual(d.related.filter { $0.label.contains("was first taken at") }.map(\.label), [
            "held locks above with neither a source line nor a stack (taken by code that gives no line; lockcheck keeps a stack per new usage or dependency, not per acquisition): this class, B, was first taken at",
        ])
    }

    func test_heldLocks_sourceSite_fillsFileAndLine_andDropsTheClassNote() throws {
        let stacks = NamedStacks()
        let v = Validator(stackProvider: stacks, onViolation: { _ in })
        let a = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 2)
        let first = v.makeThread(name: "first", id: 9), t = v.makeThread(name: "t", id: 1)
        v.acquire(a, thread: first, site: EventSite(seq: 1, stack: .captureOnDemand))
        v.release(a, thread: first, site: EventSite(seq: 2))
        v.acquire(a, thread: t, site: EventSite(seq: 3, stack: .captureOnDemand))  // memo: no stack kept
        v.acquire(b, thread: t, site: EventSite(seq: 4, stack: .captureOnDemand))
        let none = v.heldLocks(of: t, waitingFor: b)
        XCTAssertEqual(none.map(\.site.file), [nil])
        XCTAssertEqual(v.classesFirstTaken(of: t, waitingFor: b).count, 1, "without a site: the class note")
        let site: (LockInstance) -> Violation.SiteInfo? = { $0 === a ? Self.source("App/A.swift", 7) : nil }
        let held = v.heldLocks(of: t, waitingFor: b, sourceSite: site)
        XCTAssertEqual(held.map(\.site.file), ["App/A.swift"])
        XCTAssertEqual(held.map(\.site.line), [7])
        XCTAssertEqual(held.map(\.site.seq), [3], "the acquisition's own seq stays")
        XCTAssertEqual(v.classesFirstTaken(of: t, waitingFor: b, sourceSite: site).count, 0, "with a site: no note")
    }
}
