/// One record of a trace, as the reader returns it. The header is checked
/// and consumed by the reader and never returned.
public enum TraceRecord: Sendable, Equatable {
    /// `config <key>=<value> …`: the settings of this line, unknown keys
    /// included. Several config lines merge; the reader has checked that no
    /// key changes value.
    case config([String: String])
    /// `process <pid> <name…>`.
    case process(id: UInt64, name: String)
    /// `thread <tid> <name…>`.
    case thread(id: UInt64, name: String)
    /// `class <cid> <kind> <name…>`.
    case lockClass(id: UInt64, kind: LockKind, name: String)
    /// `lock <lid> <cid>`; the class was declared before.
    case lock(id: UInt64, classID: UInt64)
    /// `pool <pid> <name…>`.
    case pool(id: UInt64, name: String)
    /// `queue <qid> <name…>`.
    case queue(id: UInt64, name: String)
    /// `stack <sid> <frame>\t<frame>…`: innermost frame first, at least one.
    case stack(id: UInt64, frames: [String])
    /// An event line.
    case event(TraceEvent)
}
