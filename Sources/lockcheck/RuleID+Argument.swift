import ArgumentParser
import LockGraph

/// Rule ids on the command line (`lockcheck explain RULE`, `--fail-on`):
/// parsed by the type itself, and offered by help and shell completion.
extension RuleID: ExpressibleByArgument {
    /// The rule spelled `argument`, or an error that lists the rules.
    /// - Complexity: O(rules).
    static func parse(_ argument: String) throws -> RuleID {
        guard let rule = RuleID(argument: argument) else {
            throw ValidationError("Unknown rule '\(argument)'. Rules: \(allValueStrings.joined(separator: ", ")).")
        }
        return rule
    }
}

/// One `--fail-on` value: `all`, or rule ids separated by commas.
struct RuleSelection: Equatable {
    var rules: Set<RuleID>

    /// Every rule.
    static let all = RuleSelection(rules: Set(RuleID.allCases))

    /// `all`, or the comma-separated rule ids of `argument`.
    /// - Throws: The first unknown rule id, with the list of rules.
    static func parse(_ argument: String) throws -> RuleSelection {
        var rules: Set<RuleID> = []
        for word in argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if word == "all" { return .all }
            rules.insert(try RuleID.parse(word))
        }
        return RuleSelection(rules: rules)
    }
}
