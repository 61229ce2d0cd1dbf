import LockGraph
import XCTest

/// Held chains that differ only in which locks were taken by trylock.
///
/// lockdep's check_prevs_add adds a dependency into the new lock from each
/// held lock, top down, to the first one not taken by trylock; so which
/// dependencies a chain adds depends on its trylock flags, and the chain
/// cache must tell two such chains apart (lockdep's chain key, `hlock_id`,
/// holds the class and the read state only). Among exclusive locks the
/// difference never shows: the lower lock reaches the new one through the
/// one between. With a recursive reader between them it does: A -(ER)-> M
/// -(SN)-> B is not a strong path, so A -> B is learned only from the chain
/// where M was a trylock.
///
/// Minimised from `DifferentialTests.test_randomReaderWriterHistories_inversionIffStrongCycle`
/// with LOCKGRAPH_TEST_SEED=5087305857327189461 (history 18: the engine
/// reported at step 55, the reference at step 22).
final class TrylockChainTests: XCTestCase {

    /// Takes A (w), M (rr), B (w) blocking, then the same chain with M a
    /// trylock (`middleTry`), then B (w) and A (w) on another thread.
    private func run(middleTry: Bool, middleMode: AcquireMode = .recursiveShared) -> Scenario {
        let s = Scenario()
        s.declare(.rwlock, "A", "M", "B")
        s.thread("t0") {
            s.wlock("A"); s.lock("M", middleMode); s.wlock("B"); s.unlock("B"); s.unlock("M")
            if middleTry { s.trylock("M", middleMode) } else { s.lock("M", middleMode) }
            s.wlock("B"); s.unlock("B"); s.unlock("M"); s.unlock("A")
        }
        s.thread("t1") { s.wlock("B"); s.wlock("A"); s.unlock("A"); s.unlock("B") }
        return s
    }

    func test_sameClassesAndModes_middleRecursiveReadTrylocked_fires() {
        // The second chain adds A -(EN)-> B (M is a trylock, so the walk goes
        // on below it); B -(EN)-> A then closes the strong cycle A -> B -> A:
        // t0 holds A and waits for B while t1 holds B and waits for A.
        let s = run(middleTry: true)
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_sameChain_middleRecursiveReadBlockingBothTimes_staysSilent_asLockdep() {
        // lockdep's verdict: the walk stops at M both times, and the only path
        // A -(ER)-> M -(SN)-> B is not strong (a recursive read followed by an
        // edge out of a shared hold). This is a real deadlock lockdep misses
        // (see docs/rules.md, lock-order-inversion); kept here so a change to
        // it is deliberate.
        let s = run(middleTry: false)
        s.expectSilent()
    }

    func test_sameChain_middlePlainRead_fires() {
        // A -(EN)-> M -(SN)-> B is strong: the cycle is found through M when
        // M was blocking both times; with M a trylock the second time, the
        // chain also taught A -(EN)-> B, and the shorter cycle is the report.
        run(middleTry: false, middleMode: .shared).expect([fires(.lockOrderInversion, "A", "B", "M")], "M blocking")
        run(middleTry: true, middleMode: .shared).expect([fires(.lockOrderInversion, "A", "B")], "M trylock")
    }
}
