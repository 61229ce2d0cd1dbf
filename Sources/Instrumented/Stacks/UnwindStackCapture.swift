import CInstrumented
import CLibunwind
import LockGraph

/// Captures the calling thread's stack with libunwind's `unw_backtrace`:
/// raw return addresses only (symbolicated later, once per address). The
/// validator's own innermost frames are kept here and left out when the
/// stack is first printed (``Symbolizer/runtimeFrameCount(_:)``): telling
/// them apart reads symbol tables, which the first lock must not wait for.
///
/// The engine calls it only when it needs a stack: a new dependency or a
/// report. When a trace is being recorded, the stack is also handed to the
/// recorder for the current event's `stack=`. While a signal handler's
/// queued event is replayed, the stack is the one captured in the handler.
struct UnwindStackCapture: StackCapturing {
    // Unowned: the runtime that owns both is never destroyed, and the engine
    // copies its provider at each call; a copy then costs no reference counting.
    unowned(unsafe) let symbolizer: Symbolizer
    unowned(unsafe) let recorder: TraceRecorder
    /// The application's 64 frames below the validator's own (about 16).
    static let maxFrames = 80

    /// - Complexity: One `unw_backtrace` (~1 µs per frame); no symbol lookup.
    func captureStack() -> [StackFrame] {
        let pt = PerThread.currentIfAny()
        var frames = pt?.replayStack ?? captureNow()
        if frames.isEmpty { frames = [.text("?")] }
        if recorder.isRecording, let pt {
            pt.capturedStack = frames
            pt.afterEvent |= PerThread.clearStack
        }
        return frames
    }

    private func captureNow() -> [StackFrame] {
        let frames: [StackFrame] = withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self,
                                                                 capacity: Self.maxFrames) { buf in
            let n = Int(unw_backtrace(buf.baseAddress, Int32(Self.maxFrames)))
            var out: [StackFrame] = []
            out.reserveCapacity(max(0, n))
            for i in 0..<max(0, n) {
                if let a = buf[i] { out.append(.address(UInt(bitPattern: a))) }
            }
            return out
        }
        return frames
    }

    /// The stack of an acquisition in a Swift task: return addresses by
    /// frame pointers, from the lock event's entry outwards (the engine's
    /// frames under it are not walked into the buffer; the few above it are
    /// left out when printed, as in ``captureStack()``).
    /// - Complexity: About ten instructions a frame; no allocation.
    func captureReturnAddresses(into buffer: UnsafeMutableBufferPointer<UInt>) -> Int {
        // The thread's state without retaining it (this runs inside its event).
        let skip = lc_thread_get().map { Unmanaged<PerThread>.fromOpaque($0)._withUnsafeGuaranteedRef { $0.eventFrame } } ?? 0
        return Int(lc_return_addresses(buffer.baseAddress, Int32(buffer.count), skip))
    }
}
