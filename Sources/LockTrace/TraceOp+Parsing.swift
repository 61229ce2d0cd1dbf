extension TraceOp {
    /// The op whose spelling is `length` bytes long and starts with the SWAR
    /// words `first` and `second` (``Words``), or nil for an unknown op.
    ///
    /// - Complexity: O(1): a switch on the length, then at most four word
    ///   comparisons; allocation-free.
    ///
    /// `@_transparent` (mandatory inlining): with `@inline(__always)` the
    /// event parser, grown large, still called it out of line.
    @_transparent
    init?(length: Int, first: UInt64, second: UInt64) {
        let op: TraceOp?
        switch length {
        case 4: op = first == Words.free ? .free : nil
        case 5:
            op = first == Words.sleep ? .sleep : first == Words.alloc ? .alloc : first == Words.await ? .await : nil
        case 7:
            op = first == Words.acquire ? .acquire : first == Words.release ? .release
                : first == Words.irqsOn ? .irqsOn : first == Words.barrier ? .barrier : nil
        case 8: op = first == Words.irqsOff ? .irqsOff : first == Words.rcuLock ? .rcuLock : nil
        default:
            let words = (first, second)
            switch length {
            case 9:
                op = words == Words.lockInit ? .lockInit : words == Words.lockFree ? .lockFree
                    : words == Words.reclaimed ? .reclaimed : nil
            case 10:
                op = words == Words.preemptOn ? .preemptOn : words == Words.rcuUnlock ? .rcuUnlock
                    : words == Words.deferFree ? .deferFree : nil
            case 11:
                op = words == Words.softirqsOn ? .softirqsOn : words == Words.preemptOff ? .preemptOff
                    : words == Words.threadExit ? .threadExit : nil
            case 12:
                op = words == Words.hardirqExit ? .hardirqExit : words == Words.softirqExit ? .softirqExit
                    : words == Words.softirqsOff ? .softirqsOff : words == Words.poolDestroy ? .poolDestroy : nil
            case 13:
                op = words == Words.hardirqEnter ? .hardirqEnter : words == Words.softirqEnter ? .softirqEnter : nil
            default:
                op = nil
            }
        }
        guard let op else { return nil }
        self = op
    }

    /// Whether the op lists `stack=<sid>` among its optional arguments.
    var takesStack: Bool {
        switch self {
        case .acquire, .release, .sleep, .alloc, .free, .deferFree, .barrier, .poolDestroy: true
        default: false
        }
    }

    /// Whether the op lists `pool=<pid>` among its optional arguments.
    var takesPool: Bool {
        switch self {
        case .alloc, .free, .deferFree: true
        default: false
        }
    }
}
