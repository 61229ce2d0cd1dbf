/// The record kinds that declare an id. Id spaces are separate per kind:
/// `process 1` and `pool 1` do not collide.
enum DeclarationKind {
    case process, thread, lockClass, lock, pool, queue, stack

    /// The keyword of the declaring line, also the noun used in messages.
    var keyword: String {
        switch self {
        case .process: "process"
        case .thread: "thread"
        case .lockClass: "class"
        case .lock: "lock"
        case .pool: "pool"
        case .queue: "queue"
        case .stack: "stack"
        }
    }

    /// The id's placeholder in the format description, e.g. `<lid>`.
    var placeholder: StaticString {
        switch self {
        case .process, .pool: "<pid>"
        case .thread: "<tid>"
        case .lockClass: "<cid>"
        case .lock: "<lid>"
        case .queue: "<qid>"
        case .stack: "<sid>"
        }
    }
}

/// The first token of a non-event line.
enum RecordKeyword {
    case header, config, declaration(DeclarationKind)

    /// The keyword spelled by `token`, or nil for an unknown record.
    ///
    /// - Complexity: O(token length), allocation-free.
    init?(_ p: UnsafePointer<UInt8>, _ token: Token) {
        if ASCII.equals(p, token, "thread") {
            self = .declaration(.thread)
        } else if ASCII.equals(p, token, "lock") {
            self = .declaration(.lock)
        } else if ASCII.equals(p, token, "class") {
            self = .declaration(.lockClass)
        } else if ASCII.equals(p, token, "stack") {
            self = .declaration(.stack)
        } else if ASCII.equals(p, token, "pool") {
            self = .declaration(.pool)
        } else if ASCII.equals(p, token, "queue") {
            self = .declaration(.queue)
        } else if ASCII.equals(p, token, "process") {
            self = .declaration(.process)
        } else if ASCII.equals(p, token, "config") {
            self = .config
        } else if ASCII.equals(p, token, "lockcheck-trace") {
            self = .header
        } else {
            return nil
        }
    }
}
