#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// tracegen: writes a synthetic lockcheck trace (format v1) to stdout.
//
//     swift run -c release --package-path Benchmarks tracegen \
//         --events 10000000 --threads 16 --classes 300 --seed 1 > /tmp/t10m.log
//
// The trace is a pure function of the options. Nothing but the trace goes to
// stdout; --summary describes the generated program on stderr.

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
var rng = Xoshiro256(seed: options.seed)
let model: ProgramModel
if let modelSeed = options.modelSeed {
    // One program (from the model seed), this run of it (from the seed).
    var modelRNG = Xoshiro256(seed: modelSeed)
    model = ProgramModel(options: options, rng: &modelRNG, assignmentRNG: &rng)
} else {
    model = ProgramModel(options: options, rng: &rng)
}
var simulation = Simulation(options: options, model: model, rng: rng, out: TraceWriter(fd: 1))
simulation.run()
if options.summary {
    simulation.printSummary()
}
if simulation.violationsWritten < options.violations {
    printError("tracegen: warning: injected only \(simulation.violationsWritten) of \(options.violations) violations (the run is too short for them)\n")
    exit(1)
}
