import Foundation
import XCTest

/// Runs the built `lockcheck` binary, as a user would.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The `--format json` output, parsed.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let data = Data(stdout.utf8)
        let object = try JSONSerialization.jsonObject(with: data)
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(stdout)", file: file, line: line)
    }

    /// Rule ids of the JSON output's violations, in report order.
    func rules() throws -> [String] {
        let violations = try json()["violations"] as? [[String: Any]] ?? []
        return violations.compactMap { $0["rule"] as? String }
    }
}

enum Lockcheck {
    /// The repository root, found from this file's path.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `lockcheck` binary next to the test bundle.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("lockcheck")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        for config in ["debug", "release"] {
            let candidate = root.appendingPathComponent(".build/\(config)/lockcheck")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/lockcheck")
    }

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Runs `lockcheck arguments…` in the repository root, feeding `stdin`.
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a large output cannot block the child.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Hands the stderr bytes from the reading queue to the test (the group's wait orders the accesses).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
