import LockGraph

/// Renders the class dependency graph as Graphviz DOT, for `lockcheck graph`.
///
/// - Nodes are lock classes, labelled with name and kind and styled by wait
///   type: raw spinlocks as bold double boxes, other spinning locks as
///   rounded boxes, sleeping locks as ellipses.
/// - Edges point in dependency direction (`A -> B`: B was taken while A was
///   held), labelled with lockdep's dependency types (EN, ER, SN, SR).
/// - Every edge of a `lock-order-inversion` cycle, of an
///   `irq-lock-inversion` chain, and every held -> acquired edge of an
///   `invalid-wait-context` is red, labelled with the rule; so are the
///   classes those violations involve. A legend explains the styles.
///
/// The output is deterministic: classes sorted by name and kind, edges in the
/// order they were first seen.
public struct DOTReport: Sendable {
    /// A class as the picture shows it.
    struct Node: Hashable, Comparable {
        var name: String
        var kind: String
        static func < (a: Node, b: Node) -> Bool { (a.name, a.kind) < (b.name, b.kind) }
    }

    struct Edge {
        var from: Node
        var to: Node
        /// "EN", "EN SR"…; empty for an edge only a violation names.
        var types: String
        var rules: [RuleID] = []
    }

    /// The rules whose edges are drawn red.
    public static let highlightedRules: [RuleID] = [.lockOrderInversion, .irqLockInversion, .invalidWaitContext]

    private var nodes: [Node] = []
    private var edges: [Edge] = []
    private var flagged: [Node: [RuleID]] = [:]

    /// - Parameters:
    ///   - dependencies: ``Validator/dependencySnapshot()``.
    ///   - violations: The run's violations; those of ``highlightedRules`` are drawn.
    /// - Complexity: O((dependencies + chain edges) × log classes).
    public init(dependencies: [(from: LockClass, to: LockClass, types: String)], violations: [Violation]) {
        var nodeSet = Set<Node>()
        var index: [String: [Int]] = [:]  // "from\u{0}to" display names -> edge indices
        for d in dependencies {
            let e = Edge(from: Node(name: d.from.displayName, kind: d.from.kind.spelling),
                         to: Node(name: d.to.displayName, kind: d.to.kind.spelling),
                         types: Self.shortTypes(d.types))
            nodeSet.insert(e.from)
            nodeSet.insert(e.to)
            index[e.from.name + "\u{0}" + e.to.name, default: []].append(edges.count)
            edges.append(e)
        }
        for v in violations where Self.highlightedRules.contains(v.rule) {
            let kinds = Dictionary(v.classes.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
            var pairs: [(String, String, String)] = []
            switch v.rule {
            case .invalidWaitContext:
                guard let trying = v.trying else { break }
                for c in v.classNames where c != trying.className { pairs.append((c, trying.className, "")) }
            default:
                pairs = v.chain.map { ($0.from, $0.to, Self.shortTypes($0.types)) }
            }
            for c in v.classes {
                let n = Node(name: c.name, kind: c.kind)
                nodeSet.insert(n)
                flagged[n, default: []].append(v.rule)
            }
            for (from, to, types) in pairs {
                if let hits = index[from + "\u{0}" + to] {
                    for i in hits where !edges[i].rules.contains(v.rule) { edges[i].rules.append(v.rule) }
                } else {
                    // Not recorded as a dependency (a limit, or a rule that stops it): draw it anyway.
                    let e = Edge(from: Node(name: from, kind: kinds[from] ?? "?"), to: Node(name: to, kind: kinds[to] ?? "?"),
                                 types: types, rules: [v.rule])
                    nodeSet.insert(e.from)
                    nodeSet.insert(e.to)
                    index[from + "\u{0}" + to] = [edges.count]
                    edges.append(e)
                }
            }
        }
        nodes = nodeSet.sorted()
    }

    /// Classes drawn.
    public var classCount: Int { nodes.count }
    /// Edges drawn.
    public var edgeCount: Int { edges.count }
    /// The red edges: `from`, `to` (display names) and the rules that flagged them.
    public var highlightedEdges: [(from: String, to: String, rules: [RuleID])] {
        edges.filter { !$0.rules.isEmpty }.map { ($0.from.name, $0.to.name, $0.rules) }
    }

    /// "-(EN)-> -(SR)->" -> "EN SR".
    static func shortTypes(_ notation: String) -> String {
        String(notation.filter { !"-()>".contains($0) })
    }

    /// A DOT string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r", "\t": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// Shape and fill per kind: raw / spinning / sleeping.
    static func style(kind: String) -> String {
        switch LockKind(spelling: kind)?.waitType {
        case .spin?: return "shape=box, style=\"filled,bold\", peripheries=2, fillcolor=\"#ffd8a8\""
        case .config?: return "shape=box, style=\"filled,rounded\", fillcolor=\"#fff3bf\""
        case .sleep?, .any?: return "shape=ellipse, style=filled, fillcolor=\"#d0ebff\""
        case nil: return "shape=note, style=filled, fillcolor=\"#e9ecef\""
        }
    }

    static let red = "#d62728"

    /// The DOT text.
    /// - Parameter title: The graph's caption (the traces, say).
    public func render(title: String = "lockcheck class dependency graph") -> String {
        var ids: [Node: String] = [:]
        for (i, n) in nodes.enumerated() { ids[n] = "c\(i)" }
        let red = Self.red
        let highlighted = edges.filter { !$0.rules.isEmpty }.count
        var out = "digraph lockcheck {\n"
        let caption = "\(title)\n\(nodes.count) classes, \(edges.count) dependencies, \(highlighted) in violations (red)"
        out += "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\(Self.quote(caption))];\n"
        out += "  node [fontname=\"Helvetica\", fontsize=11];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=9];\n\n"
        for n in nodes {
            var attrs = "label=\(Self.quote("\(n.name)\n\(n.kind)")), \(Self.style(kind: n.kind))"
            if let rules = flagged[n] {
                let unique = rules.reduce(into: [RuleID]()) { if !$0.contains($1) { $0.append($1) } }
                attrs += ", color=\"\(red)\", penwidth=2.4, tooltip=\(Self.quote(unique.map(\.rawValue).joined(separator: ", ")))"
            }
            out += "  \(ids[n]!) [\(attrs)];\n"
        }
        out += "\n"
        for e in edges {
            guard let a = ids[e.from], let b = ids[e.to] else { continue }
            if e.rules.isEmpty {
                out += "  \(a) -> \(b) [label=\(Self.quote(e.types))];\n"
            } else {
                let rules = e.rules.map(\.rawValue).joined(separator: "\n")
                let label = e.types.isEmpty ? rules : "\(e.types)\n\(rules)"
                out += "  \(a) -> \(b) [label=\(Self.quote(label)), color=\"\(red)\", fontcolor=\"\(red)\", penwidth=2.4, class=\"violation\"];\n"
            }
        }
        out += """

              subgraph cluster_legend {
                label="Legend"; fontsize=11; style=rounded; color="#adb5bd";
                legend_raw [label="raw-spinlock\\nspins, never sleeps", \(Self.style(kind: "raw-spinlock"))];
                legend_spin [label="spinlock / rwlock\\nspins; sleeps on PREEMPT_RT", \(Self.style(kind: "spinlock"))];
                legend_sleep [label="mutex / rt-mutex / rwsem\\nsleeps", \(Self.style(kind: "mutex"))];
                legend_a [label="A", shape=plaintext]; legend_b [label="B", shape=plaintext];
                legend_a -> legend_b [label="B taken while A held\\nEN: A exclusive, B non-recursive\\nSN/SR: A shared; xR: B recursive read"];
                legend_c [label="C", shape=plaintext]; legend_d [label="D", shape=plaintext];
                legend_c -> legend_d [label="edge of a violation:\\ncycle, irq inversion,\\ninvalid wait context", color="\(red)", fontcolor="\(red)", penwidth=2.4];
                legend_raw -> legend_spin -> legend_sleep -> legend_a -> legend_c [style=invis];
              }
            }

            """
        return out
    }
}
