import LockGraph
import LockReports
import LockTextReport
import LockTrace
import TraceAnalysis
import XCTest

/// One JSON schema for a violation: the saved form (a saved graph's
/// `violation` record) is the report form (`--format json`) with `key`,
/// `classKinds` and each lock's `instance` added, member for member.
final class ViolationSchemaTests: XCTestCase {
    /// Every example trace's violations: each rule with locks, chains, contexts and related events.
    private func exampleViolations() throws -> [Violation] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/traces")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".log") }.sorted()
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for name in names where !name.hasPrefix("split-inversion-b") {
            try a.analyze(TraceReader(name: name, bytes: Array(try Data(contentsOf: dir.appendingPathComponent(name)))))
        }
        a.finish()
        XCTAssertGreaterThanOrEqual(Set(c.all.map(\.rule)).count, 6, "the examples cover most rules")
        return c.all
    }

    /// The members `saved` has beyond `report`, as paths; fails if `report`
    /// has anything `saved` lacks or holds differently.
    private func extras(of saved: JSONReport.Value, over report: JSONReport.Value, path: String = "") -> [String] {
        switch (saved, report) {
        case (.object(let s), .object(let r)):
            var out: [String] = []
            for (key, value) in r {
                guard let match = s.first(where: { $0.0 == key })?.1 else {
                    XCTFail("\(path).\(key) is in the report form but not in the saved form")
                    continue
                }
                out += extras(of: match, over: value, path: "\(path).\(key)")
            }
            for (key, _) in s where !r.contains(where: { $0.0 == key }) { out.append("\(path).\(key)") }
            return out
        case (.array(let s), .array(let r)):
            XCTAssertEqual(s.count, r.count, path)
            return zip(s, r).flatMap { extras(of: $0, over: $1, path: "\(path)[]") }
        default:
            XCTAssertEqual(saved.serialized(), report.serialized(), path)
            return []
        }
    }

    func test_the_saved_form_is_the_report_form_plus_key_classKinds_and_lock_instances() throws {
        for v in try exampleViolations() {
            let added = Set(extras(of: v.savedValue, over: JSONReport.value(v)))
            var expected: Set<String> = [".key", ".classKinds"]
            if v.trying != nil { expected.insert(".trying.instance") }
            if !v.held.isEmpty { expected.insert(".held[].instance") }
            XCTAssertEqual(added, expected, v.key)
        }
    }

    func test_a_report_with_the_saved_members_reads_back_as_the_same_violation() throws {
        for v in try exampleViolations() {
            let back = try Violation(saved: try JSONReport.parse(v.savedValue.serialized()))
            XCTAssertEqual(back.savedValue.serialized(), v.savedValue.serialized(), v.key)
            XCTAssertEqual(TextReport().render(back), TextReport().render(v))
        }
    }

    func test_a_report_without_the_saved_members_is_refused_naming_the_first() throws {
        let v = try XCTUnwrap(try exampleViolations().first)
        XCTAssertThrowsError(try Violation(saved: JSONReport.value(v))) { e in
            XCTAssertEqual("\(e)", "violation.classKinds: missing")
        }
    }

    func test_the_first_saved_layout_reads_as_the_one_schema() throws {
        let first = #"""
            {"rule":"sleep-in-atomic","key":"sleep-in-atomic|S|","message":"m","explanation":"e",
             "classes":[{"name":"S","kind":"spinlock"}],
             "event":{"thread":"w","seq":2,"file":"p.log","line":12,"stack":["f"],"what":"sleep"},
             "trying":null,
             "held":[{"class":"S","kind":"spinlock","mode":"w","instance":1,"try":false,"site":{"seq":1,"file":"p.log","line":11,"stack":[]}}],
             "chain":[],"scenario":null,
             "contexts":[{"name":"holding S (spinlock)","site":{"seq":1,"file":"p.log","line":11,"stack":[]}}],
             "related":[],"hint":"h"}
            """#
        let v = try Violation(saved: try JSONReport.parse(first))
        XCTAssertEqual(v.classes, [Violation.ClassInfo(name: "S", kind: "spinlock")])
        XCTAssertEqual(v.event.stack, ["f"])
        XCTAssertEqual(v.held.first?.site.line, 11)
        XCTAssertEqual(v.contexts.first?.site.seq, 1)
        XCTAssertNil(v.trying)
        XCTAssertNil(v.scenario)
        // Written back in the one schema, it reads back the same.
        let again = try Violation(saved: try JSONReport.parse(v.savedValue.serialized()))
        XCTAssertEqual(again.savedValue.serialized(), v.savedValue.serialized())
        XCTAssertFalse(v.savedValue.serialized().contains(#""site": {"seq": 1, "file": "p.log", "line": 11"#))
    }

    func test_mismatched_classKinds_are_refused() throws {
        let v = try XCTUnwrap(try exampleViolations().first { !$0.classes.isEmpty })
        guard case .object(var members) = v.savedValue else { return XCTFail("not an object") }
        members = members.map { $0.0 == "classKinds" ? ($0.0, .array([])) : $0 }
        XCTAssertThrowsError(try Violation(saved: .object(members))) { e in
            XCTAssertTrue("\(e)".hasPrefix("violation.classKinds: expected one kind for each"), "\(e)")
        }
    }
}
