import LockGraph
import LockReports
import XCTest

/// `JSONReport.quote` works on UTF-8 bytes (it was a third of the fuzz
/// harness's time, appending one scalar at a time); its output is unchanged.
final class JSONQuoteTests: XCTestCase {
    func test_quote_escapes_quotes_backslashes_and_control_characters() {
        XCTAssertEqual(JSONReport.quote("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(JSONReport.quote("l1\nl2\r\n\tx"), #""l1\nl2\r\n\tx""#)
        XCTAssertEqual(JSONReport.quote("\u{0}\u{1}\u{1f}"), #""\u0000\u0001\u001f""#)
    }

    func test_quote_keeps_DEL_and_non_ASCII_as_they_are() {
        XCTAssertEqual(JSONReport.quote("\u{7f}é ✓ 🔒"), "\"\u{7f}é ✓ 🔒\"")
        XCTAssertEqual(JSONReport.quote(""), #""""#)
    }

    /// Every scalar below U+0100 and a few beyond, against the definition.
    func test_quote_matches_a_scalar_by_scalar_model() {
        var s = ""
        for v in 0..<0x100 { s.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        s += "\u{2028}\u{FFFD}\u{10FFFF}"
        var model = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": model += "\\\""
            case "\\": model += "\\\\"
            case "\n": model += "\\n"
            case "\r": model += "\\r"
            case "\t": model += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                model += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: model.unicodeScalars.append(u)
            }
        }
        model += "\""
        XCTAssertEqual(JSONReport.quote(s), model)
    }
}
