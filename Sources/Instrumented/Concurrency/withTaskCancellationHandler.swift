/// `withTaskCancellationHandler` as the standard library has it, with the
/// handler run under lockcheck's `swift-task-status` pseudo-lock.
///
/// A file that imports Instrumented calls this function instead of
/// `_Concurrency`'s (a module's declarations shadow those of the modules it
/// imports), so `onCancel` bodies are seen under the runtime's task lock
/// wherever the runtime runs them: during `Task.cancel()` (which also holds
/// it), during a cancellation that propagates from a parent task or group,
/// and at once when the task was already cancelled.
///
/// Equivalent to
/// ```swift
/// try await _Concurrency.withTaskCancellationHandler(operation: operation,
///     onCancel: { <swift-task-status held> { handler() } }, isolation: isolation)
/// ```
/// - Warning: A handler that takes a lock is a lock-order dependency
///   `swift-task-status -> lock`: resuming a continuation or cancelling a
///   task while holding that lock is then a `lock-order-inversion`.
/// - Complexity: The standard library's, plus one event pair per handler run.
public func withTaskCancellationHandler<T>(
    operation: () async throws -> T,
    onCancel handler: @Sendable () -> Void,
    isolation: isolated (any Actor)? = #isolation
) async rethrows -> T {
    try await _Concurrency.withTaskCancellationHandler(
        operation: operation,
        onCancel: { TaskStatusLock.withHeld(handler) },
        isolation: isolation)
}
