/// The header: the first line that is neither blank nor a comment must be
/// `lockcheck-trace 1`.
extension TraceParser {
    /// The trace format version this reader understands.
    static let version: UInt64 = 1

    /// Checks the header line `p[start..<end]`.
    ///
    /// - Complexity: O(line length).
    func parseHeader(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(TraceError) {
        var cursor = LineCursor(line: p, position: start, end: end)
        let magic = cursor.token()
        guard ASCII.equals(p, magic, "lockcheck-trace") else {
            throw error("missing header: a trace starts with `lockcheck-trace 1`, found \(Quoting.quote(p, magic)); is this a lockcheck trace?")
        }
        try checkText(p, end, allowTab: false)
        let versionToken = cursor.token()
        guard !versionToken.isEmpty else {
            throw error("the header has no version: expected `lockcheck-trace 1`")
        }
        guard let version = NumberScanning.decimal(p, versionToken) else {
            throw error(NumberScanning.problem(p, versionToken, "trace version"))
        }
        guard version == Self.version else {
            throw error("unsupported trace version \(version): this reader understands version \(Self.version) only")
        }
        let extra = cursor.token()
        guard extra.isEmpty else {
            throw error("extra token \(Quoting.quote(p, extra)) after `lockcheck-trace 1`")
        }
    }
}
