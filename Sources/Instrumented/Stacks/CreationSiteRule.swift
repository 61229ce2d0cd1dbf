/// Which place in a program a lock created without a name belongs to: the
/// rule that gives a lock behind a project's wrapper (swift-log's `Lock`,
/// a copy of `NIOLockedValueBox`) the class of the place that creates the
/// wrapper, not of the one line inside the wrapper that creates every lock.
///
/// The rule, on a short creation stack captured once per lock, at its init
/// (never per acquisition), innermost frame first:
/// 1. Skip lockcheck's own frames and the standard library's (the lock's
///    init, ``LockIdentity``, the capture itself).
/// 2. Skip compiler glue (thunks, `partial apply`), which names no place.
/// 3. Skip wrapper frames: an initialiser or a `create`/`make` factory of a
///    type whose name says it is a lock or a locked box (it contains
///    `Lock`, `Mutex` or `Locked`, or ends in `Box` or `Storage`), and the
///    closures inside them (`ManagedBuffer.create`'s).
/// 4. The first frame left is the creation site; its return address is the
///    class key. Two boxes created in two places are two classes; a thousand
///    created in one place (one call instruction) are one class.
/// 5. The class is named `Function (File.swift:42)` (the function the
///    creating call is in, without its module; the file's last component).
///
/// When no wrapper frame was skipped, the lock's own init site
/// (`#fileID:#line`, as before) names the class instead, so unwrapped locks
/// keep their names and need no symbolization.
///
/// A pure function of the frames, so that a preloaded interposer (`lockcheck
/// run`) that captures a stack at `pthread_mutex_init` can apply the same
/// rule to its own frames.
public enum CreationSiteRule {
    /// How many frames a creation stack keeps: lockcheck's (~6 in a debug
    /// build), a few wrapper levels, and the site.
    public static let maxFrames = 16

    /// One frame of a creation stack as the rule sees it.
    public struct Frame: Sendable, Equatable {
        /// The return address.
        public var address: UInt
        /// The frame is lockcheck's own, or the standard library's.
        public var isLockcheck: Bool
        /// The demangled symbol (nil when unknown).
        public var symbol: String?

        public init(address: UInt, isLockcheck: Bool, symbol: String?) {
            self.address = address
            self.isLockcheck = isLockcheck
            self.symbol = symbol
        }
    }

    /// The creation site in `frames` (innermost first).
    /// - Returns: The site's index and how many wrapper frames were skipped
    ///   (0: the lock was created directly); nil when every frame was skipped.
    /// - Complexity: O(frames × symbol length).
    public static func site(in frames: [Frame]) -> (index: Int, wrappersSkipped: Int)? {
        var wrappers = 0
        for (i, f) in frames.enumerated() {
            if f.isLockcheck { continue }
            guard let symbol = f.symbol else { return (i, wrappers) }
            if isGlue(symbol) { continue }
            if isWrapper(symbol) {
                wrappers += 1
                continue
            }
            return (i, wrappers)
        }
        return nil
    }

    /// Compiler-generated frames that name no place in the program.
    /// - Complexity: O(symbol length).
    public static func isGlue(_ symbol: String) -> Bool {
        symbol.hasPrefix("reabstraction thunk") || symbol.hasPrefix("thunk for")
            || symbol.hasPrefix("partial apply") || symbol.hasPrefix("@objc ")
            || symbol.hasPrefix("outlined ")
    }

    /// Whether `symbol` is a wrapper's initialiser or factory (step 3).
    /// - Complexity: O(symbol length).
    public static func isWrapper(_ symbol: String) -> Bool {
        let path = qualifiedFunction(symbol)
        guard path.count >= 2 else { return false }
        let function = path[path.count - 1]
        let type = path[path.count - 2]
        let isMaker = function == "init" || function == "__allocating_init" || function.hasPrefix("create")
            || function.hasPrefix("make")
        let isLockType = type.contains("Lock") || type.contains("Mutex") || type.hasSuffix("Box")
            || type.hasSuffix("Storage")
        return isMaker && isLockType
    }

    /// The readable function name of `symbol`: its qualified path without
    /// the module (`Registry.init`, `makeCounters`).
    /// - Complexity: O(symbol length).
    public static func functionName(_ symbol: String) -> String {
        let path = qualifiedFunction(symbol)
        if path.isEmpty { return symbol }
        return path.count > 1 ? path.dropFirst().joined(separator: ".") : path[0]
    }

    /// A creation site's class name: `Function (File.swift:42)`, or
    /// `Function + 0xOFF` when the line is unknown.
    /// - Complexity: O(name length).
    public static func className(function: String, file: String?, line: Int?, offset: UInt) -> String {
        if let file, let line {
            let base = file.split(separator: "/").last.map(String.init) ?? file
            return "\(function) (\(base):\(line))"
        }
        return "\(function) + 0x\(String(offset, radix: 16))"
    }

    /// `Module.Type.function` of a demangled symbol as its components, with
    /// closures resolved to the function they are in and `static`,
    /// generic arguments, parameters and the result type dropped.
    static func qualifiedFunction(_ symbol: String) -> [String] {
        var s = Substring(symbol)
        // "closure #1 (…) -> … in static M.T.create(value: A) -> …": the enclosing function.
        if let r = s.ranges(of: " in ").last { s = s[r.upperBound...] }
        for prefix in ["merged ", "static ", "generic specialization ", "function signature specialization "] {
            if s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        }
        if s.hasPrefix("<"), let end = s.firstIndex(of: ">") { s = s[s.index(after: end)...] }
        if s.hasPrefix(" of ") { s = s.dropFirst(4) }
        if let paren = s.firstIndex(of: "(") { s = s[..<paren] }
        var out: [String] = []
        var depth = 0
        var current = ""
        for c in s {
            switch c {
            case "<": depth += 1
            case ">": depth = max(0, depth - 1)
            case "." where depth == 0:
                out.append(current)
                current = ""
            default: if depth == 0 && c != " " { current.append(c) }
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
