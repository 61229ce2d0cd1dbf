// The libFuzzer entry point. Built with `-sanitize=fuzzer` (scripts/fuzz),
// libFuzzer supplies `main`, which calls this once per input.
#if canImport(Glibc)
import Glibc
#endif
import TraceAnalysis

/// `LOCKCHECK_FUZZ_LIMITS=analyze` runs with exactly `lockcheck analyze`'s
/// limits (for hunting slow inputs with large ones); by default the scaled-down
/// ``FuzzPipeline/small``.
let fuzzOptions: TraceAnalyzer.Options = {
    if let value = getenv("LOCKCHECK_FUZZ_LIMITS"), String(cString: value) == "analyze" {
        return TraceAnalyzer.Options()
    }
    return FuzzPipeline.small
}()

/// One fuzz input through `lockcheck analyze`'s code path (``FuzzPipeline``).
/// Always returns 0; a finding is a crash, a hang, an ASan report or a
/// `fatalError` of one of the pipeline's checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func lockcheckFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let outcome = FuzzPipeline.run(bytes, options: fuzzOptions)
    // Keep the renderings observable.
    if outcome.rendered < 0 { print(outcome) }
    return 0
}
