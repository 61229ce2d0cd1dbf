/// Bad input: the trace cannot be read past this point.
///
/// Its ``description`` is `file:line: message`, the layout compilers use, so
/// editors can jump to the line. Line 0 means the file itself (it could not
/// be opened or read before its first line); it is rendered `file: message`.
public struct TraceError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as named to the reader (`<stdin>` for standard input).
    public var file: String
    /// The 1-based line the problem is on; 0 for the file as a whole.
    public var line: Int
    /// What is wrong, without the location.
    public var message: String

    /// - Complexity: O(1).
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, or `file: message` for line 0.
    ///
    /// - Complexity: O(length of the parts).
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
