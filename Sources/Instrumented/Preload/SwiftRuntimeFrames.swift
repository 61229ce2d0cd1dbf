#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// Decides, with no lock of lockcheck's, whether a frame in the Swift
/// runtime's library (libswiftCore) is the runtime's C++ half or its C entry
/// points (a lock taken there is the runtime's) or the standard library's
/// Swift code (skipped), as ``CreationSiteRule/role(of:)`` decides from the
/// frame's symbol.
///
/// Why no lock: a thread inside the Swift runtime may hold the runtime's
/// metadata locks (a generic metadata entry being instantiated, the metadata
/// cache's writer lock) when it takes a pthread lock that `lockcheck run`
/// classifies. Looking that frame's symbol up through ``Symbolizer`` would
/// wait for the symbolizer's lock, whose holder (any thread's first symbol
/// lookup) runs Swift code that can instantiate generic metadata and so
/// wait for the first thread: an ABBA between lockcheck's lock and the
/// runtime's (issue 18). The table here is read once, in `lockcheck run`'s
/// library constructor before the program has threads, and is immutable
/// afterwards: every thread reads it without a lock.
final class SwiftRuntimeFrames: @unchecked Sendable {
    /// The path of libswiftCore as `_dl_find_object` names it.
    let path: String
    private let symbols: ELFSymbols?

    /// The table of the loaded libswiftCore, nil when the runtime is not a
    /// shared library of its own (a program linked with `-static-stdlib`).
    /// - Complexity: One read of libswiftCore's symbol table (sorted once).
    init?() {
        guard let entry = dlsym(nil, "swift_getGenericMetadata") else { return nil }
        var object: UnsafePointer<CChar>?
        var base: UInt = 0
        guard lc_object_info(entry, &object, &base) != 0, let object, object.pointee != 0 else { return nil }
        path = String(cString: object)
        guard (path.split(separator: "/").last ?? "").hasPrefix("libswiftCore") else { return nil }
        symbols = ELFSymbols(path: path, base: base)
    }

    /// The role of the frame at return address `address` in object `object`,
    /// or nil when the frame is not libswiftCore's. A frame whose symbol is
    /// not found is taken as the runtime's (never a lookup under a lock).
    /// - Complexity: O(log symbols); no lock, no allocation but the name.
    func role(of address: UInt, object: String) -> CreationSiteRule.Role? {
        guard object == path else { return nil }
        guard let found = symbols?.lookup(address > 0 ? address - 1 : address) else { return .runtime }
        // Swift functions ($s…) are the standard library's; C and C++ (_Z…, swift_…) the runtime's.
        return found.name.hasPrefix("$s") ? .skipped : .runtime
    }

    /// Set by ``prepare()`` in `lockcheck run`'s constructor, read-only afterwards.
    nonisolated(unsafe) private(set) static var shared: SwiftRuntimeFrames?

    /// Reads the table. Call once, before the program has other threads.
    static func prepare() {
        if shared == nil { shared = SwiftRuntimeFrames() }
    }
}
