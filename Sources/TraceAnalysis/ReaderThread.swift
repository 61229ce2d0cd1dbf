#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LockTrace

/// Parses a trace on a thread of its own, handing the records to the
/// validator thread in ``EventBatch``es through a ``BatchChannel``: the
/// reader and the rules then run on two cores.
///
/// The reader is used only by this thread from ``start(_:channel:)`` until
/// ``join()`` returns; everything the validator thread needs of the reader
/// meanwhile (its sleep reasons, its byte count, its error) travels in the
/// batches. The last batch sent has ``EventBatch/isLast`` set, after the end
/// of the trace or with the reader's error, and the thread then exits.
final class ReaderThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let reader: TraceReader
    private let channel: BatchChannel

    private init(reader: TraceReader, channel: BatchChannel) {
        self.reader = reader
        self.channel = channel
    }

    /// Starts reading `reader` into `channel`; nil if no thread could be
    /// started (the caller then reads on its own thread).
    /// - Complexity: O(1); the thread's work is O(length of the trace).
    static func start(_ reader: TraceReader, channel: BatchChannel) -> ReaderThread? {
        let t = ReaderThread(reader: reader, channel: channel)
        let box = Unmanaged.passRetained(t).toOpaque()
        let rc = pthread_create(&t.thread, nil, { raw in
            let me = Unmanaged<ReaderThread>.fromOpaque(raw!).takeRetainedValue()
            me.run()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<ReaderThread>.fromOpaque(box).release()
            return nil
        }
        return t
    }

    /// Waits for the thread to exit (after it sent its last batch).
    func join() {
        pthread_join(thread, nil)
    }

    private func run() {
        var batch = channel.emptyBatch()
        while true {
            let step: TraceReader.Step
            do {
                step = try reader.step(into: batch.nextSlot)  // parsed in place: no copy
            } catch {
                batch.error = error
                send(batch, last: true)
                return
            }
            switch step {
            case .end:
                send(batch, last: true)
                return
            case .event:
                batch.commitNextSlot()
                if batch.isFull {
                    send(batch, last: false)
                    batch = channel.emptyBatch()
                }
            case .declaration:
                if let record = reader.declaration { batch.declarations.append((batch.count, record)) }
            }
        }
    }

    private func send(_ batch: EventBatch, last: Bool) {
        batch.sleepReasons = reader.sleepReasons
        batch.bytesRead = reader.bytesRead
        batch.isLast = last
        channel.send(batch)
    }
}
