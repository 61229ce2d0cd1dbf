import DropInFixture
import LockGraph
import XCTest
@testable import Instrumented

/// The fixture's files are written against the original lock APIs (swift-nio,
/// Synchronization, Foundation, swift-log) and changed only in their import
/// line; that they compile under MemberImportVisibility and
/// InternalImportsByDefault is the first half of each test. The second half
/// runs them validated: correct code reports nothing.
final class DropInShapeTests: XCTestCase {
    /// What the validator reported while a test ran.
    final class Reports: @unchecked Sendable {
        private let lock = CheckedMutex(name: "DropInShapeTests.reports")
        private var items: [Violation] = []
        func add(_ v: Violation) { lock.withLock { items.append(v) } }
        var rules: [String] { lock.withLock { items.map(\.rule.rawValue) } }
    }
    var reports = Reports()

    override func setUp() {
        super.setUp()
        LockCheck.configure(LockCheck.Options(mode: .report))
        XCTAssertTrue(LockCheck.isEnabled, "these tests need validation on (unset LOCKCHECK=off)")
        reports = Reports()
        let r = reports
        LockCheck.setViolationHandler { r.add($0) }
    }

    override func tearDown() {
        LockCheck.setViolationHandler(nil)
        super.tearDown()
    }

    func test_nioShapes_withLockUnsafeViewTypedThrows_staySilent() throws {
        let registry = NIORegistry()
        XCTAssertEqual(registry.increment(), 1)
        registry.incrementVoid()
        XCTAssertEqual(registry.increment(), 4)
        registry.add("a")
        XCTAssertEqual(registry.addUnsafely("b"), 2)
        XCTAssertEqual(try registry.failIfEmpty(), 2)
        XCTAssertThrowsError(try registry.failingLock()) { XCTAssertEqual($0 as? RegistryError, .empty) }
        XCTAssertEqual(reports.rules, [])
    }

    /// Runs a fixture's `probeHeld` and checks where each held lock was
    /// taken, as the lock keeps it: `withLock` and a manual `lock()` each
    /// on their own line of `file`. Returns every probe's site ("none": no site).
    private func assertKeepsLines(in file: String, _ run: ((String, AnyObject) -> Void) -> Void,
                                  line: UInt = #line) throws -> [String: String] {
        var sites: [String: String] = [:]
        run { how, lock in
            let site = (lock as? any InstrumentedLock)?.lockIdentity?.instance.holderSite
            sites[how] = site.map { "\($0.file ?? "?"):\($0.line ?? 0)" } ?? "none"
        }
        let withLock = try XCTUnwrap(sites["withLock"], line: line), manual = try XCTUnwrap(sites["lock()"], line: line)
        XCTAssertTrue(withLock.hasPrefix("DropInFixture/\(file):"), withLock, line: line)
        XCTAssertTrue(manual.hasPrefix("DropInFixture/\(file):"), manual, line: line)
        XCTAssertNotEqual(withLock, manual, line: line)
        XCTAssertEqual(reports.rules, [], line: line)
        return sites
    }

    func test_foundationShapes_keepTheCallersLine_exceptThroughNSLocking() throws {
        let user = FoundationUser()
        let sites = try assertKeepsLines(in: "FoundationShapes.swift") { user.probeHeld($0) }
        XCTAssertEqual(sites["NSLocking"], "none", "NSLocking's lock() has no caller's line")
    }

    func test_nioShapes_keepTheCallersLine() throws {
        let registry = NIORegistry()
        _ = try assertKeepsLines(in: "NIOShapes.swift") { registry.probeHeld($0) }
    }

    func test_nioConditionLock_handOffBetweenThreads_staysSilent() {
        XCTAssertEqual(conditionLockHandOff(), 2)
        XCTAssertEqual(reports.rules, [])
    }

    func test_synchronizationMutex_nonCopyableAndNonSendableValues_staySilent() {
        let user = MutexUser()
        XCTAssertEqual(user.hit("x"), 1)
        XCTAssertEqual(user.hit("x"), 2)
        XCTAssertEqual(user.useToken(), 1)
        XCTAssertEqual(user.bump(), 1)
        XCTAssertThrowsError(try user.failing()) { XCTAssertEqual($0 as? RegistryError, .empty) }
        XCTAssertTrue(mutexIsLockchecks(), "Mutex should name lockcheck's after the swap")
        let both = AtomicAndMutex()
        XCTAssertEqual(both.record(), 1)
        XCTAssertTrue(both.isValidated)
        XCTAssertEqual(reports.rules, [])
    }

    func test_foundationLocks_nsLockingNameLockBefore_staySilent() {
        let user = FoundationUser()
        XCTAssertTrue(user.isValidated, "NSLock should name lockcheck's lock after the swap")
        XCTAssertEqual(user.run(), 6)
        XCTAssertEqual(reports.rules, [])
    }

    func test_swiftLogShapes_readerWriterLock_staysSilent() {
        let registry = LogHandlerRegistry()
        registry.set("a", 1)
        XCTAssertEqual(registry.get("a"), 1)
        XCTAssertEqual(registry.count(), 1)
        XCTAssertEqual(reports.rules, [])
    }
}

/// The swapped types still report: the same shapes, nested the wrong way.
final class DropInReportTests: XCTestCase {
    /// Runs `body` in report mode.
    /// - Returns: Its result and the rule ids reported while it ran.
    private func reporting(_ body: () -> Int) -> (result: Int, rules: [String]) {
        LockCheck.configure(LockCheck.Options(mode: .report))
        final class Found: @unchecked Sendable {
            let lock = CheckedMutex(name: "DropInReportTests.found")
            var rules: [String] = []
        }
        let found = Found()
        LockCheck.setViolationHandler { v in found.lock.withLock { found.rules.append(v.rule.rawValue) } }
        defer { LockCheck.setViolationHandler(nil) }
        let result = body()
        return (result, found.lock.withLock { found.rules })
    }

    func test_swappedBoxes_ABBA_fires() {
        let r = reporting { abbaThroughSwappedBoxes() }
        XCTAssertEqual(r.result, 2)
        XCTAssertEqual(r.rules, ["lock-order-inversion"])
    }

    func test_swappedBoxes_sameOrder_staysSilent() {
        let r = reporting { sameOrderThroughSwappedBoxes() }
        XCTAssertEqual(r.result, 2)
        XCTAssertEqual(r.rules, [])
    }
}
