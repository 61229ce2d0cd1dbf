import ArgumentParser
import LockGraph

/// `lockcheck explain`: what a rule means, a minimal trace that fires it, why
/// it is a bug, and how to fix or annotate it.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a rule (or list every rule).",
        discussion: """
            'lockcheck explain' lists the rules; 'lockcheck explain RULE' explains one;
            'lockcheck explain swift-task-status' explains the Swift runtime's task lock class.
            'lockcheck explain --example RULE | lockcheck analyze -' runs its example
            (deadlock and lock-wait-timeout are live only: their example is a program).
            """
    )

    @Argument(help: ArgumentHelp("A rule id, e.g. lock-order-inversion, or the lock class swift-task-status.", valueName: "rule"),
              completion: .list(RuleID.allValueStrings + [SwiftTaskStatusClass.name]), transform: ExplainTopic.parse)
    var topic: ExplainTopic?

    /// The rule asked about, if the topic is a rule.
    private var rule: RuleID? {
        if case .rule(let r) = topic { return r }
        return nil
    }

    @Flag(help: "Print only the rule's example trace (to pipe into 'lockcheck analyze -').")
    var example = false

    func validate() throws {
        if example && rule == nil { throw ValidationError("--example needs a rule id.") }
    }

    func run() throws {
        if case .taskStatusClass = topic {
            Terminal.out("\(SwiftTaskStatusClass.name): the Swift runtime's task status lock (a lock class)\n\n"
                         + SwiftTaskStatusClass.explanation.map { Self.wrap($0) }.joined(separator: "\n"), terminator: "")
            return
        }
        guard let rule else {
            let width = RuleID.allCases.map(\.rawValue.count).max() ?? 0
            Terminal.out("lockcheck rules (lockcheck explain RULE for one):\n")
            for r in RuleID.allCases {
                Terminal.out("  " + r.rawValue + String(repeating: " ", count: width - r.rawValue.count + 2) + r.documentation.summary)
            }
            return
        }
        let d = rule.documentation
        if example {
            Terminal.out(d.example, terminator: "")
            return
        }
        var out = "\(rule.rawValue): \(rule.lockdepTitle)\n\n"
        out += d.summary + "\n\n"
        out += "When it fires\n" + Self.wrap(d.firesWhen) + "\n"
        if rule.isLiveOnly {
            out += "Example: a program (live only: a trace records acquisitions, not waits, so 'lockcheck analyze' never reports it)\n"
        } else {
            out += "Example: a minimal trace (lockcheck explain --example \(rule.rawValue) | lockcheck analyze -)\n"
        }
        for l in d.example.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { out += "    \(l)\n" }
        out += "\nWhy it is a bug\n" + Self.wrap(d.whyItIsABug) + "\n"
        out += "How to fix or annotate\n" + Self.wrap(d.fix) + "\n"
        out += "Reference\n" + Self.wrap(d.reference)
        Terminal.out(out, terminator: "")
    }

    /// `text` wrapped at 78 columns, indented by two spaces, ending in a newline.
    static func wrap(_ text: String, width: Int = 78) -> String {
        var out = "", line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && 2 + line.count + 1 + word.count > width {
                out += "  " + line + "\n"
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { out += "  " + line + "\n" }
        return out
    }
}

/// What `lockcheck explain` explains: a rule, or the `swift-task-status` lock class.
enum ExplainTopic {
    case rule(RuleID)
    case taskStatusClass

    /// The topic `argument` names; an unknown name is a validation error listing the rules.
    static func parse(_ argument: String) throws -> ExplainTopic {
        argument == SwiftTaskStatusClass.name ? .taskStatusClass : .rule(try RuleID.parse(argument))
    }
}
