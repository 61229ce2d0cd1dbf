#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Command-line options of `tracegen`.
struct Options {
    /// Event lines to write (declarations and comments are not counted).
    var events = 1_000_000
    /// Threads in the program, including the deferred-free reclaimer.
    var threads = 16
    /// Lock classes.
    var classes = 300
    var seed: UInt64 = 1
    /// Seed of the program (classes, their order, code paths) when it should
    /// differ from `seed`; nil: one seed draws everything.
    var modelSeed: UInt64?
    /// Lock-order inversions to inject near the end of the run.
    var violations = 0
    /// Print a summary of what was generated to stderr.
    var summary = false

    static let usage = """
        usage: tracegen [--events N] [--threads T] [--classes C] [--seed S]
                        [--model-seed M] [--violations V] [--summary]

        Writes a synthetic lockcheck trace (format v1) to stdout: C lock classes
        of mixed kinds in one global order, T threads running chains of up to 6
        nested locks along that order, a few new (still ordered) dependencies late
        in the run, and V injected lock-order inversions after 90% of it.
        The same options always give the same trace.

          --events N       event lines to write (default 1000000)
          --threads T      threads, 2...1024 (default 16)
          --classes C      lock classes, 16...100000 (default 300)
          --seed S         random seed (default 1)
          --model-seed M   draw the program (classes, their order, code paths)
                           from M and only the run (which thread runs which
                           paths, the interleaving) from S: traces with one M
                           and different S are different runs of one program
          --violations V   inversions to inject, at most C/8 (default 0)
          --summary        describe the generated program on stderr

        """

    /// Parses `arguments` (without the program name); prints the problem and
    /// exits with status 2 on bad input.
    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var i = 0
        func value(_ flag: String) -> String {
            i += 1
            guard i < arguments.count else { fail("\(flag) needs a value") }
            return arguments[i]
        }
        func integer(_ flag: String, _ range: ClosedRange<Int>) -> Int {
            let text = value(flag)
            guard let v = Int(text.replacingUnderscores()), range.contains(v) else {
                fail("\(flag) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
            }
            return v
        }
        while i < arguments.count {
            let arg = arguments[i]
            switch arg {
            case "--events": options.events = integer(arg, 1...1_000_000_000_000)
            case "--threads": options.threads = integer(arg, 2...1024)
            case "--classes": options.classes = integer(arg, 16...100_000)
            case "--violations": options.violations = integer(arg, 0...100_000)
            case "--seed":
                let text = value(arg)
                guard let v = UInt64(text.replacingUnderscores()) else { fail("--seed must be an unsigned integer, not '\(text)'") }
                options.seed = v
            case "--model-seed":
                let text = value(arg)
                guard let v = UInt64(text.replacingUnderscores()) else { fail("--model-seed must be an unsigned integer, not '\(text)'") }
                options.modelSeed = v
            case "--summary": options.summary = true
            case "-h", "--help":
                writeText(usage, to: 1)
                exit(0)
            default: fail("unknown argument '\(arg)'")
            }
            i += 1
        }
        if options.violations > options.classes / 8 {
            fail("--violations must be at most classes/8 (\(options.classes / 8)) so that every inversion has classes of its own")
        }
        if options.events < options.threads * 4 {
            fail("--events must be at least 4 per thread (\(options.threads * 4))")
        }
        return options
    }

    static func fail(_ message: String) -> Never {
        printError("tracegen: \(message)\n\n\(usage)")
        exit(2)
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(filter { $0 != "_" })
    }
}
