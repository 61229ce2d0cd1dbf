#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Source file and line of code addresses, read from the binaries' DWARF
/// line tables by an `llvm-symbolizer` process kept for the life of the
/// runtime, the way the sanitizers symbolize.
///
/// The tool is `LOCKCHECK_SYMBOLIZER` (a path; `off` disables this), else
/// `llvm-symbolizer` on `PATH` (the Swift toolchain ships one; Debian's
/// `llvm` package too). Without one, or for code without debug info, frames
/// keep `symbol + 0xOFF (module)`. Not thread-safe: ``Symbolizer`` calls it
/// under its lock, only when a frame's text is first needed.
final class SourceLines {
    private let pid: pid_t
    private let toTool: Int32
    private let fromTool: Int32
    private var pending: [UInt8] = []
    private var broken = false
    /// How long one answer may take before the tool is given up.
    private static let timeoutMilliseconds: Int32 = 10_000

    /// Starts the tool, or returns nil when there is none (or it is switched off).
    init?() {
        let chosen = getenv("LOCKCHECK_SYMBOLIZER").map { String(cString: $0) }
        let path = getenv("PATH").map { String(cString: $0) }
        guard let tool = Self.toolPath(chosen: chosen, path: path) else { return nil }
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else { return nil }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            return nil
        }
        // No other child inherits them; dup2 onto 0 and 1 clears the flag in this one.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The innermost inlined frame first, the function the address is in last.
        let args = [tool, "--functions=none", "--inlining=true"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        // The tool runs without lockcheck: no preload library (`lockcheck run`), no trace of its own.
        var envp: [UnsafeMutablePointer<CChar>?] = [strdup("LOCKCHECK=off")]
        var e = environ
        while let entry = e.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("LD_PRELOAD=") && !text.hasPrefix("LOCKCHECK") { envp.append(strdup(entry)) }
            e += 1
        }
        envp.append(nil)
        defer { for p in envp { free(p) } }
        let rc = posix_spawn(&child, tool, &actions, nil, &argv, &envp)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1]); close(fromChild[0])
            return nil
        }
        pid = child
        toTool = toChild[1]
        fromTool = fromChild[0]
    }

    deinit {
        close(toTool)
        close(fromTool)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The tool to run, if any.
    /// - Parameters:
    ///   - chosen: `LOCKCHECK_SYMBOLIZER`: a path, or `off`.
    ///   - path: `PATH`.
    static func toolPath(chosen: String?, path: String?) -> String? {
        if let chosen, !chosen.isEmpty {
            return chosen == "off" || access(chosen, X_OK) != 0 ? nil : chosen
        }
        for dir in (path ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(dir)/llvm-symbolizer"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// File and line of the function `address` (a file address in the ELF
    /// object at `object`) is in: for inlined code, the line of the call in
    /// that function. Nil when the object has no line for it.
    func location(object: String, fileAddress: UInt64) -> (file: String, line: Int)? {
        guard !broken, !object.contains("\""), !object.contains("\n") else { return nil }
        let query = "\"\(object)\" 0x\(String(fileAddress, radix: 16))\n"
        guard writeAll(Array(query.utf8)), let lines = readAnswer() else {
            broken = true
            return nil
        }
        // "file:line:column" per inlined frame, innermost first; "??:0:0" when unknown.
        guard let last = lines.last else { return nil }
        let parts = last.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), line > 0 else { return nil }
        let file = parts.dropLast(2).joined(separator: ":")
        guard !file.isEmpty, file != "??", !file.hasPrefix("/<compiler-generated>") else { return nil }
        return (file, line)
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(toTool, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// The lines of one answer (up to the empty line that ends it), or nil
    /// when the tool died or took too long.
    private func readAnswer() -> [String]? {
        while true {
            if let end = pending.firstIndex(of: 10), end == 0 || pending[..<end].last != nil {
                // Answers end with an empty line: look for "\n\n" (or a lone "\n" first).
                if let blank = blankLine() {
                    let text = String(decoding: pending[..<blank], as: UTF8.self)
                    pending.removeSubrange(...blank)
                    return text.split(separator: "\n").map(String.init)
                }
            }
            var fds = pollfd(fd: fromTool, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Self.timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { read(fromTool, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            pending.append(contentsOf: buffer[..<n])
        }
    }

    /// The index of the newline that ends an answer: the second of "\n\n",
    /// or a newline at the very start (an empty answer).
    private func blankLine() -> Int? {
        if pending.first == 10 { return 0 }
        var i = pending.startIndex
        while i + 1 < pending.endIndex {
            if pending[i] == 10 && pending[i + 1] == 10 { return i + 1 }
            i += 1
        }
        return nil
    }
}
