/// The integer after `name` on the command line (`--rounds 7`), or
/// `fallback` when it is missing or not a number.
///
/// - Complexity: O(n) in the number of arguments.
public func argument(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]) { return v }
    return fallback
}
