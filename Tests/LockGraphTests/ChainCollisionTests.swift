@testable import LockGraph
import XCTest

/// Chain-hash collisions must not skip validation (lockdep's
/// `check_no_collision`): a chain is named by its key and an independent
/// check, and a hit in the chain cache or the per-thread memo needs both.
///
/// The tests force collisions by narrowing every chain key to one value
/// (`Validator.chainKeyMask = 0`): every chain then shares its key with every
/// other, and only the checks tell them apart. Without the checks, the first
/// validated chain would answer for all the others and nothing would fire.
final class ChainCollisionTests: XCTestCase {
    /// A scenario whose chains all have the same key.
    private func colliding() -> Scenario {
        let s = Scenario()
        s.validator.chainKeyMask = 0
        return s
    }

    func test_ABBA_everyChainKeyColliding_fires() {
        let s = colliding()
        s.declare(.mutex, "A", "B")
        s.warm { s.lockUnlock2("A", "B") }
        s.lockUnlock2("B", "A")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_AB_everyChainKeyColliding_staysSilent() {
        let s = colliding()
        s.declare(.mutex, "A", "B", "C")
        s.warm { s.lockUnlock2("A", "B"); s.lockUnlock2("B", "C"); s.lockUnlock2("A", "C") }
        s.nested("A", "B", "C")
        s.expectSilent()
    }

    func test_ABBCCA_everyChainKeyColliding_fires() {
        let s = colliding()
        s.declare(.mutex, "A", "B", "C")
        s.warm { s.lockUnlock2("A", "B"); s.lockUnlock2("B", "C") }
        s.lockUnlock2("C", "A")
        s.expect(fires(.lockOrderInversion, "A", "B", "C"))
    }

    /// The memo: `A` then `B` on top of `X` is memoized; `Y`'s chain has the
    /// same key as `X`'s, so only its check keeps `Y → B` from being served.
    func test_memoOnCollidingChain_newDependencyStillFound_fires() {
        let s = colliding()
        s.declare(.mutex, "X", "Y", "B")
        s.warm { s.lockUnlock2("X", "B") }
        s.lockUnlock2("Y", "B")   // a new dependency Y → B, on a chain keyed as X's
        s.lockUnlock2("B", "Y")
        s.expect(fires(.lockOrderInversion, "B", "Y"))
    }

    /// After an out-of-order release the remaining chain is renamed, check
    /// included: `[A, B]` less `A` is named as `[B]` taken alone.
    func test_outOfOrderRelease_rebuildsTheCheck() {
        let s = colliding()
        s.declare(.mutex, "A", "B")
        s.lock("B")
        let alone = (key: s.current.held[0].chainKey, check: s.current.held[0].chainCheck)
        s.unlock("B")
        s.lock("A"); s.lock("B")
        XCTAssertNotEqual(s.current.held[1].chainCheck, alone.check)
        s.unlock("A")
        XCTAssertEqual(s.current.held[0].chainKey, alone.key)
        XCTAssertEqual(s.current.held[0].chainCheck, alone.check)
        s.unlock("B")
        s.expectSilent()
    }

    func test_chainCache_sameKeyOtherCheck_isAMiss() {
        let cache = ChainCache(initialCapacity: 4)
        cache.insert(42, check: 1)
        XCTAssertTrue(cache.contains(42, check: 1))
        XCTAssertFalse(cache.contains(42, check: 2), "a key collision is not a hit")
        cache.insert(42, check: 2)
        for k in 1...20 { cache.insert(42, check: UInt64(100 + k)) }   // grows past its capacity
        XCTAssertTrue(cache.contains(42, check: 1))
        XCTAssertTrue(cache.contains(42, check: 2))
        XCTAssertTrue(cache.contains(42, check: 120))
        XCTAssertFalse(cache.contains(42, check: 3))
        XCTAssertEqual(cache.count, 22)
    }

    func test_memo_samePrevKeyOtherCheck_isAMiss() {
        let memo = AcquireMemo()
        defer { memo.deallocate() }
        let cls = LockClassID(rawValue: 3)
        memo.insert(prev: 7, prevCheck: 70, cls: cls, mode: .exclusive, tag: 1 << 35, key: 8, check: 80)
        let hit = memo.key(after: 7, check: 70, taking: cls, mode: .exclusive, tag: 1 << 35)
        XCTAssertEqual(hit?.key, 8)
        XCTAssertEqual(hit?.check, 80)
        XCTAssertNil(memo.key(after: 7, check: 71, taking: cls, mode: .exclusive, tag: 1 << 35))
    }

    func test_chainCheck_isIndependentOfTheKey() {
        // Keys narrowed to nothing leave checks of different chains different.
        var checks = Set<UInt64>()
        for a in 0..<64 as Range<UInt64> {
            for b in 0..<64 as Range<UInt64> {
                checks.insert(ChainCache.extendCheck(ChainCache.extendCheck(1, with: a), with: b))
            }
        }
        XCTAssertEqual(checks.count, 64 * 64)
    }
}
