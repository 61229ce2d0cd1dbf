/// A run of bytes `[start, end)` within the current line: a space-separated
/// token, a key or value inside one, or a name.
///
/// Offsets, not a slice, so the hot path never touches reference counts.
struct Token {
    var start: Int
    var end: Int

    @inline(__always) var count: Int { end - start }
    @inline(__always) var isEmpty: Bool { end <= start }
}

/// Walks the space-separated tokens of one line.
///
/// Separators are spaces only (the trace format's "Reading rules"): a TAB or
/// any other byte is part of a token, and the token's parser rejects it.
struct LineCursor {
    let line: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    /// The next token, or an empty token at the end of the line.
    ///
    /// - Complexity: O(spaces skipped + token length).
    @inline(__always)
    mutating func token() -> Token {
        while position < end && line[position] == ASCII.space { position += 1 }
        let start = position
        while position < end && line[position] != ASCII.space { position += 1 }
        return Token(start: start, end: position)
    }

    /// Everything after the spaces that follow the current position, with
    /// trailing spaces trimmed: the `<name…>` that ends a declaration.
    ///
    /// - Complexity: O(remaining length).
    mutating func rest() -> Token {
        while position < end && line[position] == ASCII.space { position += 1 }
        var last = end
        while last > position && line[last - 1] == ASCII.space { last -= 1 }
        let name = Token(start: position, end: last)
        position = end
        return name
    }
}

/// Byte constants and comparisons on ASCII text.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let hash: UInt8 = 0x23
    static let equals: UInt8 = 0x3D
    static let zero: UInt8 = 0x30

    /// Whether the `count` bytes at `p` spell `word` exactly.
    ///
    /// - Complexity: O(count).
    @inline(__always)
    static func equals(_ p: UnsafePointer<UInt8>, _ count: Int, _ word: StaticString) -> Bool {
        guard count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var i = 0
        while i < count {
            if p[i] != w[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether `token` of `line` spells `word` exactly.
    @inline(__always)
    static func equals(_ line: UnsafePointer<UInt8>, _ token: Token, _ word: StaticString) -> Bool {
        equals(line + token.start, token.count, word)
    }

    /// Whether two byte runs are equal.
    static func equals(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}
