/// Input the reader accepted but a user should hear about: a trace that ends
/// mid-line, an unknown config key.
///
/// Rendered like ``TraceError``: `file:line: message`.
public struct TraceWarning: CustomStringConvertible, Sendable, Equatable {
    /// The file as named to the reader (`<stdin>` for standard input).
    public var file: String
    /// The 1-based line the warning is about.
    public var line: Int
    /// What is odd, without the location.
    public var message: String

    /// - Complexity: O(1).
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    ///
    /// - Complexity: O(length of the parts).
    public var description: String {
        "\(file):\(line): \(message)"
    }
}
