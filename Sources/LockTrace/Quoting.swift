/// Renders input bytes inside error messages: in backticks, at most
/// ``limit`` bytes, control characters and invalid UTF-8 made visible, so a
/// message about binary garbage or a 100 MB token stays one short line.
enum Quoting {
    /// Bytes shown before the quote is cut with "…".
    static let limit = 48

    /// `token` of `line`, quoted for a message.
    ///
    /// - Complexity: O(min(token length, ``limit``)).
    static func quote(_ line: UnsafePointer<UInt8>, _ token: Token) -> String {
        quote(UnsafeBufferPointer(start: line + token.start, count: max(0, token.count)))
    }

    /// `bytes`, quoted for a message.
    ///
    /// - Complexity: O(min(bytes.count, ``limit``)).
    static func quote(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let shown = UnsafeBufferPointer(rebasing: bytes.prefix(limit))
        var text = "`"
        for scalar in String(decoding: shown, as: UTF8.self).unicodeScalars {
            switch scalar.value {
            case 0x09: text += "\\t"
            case 0..<0x20, 0x7F: text += "\\u{\(String(scalar.value, radix: 16))}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + (bytes.count > limit ? "…`" : "`")
    }

    /// `text`, quoted for a message (for names already decoded).
    static func quote(_ text: String) -> String {
        var copy = text
        return copy.withUTF8 { quote($0) }
    }
}
