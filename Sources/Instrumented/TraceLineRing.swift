#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// One thread's trace lines not yet written: a single-producer,
/// single-consumer byte ring, as the kernel's per-CPU trace buffers and
/// LTTng's are. The thread appends whole lines with no lock and no atomic
/// read-modify-write; the trace recorder, holding its own lock, takes them.
///
/// - The producer is the owning thread, inside one of its events (under
///   the runtime's re-entry guard; a signal handler's events are queued and
///   recorded at the thread's next event, never from the handler, so no
///   append interrupts another). It writes a line's bytes at `head`, then
///   publishes the new `head` with a release store.
/// - The consumer is whoever holds the recorder's lock (the writer thread,
///   a thread whose ring is full, exit). It reads `head` with an acquire
///   load, copies the bytes up to it, then gives the space back by storing
///   `tail` with release ordering; the producer reloads `tail` (acquire)
///   only when its cached view says the ring is full.
/// - A line is published whole or not at all, so the consumer only ever
///   takes whole lines, and a crash loses at most the lines not yet taken,
///   never a part of one.
/// - ``reset()`` (a new recording session, the child after `fork`) is done
///   by the owning thread while no consumer can run (under the recorder's
///   lock, or in a child with one thread).
///
/// `head` and `tail` count bytes ever appended and taken (they never wrap
/// in 2^63 bytes); a position is `count & (capacity - 1)`.
///
/// Past its `capacity` bytes the ring has ``slack`` bytes more, where a line
/// built in place may run on; the part past the end is then copied to the
/// start (the wrap), so a line is always built in place, with no buffer aside.
///
/// A struct of pointers that never change after ``init(capacity:)``, so
/// the hot path reads it with no reference counting and the consumer can
/// read it while the producer writes lines; ``deallocate()`` frees it.
struct TraceLineRing {
    /// Bytes the ring holds; a power of two.
    let capacity: Int
    /// The longest line ``appendLine(maxLength:_:)`` builds in place.
    static let slack = 256
    /// `capacity` bytes, then ``slack`` bytes where a line may run on.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// `head` at [0] and the producer's last view of the end of its room
    /// (`tail` as last read, plus `capacity`) at [1]; `tail` at [8], on a
    /// cache line of its own, so the producer's store of `head` on every
    /// line does not keep taking the line the consumer writes `tail` to.
    private let positions: UnsafeMutablePointer<Int64>

    private var head: UnsafeMutablePointer<Int64> { positions }
    private var knownEnd: UnsafeMutablePointer<Int64> { positions + 1 }
    private var tail: UnsafeMutablePointer<Int64> { positions + 8 }

    /// A ring of `capacity` bytes (rounded up to a power of two, at least 256).
    init(capacity: Int) {
        var c = 256
        while c < capacity { c <<= 1 }
        self.capacity = c
        bytes = .allocate(capacity: c + Self.slack)
        positions = .allocate(capacity: 16)
        positions.initialize(repeating: 0, count: 16)
        knownEnd.pointee = Int64(c)
    }

    /// Frees the ring; no one may use it afterwards.
    func deallocate() {
        bytes.deallocate()
        positions.deallocate()
    }

    // MARK: Producer

    /// Writes one line of at most `maxLength` bytes (at most ``slack``)
    /// with `put`, which may write all `maxLength` bytes and returns the
    /// line's length, and publishes it; false, with nothing written, when
    /// the ring has less than `maxLength` bytes free.
    /// - Complexity: O(line length); no lock, one release store. A line
    ///   built across the end is built in the slack, and its part there
    ///   copied to the start.
    @inline(__always)
    func appendLine(maxLength: Int, _ put: (UnsafeMutablePointer<UInt8>) -> Int) -> Bool {
        assert(maxLength <= Self.slack)
        let h = lc_load_relaxed_i64(head)  // the producer's own store
        guard hasRoom(h, maxLength) else { return false }
        let at = Int(truncatingIfNeeded: h) & (capacity &- 1)
        let n = put(bytes + at)
        if at &+ n > capacity { wrap(count: at &+ n &- capacity) }
        publish(h &+ Int64(n))
        return true
    }

    /// The first `count` bytes of the slack, a line's end, moved to the ring's start.
    @inline(never)
    private func wrap(count: Int) {
        bytes.update(from: bytes + capacity, count: count)
    }

    /// Appends `line` (whole lines) and publishes it; false, with nothing
    /// written, when it does not fit.
    /// - Complexity: O(line length); no lock, one release store.
    func append(_ line: UnsafeRawBufferPointer) -> Bool {
        let h = lc_load_relaxed_i64(head)  // the producer's own store
        guard hasRoom(h, line.count) else { return false }
        copyIn(line, at: Int(truncatingIfNeeded: h) & (capacity &- 1))
        publish(h &+ Int64(line.count))
        return true
    }

    @inline(__always)
    private func hasRoom(_ h: Int64, _ n: Int) -> Bool {
        if _fastPath(h &+ Int64(n) <= knownEnd.pointee) { return true }
        knownEnd.pointee = lc_load_acquire_i64(tail) &+ Int64(capacity)
        return h &+ Int64(n) <= knownEnd.pointee
    }

    @inline(__always)
    private func publish(_ newHead: Int64) {
        lc_store_release_i64(head, newHead)
    }

    private func copyIn(_ line: UnsafeRawBufferPointer, at: Int) {
        guard let src = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let first = min(line.count, capacity &- at)
        (bytes + at).update(from: src, count: first)
        if first < line.count { bytes.update(from: src + first, count: line.count &- first) }
    }

    /// Empties the ring. Only by the owning thread, with no consumer running.
    func reset() {
        knownEnd.pointee = Int64(capacity)
        lc_store_release_i64(tail, 0)
        lc_store_release_i64(head, 0)
    }

    // MARK: Consumer

    /// Appends every published line to `out` and frees their space.
    /// Only one consumer at a time (the recorder's lock).
    /// - Complexity: O(bytes taken).
    func take(into out: inout [UInt8]) {
        let h = lc_load_acquire_i64(head)
        let t = lc_load_relaxed_i64(tail)  // only consumers store it, one at a time
        guard h != t else { return }
        let at = Int(truncatingIfNeeded: t) & (capacity &- 1)
        let count = Int(h &- t)
        let first = min(count, capacity &- at)
        out.append(contentsOf: UnsafeBufferPointer(start: bytes + at, count: first))
        if first < count { out.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count &- first)) }
        lc_store_release_i64(tail, h)
    }
}
