extension TraceWriter {
    /// Writes the event line of `event`: `<seq> <tid> <op>`, the op's
    /// positional arguments, then the optional arguments the op lists and
    /// that differ from their defaults (an `await`'s `task=`, which the
    /// format requires, is the caller's to set). `sleepReason` becomes `what=` on a
    /// `sleep` (nil or empty: none); ``TraceEvent/what`` and
    /// ``TraceEvent/line`` are not written.
    ///
    /// - Complexity: O(line length) amortized; allocation-free once the
    ///   buffer has grown.
    public mutating func event(_ event: TraceEvent, sleepReason: String? = nil) {
        let op = event.op
        appendDecimal(event.seq)
        space()
        appendDecimal(event.thread)
        space()
        append(op.spelling)
        switch op {
        case .acquire, .release, .lockInit, .lockFree, .barrier, .poolDestroy:
            space()
            appendDecimal(event.id)
        case .alloc:
            space()
            buffer.append(contentsOf: event.allocFlags.spelling.utf8)
            space()
            appendDecimal(event.bytes)
        case .free:
            space()
            appendHex(event.pointer)
        case .deferFree, .reclaimed:
            space()
            appendDecimal(event.id)
            space()
            appendHex(event.pointer)
        default:
            break
        }
        switch op {
        case .acquire:
            switch event.mode {
            case .exclusive: break
            case .shared: append(" r")
            case .recursiveShared: append(" rr")
            }
            if event.isTry { append(" try") }
            if event.subclass != 0 {
                append(" sub=")
                appendDecimal(UInt64(event.subclass))
            }
            if let nest = event.nest {
                append(" nest=")
                appendDecimal(nest)
            }
            appendTask(event.task)
        case .release:
            appendTask(event.task)
        case .await:
            appendTask(event.task)
            if let kind = event.suspension {
                append(" what=")
                buffer.append(contentsOf: kind.spelling.utf8)
            }
        case .hardirqEnter:
            if event.threaded { append(" threaded") }
        case .rcuLock, .rcuUnlock:
            switch event.rcuFlavor {
            case .plain: break
            case .bh: append(" bh")
            case .sched: append(" sched")
            }
        case .deferFree:
            if event.headless { append(" headless") }
        case .sleep:
            if let sleepReason, !sleepReason.isEmpty {
                append(" what=")
                appendToken(sleepReason, replacingEquals: false)
            }
            if event.inTask { append(" task") }
            if event.nonblocking { append(" nonblock") }
        case .alloc:
            if event.pointer != 0 {
                append(" ptr=")
                appendHex(event.pointer)
            }
        default:
            break
        }
        if op.takesPool, let pool = event.pool {
            append(" pool=")
            appendDecimal(pool)
        }
        if op.takesStack, let stack = event.stack {
            append(" stack=")
            appendDecimal(stack)
        }
        newline()
    }

    /// ` task=<n>` of an `acquire` or `release` run by a Swift task (revision
    /// 1.2), or of an `await` (revision 1.3); nothing for 0.
    private mutating func appendTask(_ task: UInt64) {
        guard task != 0 else { return }
        append(" task=")
        appendDecimal(task)
    }
}
