import CLibunwind
import LockGraph

/// Applies ``CreationSiteRule`` to live locks: captures a lock's short
/// creation stack at its init and names its class, remembering each
/// creation site's name so that a site is symbolized once.
/// Thread-safe; called only from lock initialisers (never on acquisition).
final class CreationSites: @unchecked Sendable {
    private let symbolizer: Symbolizer
    private let lock = PlainLock()
    /// Per return address: its frame as the rule sees it.
    private var frames: [UInt: CreationSiteRule.Frame] = [:]
    /// Per creation-site address behind a wrapper: its class name.
    private var names: [UInt: String] = [:]
    /// Init sites (`#fileID` address, line) known to be direct (no wrapper
    /// above them): their locks need no stack at all.
    private var directSites: Set<SiteKey> = []

    private struct SiteKey: Hashable {
        var file: UInt
        var line: UInt
    }

    init(symbolizer: Symbolizer) { self.symbolizer = symbolizer }

    /// The class name of a lock created now without a name: its init site
    /// `fileID:line` when it was created directly, else the wrapper's
    /// creation site, `Function (File.swift:42)`.
    /// - Complexity: For an init site already seen to be direct, one set
    ///   probe. Otherwise one `unw_backtrace` of at most
    ///   ``CreationSiteRule/maxFrames`` frames (about 1 µs a frame) and a
    ///   dictionary probe per frame; the first time a frame is seen, a
    ///   symbol lookup, and the first time a wrapped site is seen, one line
    ///   lookup. So only locks created behind a wrapper pay for a stack.
    func className(fileID: StaticString, line: UInt) -> String {
        let key = SiteKey(file: UInt(bitPattern: fileID.utf8Start), line: line)
        if lock.withLock({ directSites.contains(key) }) { return "\(fileID):\(line)" }
        let stack = CreationSites.returnAddresses(limit: CreationSiteRule.maxFrames).map(frame)
        guard case .site(let index, let wrappers) = CreationSiteRule.site(in: stack), wrappers > 0 else {
            // The init site's caller is no wrapper: nor will it be next time
            // (the init site's frame is the same function).
            lock.withLock { _ = directSites.insert(key) }
            return "\(fileID):\(line)"
        }
        return name(of: stack[index])
    }

    /// The return addresses of the calling thread's innermost `limit` frames (`unw_backtrace`).
    /// - Complexity: About 1 µs a frame.
    static func returnAddresses(limit: Int) -> [UInt] {
        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: limit) { buf in
            let n = Int(unw_backtrace(buf.baseAddress, Int32(limit)))
            return (0..<max(0, n)).compactMap { buf[$0].map { UInt(bitPattern: $0) } }
        }
    }

    private func frame(_ address: UInt) -> CreationSiteRule.Frame {
        if let known = lock.withLock({ frames[address] }) { return known }
        let e = symbolizer.entry(address)
        let f = CreationSiteRule.Frame(address: address, object: e.object, isLockcheck: e.isRuntime || e.isStandardLibrary,
                                       symbol: e.symbol)
        lock.withLock { frames[address] = f }
        return f
    }

    private func name(of site: CreationSiteRule.Frame) -> String {
        if let known = lock.withLock({ names[site.address] }) { return known }
        let found = symbolizer.sourceSite(site.address)
        let function = site.symbol.map(CreationSiteRule.functionName) ?? "0x" + String(site.address, radix: 16)
        let name = CreationSiteRule.className(function: function, file: found.location?.file,
                                              line: found.location?.line, offset: found.offset)
        lock.withLock { names[site.address] = name }
        return name
    }
}
