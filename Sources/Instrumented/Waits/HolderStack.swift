import CInstrumented
import LockGraph

/// Where a lock's holder is now, asked of the holder thread itself: the
/// waiter sends it one realtime signal, and its handler unwinds its own
/// interrupted stack into a preallocated buffer (`holder_stack.c`, which
/// says what the handler may and may not do).
///
/// Only the `lock-wait-timeout` report asks, once per report and holder,
/// after the wait has already passed the timeout: no lock operation pays
/// anything for it, and a program that never waits that long never has the
/// handler installed.
enum HolderStack {
    /// How long the waiter waits for the holder's answer: a thread that can
    /// run its handler answers within microseconds.
    static let boundNanoseconds: Int64 = 1_000_000_000

    /// Frames kept at most (the report prints the innermost ones).
    static let maxFrames = 64

    /// The signal lockcheck uses unless `LOCKCHECK_HOLDER_SIGNAL` says otherwise.
    static var defaultSignal: Int32 { lc_holder_stack_default_signal() }

    /// The realtime signals, the ones `LOCKCHECK_HOLDER_SIGNAL` may name.
    static var realtimeSignals: ClosedRange<Int32> { lc_sigrtmin()...lc_sigrtmax() }

    /// The stack of the thread `tid`, innermost frame first, or why there
    /// is none (a sentence for the report).
    /// - Complexity: One signal and at most ``boundNanoseconds`` (twice when
    ///   the handler has started but not finished); one request at a time.
    static func capture(tid: Int32, signal: Int32) -> Result<[StackFrame], Unavailable> {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: maxFrames) { buf in
            let n = Int(lc_holder_stack(tid, signal, buf.baseAddress, Int32(maxFrames), boundNanoseconds))
            guard n > 0 else { return .failure(Unavailable(code: n, signal: signal)) }
            return .success(buf.prefix(n).map { StackFrame.address($0) })
        }
    }

    /// Why a holder's stack is not in the report.
    struct Unavailable: Error {
        let code: Int
        let signal: Int32

        /// The reason as the report prints it, after "stack unavailable: ".
        var reason: String {
            let bound = "\(HolderStack.boundNanoseconds / 1_000_000) ms"
            switch code {
            case Int(LC_HOLDER_STACK_OFF): return "asking holders is off (LOCKCHECK_HOLDER_SIGNAL=0)"
            case Int(LC_HOLDER_STACK_SIGNAL_IN_USE):
                return "the program has its own handler for signal \(signal), which lockcheck uses to ask; set LOCKCHECK_HOLDER_SIGNAL to a free realtime signal"
            case Int(LC_HOLDER_STACK_NO_THREAD): return "the thread has exited"
            case Int(LC_HOLDER_STACK_NO_ANSWER):
                return "it did not answer signal \(signal) within \(bound) (it blocks the signal, or cannot run)"
            case Int(LC_HOLDER_STACK_BUSY): return "an earlier request for a holder's stack has not finished"
            case 0: return "its unwinder found no frame"
            default: return "signal \(signal) is not a realtime signal this process can send"
            }
        }
    }
}
