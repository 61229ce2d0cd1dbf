// Rule `deadlock` — lockdep has no live counterpart (it predicts; the kernel's
// hung-task detector reports "task blocked for more than N seconds"); the
// anchors are parking_lot's `deadlock_detection` and absl::Mutex's
// "potential deadlock" report.
//
// Fires, live only, when threads blocked on lockcheck locks wait for each
// other in a cycle: thread 1 waits for a lock thread 2 holds, which waits for
// a lock thread 3 holds, ..., which waits for a lock thread 1 holds. Proves:
// none of them can ever run again; the process is hung, not slow.
//
// The runtime finds the cycle (see Instrumented's `WaitRegistry`); this file
// turns it into one report. Every member of the cycle may find it: the
// cycle is put in one canonical order (starting at its smallest thread id)
// and keyed on its threads and locks, so it is reported once.

extension Validator {
    /// Reports `deadlock` for `cycle`: each thread waits for a lock the next
    /// one holds, the last for one the first holds.
    /// - Returns: false when this cycle was already reported.
    /// - Complexity: O(threads × held locks), plus one stack kept per thread.
    @discardableResult
    public func reportDeadlock(_ cycle: [WaitingThread]) -> Bool {
        guard let first = cycle.indices.min(by: { cycle[$0].threadID < cycle[$1].threadID }) else { return false }
        let members = Array(cycle[first...] + cycle[..<first])
        let names = members.map(\.waitsFor.className)
        let detail = members.map { "\($0.threadID):\($0.waitsFor.instance)" }.joined(separator: ",")
        let key = violationKey(.deadlock, names, detail: detail)
        if alreadyReported(key) { return false }

        func site(_ frames: [StackFrame], seq: UInt64) -> Violation.SiteInfo {
            Violation.SiteInfo(seq: seq, file: nil, line: nil, stack: frames.isEmpty ? [] : stacks.frames(stacks.add(frames)))
        }
        func lockName(_ l: Violation.LockInfo) -> String { "\(l.className) #\(l.instance)" }

        var related: [Violation.RelatedEvent] = []
        var steps: [String] = []
        for (i, t) in members.enumerated() {
            let holder = members[(i + 1) % members.count]
            steps.append("'\(t.name)' waits for \(lockName(t.waitsFor)) held by '\(holder.name)'")
            if i > 0 {
                related.append(Violation.RelatedEvent(
                    label: "thread '\(t.name)' waits for \(lockName(t.waitsFor)) (\(t.waitsFor.mode)), held by '\(holder.name)', blocked at",
                    thread: t.name, site: site(t.stack, seq: t.seq)))
                // The first thread's held locks are the report's own "already holds".
                for h in t.held {
                    related.append(Violation.RelatedEvent(label: "thread '\(t.name)' holds \(lockName(h)) (\(h.mode)), taken at",
                                                          thread: t.name, site: h.site))
                }
            }
        }
        // Held locks taken with neither a source line (which the lock keeps
        // while held) nor a stack: where their classes were first taken,
        // unless that is a held lock's own acquisition shown above.
        let shown = Set(members.flatMap { m in m.held.filter { !$0.site.stack.isEmpty }.map { "\(m.name)|\($0.site.seq)" } })
        var firstTakenLabels = Set<String>()
        for m in members {
            for e in m.classesFirstTaken where !shown.contains("\(e.thread)|\(e.site.seq)") && firstTakenLabels.insert(e.label).inserted {
                var note = e
                note.label = "held locks above with neither a source line nor a stack (taken by code that gives no line; lockcheck keeps a stack per new usage or dependency, not per acquisition): " + e.label
                related.append(note)
            }
        }
        let head = members[0]
        var scenario: Violation.Scenario?
        if members.count == 2, let a = members[1].heldEntry(head.waitsFor.instance),
           let b = head.heldEntry(members[1].waitsFor.instance) {
            scenario = Violation.Scenario(cpu0: ["lock(\(lockName(b)));", "", "lock(\(lockName(head.waitsFor)));  <- blocked"],
                                          cpu1: ["", "lock(\(lockName(a)));", "lock(\(lockName(members[1].waitsFor)));  <- blocked"])
        }
        let waited = members.map(\.waitedSeconds).min() ?? 0
        let s = site(head.stack, seq: head.seq)
        report(Violation(
            rule: .deadlock,
            message: "deadlock: \(members.count) threads wait for each other: " + steps.joined(separator: "; "),
            explanation: "Each of these threads is blocked on a lock another of them holds, around a cycle: none of them will ever run again.",
            classes: Array(Set(members.flatMap { [Violation.ClassInfo(name: $0.waitsFor.className, kind: $0.waitsFor.kind)] }))
                .sorted { ($0.name, $0.kind) < ($1.name, $1.kind) },
            event: Violation.EventInfo(thread: head.name, seq: head.seq, file: nil, line: nil, stack: s.stack,
                                       what: "wait for \(lockName(head.waitsFor)) (blocked \(Self.seconds(waited)))"),
            trying: head.waitsFor,
            held: head.held,
            scenario: scenario,
            related: related,
            hint: "Take these locks in one global order on every path (for instances of one class: by a stable key such as an id or address), or take the second with tryLock and back off.",
            key: key))
        return true
    }

    /// `seconds` as a report prints it ("0.4 s", "31 s").
    static func seconds(_ seconds: Double) -> String {
        seconds < 10 ? "\(Double(Int(seconds * 10)) / 10) s" : "\(Int(seconds)) s"
    }
}
