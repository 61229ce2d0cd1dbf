#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import CLibunwind

/// The class of a pthread lock seen by the preload library: where it was
/// created, read from a short creation stack with the lock implementation's
/// frames skipped, captured once per lock (at its init, or at the first use
/// of a statically initialised lock).
///
/// The rule, frame by frame from the innermost:
/// 1. Skipped: this library's frames, libc's, and lock implementations:
///    Foundation's NSLock family (`NSLock`, `NSRecursiveLock`,
///    `NSCondition`, `NSConditionLock`), swift-nio's lock storage
///    (`NIOConcurrencyHelpers`), any type named `…Lock`, `…LockStorage`,
///    `…LockedValueBox`, `…Mutex` or `…Condition` (swift-log's and
///    swift-metrics' wrappers among them), and the standard library's
///    Swift code (`ManagedBuffer.create` and the like).
/// 2. Not validated at all: locks created by a language or system runtime,
///    whose locks the program never nests in its own (the Swift runtime's
///    C++ half, Swift Concurrency, libdispatch, libstdc++, libunwind, the
///    dynamic loader), and the locks of lockcheck's own lock types (their
///    program validates them already).
/// 3. The first other frame names the class: `function (File.swift:42)`
///    when the binary has line tables (and a symbolizer is found), else
///    `function + 0xOFF (module)`. Many instances from one place stay one class.
///
/// A statically initialised lock whose symbol the dynamic symbol table
/// knows (a global of a shared library, or of an executable linked with
/// `-rdynamic`) is named by that symbol: `symbol (module)`.
enum CreationSite: Equatable {
    case named(String)
    case ignored

    static let maxFrames = 24

    /// A frame's object decides first (one `dladdr`): the symbol table of a
    /// runtime whose locks are ignored, or of libc, is never read, so a
    /// program's first Swift task or dispatch source does not wait for
    /// `libswift_Concurrency`'s or `libdispatch`'s tables (issue 18: the
    /// swift-service-lifecycle trial).
    /// - Complexity: One `unw_backtrace`, one `dladdr` per frame, and a
    ///   symbol lookup per frame not seen before in an object whose frames
    ///   need their symbol.
    static func classify(lockAddress: UnsafeRawPointer, atInit: Bool, symbolizer: Symbolizer) -> CreationSite {
        if !atInit, let name = staticSymbol(lockAddress) { return .named(name) }
        let addresses: [UInt] = withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: maxFrames) { buf in
            let n = Int(unw_backtrace(buf.baseAddress, Int32(maxFrames)))
            return (0..<max(0, n)).compactMap { buf[$0].map { UInt(bitPattern: $0) } }
        }
        for address in addresses {
            switch objectRule(objectPath(address)) {
            case .skip?: continue
            case .ignore?: return .ignored
            case .name?, nil: break
            }
            let entry = symbolizer.entry(address)
            switch frameRule(object: entry.object.isEmpty ? objectPath(address) : entry.object, symbol: entry.symbol) {
            case .skip: continue
            case .ignore: return .ignored
            case .name: return .named(className(symbolizer.symbolize(address)))
            }
        }
        return .named("unknown creation site")
    }

    enum FrameRule { case skip, ignore, name }

    /// What ``classify(lockAddress:atInit:symbolizer:)`` does with a frame in
    /// `object` (a path) at `symbol` (demangled; nil when unknown).
    static func frameRule(object: String, symbol: String?) -> FrameRule {
        if let rule = objectRule(object) { return rule }
        let module = object.split(separator: "/").last.map(String.init) ?? object
        guard let symbol else { return .name }
        if module.hasPrefix("libswiftCore") {
            // The runtime's C++ half and its C entry points; the standard library's Swift code is skipped.
            return symbol.hasPrefix("_Z") || symbol.hasPrefix("swift_") || symbol.hasPrefix("swift::") ? .ignore : .skip
        }
        if symbol.hasPrefix("Instrumented.") || symbol.contains(" Instrumented.") { return .ignore }
        if symbol.hasPrefix("Swift.") || symbol.contains(" Swift.") && !symbol.contains(" in ") { return .skip }
        if symbol.contains("NIOConcurrencyHelpers.") { return .skip }
        if isLockImplementation(symbol) { return .skip }
        return .name
    }

    /// The rule for every frame in `object` when its object alone decides
    /// (this library, libc, an ignored runtime); nil when the symbol does.
    static func objectRule(_ object: String) -> FrameRule? {
        if object == ownObject { return .skip }
        let module = object.split(separator: "/").last.map(String.init) ?? object
        if module.hasPrefix("libc.so") || module.hasPrefix("libpthread") { return .skip }
        for prefix in ignoredModules where module.hasPrefix(prefix) { return .ignore }
        return nil
    }

    /// Runtimes whose locks lockcheck leaves alone (rule 2).
    static let ignoredModules = [
        "libswift_Concurrency", "libswiftSynchronization", "libswift_", "libdispatch", "libBlocksRuntime",
        "libstdc++", "libgcc_s", "libunwind", "ld-linux", "ld64", "libicu", "lib_FoundationICU",
    ]

    /// Whether `symbol` is code of a lock type: a member of a type whose
    /// name ends in a lock word (`Foundation.NSLock.init()`,
    /// `Logging.Lock.init()`, `NIOConcurrencyHelpers.LockStorage.create(value:)`).
    static func isLockImplementation(_ symbol: String) -> Bool {
        var s = Substring(symbol)
        for prefix in ["static ", "@objc ", "dynamic "] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        // The qualified name before the argument list: `Module.Type.member`.
        let path = s.prefix { $0 != "(" && $0 != " " && $0 != "<" }
        let parts = path.split(separator: ".")
        guard parts.count >= 2 else { return false }
        for part in parts.dropLast() {
            for word in ["Lock", "LockStorage", "LockedValueBox", "Mutex", "Condition", "ConditionLock"]
            where part.hasSuffix(word) {
                return true
            }
        }
        return false
    }

    /// The class name of a frame's text: `symbol (File.swift:42)` as is;
    /// `symbol + 0xOFF (module)` (no line table) keeps its offset, so two
    /// creation sites in one function stay two classes; a Swift function's
    /// return type is dropped; a file is named without its folder.
    static func className(_ text: String) -> String {
        var text = text
        guard let location = lastLocation(text) else { return text }
        if !text.hasPrefix("closure"), !text.contains(" in "), let arrow = text.firstRange(of: " -> "),
           arrow.upperBound <= location.lowerBound {
            text.removeSubrange(arrow.lowerBound..<location.lowerBound)
        }
        // `(/src/App/File.swift:42)`: the file's name only.
        if let location = lastLocation(text), let slash = text[location.upperBound...].lastIndex(of: "/") {
            text.removeSubrange(location.upperBound...slash)
        }
        return text
    }

    /// The last ` (` of `text`: where its location part starts.
    private static func lastLocation(_ text: String) -> Range<String.Index>? {
        var location: Range<String.Index>?
        var rest = text.startIndex..<text.endIndex
        while let r = text[rest].firstRange(of: " (") {
            location = r
            rest = r.upperBound..<text.endIndex
        }
        return location
    }

    /// `symbol (module)` for a lock that is (within its first 64 bytes) a
    /// symbol of the dynamic symbol table.
    static func staticSymbol(_ address: UnsafeRawPointer) -> String? {
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        var symbol: UnsafePointer<CChar>?
        var symbolAddress: UInt = 0
        guard lc_symbol_info(address, &object, &base, &symbol, &symbolAddress) != 0, let symbol else { return nil }
        let at = UInt(bitPattern: address)
        guard symbolAddress <= at, at - symbolAddress < 64 else { return nil }
        let path = object.map { String(cString: $0) } ?? ""
        var module = path.split(separator: "/").last.map(String.init) ?? path
        if module.isEmpty { module = processName() }
        return "\(demangle(String(cString: symbol))) (\(module))"
    }

    /// The path of the object `address` is in, "" when unknown or the main
    /// program (``lc_object_info``: no symbol-table scan).
    static func objectPath(_ address: UInt) -> String {
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        guard lc_object_info(UnsafeRawPointer(bitPattern: address > 0 ? address - 1 : address), &object, &base) != 0,
              let object else { return "" }
        return String(cString: object)
    }

    /// The path of the object this code is in (the preload library, or the
    /// program that links Instrumented).
    static let ownObject: String = {
        let f: @convention(c) () -> Int64 = lc_gettid
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        var symbol: UnsafePointer<CChar>?
        var symbolAddress: UInt = 0
        guard lc_symbol_info(unsafeBitCast(f, to: UnsafeRawPointer.self), &object, &base, &symbol, &symbolAddress) != 0,
              let object, object.pointee != 0 else { return "/proc/self/exe" }
        return String(cString: object)
    }()
}
