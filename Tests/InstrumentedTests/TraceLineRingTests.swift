import Foundation
@testable import Instrumented
import XCTest

/// The recorder's per-thread line ring: one producer thread appends whole
/// lines with no lock while one consumer takes them; nothing is lost,
/// doubled, reordered or split, across the wrap and when the ring is full.
final class TraceLineRingTests: XCTestCase {
    /// A producer thread appends 20,000 random lines (1–300 bytes, each
    /// naming its index) into a 1 KB ring while a consumer thread takes
    /// them; the bytes taken are exactly the bytes appended, in order, and
    /// every take ends at a line's end.
    func test_producer_and_consumer_threads_lines_come_out_whole_in_order_across_the_wrap() {
        let seed = RandomProgram.seed(name: "trace line ring")
        var rng = SplitMix64(state: seed)
        let lines: [[UInt8]] = (0..<20_000).map { i in
            let head = Array("\(i) ".utf8)
            let pad = rng.below(300 - head.count)
            return head + [UInt8](repeating: UInt8(ascii: "a") + UInt8(i % 26), count: pad) + [0x0A]
        }
        let ring = TraceLineRing(capacity: 1024)
        defer { ring.deallocate() }
        let produced = DispatchSemaphore(value: 0)
        var refused = 0
        let producer = TestThread("ring-producer") {
            for line in lines {
                // Full: the consumer frees space; retry (the recorder writes around instead).
                while !line.withUnsafeBytes({ ring.append($0) }) {
                    refused += 1
                    sched_yield()
                }
            }
            produced.signal()
        }
        var taken: [UInt8] = []
        var cutMidLine = 0
        var done = false
        while true {
            if !done && produced.wait(timeout: .now()) == .success { done = true }
            let before = taken.count
            ring.take(into: &taken)
            if taken.count > before && taken.last != 0x0A { cutMidLine += 1 }
            if done && taken.count == before { break }
            if taken.count == before { sched_yield() }
        }
        producer.join()
        XCTAssertEqual(cutMidLine, 0, "seed \(seed)")
        XCTAssertEqual(taken, Array(lines.joined()), "seed \(seed)")
        XCTAssertGreaterThan(refused, 0, "a 1 KB ring fills up (seed \(seed))")
    }

    /// A full ring refuses a line whole, keeps what it holds, and takes
    /// lines again once emptied; a line built in place across the wrap
    /// comes out whole; reset empties it.
    func test_full_ring_refuses_whole_lines_and_wraps_lines_built_in_place() {
        let ring = TraceLineRing(capacity: 256)
        defer { ring.deallocate() }
        XCTAssertEqual(ring.capacity, 256)
        var accepted: [UInt8] = []
        var n = 0
        while true {
            let line = Array("line \(n)\n".utf8)
            guard line.withUnsafeBytes({ ring.append($0) }) else { break }
            accepted += line
            n += 1
        }
        XCTAssertGreaterThan(accepted.count, 256 - 12)
        XCTAssertLessThanOrEqual(accepted.count, 256)
        var out: [UInt8] = []
        ring.take(into: &out)
        XCTAssertEqual(out, accepted)

        // In-place lines of up to 80 bytes, each writing all 80 (as the
        // recorder's prebuilt lines may): those that reach past the end run
        // on into the slack and are copied around the wrap; the bytes past a
        // line are never taken.
        var expected: [UInt8] = []
        out = []
        for i in 0..<100 {
            let text = Array("\(i) acquire \(i * 7)\n".utf8)
            XCTAssertTrue(ring.appendLine(maxLength: 80) { p in
                p.update(repeating: 0x7E, count: 80)
                p.update(from: text, count: text.count)
                return text.count
            })
            expected += text
            if i % 5 == 4 { ring.take(into: &out) }
        }
        ring.take(into: &out)
        XCTAssertEqual(out, expected)

        XCTAssertTrue(Array("left behind\n".utf8).withUnsafeBytes { ring.append($0) })
        ring.reset()
        out = []
        ring.take(into: &out)
        XCTAssertEqual(out, [])
        XCTAssertFalse([UInt8](repeating: 0x41, count: 257).withUnsafeBytes { ring.append($0) }, "longer than the ring")
    }
}
