/// What makes a line not text in the trace format's sense.
enum TextProblem: Equatable {
    /// A NUL byte: binary data.
    case nul
    /// A C0 control character other than TAB, or DEL.
    case control(UInt8)
    /// A TAB outside a stack line.
    case tab
    /// Bytes that are not well-formed UTF-8.
    case invalidUTF8

    /// The problem found at 1-based byte `column`, as an error message.
    func message(column: Int) -> String {
        switch self {
        case .nul:
            return "NUL byte at column \(column): binary data, not a text trace"
        case .control(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "control character 0x\(byte < 0x10 ? "0" : "")\(hex) at column \(column): not allowed in a trace"
        case .tab:
            return "TAB at column \(column): a TAB may only separate the frames of a stack line; tokens are separated by spaces"
        case .invalidUTF8:
            return "invalid UTF-8 at column \(column): a trace is UTF-8 text"
        }
    }
}

/// Checks that bytes are trace text: well-formed UTF-8 (no overlong forms,
/// no surrogates, nothing above U+10FFFF), no NUL, no C0 control character
/// except TAB where allowed, no DEL. A line's trailing `\r` and its `\n` are
/// removed before the check.
enum TextValidation {
    /// The first problem in `line[start..<end]` and its offset, or nil if the
    /// bytes are text.
    ///
    /// - Complexity: O(end - start), allocation-free.
    static func firstProblem(
        _ line: UnsafePointer<UInt8>, _ start: Int, _ end: Int, allowTab: Bool
    ) -> (offset: Int, problem: TextProblem)? {
        var i = start
        while i < end {
            let byte = line[i]
            if byte >= 0x20 && byte < 0x7F {
                i += 1
                continue
            }
            if byte < 0x80 {
                if byte == ASCII.tab {
                    if allowTab {
                        i += 1
                        continue
                    }
                    return (i, .tab)
                }
                return (i, byte == 0 ? .nul : .control(byte))
            }
            let length = sequenceLength(line, i, end)
            if length == 0 { return (i, .invalidUTF8) }
            i += length
        }
        return nil
    }

    /// The length of the well-formed UTF-8 sequence starting with a
    /// non-ASCII byte at `i`, or 0 if it is ill-formed (Unicode Table 3-7).
    @inline(__always)
    private static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let lead = p[i]
        @inline(__always) func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            i + k < end && p[i + k] >= low && p[i + k] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }
}
