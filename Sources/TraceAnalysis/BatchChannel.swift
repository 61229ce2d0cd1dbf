#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A bounded FIFO of ``EventBatch``es from the reader thread to the
/// validator thread, with the empty batches going back the other way.
///
/// A fixed number of batches exist, so the reader runs at most that many
/// batches ahead of the validator: memory is flat in the trace's length.
/// One mutex and two condition variables; each side takes the lock once per
/// batch, not per event.
final class BatchChannel: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let filled = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let emptied = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Batches sent and not received yet, oldest first (at most `depth`).
    private var full: [EventBatch] = []
    /// Batches ready to be filled.
    private var free: [EventBatch]

    /// A channel of `depth` batches of `batchSize` events each.
    /// - Complexity: O(depth × batchSize) memory, allocated here.
    init(depth: Int, batchSize: Int) {
        free = (0..<max(depth, 2)).map { _ in EventBatch(capacity: batchSize) }
        full.reserveCapacity(free.count)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(filled, nil)
        pthread_cond_init(emptied, nil)
    }

    deinit {
        pthread_cond_destroy(emptied)
        pthread_cond_destroy(filled)
        pthread_mutex_destroy(mutex)
        emptied.deallocate()
        filled.deallocate()
        mutex.deallocate()
    }

    /// An empty batch to fill; waits while every batch is in flight.
    /// - Complexity: O(1), plus the wait.
    func emptyBatch() -> EventBatch {
        take(from: \.free, waitingOn: emptied) { $0.removeLast() }
    }

    /// Hands a filled batch to the receiver.
    /// - Complexity: Amortized O(1).
    func send(_ batch: EventBatch) {
        put(batch, into: \.full, signalling: filled)
    }

    /// The oldest batch sent; waits for one.
    /// - Complexity: O(depth), plus the wait.
    func receive() -> EventBatch {
        take(from: \.full, waitingOn: filled) { $0.removeFirst() }
    }

    /// Gives a received batch back, emptied, to be filled again.
    /// - Complexity: O(its declarations).
    func recycle(_ batch: EventBatch) {
        batch.reset()
        put(batch, into: \.free, signalling: emptied)
    }

    /// Removes a batch from `queue` under the lock, waiting on `ready` while it is empty.
    private func take(from queue: ReferenceWritableKeyPath<BatchChannel, [EventBatch]>,
                      waitingOn ready: UnsafeMutablePointer<pthread_cond_t>,
                      _ remove: (inout [EventBatch]) -> EventBatch) -> EventBatch {
        pthread_mutex_lock(mutex)
        while self[keyPath: queue].isEmpty { pthread_cond_wait(ready, mutex) }
        let batch = remove(&self[keyPath: queue])
        pthread_mutex_unlock(mutex)
        return batch
    }

    /// Appends `batch` to `queue` under the lock and wakes the side waiting on `ready`.
    private func put(_ batch: EventBatch, into queue: ReferenceWritableKeyPath<BatchChannel, [EventBatch]>,
                     signalling ready: UnsafeMutablePointer<pthread_cond_t>) {
        pthread_mutex_lock(mutex)
        self[keyPath: queue].append(batch)
        pthread_cond_signal(ready)
        pthread_mutex_unlock(mutex)
    }
}
