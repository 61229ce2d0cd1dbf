/// `config <key>=<value> …` lines: analysis settings recorded by the producer.
///
/// Reading rules: config lines come before the first event; several merge; a
/// key given two different values is an error; unknown keys are ignored with
/// a warning. A key twice on one line is an error, as on event lines.
extension TraceParser {
    /// The keys this version knows, each taking `on` or `off`.
    static let knownConfigKeys: Set<String> = ["raw-nesting", "preempt-rt"]

    /// Parses the settings after the `config` keyword.
    ///
    /// - Complexity: O(line length), amortized.
    mutating func parseConfig(_ cursor: inout LineCursor, _ p: UnsafePointer<UInt8>) throws(TraceError) -> TraceRecord {
        if firstEventLine != 0 {
            throw error("config line after the first event (line \(firstEventLine)): config lines come before all events")
        }
        var line: [String: String] = [:]
        while true {
            let token = cursor.token()
            if token.isEmpty { break }
            var equals = token.start
            while equals < token.end && p[equals] != ASCII.equals { equals += 1 }
            guard equals > token.start, equals + 1 < token.end else {
                throw error("malformed config setting \(Quoting.quote(p, token)): expected <key>=<value>")
            }
            let key = string(p, Token(start: token.start, end: equals))
            let value = string(p, Token(start: equals + 1, end: token.end))
            guard line[key] == nil else {
                throw error("config key \(Quoting.quote(key)) given twice on one line")
            }
            line[key] = value
            if Self.knownConfigKeys.contains(key) {
                guard value == "on" || value == "off" else {
                    throw error("config key \(Quoting.quote(key)) must be `on` or `off`, not \(Quoting.quote(value))")
                }
            } else {
                warnings.append(TraceWarning(
                    file: name, line: lineNumber,
                    message: "unknown config key \(Quoting.quote(key)) ignored"))
            }
            if let earlier = settings[key] {
                guard earlier.value == value else {
                    throw error("config key \(Quoting.quote(key)) is \(Quoting.quote(value)) here but was \(Quoting.quote(earlier.value)) on line \(earlier.line)")
                }
            } else {
                settings[key] = (value, lineNumber)
            }
        }
        guard !line.isEmpty else {
            throw error("config line without settings: expected `config <key>=<value> …`")
        }
        return .config(line)
    }

    /// `token` of `p` as a String; the line was checked to be UTF-8.
    func string(_ p: UnsafePointer<UInt8>, _ token: Token) -> String {
        String(decoding: UnsafeBufferPointer(start: p + token.start, count: max(0, token.count)), as: UTF8.self)
    }
}
