#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// The class of a pthread lock seen by the preload library: where it was
/// created, read from a short creation stack by ``CreationSiteRule`` (the
/// drop-in wrappers' rule: libc's frames, this library's, compiler glue and
/// lock-type code skipped, a runtime's locks left unvalidated), captured
/// once per lock (at its init, or at the first use of a statically
/// initialised lock).
///
/// The site is named `function (File.swift:42)` when the binary has line
/// tables (and a symbolizer is found), else `function + 0xOFF (module)`
/// (``className(_:)``). Many instances from one place stay one class.
///
/// A statically initialised lock whose symbol the dynamic symbol table
/// knows (a global of a shared library, or of an executable linked with
/// `-rdynamic`) is named by that symbol: `symbol (module)`.
enum CreationSite: Equatable {
    case named(String)
    case ignored

    /// How many frames a creation stack keeps: this library's (~8), a few
    /// wrapper levels, and the site.
    static let maxFrames = 24

    /// Frame by frame, as ``CreationSiteRule/site(in:)`` decides, stopping at
    /// the deciding frame; a frame whose object alone decides (lockcheck,
    /// libc, a runtime) costs no symbol lookup; a libswiftCore frame is decided
    /// by ``SwiftRuntimeFrames``, with no lock (a thread inside the Swift
    /// runtime may hold its metadata locks: it never waits for the symbolizer's). The Swift runtime creates a
    /// lock per generic metadata entry, each classified (as the runtime's)
    /// when first taken: issue 18's swift-service-lifecycle trial had
    /// hundreds of them inside a test's first 10 ms.
    /// - Complexity: One `unw_backtrace`; per frame up to the deciding one,
    ///   one `_dl_find_object`, and a symbol lookup when the object does not decide.
    static func classify(lockAddress: UnsafeRawPointer, atInit: Bool, symbolizer: Symbolizer) -> CreationSite {
        if !atInit, let name = staticSymbol(lockAddress) { return .named(name) }
        let site = classifyByStack(symbolizer: symbolizer)
        // A statically initialised lock with no exported symbol (a `static` C
        // variable) is first seen at its first use, whose stack names the
        // helper that takes every such lock (BoringSSL's
        // `StaticMutex::LockRead`): by that site alone, all of them would be
        // one class, and nesting two a false `recursive-lock`. lockdep keys
        // a static lock by its address; so does this, by its place in its object.
        if !atInit, case .named(let name) = site, let place = staticPlace(lockAddress) {
            return .named("\(name) [static lock \(place)]")
        }
        return site
    }

    /// ``classify(lockAddress:atInit:symbolizer:)``'s creation stack.
    private static func classifyByStack(symbolizer: Symbolizer) -> CreationSite {
        for address in CreationSites.returnAddresses(limit: maxFrames) {
            let path = objectPath(address)
            var frame = CreationSiteRule.Frame(address: address, object: path, isLockcheck: path == ownObject, symbol: nil)
            var role = CreationSiteRule.role(of: frame)
            if role == .site, let runtime = SwiftRuntimeFrames.shared?.role(of: address, object: path) {
                role = runtime  // libswiftCore: decided with no lock (see SwiftRuntimeFrames)
            } else if role == .site, (path.split(separator: "/").last ?? "").hasPrefix("libswiftCore") {
                role = .runtime  // no lock-free table: never the symbolizer's lock inside the runtime
            } else if role == .site {  // the object does not decide: the symbol does
                let entry = symbolizer.entry(address)
                let object = entry.object.isEmpty ? path : entry.object
                frame = CreationSiteRule.Frame(address: address, object: object, isLockcheck: object == ownObject,
                                               symbol: entry.symbol)
                role = CreationSiteRule.role(of: frame)
            }
            switch role {
            case .skipped, .wrapper: continue
            case .runtime: return .ignored
            case .site: return .named(className(symbolizer.symbolize(address)))
            }
        }
        return .named("unknown creation site")
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

    /// `module+0xOFFSET` for a lock in a loaded object's static storage
    /// (its data or bss); nil for one on the heap or a stack.
    /// - Complexity: One `_dl_find_object`.
    static func staticPlace(_ address: UnsafeRawPointer) -> String? {
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        guard lc_object_info(address, &object, &base) != 0 else { return nil }
        let path = object.map { String(cString: $0) } ?? ""
        var module = path.split(separator: "/").last.map(String.init) ?? path
        if module.isEmpty { module = processName() }
        return "\(module)+0x\(String(UInt(bitPattern: address) &- base, radix: 16))"
    }

    /// The path of the object `address` is in, "" when unknown.
    static func objectPath(_ address: UInt) -> String {
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        // _dl_find_object, not dladdr: no scan of the object's symbols.
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
