@testable import LockGraph
import XCTest

/// A same-class nesting report says whether it was the same lock, and its
/// hint fits: one instance taken twice is a self-deadlock (no subclass
/// hint); two instances are a nesting to annotate or to split into classes.
final class RecursiveLockInstanceTests: XCTestCase {
    func test_AA_sameInstance_firesAsSelfDeadlock() throws {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.lock("A"); s.lock("A")
        s.expect(fires(.recursiveLock, "A"))
        let v = try XCTUnwrap(s.log.all.first)
        XCTAssertTrue(v.message.contains("the same lock (the same instance)"), v.message)
        XCTAssertTrue(v.hint.contains("The same lock is taken twice"), v.hint)
        XCTAssertFalse(v.hint.contains("sub=1"), v.hint)
    }

    func test_AA_twoInstancesOfOneClass_firesWithNestingHint() throws {
        let s = Scenario()
        s.declare(.mutex, class: "Box", instances: "box1", "box2")
        s.lock("box1"); s.lock("box2")
        s.expect(fires(.recursiveLock, "Box"))
        let v = try XCTUnwrap(s.log.all.first)
        XCTAssertTrue(v.message.contains("(another instance)"), v.message)
        XCTAssertTrue(v.hint.contains("sub=1"), v.hint)
        XCTAssertTrue(v.hint.contains("names of their own"), v.hint)
    }

    func test_twoInstancesOfOneClass_withSubclass_staysSilent() {
        let s = Scenario()
        s.declare(.mutex, class: "Box", instances: "box1", "box2")
        s.lock("box1"); s.lock("box2", sub: 1)
        s.expectSilent("subclass")
    }
}
