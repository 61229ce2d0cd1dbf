import Testing
import LockTrace

/// Not a benchmark and asserts no timing: prints how fast a debug build
/// reads a synthetic trace, as a smoke check that the path runs.
@Suite struct ThroughputSmokeTests {
    @Test func readsManyEvents() throws {
        var writer = TraceWriter()
        writer.header()
        writer.thread(id: 1, name: "main")
        writer.lockClass(id: 1, kind: .mutex, name: "m")
        writer.lock(id: 10, classID: 1)
        writer.stack(id: 7, frames: ["f"])
        let count = 200_000
        for i in 0..<count / 2 {
            writer.event(TraceEvent(seq: UInt64(2 * i), thread: 1, op: .acquire, id: 10, stack: 7))
            writer.event(TraceEvent(seq: UInt64(2 * i + 1), thread: 1, op: .release, id: 10))
        }
        let reader = TraceReader(name: "smoke", bytes: writer.buffer)
        let clock = ContinuousClock()
        var events = 0
        let elapsed = try clock.measure {
            while let record = try reader.next() {
                if case .event = record { events += 1 }
            }
        }
        #expect(events == count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("ThroughputSmokeTests: \(events) events in \(elapsed) (\(Int(Double(events) / max(seconds, 1e-9))) events/s, unoptimised build)")
    }
}
