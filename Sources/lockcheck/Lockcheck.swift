import ArgumentParser

/// `lockcheck`: lockdep-style lock-order validation for Swift programs.
@main
struct Lockcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockcheck",
        abstract: "Validate lock nesting, interrupt and sleep contexts, and deferred-free lifetimes in lockcheck traces.",
        discussion: """
            Exit status of analyze: 0 no violation, 1 violations found, 2 unusable input or command line.
            'lockcheck explain' lists the rules and explains each; traces are described in docs/trace-format.md, the rules in docs/rules.md and --format json in docs/report-schema.md (in the lockcheck repository).
            """,
        version: "0.1.0",
        subcommands: [Analyze.self, RecordBaseline.self, Explain.self, Graph.self, Run.self],
        defaultSubcommand: Analyze.self
    )
}

extension Lockcheck {
    /// Runs the command; a usage error exits 2 (rules.md: "the input or the
    /// command line is unusable"), not argument-parser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // The message ends with "See 'lockcheck <command> --help'".
                Terminal.error(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
