import Foundation
import XCTest

/// A temporary directory, removed when the value goes away.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-test-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` and returns its path.
    func file(_ name: String, _ text: String) -> String {
        let u = url.appendingPathComponent(name)
        try? Data(text.utf8).write(to: u)
        return u.path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Runs `python3 -c script args…`; status 127 when there is no python3.
enum Python {
    static func run(_ script: String, _ args: [String]) throws -> CommandResult {
        try Tool.run("python3", ["-c", script] + args)
    }
}

/// Runs a program found on PATH (or with a custom environment).
enum Tool {
    static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        for dir in (path ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func run(_ name: String, _ args: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let executable = name.hasPrefix("/") ? name : find(name)
        guard let executable else { return CommandResult(status: 127, stdout: "", stderr: "\(name): not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.currentDirectoryURL = Lockcheck.root
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errBox = LockedData()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errBox.get(), as: UTF8.self))
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
