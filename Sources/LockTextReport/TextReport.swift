import LockGraph

/// Renders a ``Violation`` as text in lockdep's report layout: a headline with
/// the rule id, one plain sentence, "trying to acquire / already holds", the
/// dependency chain with where each edge was first seen, the possible unsafe
/// locking scenario, the contexts, related events, and a hint.
///
/// The live runtime and `lockcheck analyze` print the same layout.
public struct TextReport: Sendable {
    /// Use ANSI colours (only on a terminal).
    public var color: Bool
    /// Frames printed per stack at most.
    public var maxFrames: Int

    public init(color: Bool = false, maxFrames: Int = 12) {
        self.color = color
        self.maxFrames = maxFrames
    }

    private func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    private func red(_ s: String) -> String { color ? "\u{1B}[1;31m\(s)\u{1B}[0m" : s }
    private func dim(_ s: String) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }

    /// "seq 12, trace.log:40" or "seq 12"; a live source site whose event
    /// has no seq (0): "Module/File.swift:42", or the file alone when its
    /// line is not known.
    public static func place(seq: UInt64, file: String?, line: Int?) -> String {
        if seq == 0, let file { return line.map { "\(file):\($0)" } ?? file }
        if let file, let line { return "seq \(seq), \(file):\(line)" }
        return "seq \(seq)"
    }

    private func place(_ s: Violation.SiteInfo) -> String { Self.place(seq: s.seq, file: s.file, line: s.line) }

    private func stack(_ frames: [String], indent: String, into out: inout String) {
        for f in frames.prefix(maxFrames) { out += indent + dim(f) + "\n" }
        if frames.count > maxFrames { out += indent + dim("… \(frames.count - maxFrames) more frames") + "\n" }
    }

    private func lockLine(_ l: Violation.LockInfo) -> String {
        "\(bold(l.className)) (\(l.kind)) [\(l.mode)\(l.isTry ? ", try" : "")]"
    }

    /// The whole report, ending in a newline.
    public func render(_ v: Violation) -> String {
        var out = ""
        let rule = "[\(v.rule.rawValue)]"
        out += red("lockcheck: \(rule) \(v.rule.lockdepTitle)") + "\n"
        out += String(repeating: "-", count: min(78, 12 + rule.count + v.rule.lockdepTitle.count)) + "\n"
        out += v.explanation + "\n\n"
        out += v.message + "\n\n"
        let e = v.event
        out += "thread '\(e.thread)' at \(Self.place(seq: e.seq, file: e.file, line: e.line)): \(e.what)\n"
        stack(e.stack, indent: "    ", into: &out)
        if let t = v.trying {
            out += "\nis trying to acquire:\n  \(lockLine(t))\n"
        }
        if !v.held.isEmpty {
            out += "\n" + (v.trying == nil ? "while holding" : "but already holds") + " \(v.held.count) lock\(v.held.count == 1 ? "" : "s"):\n"
            for (i, h) in v.held.enumerated() {
                out += "  #\(i): \(lockLine(h)), taken at \(place(h.site))\n"
                stack(h.site.stack, indent: "        ", into: &out)
            }
        }
        if !v.chain.isEmpty {
            out += v.rule == .lockOrderInversion
                ? "\nwhich closes this cycle of dependencies (each with where it was first seen):\n"
                : "\nthe dependency chain (each with where it was first seen):\n"
            for (i, d) in v.chain.enumerated() {
                out += "  -> #\(i) \(d.from) \(d.types) \(d.to)\(d.isNew ? "   (new: this acquisition)" : "")\n"
                out += "       \(d.to) taken by thread '\(d.thread)' at \(place(d.site)) while holding \(d.from) (taken at \(place(d.fromSite)))\n"
                stack(d.site.stack, indent: "         ", into: &out)
            }
        }
        if !v.contexts.isEmpty {
            out += "\nthe context is atomic because of:\n"
            for c in v.contexts {
                out += "  \(c.name), entered at \(place(c.site))\n"
                stack(c.site.stack, indent: "        ", into: &out)
            }
        }
        for r in v.related {
            // seq 0: no event of the trace or the process (a stack asked of a
            // thread, a note); the label says it all.
            if r.site.seq == 0 && r.site.file == nil {
                out += "\n\(r.label)\(r.site.stack.isEmpty ? "" : ":")\n"
            } else {
                out += "\n\(r.label) \(place(r.site))\(r.thread.isEmpty ? "" : " by thread '\(r.thread)'")\(r.site.seq == 0 && r.site.stack.isEmpty ? "" : ":")\n"
            }
            stack(r.site.stack, indent: "    ", into: &out)
        }
        if let s = v.scenario {
            out += "\npossible unsafe locking scenario:\n\n"
            let width = max(24, (s.cpu0.map(\.count).max() ?? 0) + 4)
            func pad(_ x: String, _ w: Int) -> String { x + String(repeating: " ", count: max(0, w - x.count)) }
            if s.cpu1.isEmpty {
                out += "       CPU0\n       ----\n"
                for l in s.cpu0 { out += "  \(l)\n" }
            } else {
                out += "       " + pad("CPU0", width) + "CPU1\n       " + pad("----", width) + "----\n"
                for i in 0..<max(s.cpu0.count, s.cpu1.count) {
                    let a = i < s.cpu0.count ? s.cpu0[i] : ""
                    let b = i < s.cpu1.count ? s.cpu1[i] : ""
                    out += b.isEmpty ? "  \(a)\n" : "  " + pad(a, width + 5) + b + "\n"
                }
                out += "\n *** DEADLOCK ***\n"
            }
        }
        out += "\nhint: \(v.hint)\n"
        return out
    }
}
