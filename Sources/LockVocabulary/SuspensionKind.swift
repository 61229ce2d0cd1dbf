/// The kind of await at which a Swift task may suspend: the `what=` of a
/// trace's `await` event (revision 1.3) and the words a
/// `lock-held-across-suspension` report uses for it.
public enum SuspensionKind: Sendable, Hashable, CaseIterable, TraceSpelled {
    /// An executor hop (`swift_task_switch`): a call into or out of an actor,
    /// or back to the task's executor.
    case hop
    /// A continuation's await (`swift_continuation_await`):
    /// `with(Checked|Unsafe)(Throwing)Continuation`.
    case continuation
    /// An `async let`'s await (`swift_asyncLet_get*`, `_consume*`).
    case asyncLet
    /// The end of an `async let`'s scope (`swift_asyncLet_finish`), which
    /// awaits the child task.
    case asyncLetEnd

    /// The word a trace writes: `hop`, `continuation`, `async-let`, `async-let-end`.
    ///
    /// - Complexity: O(1).
    public var spelling: String {
        switch self {
        case .hop: "hop"
        case .continuation: "continuation"
        case .asyncLet: "async-let"
        case .asyncLetEnd: "async-let-end"
        }
    }

    /// How a report names the await: "an actor hop", "a continuation's await"…
    ///
    /// - Complexity: O(1).
    public var awaitName: String {
        switch self {
        case .hop: "an actor hop"
        case .continuation: "a continuation's await"
        case .asyncLet: "an async let's await"
        case .asyncLetEnd: "the end of an async let's scope"
        }
    }

    /// How a report names an await whose kind is not known.
    public static let unknownAwaitName = "an await"
}
