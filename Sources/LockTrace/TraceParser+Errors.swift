/// How the parser words bad input. All of this is off the hot path.
extension TraceParser {
    /// An error on the current line.
    func error(_ message: String) -> TraceError {
        TraceError(file: name, line: lineNumber, message: message)
    }

    /// An error on a line whose text was not checked yet: if the line holds
    /// binary data, a TAB or invalid UTF-8, that is the problem reported,
    /// since it is the likely cause of whatever failed to parse.
    func lineError(_ message: String, _ p: UnsafePointer<UInt8>, _ end: Int) -> TraceError {
        if let (offset, problem) = TextValidation.firstProblem(p, 0, end, allowTab: false) {
            return error(problem.message(column: offset + 1))
        }
        return error(message)
    }

    /// Throws if `p[0..<end]` is not trace text.
    ///
    /// - Complexity: O(end).
    func checkText(_ p: UnsafePointer<UInt8>, _ end: Int, allowTab: Bool) throws(TraceError) {
        if let (offset, problem) = TextValidation.firstProblem(p, 0, end, allowTab: allowTab) {
            throw error(problem.message(column: offset + 1))
        }
    }

    /// `id` of `kind` declared twice with different content.
    func redeclared(_ kind: DeclarationKind, _ id: UInt64, firstLine: Int) -> TraceError {
        error("\(kind.keyword) \(id) redeclared with different content (first declared on line \(firstLine)); an id may only be redeclared identically")
    }
}
