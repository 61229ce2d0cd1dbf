#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// Turns return addresses into frames with Swift names demangled, once per
/// address (dladdr alone can take 100 µs a frame): `symbol (File.swift:42)`
/// when the binary's line table knows the line (``SourceLines``), else
/// `symbol + 0xOFF (module)`.
///
/// The object comes from dladdr(3); the symbol from the object's own symbol
/// table (``ELFSymbols``), falling back to dladdr's nearest exported symbol.
/// Lines are looked up only when a frame's text is first needed (a report,
/// a trace's stack), never to trim a captured stack.
/// Thread-safe; used only off the fast path (new dependencies, reports).
final class Symbolizer: StackSymbolizing, @unchecked Sendable {
    struct Entry {
        var text: String
        /// The demangled symbol, the object's path and the address in it,
        /// for the line lookup; nil when there is no symbol.
        var symbol: String?
        var object = ""
        var fileAddress: UInt64 = 0
        /// The line lookup was done (found or not).
        var located = false
        /// The frame is the validator's own (Instrumented, LockGraph, libunwind).
        var isRuntime: Bool
        /// The frame is in the Swift standard library (generic helpers the
        /// validator calls, like `Optional.map`).
        var isStandardLibrary = false
    }

    private let lock = PlainLock()
    private var entries: [UInt: Entry] = [:]
    private var objects: [String: ELFSymbols?] = [:]
    /// Started on the first line lookup; `.some(nil)` when there is no tool.
    private var sourceLines: SourceLines??

    /// The frame's text.
    /// - Complexity: O(1) for a known address; else dladdr and one
    ///   symbol-table search (the first address of an object reads its table).
    func symbolize(_ address: UInt) -> String {
        lock.withLock {
            var e = entries[address] ?? resolve(address)
            if !e.located {
                e.located = true
                if let symbol = e.symbol, let found = lines()?.location(object: e.object, fileAddress: e.fileAddress) {
                    e.text = "\(symbol) (\(found.file):\(found.line))"
                }
            }
            entries[address] = e
            return e.text
        }
    }

    /// The source location of `address` (nil when unknown) and its offset
    /// in its symbol, for naming a lock's creation site.
    /// - Complexity: As ``symbolize(_:)``, plus one line lookup.
    func sourceSite(_ address: UInt) -> (location: (file: String, line: Int)?, offset: UInt) {
        lock.withLock {
            let e = entries[address] ?? resolve(address)
            entries[address] = e
            guard e.symbol != nil else { return (nil, 0) }
            let offset = e.text.firstRange(of: " + 0x").flatMap { r in
                UInt(e.text[r.upperBound...].prefix(while: { $0.isHexDigit }), radix: 16)
            } ?? 0
            return (lines()?.location(object: e.object, fileAddress: e.fileAddress), offset)
        }
    }

    /// Starts the source-line tool and has it read the main program's line
    /// tables (one query, at the program's entry point: the tool indexes the
    /// program's compile units to answer it), and reads the program's symbol
    /// table. Called by `lockcheck run`'s library constructor, before the
    /// program's `main` and before it has other threads: the first lock
    /// classes named by file and line in the program's code then wait for
    /// no tool start (issue 18: swift-service-lifecycle's
    /// `testCancelOnSignal` allows 10 ms from its start to its signal).
    /// - Complexity: The tool's start and index, paid once at start-up
    ///   (about 0.1–0.3 s for a large debug test binary; see
    ///   Benchmarks/RESULTS.md), instead of inside the first lock named in
    ///   the program's code.
    func prepareSourceLines() {
        let entryPoint = UInt(lc_program_entry())
        guard entryPoint != 0 else { return }
        _ = sourceSite(entryPoint + 1)
    }

    /// Takes the symbolizer's lock for a `fork()`.
    func lockForFork() { lock.lockForFork() }

    /// Releases what ``lockForFork()`` took; in the child, first forgets the
    /// parent's `llvm-symbolizer` process (its pipes are the parent's: the
    /// child starts a tool of its own on first need). The parent's object is
    /// kept alive, never destroyed, so its deinit never touches the parent's tool.
    func unlockAfterFork(inChild: Bool) {
        if inChild, case .some(.some(let parentTool)) = sourceLines {
            _ = Unmanaged.passRetained(parentTool)
            sourceLines = nil
        }
        lock.unlockAfterFork()
    }

    private func lines() -> SourceLines? {
        if sourceLines == nil { sourceLines = .some(SourceLines()) }
        return sourceLines ?? nil
    }

    /// Whether the frame belongs to the validator, or to the standard library
    /// it calls (trimmed from the top of captured stacks).
    func isRuntimeFrame(_ address: UInt) -> Bool {
        let e = entry(address)
        return e.isRuntime || e.isStandardLibrary
    }

    /// The number of innermost frames of `frames` that are the validator's
    /// own (or the standard library's it calls), to trim when printing.
    func runtimeFrameCount(_ frames: [StackFrame]) -> Int {
        var n = 0
        for frame in frames {
            guard case .address(let a) = frame, isRuntimeFrame(a) else { break }
            n += 1
        }
        return n
    }

    func entry(_ address: UInt) -> Entry {
        lock.withLock {
            if let e = entries[address] { return e }
            let e = resolve(address)
            entries[address] = e
            return e
        }
    }

    private func resolve(_ address: UInt) -> Entry {
        // A return address points after the call: look up the call itself.
        let probe = address > 0 ? address - 1 : address
        var objectPtr: UnsafePointer<CChar>?
        var base: UInt = 0
        guard lc_object_info(UnsafeRawPointer(bitPattern: probe), &objectPtr, &base) != 0 else {
            return Entry(text: "0x" + String(address, radix: 16), isRuntime: false)
        }
        var object = objectPtr.map { String(cString: $0) } ?? ""
        if object.isEmpty { object = "/proc/self/exe" }
        let module = object == "/proc/self/exe" ? processName() : String(object.split(separator: "/").last ?? "?")
        var mangled: String?
        var offset: UInt64 = 0
        let symbols = objectSymbols(object, base: base)
        if let symbols, let found = symbols.lookup(probe) {
            mangled = found.name
            offset = found.offset + 1
        } else {
            // No symbol table on disk: the dynamic symbol (dladdr scans the object's symbols).
            var dlObject: UnsafePointer<CChar>?
            var dlBase: UInt = 0
            var symbolPtr: UnsafePointer<CChar>?
            var symbolAddress: UInt = 0
            if lc_symbol_info(UnsafeRawPointer(bitPattern: probe), &dlObject, &dlBase, &symbolPtr, &symbolAddress) != 0,
               let symbolPtr {
                mangled = String(cString: symbolPtr)
                offset = UInt64(address &- symbolAddress)
            }
        }
        guard let mangled else {
            return Entry(text: "0x\(String(address, radix: 16)) (\(module))",
                         isRuntime: module.hasPrefix("libunwind"))
        }
        let isRuntime = mangled.hasPrefix("$s12Instrumented") || mangled.hasPrefix("$s9LockGraph")
            || mangled.hasPrefix("unw_") || mangled.hasPrefix("lc_handler_") || mangled.hasPrefix("_ULx86_64") || mangled.hasPrefix("_ULaarch64")
            || module.hasPrefix("libunwind") || module.hasPrefix("liblockcheck-preload")
        let isStandardLibrary = mangled.hasPrefix("$ss") || mangled.hasPrefix("$sS") || module.hasPrefix("libswiftCore")
        let symbol = demangle(mangled)
        let path = object == "/proc/self/exe" ? (realpath(object, nil).map { p in defer { free(p) }; return String(cString: p) } ?? object) : object
        return Entry(text: "\(symbol) + 0x\(String(offset, radix: 16)) (\(module))", symbol: symbol, object: path,
                     fileAddress: symbols?.fileAddress(probe) ?? UInt64(probe &- base),
                     isRuntime: isRuntime, isStandardLibrary: isStandardLibrary)
    }

    private func objectSymbols(_ path: String, base: UInt) -> ELFSymbols? {
        if let known = objects[path] { return known }
        let symbols = ELFSymbols(path: path, base: base)
        objects[path] = symbols
        return symbols
    }
}

@_silgen_name("swift_demangle")
private func _swiftDemangle(_ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
                            _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<Int>?,
                            _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

/// The Swift runtime's demangling of `name`, or `name` when it is not a Swift symbol.
func demangle(_ name: String) -> String {
    guard name.hasPrefix("$s") || name.hasPrefix("_T") || name.hasPrefix("$S") else { return name }
    return name.withCString { p -> String in
        guard let out = _swiftDemangle(p, strlen(p), nil, nil, 0) else { return name }
        defer { free(out) }
        return String(cString: out)
    }
}
