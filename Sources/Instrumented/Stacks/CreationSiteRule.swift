/// Which place in a program a lock belongs to, read from its short creation
/// stack: the one rule both users apply — the drop-in wrappers, for a lock
/// created without a name (``CreationSites``), and the preload library
/// (`lockcheck run`), for every pthread lock it sees (``CreationSite``). A
/// lock behind a wrapper (swift-log's `Lock`, a copy of `NIOLockedValueBox`,
/// Foundation's `NSLock`) gets the class of the place that creates the
/// wrapper, not of the one line inside the wrapper that creates every lock.
///
/// The rule, on a creation stack captured once per lock (at its init, never
/// per acquisition; at the first use of a statically initialised one),
/// innermost frame first (``role(of:)``):
/// 1. Skip lockcheck's own frames (the lock's init, ``LockIdentity``, the
///    capture itself, the preload library), libc's and the standard
///    library's Swift code (`ManagedBuffer.create` and the like).
/// 2. Skip compiler glue (thunks, `partial apply`, `@objc` entry points),
///    which names no place.
/// 3. Skip lock-type code: a member of a type whose name ends in a lock word
///    (`Lock`, `Mutex`, `Box`, `Storage`, `Condition`: `NSLock`,
///    `NSRecursiveLock`, `NSCondition`, `ReadWriteLock`, `NIOLockedValueBox`,
///    `LockStorage`), the closures inside them, and swift-nio's
///    `NIOConcurrencyHelpers`. These are the wrapper frames.
/// 4. Stop at a language or system runtime (the Swift runtime's C++ half,
///    Swift Concurrency, libdispatch, libstdc++, libunwind, the dynamic
///    loader) or a program's own copy of lockcheck's lock types: the lock is
///    theirs. The preload library leaves such locks unvalidated (the program
///    never nests them in its own, or validates them itself).
/// 5. The first frame left is the creation site; its return address is the
///    class key. Two wrappers created in two places are two classes; a
///    thousand created in one place (one call instruction) are one class.
///
/// Each user names the site its way (``functionName(_:)`` and
/// ``className(function:file:line:offset:)`` for the drop-in wrappers,
/// which keep a lock created directly named by its init site `fileID:line`;
/// ``CreationSite/className(_:)`` for the preload library).
public enum CreationSiteRule {
    /// How many frames a drop-in lock's creation stack keeps: lockcheck's
    /// (~6 in a debug build), a few wrapper levels, and the site. (The
    /// preload library keeps ``CreationSite/maxFrames``: its own frames are more.)
    public static let maxFrames = 16

    /// One frame of a creation stack as the rule sees it.
    public struct Frame: Sendable, Equatable {
        /// The return address.
        public var address: UInt
        /// The path of the object (executable or shared library) the frame is in; "" when unknown.
        public var object: String
        /// The frame is lockcheck's own, or the standard library's.
        public var isLockcheck: Bool
        /// The demangled symbol (nil when unknown).
        public var symbol: String?

        public init(address: UInt, object: String = "", isLockcheck: Bool, symbol: String?) {
            self.address = address
            self.object = object
            self.isLockcheck = isLockcheck
            self.symbol = symbol
        }
    }

    /// What a frame is to the rule.
    public enum Role: Sendable, Equatable {
        /// Skipped: lockcheck's, libc's, the standard library's, compiler glue (steps 1, 2).
        case skipped
        /// Skipped and counted: a lock type's code (step 3).
        case wrapper
        /// A runtime's: the lock is the runtime's, not the program's (step 4).
        case runtime
        /// Names the class (step 5).
        case site
    }

    /// What the rule finds in a creation stack.
    public enum Outcome: Sendable, Equatable {
        /// The site's index, and how many wrapper frames were skipped before it (0: created directly).
        case site(index: Int, wrappersSkipped: Int)
        /// A runtime's lock (step 4).
        case runtime
        /// Every frame was skipped.
        case none
    }

    /// The creation site in `frames` (innermost first).
    /// - Complexity: O(frames × symbol length).
    public static func site(in frames: [Frame]) -> Outcome {
        var wrappers = 0
        for (i, f) in frames.enumerated() {
            switch role(of: f) {
            case .skipped: continue
            case .wrapper: wrappers += 1
            case .runtime: return .runtime
            case .site: return .site(index: i, wrappersSkipped: wrappers)
            }
        }
        return .none
    }

    /// The role of one frame (the numbered steps above).
    /// - Complexity: O(symbol length).
    public static func role(of frame: Frame) -> Role {
        if frame.isLockcheck { return .skipped }
        let module = frame.object.split(separator: "/").last.map(String.init) ?? frame.object
        if module.hasPrefix("libc.so") || module.hasPrefix("libpthread") { return .skipped }
        for prefix in runtimeModules where module.hasPrefix(prefix) { return .runtime }
        guard let symbol = frame.symbol else { return .site }
        if module.hasPrefix("libswiftCore") {
            // The runtime's C++ half and its C entry points; the standard library's Swift code is skipped.
            return symbol.hasPrefix("_Z") || symbol.hasPrefix("swift_") || symbol.hasPrefix("swift::") ? .runtime : .skipped
        }
        if symbol.hasPrefix("Instrumented.") || symbol.contains(" Instrumented.") { return .runtime }
        if isGlue(symbol) { return .skipped }
        // The standard library's Swift code, also its generic code emitted into
        // the program (`static Swift.…`, `generic specialization <…> of Swift.…`,
        // `(extension in Swift):Swift.ManagedBuffer….withUnsafeMutablePointers`
        // under swift-nio's `LockStorage.create`): skipped. Decided by the
        // function's module, not by a `Swift.` anywhere in the symbol, so a
        // program's `f(count: Swift.Int)` stays a site.
        if symbol.hasPrefix("Swift.") || qualifiedFunction(symbol).first == "Swift" { return .skipped }
        if symbol.contains("NIOConcurrencyHelpers.") || isWrapper(symbol) { return .wrapper }
        return .site
    }

    /// Runtimes whose locks are theirs (step 4), by the file name of their object.
    public static let runtimeModules = [
        "libswift_Concurrency", "libswiftSynchronization", "libswift_", "libdispatch", "libBlocksRuntime",
        "libstdc++", "libgcc_s", "libunwind", "ld-linux", "ld64", "libicu", "lib_FoundationICU",
    ]

    /// Compiler-generated frames that name no place in the program.
    /// - Complexity: O(symbol length).
    public static func isGlue(_ symbol: String) -> Bool {
        symbol.hasPrefix("reabstraction thunk") || symbol.hasPrefix("thunk for")
            || symbol.hasPrefix("partial apply") || symbol.hasPrefix("@objc ")
            || symbol.hasPrefix("outlined ")
    }

    /// Whether `symbol` is lock-type code (step 3): a member of a type whose
    /// name ends in a lock word, or a closure inside one.
    /// - Complexity: O(symbol length).
    public static func isWrapper(_ symbol: String) -> Bool {
        let path = qualifiedFunction(symbol)
        // Module, type(s), member: the types between the module and the member.
        guard path.count >= 3 else { return false }
        return path.dropFirst().dropLast().contains { type in lockWords.contains { type.hasSuffix($0) } }
    }

    /// The endings of a lock type's name.
    static let lockWords = ["Lock", "Mutex", "Box", "Storage", "Condition"]

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
    /// closures resolved to the function they are in, a private type
    /// `(Name in _HASH)` to its name, and `static`, extension contexts,
    /// generic arguments, parameters and the result type dropped.
    static func qualifiedFunction(_ symbol: String) -> [String] {
        var s = Substring(symbol)
        // "closure #1 (…) -> … in static M.T.create(value: A) -> …": the enclosing function.
        if let r = s.ranges(of: " in ").last(where: { !isInsideParentheses($0.lowerBound, of: s) }) {
            s = s[r.upperBound...]
        }
        for prefix in ["merged ", "static ", "generic specialization ", "function signature specialization ",
                       "@objc ", "dynamic "] where s.hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
        }
        if s.hasPrefix("<"), let end = s.firstIndex(of: ">") { s = s[s.index(after: end)...] }
        if s.hasPrefix(" of ") { s = s.dropFirst(4) }
        // "(extension in App):Foundation.NSLock.f()": the extended type's path.
        if s.hasPrefix("(extension in "), let colon = s.firstIndex(of: ":") { s = s[s.index(after: colon)...] }
        var out: [String] = []
        var angle = 0
        var current = ""
        var i = s.startIndex
        scan: while i < s.endIndex {
            let c = s[i]
            switch c {
            case "<": angle += 1
            case ">": angle = max(0, angle - 1)
            case "(" where angle == 0:
                // A private type `(Name in _HASH)` right after a dot; otherwise the parameter list.
                guard current.isEmpty, let close = s[i...].firstIndex(of: ")") else { break scan }
                current = String(s[s.index(after: i)..<close].prefix { $0 != " " })
                i = close
            case "." where angle == 0:
                out.append(current)
                current = ""
            case " " where angle == 0 && (s[i...].hasPrefix(" -> ") || s[i...].hasPrefix(" : ")):
                break scan  // the result type, or an accessor's type
            default: if angle == 0 && c != " " { current.append(c) }
            }
            i = s.index(after: i)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Whether `index` of `s` is inside a parenthesised group (a private type's `(Name in _HASH)`).
    private static func isInsideParentheses(_ index: Substring.Index, of s: Substring) -> Bool {
        var depth = 0
        for c in s[..<index] {
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) }
        }
        return depth > 0
    }
}
