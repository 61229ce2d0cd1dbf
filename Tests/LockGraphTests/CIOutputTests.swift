import LockGraph
import LockReports
import XCTest

/// The pieces behind CI output: fingerprints, baselines, suppressions, the
/// JSON reader they use, SARIF's frame locations and JUnit's escaping.
final class CIOutputTests: XCTestCase {
    // MARK: Fingerprints

    func test_fingerprint_is_rule_and_sorted_classes_only() {
        let a = Fingerprint.of(rule: .lockOrderInversion, classes: ["Account.bob", "Account.alice"])
        let b = Fingerprint.of(rule: .lockOrderInversion, classes: ["Account.alice", "Account.bob"])
        XCTAssertEqual(a, b, "class order does not matter")
        XCTAssertEqual(a.count, 16)
        XCTAssertTrue(a.allSatisfy { "0123456789abcdef".contains($0) })
        XCTAssertNotEqual(a, Fingerprint.of(rule: .recursiveLock, classes: ["Account.alice", "Account.bob"]))
        XCTAssertNotEqual(a, Fingerprint.of(rule: .lockOrderInversion, classes: ["Account.alice", "Account.carol"]))
        XCTAssertNotEqual(Fingerprint.of(rule: .lockOrderInversion, classes: ["AB"]),
                          Fingerprint.of(rule: .lockOrderInversion, classes: ["A", "B"]), "names are separated")
    }

    func test_fingerprint_value_is_pinned() {
        // FNV-1a 64 of "recursive-lock\nA": any change here breaks every committed baseline.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "recursive-lock\nA".utf8 { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        XCTAssertEqual(Fingerprint.of(rule: .recursiveLock, classes: ["A"]), String(repeating: "0", count: 16 - hex.count) + hex)
    }

    func test_ABBA_fingerprint_ignores_threads_seq_and_instances() {
        func abba(_ threadA: String, _ threadB: String, skew: Int) -> Violation? {
            let s = Scenario()
            s.declare(.mutex, "A", "B", "X")
            for _ in 0..<skew { s.lock("X"); s.unlock("X") }  // shifts every seq
            s.thread(threadA) { s.lockUnlock2("A", "B") }
            s.thread(threadB) { s.lockUnlock2("B", "A") }
            return s.violations.first
        }
        let one = try? XCTUnwrap(abba("t1", "t2", skew: 0))
        let two = try? XCTUnwrap(abba("worker-9", "main-3", skew: 5))
        XCTAssertNotNil(one)
        XCTAssertNotEqual(one?.event.seq, two?.event.seq)
        XCTAssertEqual(one?.fingerprint, two?.fingerprint)
    }

    func test_classless_sleeps_in_different_contexts_get_different_fingerprints() {
        let s = Scenario()
        s.inHardirq { s.sleep("sleep what=cond-wait") }
        s.irqsOff()
        s.alloc(.mayBlock)
        s.irqsOn()
        let v = s.violations.filter { $0.rule == .sleepInAtomic }
        XCTAssertEqual(v.count, 2, "\(v.map(\.message))")
        XCTAssertTrue(v.allSatisfy(\.classes.isEmpty))
        XCTAssertNotEqual(v.first?.fingerprint, v.last?.fingerprint)
    }

    // MARK: JSON reading

    func test_json_round_trip() throws {
        let doc = JSONReport.Value.object([
            ("s", .string("quote \" backslash \\ newline \n tab \t bell \u{7} é 🔒")),
            ("i", .int(-42)), ("u", .uint(UInt64.max)), ("b", .bool(true)), ("n", .null),
            ("a", .array([.int(1), .array([]), .object([])])),
        ])
        let back = try JSONReport.parse(doc.serialized())
        XCTAssertEqual(back.serialized(), doc.serialized())
        XCTAssertEqual(back["s"]?.stringValue, "quote \" backslash \\ newline \n tab \t bell \u{7} é 🔒")
        XCTAssertEqual(try JSONReport.parse(#""\ud83d\udd12""#).stringValue, "🔒")
    }

    func test_json_errors_name_line_and_column() {
        for (text, line, column) in [("{\n  \"a\": 1,\n}", 3, 1), ("[1, 2", 1, 6), ("{\"a\": 1.5}", 1, 7), ("{\"a\": 1, \"a\": 2}", 1, 10), ("", 1, 1)] {
            XCTAssertThrowsError(try JSONReport.parse(text), text) { error in
                guard let e = error as? JSONReport.ParseError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.line, line, "\(text): \(e)")
                XCTAssertEqual(e.column, column, "\(text): \(e)")
            }
        }
    }

    // MARK: Baselines

    func test_baseline_round_trip_and_absent_entries() throws {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.lockUnlock2("A", "B")
        s.lockUnlock2("B", "A")
        s.lock("C"); s.lock("C")
        let baseline = Baseline(violations: s.violations)
        XCTAssertEqual(baseline.entries.map(\.rule), [.lockOrderInversion, .recursiveLock], "sorted by rule order")
        let back = try Baseline(parsing: baseline.json.serialized())
        XCTAssertEqual(back.entries.map(\.fingerprint), baseline.entries.map(\.fingerprint))
        for v in s.violations { XCTAssertTrue(back.contains(v)) }
        let absent = back.absent(seen: [s.violations[0].fingerprint])
        XCTAssertEqual(absent.map(\.rule), [.recursiveLock])
    }

    func test_hand_written_baseline_entry_matches_by_rule_and_classes() throws {
        let b = try Baseline(parsing: #"{"format": "lockcheck-baseline", "version": 1, "violations": [{"rule": "lock-order-inversion", "classes": ["B", "A"]}]}"#)
        XCTAssertEqual(b.entries.first?.fingerprint, Fingerprint.of(rule: .lockOrderInversion, classes: ["A", "B"]))
    }

    func test_bad_baselines_are_rejected_with_a_reason() {
        for (text, phrase) in [(#"{"violations": []}"#, "not a lockcheck baseline"),
                               (#"{"format": "lockcheck-baseline", "version": 2, "violations": []}"#, "version 2"),
                               (#"{"format": "lockcheck-baseline", "version": 1, "violations": [{"rule": "no-such"}]}"#, "unknown rule"),
                               (#"{"format": "lockcheck-baseline", "version": 1, "violations": [{}]}"#, "violations[0]")] {
            XCTAssertThrowsError(try Baseline(parsing: text)) { XCTAssertTrue("\($0)".contains(phrase), "\($0)") }
        }
    }

    // MARK: Suppressions

    func test_suppression_with_classes_covers_violations_involving_them() throws {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.lockUnlock2("A", "B"); s.lockUnlock2("B", "A")
        s.lockUnlock2("B", "C"); s.lockUnlock2("C", "B")
        let list = try Suppressions(parsing: #"[{"rule": "lock-order-inversion", "classes": ["A"], "reason": "A is only taken at startup"}]"#)
        let v = s.violations
        XCTAssertEqual(v.count, 2)
        XCTAssertEqual(v.map { list.match($0)?.reason }, ["A is only taken at startup", nil])
        let all = try Suppressions(parsing: #"{"version": 1, "suppressions": [{"rule": "lock-order-inversion", "reason": "legacy"}]}"#)
        XCTAssertTrue(v.allSatisfy { all.match($0) != nil })
    }

    func test_suppression_needs_a_reason_a_known_rule_and_no_typos() {
        for (text, phrase) in [(#"[{"rule": "recursive-lock"}]"#, "\"reason\" is required"),
                               (#"[{"rule": "recursive-lock", "reason": "  "}]"#, "\"reason\" is required"),
                               (#"[{"rule": "recursive-lok", "reason": "x"}]"#, "unknown rule"),
                               (#"[{"rule": "recursive-lock", "reasn": "x"}]"#, "unknown member \"reasn\""),
                               (#"[{"rule": "recursive-lock", "classes": [], "reason": "x"}]"#, "non-empty"),
                               (#"{"rule": "recursive-lock", "reason": "x"}"#, "not a single entry")] {
            XCTAssertThrowsError(try Suppressions(parsing: text), text) { XCTAssertTrue("\($0)".contains(phrase), "\(text): \($0)") }
        }
    }

    // MARK: SARIF and JUnit details

    func test_frames_with_file_and_line_are_located() {
        let cases: [(String, String?, Int?)] = [
            ("Bank.transfer(from:to:amount:) (Bank.swift:42)", "Bank.swift", 42),
            ("f() (/src/App/Sources/X.swift:7:13)", "/src/App/Sources/X.swift", 7),
            ("kvfree_call_rcu + 0x88 (Example)", nil, nil),
            ("main + 0x20 (libfoo.so)", nil, nil),
            ("0x7f00 (libc.so.6)", nil, nil),
            ("f() (X.swift:0)", nil, nil),
            ("f() (X.swift:abc)", nil, nil),
            ("no parentheses", nil, nil),
        ]
        for (frame, file, line) in cases {
            let got = SARIFReport.sourceLocation(ofFrame: frame)
            XCTAssertEqual(got?.file, file, frame)
            XCTAssertEqual(got?.line, line, frame)
        }
    }

    func test_junit_escape_keeps_xml_well_formed() {
        XCTAssertEqual(JUnitReport.escape("a<b & \"c\" > d\u{1B}[0m"), "a&lt;b &amp; &quot;c&quot; &gt; d\u{FFFD}[0m")
    }

    func test_every_rule_is_documented() {
        var names = Set<String>()
        for r in RuleID.allCases {
            let d = r.documentation
            XCTAssertTrue(names.insert(d.name).inserted, "\(r): duplicate name")
            XCTAssertEqual(d.example.hasPrefix("lockcheck-trace 1\n"), !r.isLiveOnly, "\(r): a trace, unless live only")
            for part in [d.summary, d.firesWhen, d.whyItIsABug, d.reference, d.fix] { XCTAssertFalse(part.isEmpty, "\(r)") }
            XCTAssertTrue(r.markdownHelp.contains(d.fix))
        }
    }
}
