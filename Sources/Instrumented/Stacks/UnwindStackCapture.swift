import CLibunwind
import LockGraph

/// Captures the calling thread's stack with libunwind's `unw_backtrace`:
/// raw return addresses only (symbolicated later, once per address), the
/// validator's own innermost frames trimmed.
///
/// The engine calls it only when it needs a stack: a new dependency or a
/// report. When a trace is being recorded, the stack is also handed to the
/// recorder for the current event's `stack=`.
struct UnwindStackCapture: StackCapturing {
    let symbolizer: Symbolizer
    let recorder: TraceRecorder
    static let maxFrames = 64

    /// - Complexity: One `unw_backtrace` (~1 µs per frame), plus a symbol
    ///   lookup for each innermost frame not seen before.
    func captureStack() -> [StackFrame] {
        var frames: [StackFrame] = withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self,
                                                                 capacity: Self.maxFrames) { buf in
            let n = Int(unw_backtrace(buf.baseAddress, Int32(Self.maxFrames)))
            var start = 0
            while start < n, let a = buf[start], symbolizer.isRuntimeFrame(UInt(bitPattern: a)) { start += 1 }
            var out: [StackFrame] = []
            out.reserveCapacity(max(0, n - start))
            for i in start..<max(start, n) {
                if let a = buf[i] { out.append(.address(UInt(bitPattern: a))) }
            }
            return out
        }
        if frames.isEmpty { frames = [.text("?")] }
        if recorder.isRecording, let pt = PerThread.currentIfAny() {
            pt.capturedStack = frames
            pt.afterEvent |= PerThread.clearStack
        }
        return frames
    }
}
