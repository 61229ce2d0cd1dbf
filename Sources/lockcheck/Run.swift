#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser

/// `lockcheck run`: runs an unmodified program with lockcheck's preload
/// library (`liblockcheck-preload.so`) validating its pthread locks, and
/// those of every library it loads.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a program with its pthread locks validated (no rebuild needed).",
        discussion: """
            Sets LD_PRELOAD to liblockcheck-preload.so (next to this binary, or LOCKCHECK_PRELOAD_LIBRARY) \
            and the options as LOCKCHECK* variables, then replaces itself with the command. \
            Violations are printed to stderr as the program runs; children of the program inherit both.
            Without the wrapper: LD_PRELOAD=/path/to/liblockcheck-preload.so LOCKCHECK=report <command>.
            Example: lockcheck run --trace run-%p.trace -- ./server --port 8080; lockcheck analyze run-*.trace
            """
    )

    @Option(help: ArgumentHelp("What a violation does: report (print and continue) or trap (print, flush the trace, stop).",
                               valueName: "mode"))
    var mode: String = "report"

    @Option(help: ArgumentHelp("Record a trace there (%p: the process id, one trace per process).", valueName: "path"))
    var trace: String?

    @Option(help: ArgumentHelp("The preload library (default: next to lockcheck).", valueName: "path"))
    var library: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    /// The command without the `--` that separates it.
    var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        guard ["report", "trap"].contains(mode) else { throw ValidationError("--mode must be report or trap, not '\(mode)'.") }
        if commandLine.isEmpty { throw ValidationError("No command to run: lockcheck run [options] -- <command> [args].") }
    }

    func run() throws {
        guard let path = library ?? Run.findLibrary() else {
            Terminal.error("lockcheck: liblockcheck-preload.so not found next to lockcheck; build it with "
                           + "'swift build --product lockcheck-preload' or pass --library.")
            throw ExitCode(2)
        }
        guard access(path, R_OK) == 0 else {
            Terminal.error("lockcheck: cannot read the preload library \(path)")
            throw ExitCode(2)
        }
        let existing = getenv("LD_PRELOAD").map { String(cString: $0) } ?? ""
        setenv("LD_PRELOAD", existing.isEmpty ? path : path + ":" + existing, 1)
        setenv("LOCKCHECK", mode, 1)
        if let trace { setenv("LOCKCHECK_TRACE", trace, 1) }
        let args = commandLine
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execvp(args[0], &argv)
        let reason = String(cString: strerror(errno))
        for a in argv { free(a) }
        Terminal.error("lockcheck: cannot run \(args[0]): \(reason)")
        throw ExitCode(127)
    }

    /// `LOCKCHECK_PRELOAD_LIBRARY`, else `liblockcheck-preload.so` beside this
    /// executable or in `../lib` of it.
    static func findLibrary() -> String? {
        if let p = getenv("LOCKCHECK_PRELOAD_LIBRARY"), p.pointee != 0 { return String(cString: p) }
        guard let exe = realpath("/proc/self/exe", nil) else { return nil }
        let path = String(cString: exe)
        free(exe)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let dir = String(path[..<slash])
        for candidate in [dir + "/liblockcheck-preload.so", dir + "/../lib/liblockcheck-preload.so"]
        where access(candidate, R_OK) == 0 {
            return candidate
        }
        return nil
    }
}
