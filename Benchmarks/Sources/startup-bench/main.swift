// startup-bench: what the first lock a process creates and takes costs
// (issue 18), validated against LOCKCHECK=off, in the same run.
//
//   swift build -c release --package-path Benchmarks --product startup-bench
//   Benchmarks/.build/release/startup-bench [--runs N (40)]
//
// Without `--child`, startup-bench starts itself N times per configuration,
// the configurations interleaved run by run (LOCKCHECK=off, LOCKCHECK=report,
// LOCKCHECK=report with LockCheck.start() first), and prints the median and
// the 90th percentile of two times per configuration:
//
//   first lock   inside the child: from main's first statement to the first
//                CheckedMutex created, taken and released (the validator
//                starts inside it, unless LockCheck.start() ran first)
//   process      in the parent: from posix_spawn to the child's exit
//
// The child prints its first-lock time in nanoseconds on stdout.
import Foundation
import BenchSupport
import Instrumented
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments

if arguments.contains("--child") {
    var startNs: UInt64 = 0
    if arguments.contains("--start-first") {
        LockCheck.start()         // at launch, as a program that wants it early does
    }
    let t0 = now()
    let lock = CheckedMutex(name: "startup.first")
    lock.withLock { startNs = now() &- t0 }
    let total = now() &- t0
    _ = startNs
    print(total)
    exit(0)
}

func runs() -> Int { argument("--runs", 40) }

/// Runs the child once; returns (first lock ns, process ns).
func runChild(environment extra: [String: String], startFirst: Bool) -> (UInt64, UInt64) {
    var env = ProcessInfo.processInfo.environment
    for (k, v) in extra { env[k] = v }
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in envp { free(p) } }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    var args = [exe, "--child"]
    if startFirst { args.append("--start-first") }
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    var pid: pid_t = 0
    let t0 = now()
    let rc = posix_spawn(&pid, exe, &actions, nil, argv, envp)
    precondition(rc == 0, "posix_spawn: \(rc)")
    close(fds[1])
    var status: Int32 = 0
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 256)
    while true {
        let n = read(fds[0], &buf, buf.count)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    waitpid(pid, &status, 0)
    let process = now() &- t0
    close(fds[0])
    posix_spawn_file_actions_destroy(&actions)
    let text = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return (UInt64(text) ?? 0, process)
}

func summary(_ xs: [UInt64]) -> String {
    let s = xs.sorted()
    let median = Double(s[s.count / 2]) / 1e6
    let p90 = Double(s[min(s.count - 1, s.count * 9 / 10)]) / 1e6
    return String(format: "%7.3f ms median  %7.3f ms p90", median, p90)
}

let configurations: [(name: String, env: [String: String], startFirst: Bool)] = [
    ("LOCKCHECK=off", ["LOCKCHECK": "off"], false),
    ("LOCKCHECK=report", ["LOCKCHECK": "report"], false),
    ("report, LockCheck.start() first", ["LOCKCHECK": "report"], true),
]
var firstLock = Array(repeating: [UInt64](), count: configurations.count)
var process = Array(repeating: [UInt64](), count: configurations.count)
let n = runs()
for _ in 0..<n {
    for (i, c) in configurations.enumerated() {
        let (f, p) = runChild(environment: c.env, startFirst: c.startFirst)
        firstLock[i].append(f)
        process[i].append(p)
    }
}
print("startup-bench: \(n) runs per configuration, interleaved")
for (i, c) in configurations.enumerated() {
    print("\(c.name.padding(toLength: 32, withPad: " ", startingAt: 0))  first lock \(summary(firstLock[i]))   process \(summary(process[i]))")
}
