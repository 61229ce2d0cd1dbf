import LockGraph

/// Where, in the project's own code, a violation happened: the innermost
/// frame of its stack that has a source line and is not lockcheck's own
/// (the lock wrappers in `Sources/Instrumented/`, this module). That is the
/// line that took (or waited for) the lock, which a test failure points at.
struct AcquisitionSite: Equatable, Sendable {
    var filePath: String
    var line: Int

    init(filePath: String, line: Int) {
        self.filePath = filePath
        self.line = line
    }

    /// `Module/File.swift`, assuming SwiftPM's `Sources/<Module>/…` or
    /// `Tests/<Module>/…` layout: the directory that holds the file.
    var fileID: String {
        let parts = filePath.split(separator: "/")
        guard let file = parts.last else { return filePath }
        let module = parts.count >= 2 ? parts[parts.count - 2] : "Unknown"
        return "\(module)/\(file)"
    }

    /// Path fragments of frames that are lockcheck's, not the project's.
    static let ownPaths = ["/Sources/Instrumented/", "/Sources/LockCheckTesting/", "/Sources/LockGraph/"]

    /// The site of `violation`: its event's stack first, then the lock it
    /// tried to take; nil when no frame has a source line (stacks off, or
    /// no debug information).
    init?(_ violation: Violation) {
        for frame in violation.event.stack + (violation.trying?.site.stack ?? []) {
            if let site = AcquisitionSite(frame: frame) {
                self = site
                return
            }
        }
        return nil
    }

    /// The `(path:line)` a symbolicated frame ends with, unless it is lockcheck's own.
    init?(frame: String) {
        guard frame.hasSuffix(")"), let open = frame.lastIndex(of: "(") else { return nil }
        let inside = frame[frame.index(after: open)..<frame.index(before: frame.endIndex)]
        guard let colon = inside.lastIndex(of: ":"), let line = Int(inside[inside.index(after: colon)...]) else { return nil }
        let path = String(inside[..<colon])
        guard path.hasPrefix("/"), path.hasSuffix(".swift"), !Self.ownPaths.contains(where: path.contains) else { return nil }
        filePath = path
        self.line = line
    }
}
