/// Turning engine state into the plain values a ``Violation`` carries.
extension Validator {
    func siteInfo(_ site: EventSite) -> Violation.SiteInfo {
        Violation.SiteInfo(seq: site.seq, file: sourceName(site.source),
                           line: site.line == 0 ? nil : Int(site.line), stack: stacks.frames(site.stack))
    }

    func eventInfo(_ t: ThreadState, _ site: EventSite, what: String) -> Violation.EventInfo {
        var s = site
        resolveStack(&s)
        let info = siteInfo(s)
        return Violation.EventInfo(thread: t.name, seq: site.seq, file: info.file, line: info.line,
                                   stack: info.stack, what: what)
    }

    func classDescription(_ id: LockClassID) -> Violation.ClassInfo {
        let c = classes[id]
        return Violation.ClassInfo(name: c.displayName, kind: c.kind.spelling)
    }

    func name(_ id: LockClassID) -> String { classes[id].displayName }

    func lockInfo(_ h: HeldLock) -> Violation.LockInfo {
        Violation.LockInfo(className: name(h.lockClass), kind: h.kind.spelling, mode: h.mode.spelling,
                           instance: h.instanceID, isTry: h.isTry, site: siteInfo(h.site))
    }

    func lockInfo(_ lock: LockInstance, lockClass: LockClassID, mode: AcquireMode, site: EventSite) -> Violation.LockInfo {
        Violation.LockInfo(className: name(lockClass), kind: lock.kind.spelling, mode: mode.spelling,
                           instance: lock.id, isTry: false, site: siteInfo(site))
    }

    func heldInfo(_ t: ThreadState, excludingTop: Bool = false) -> [Violation.LockInfo] {
        let list = excludingTop ? t.held.dropLast() : t.held[...]
        return list.map(lockInfo)
    }

    /// The classes of `ids`, deduplicated and sorted by name.
    func classList(_ ids: [LockClassID]) -> [Violation.ClassInfo] {
        Array(Set(ids.map(classDescription))).sorted { ($0.name, $0.kind) < ($1.name, $1.kind) }
    }

    /// The dedup key of a violation: rule + involved names (+ detail).
    func violationKey(_ rule: RuleID, _ names: [String], detail: String = "") -> String {
        rule.rawValue + "|" + names.sorted().joined(separator: "\u{1}") + "|" + detail
    }

    /// The contexts that make `t` atomic, each with where it began.
    func atomicContexts(_ t: ThreadState) -> [Violation.ContextInfo] {
        var out: [Violation.ContextInfo] = []
        func add(_ name: String, _ site: EventSite?) {
            out.append(Violation.ContextInfo(name: name, site: site.map(siteInfo) ?? Violation.SiteInfo(seq: 0, file: nil, line: nil, stack: [])))
        }
        if t.hardirqDepth > 0 { add(t.threadedHardirqDepth >= t.hardirqDepth ? "threaded hardirq handler" : "hardirq handler", t.hardirqSite) }
        if t.softirqDepth > 0 { add("softirq", t.softirqSite) }
        if t.irqsOff { add("irqs-off", t.irqsOffSite) }
        if t.softirqsOffCount > 0 { add("softirqs-off", t.softirqsOffSite) }
        if t.preemptCount > 0 { add("preempt-off", t.preemptOffSite) }
        for s in t.rcuSections { add(s.flavor.name, s.site) }
        for h in t.held where h.kind.spins {
            // Its stack is printed with the held locks already.
            var site = siteInfo(h.site)
            site.stack = []
            out.append(Violation.ContextInfo(name: "holding \(name(h.lockClass)) (\(h.kind.spelling))", site: site))
        }
        return out
    }

    /// A short phrase for the atomic context, for keys and messages
    /// ("while in a hardirq handler").
    func atomicContextName(_ t: ThreadState) -> String {
        if t.hardirqDepth > 0 { return "in a hardirq handler" }
        if t.softirqDepth > 0 { return "in softirq context" }
        if let h = t.held.last(where: { $0.kind.spins }) { return "holding \(name(h.lockClass))" }
        if t.irqsOff { return "with irqs off" }
        if t.softirqsOffCount > 0 { return "with softirqs off" }
        if t.preemptCount > 0 { return "with preemption off" }
        if let s = t.rcuSections.last { return "in an \(s.flavor.name) section" }
        return "in atomic context"
    }
}
