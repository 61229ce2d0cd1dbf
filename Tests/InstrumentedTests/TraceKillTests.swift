#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Instrumented
import LockGraph
import LockTrace
import XCTest

/// A program killed (SIGKILL) while it records: the trace on disk stays
/// analysable, as the format's "End of file" section promises. Each thread
/// appends to its own ring and the writer thread writes rings whole, so what
/// a kill leaves is, for every thread, an unbroken prefix of what it did, in
/// whole lines except at most a cut last line.
///
/// The killed program is this test binary run again on the second test,
/// `test_child_records_on_four_threads_until_killed`, with
/// `LOCKCHECK_TEST_KILL_TRACE` set; without it that test skips itself.
final class TraceKillTests: XCTestCase {
    static let threads = 4
    static let locksPerThread = 16
    /// The child kills itself once the file holds this much.
    static let killAtBytes = 4 << 20

    /// The lock thread `t` takes at its step `i`: the same pseudo-random
    /// sequence in the child and in the check, so a lost run of lines
    /// anywhere in a thread's events shows as a mismatch.
    static func lockSequence(thread t: Int) -> SplitMix64 { SplitMix64(state: 0x5EED_0000 + UInt64(t)) }

    func test_killed_while_recording_trace_holds_each_threads_prefix_in_whole_lines() throws {
        let path = NSTemporaryDirectory() + "lockcheck-killed-\(getpid()).log"
        defer { unlink(path) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["InstrumentedTests.TraceKillTests/test_child_records_on_four_threads_until_killed"]
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["SWIFT_BACKTRACE"] = "enable=no"
        env["LOCKCHECK_TEST_KILL_TRACE"] = path
        child.environment = env
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal, "the child ends by its SIGKILL (status \(child.terminationStatus))")
        XCTAssertEqual(child.terminationStatus, SIGKILL)

        // Read it back: declarations, then each thread's lock steps in order.
        let reader = try TraceReader(path: path)
        var className: [UInt64: String] = [:]
        var lockClass: [UInt64: UInt64] = [:]
        var threadIndex: [UInt64: Int] = [:]
        var steps = [[String]](repeating: [], count: Self.threads)
        var events = 0
        while let record = try reader.next() {
            switch record {
            case .lockClass(let id, _, let name): className[id] = name
            case .lock(let id, let cid): lockClass[id] = cid
            case .thread(let id, let name):
                if name.hasPrefix("killed-"), let t = Int(name.dropFirst(7)) { threadIndex[id] = t }
            case .event(let e):
                events += 1
                guard let t = threadIndex[e.thread], e.op == .acquire || e.op == .release else { continue }
                let name = try XCTUnwrap(lockClass[e.id].flatMap { className[$0] })
                steps[t].append("\(e.op.name) \(name)")
            default: break
            }
        }
        XCTAssertGreaterThan(events, 100_000, "the child recorded \(Self.killAtBytes >> 20) MB before it was killed")
        for t in 0..<Self.threads {
            var rng = Self.lockSequence(thread: t)
            var expected: [String] = []
            while expected.count < steps[t].count {
                let name = "kill.t\(t).l\(rng.below(Self.locksPerThread))"
                expected += ["acquire \(name)", "release \(name)"]
            }
            // A kill between a thread's acquire and release leaves the acquire alone.
            let mismatch = steps[t].indices.first { steps[t][$0] != expected[$0] }
            XCTAssertNil(mismatch, "thread killed-\(t), step \(mismatch ?? 0) of \(steps[t].count): "
                         + "\(mismatch.map { steps[t][$0] } ?? "") where it did \(mismatch.map { expected[$0] } ?? "")")
        }
        // And it analyses: no error, no violation (locks still held at the cut are notes).
        XCTAssertEqual(try analyzeTrace(path).map(\.rule.rawValue), [])
    }

    /// The child half of the test above: four threads take their locks in
    /// their sequences, recorded, until the process kills itself.
    func test_child_records_on_four_threads_until_killed() throws {
        guard let path = ProcessInfo.processInfo.environment["LOCKCHECK_TEST_KILL_TRACE"] else {
            throw XCTSkip("the child of test_killed_while_recording_trace_holds_each_threads_prefix_in_whole_lines, run by it")
        }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        let locks = (0..<Self.threads).map { t in (0..<Self.locksPerThread).map { CheckedMutex(name: "kill.t\(t).l\($0)") } }
        for t in 0..<Self.threads {
            _ = TestThread("killed-\(t)") {
                var rng = Self.lockSequence(thread: t)
                while true { locks[t][rng.below(Self.locksPerThread)].withLock {} }
            }
        }
        // Polls the file (the writer thread writes it while the threads run); 60 s at most.
        var st = stat()
        for _ in 0..<30_000 {
            if stat(path, &st) == 0 && Int(st.st_size) >= Self.killAtBytes { kill(getpid(), SIGKILL) }
            usleep(2_000)
        }
        XCTFail("the trace did not reach \(Self.killAtBytes) bytes in 60 s")
        exit(3)
    }
}
