/// A reference to a call stack kept by the engine's ``StackStore``.
public struct StackRef: Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// No stack known.
    public static let none = StackRef(rawValue: 0)
    /// Not captured yet: the engine asks its ``StackCapturing`` provider when it
    /// needs the stack (a new dependency or a report), never on the fast path.
    public static let captureOnDemand = StackRef(rawValue: .max)
}

/// Captures the current thread's stack for the live validator, only when the
/// engine needs one. Offline analysis has none: trace events carry their stacks.
public protocol StackCapturing: Sendable {
    /// The calling thread's stack, innermost frame first, the validator's own
    /// frames already trimmed. Frames may be raw addresses to symbolicate later.
    func captureStack() -> [StackFrame]
    /// Up to `buffer.count` return addresses of the calling thread's stack,
    /// innermost first, cheap enough for every acquisition a Swift task
    /// makes (frame pointers, no unwinder): the acquisition stack of
    /// `lock-held-across-suspension`. Returns how many it wrote.
    func captureReturnAddresses(into buffer: UnsafeMutableBufferPointer<UInt>) -> Int
}

extension StackCapturing {
    /// None: a provider with no cheap way.
    public func captureReturnAddresses(into buffer: UnsafeMutableBufferPointer<UInt>) -> Int { 0 }
}

/// One frame of a stack: text, or an address that is symbolicated when a
/// report first prints it.
public enum StackFrame: Sendable, Hashable {
    case text(String)
    case address(UInt)
}

/// Turns addresses into symbol names, once per address.
public protocol StackSymbolizing: Sendable {
    func symbolize(_ address: UInt) -> String
    /// How many of a captured stack's innermost frames are the validator's
    /// own, to leave out when the stack is printed. Trimming when a stack is
    /// first printed, not when it is captured, keeps symbol tables out of
    /// the program's first lock.
    func runtimeFrameCount(_ frames: [StackFrame]) -> Int
}

extension StackSymbolizing {
    /// No frame is the validator's own.
    public func runtimeFrameCount(_ frames: [StackFrame]) -> Int { 0 }
}

/// The stacks the engine keeps: one per new dependency and per declared trace
/// stack, never one per acquire. Thread-safe; used only off the fast path.
public final class StackStore: @unchecked Sendable {
    private var stacks: [[StackFrame]] = [[]]
    private var symbols: [UInt: String] = [:]
    private let lock = PlainLock()
    /// Set by the live runtime to symbolicate `.address` frames.
    public var symbolizer: StackSymbolizing?

    public init() {}

    /// Keeps `frames` and returns their reference.
    /// - Complexity: Amortized O(frames), one lock.
    public func add(_ frames: [StackFrame]) -> StackRef {
        lock.withLock {
            stacks.append(frames)
            return StackRef(rawValue: UInt32(stacks.count - 1))
        }
    }

    /// Keeps text frames and returns their reference.
    public func add(text frames: [String]) -> StackRef { add(frames.map(StackFrame.text)) }

    /// The stack's frames as text, symbolicating addresses once each.
    /// - Complexity: O(frames) plus one symbolization per new address.
    public func frames(_ ref: StackRef) -> [String] {
        lock.withLock {
            guard ref != .none, ref != .captureOnDemand, Int(ref.rawValue) < stacks.count else { return [] }
            let all = stacks[Int(ref.rawValue)]
            let skip = symbolizer?.runtimeFrameCount(all) ?? 0
            if skip > 0 && skip == all.count { return ["?"] }
            return all.dropFirst(skip).map { frame in
                switch frame {
                case .text(let s): return s
                case .address(let a):
                    if let s = symbols[a] { return s }
                    let s = symbolizer?.symbolize(a) ?? "0x" + String(a, radix: 16)
                    symbols[a] = s
                    return s
                }
            }
        }
    }

    /// Number of stacks kept.
    public var count: Int { lock.withLock { stacks.count - 1 } }
}

extension StackStore {
    /// Takes the store's lock for a `fork()`; see ``Validator/lockForFork()``.
    public func lockForFork() { lock.lockForFork() }
    /// Releases what ``lockForFork()`` took.
    public func unlockAfterFork() { lock.unlockAfterFork() }
}
