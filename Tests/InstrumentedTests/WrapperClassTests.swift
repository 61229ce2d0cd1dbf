import Dispatch
@testable import Instrumented
import LockGraph
import XCTest

/// A project's own lock wrapper, as swift-log's `Lock` or a copy of
/// `NIOLockedValueBox`: every lock is created on one line inside it.
final class ProjectLockedBox<Value>: @unchecked Sendable {
    let box: LockedValueBox<Value>
    init(_ value: Value) { box = LockedValueBox(value) }  // the one line every box is created on
    func withLockedValue<T>(_ body: (inout Value) -> T) -> T { box.withLockedValue(body) }
}

/// A project type that is not a lock: its lock keeps the class of the line
/// that creates it (the type is no wrapper by the rule).
final class Registry: @unchecked Sendable {
    let lock = CheckedMutex()
}

/// Classes through wrappers (``CreationSiteRule``): the place that creates
/// the wrapper names the class, captured once per lock at its init.
final class WrapperClassTests: InstrumentedTestCase {
    private func className(_ lock: any InstrumentedLock) throws -> String {
        let id = try XCTUnwrap(lock.lockIdentity)
        return try XCTUnwrap(Runtime.shared).validator.classInfo(id.classID).name
    }

    func test_wrappedBoxes_fromTwoPlaces_nested_areTwoClasses_staysSilent() throws {
        let outer = ProjectLockedBox(1)
        let inner = ProjectLockedBox(2)
        XCTAssertNotEqual(try className(outer.box.mutex), try className(inner.box.mutex))
        let sum = outer.withLockedValue { a in inner.withLockedValue { b in a + b } }
        XCTAssertEqual(sum, 3)
        XCTAssertEqual(collector.rules, [])
    }

    func test_wrappedBoxes_fromTwoPlaces_nestedBothWays_lockOrderInversionFires() {
        let first = ProjectLockedBox(1)
        let second = ProjectLockedBox(2)
        _ = first.withLockedValue { a in second.withLockedValue { b in a + b } }
        _ = second.withLockedValue { b in first.withLockedValue { a in a + b } }
        XCTAssertEqual(collector.rules, ["lock-order-inversion"])
    }

    func test_wrappedBoxes_thousandFromOnePlace_areOneClass() throws {
        var names = Set<String>()
        for i in 0..<1000 {
            let b = ProjectLockedBox(i)
            names.insert(try className(b.box.mutex))
        }
        XCTAssertEqual(names.count, 1)
        let name = try XCTUnwrap(names.first)
        // Readable: the function that creates the wrapper, and its file and line.
        XCTAssertTrue(name.hasPrefix("WrapperClassTests.test_wrappedBoxes_thousandFromOnePlace_areOneClass"), name)
        XCTAssertTrue(name.contains("(WrapperClassTests.swift:"), name)
        XCTAssertEqual(collector.rules, [])
    }

    func test_wrappedBoxes_fromOnePlace_nested_recursiveLockFires() {
        func make(_ v: Int) -> ProjectLockedBox<Int> { ProjectLockedBox(v) }  // one creation site
        let a = make(1)
        let b = make(2)
        _ = a.withLockedValue { x in b.withLockedValue { y in x + y } }
        XCTAssertEqual(collector.rules, ["recursive-lock"])
        XCTAssertTrue(collector.violations.first?.message.contains("(another instance)") ?? false)
    }

    func test_unwrappedLock_keepsItsInitSiteClass() throws {
        let line = #line + 1
        let direct = CheckedMutex()
        XCTAssertEqual(try className(direct), "InstrumentedTests/WrapperClassTests.swift:\(line)")
        // A lock that is a property of a type that is not a lock wrapper.
        let r1 = Registry(), r2 = Registry()
        XCTAssertEqual(try className(r1.lock), try className(r2.lock))
        XCTAssertTrue(try className(r1.lock).hasPrefix("InstrumentedTests/WrapperClassTests.swift:"))
    }

    func test_rule_wrapperFrames() {
        XCTAssertTrue(CreationSiteRule.isWrapper("Logging.Lock.init() -> Logging.Lock"))
        XCTAssertTrue(CreationSiteRule.isWrapper("Logging.ReadWriteLock.__allocating_init() -> Logging.ReadWriteLock"))
        XCTAssertTrue(CreationSiteRule.isWrapper("NIOConcurrencyHelpers.NIOLockedValueBox.init(A) -> NIOConcurrencyHelpers.NIOLockedValueBox<A>"))
        XCTAssertTrue(CreationSiteRule.isWrapper("static NIOConcurrencyHelpers.LockStorage.create(value: A) -> NIOConcurrencyHelpers.LockStorage<A>"))
        XCTAssertTrue(CreationSiteRule.isWrapper("closure #1 (Swift.ManagedBuffer<A, B>) -> A in static P.LockStorage.create(value: A) -> P.LockStorage<A>"))
        XCTAssertFalse(CreationSiteRule.isWrapper("App.Registry.init() -> App.Registry"))
        // Any member of a lock type is lock-type code (a lock first used there is the wrapper's).
        XCTAssertTrue(CreationSiteRule.isWrapper("App.Lock.withLock<A>(() throws -> A) throws -> A"))
        XCTAssertFalse(CreationSiteRule.isWrapper("App.makeCounters() -> ()"))
        // A private type is named as itself, not by its file's discriminator.
        XCTAssertTrue(CreationSiteRule.isWrapper("Logging.LoggingSystem.(ReplaceOnceBox in _8B1DEBE2B1D7E8B6).init(A) -> B"))
        XCTAssertEqual(CreationSiteRule.functionName("App.(Registry in _ABC).init() -> App.Registry"), "Registry.init")
        XCTAssertEqual(CreationSiteRule.functionName("App.Registry.init() -> App.Registry"), "Registry.init")
        XCTAssertEqual(CreationSiteRule.functionName("App.makeCounters() -> ()"), "makeCounters")
        XCTAssertEqual(CreationSiteRule.className(function: "makeCounters", file: "/src/App/Counters.swift", line: 42, offset: 0),
                       "makeCounters (Counters.swift:42)")
        XCTAssertEqual(CreationSiteRule.className(function: "makeCounters", file: nil, line: nil, offset: 0x1c), "makeCounters + 0x1c")
    }

    func test_rule_siteSkipsLockcheckGlueAndWrappers() {
        typealias F = CreationSiteRule.Frame
        let frames = [
            F(address: 1, isLockcheck: true, symbol: "Instrumented.CheckedMutex.init"),
            F(address: 2, isLockcheck: false, symbol: "reabstraction thunk helper"),
            F(address: 3, isLockcheck: false, symbol: "Logging.Lock.init() -> Logging.Lock"),
            F(address: 4, isLockcheck: false, symbol: "App.Registry.init() -> App.Registry"),
        ]
        XCTAssertEqual(CreationSiteRule.site(in: frames), .site(index: 3, wrappersSkipped: 1))
        XCTAssertEqual(CreationSiteRule.site(in: Array(frames.prefix(3))), CreationSiteRule.Outcome.none)
        XCTAssertEqual(CreationSiteRule.site(in: [frames[0], frames[3]]), .site(index: 1, wrappersSkipped: 0))
    }
}

/// Thread names in reports are whole, not the kernel's 15 bytes.
final class ThreadNameTests: InstrumentedTestCase {
    func test_dispatchWorker_reportNamesItsWholeQueueLabel() {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let a = CheckedMutex(name: "ThreadNameTests.box"), b = CheckedMutex(name: "ThreadNameTests.box")
            a.withLock { b.withLock {} }  // recursive-lock: the report names the thread
            done.signal()
        }
        done.wait()
        XCTAssertEqual(collector.rules, ["recursive-lock"])
        let message = collector.violations.first?.message ?? ""
        // Whichever queue the worker ran when lockcheck first met it (a test
        // before this one may have met it under a serial queue), its name is
        // the root queue's whole label, never the kernel's 15-byte cut.
        XCTAssertTrue(message.contains("thread 'com.apple.root.default-qos'"), message)
    }

    func test_namedThread_keepsItsOwnName() {
        TestThread.run("short-name") {
            let a = CheckedMutex(name: "ThreadNameTests.pair"), b = CheckedMutex(name: "ThreadNameTests.pair")
            a.withLock { b.withLock {} }
        }
        XCTAssertTrue(collector.violations.first?.message.contains("thread 'short-name'") ?? false)
    }
}
