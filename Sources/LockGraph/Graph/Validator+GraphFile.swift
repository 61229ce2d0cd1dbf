/// Saving what a run learned, and merging saved graphs: the classes, their
/// irq usage with where each usage was first seen, and every dependency with
/// the stack that first established it.
extension Validator {
    /// The graph learned so far, as a ``GraphFile``.
    /// - Complexity: O(classes + dependencies + stack frames), under the graph lock.
    public func graphFile() -> GraphFile {
        graphLock.withLock {
            var file = GraphFile()
            let count = classes.registeredCount
            for i in 0..<count {
                let c = classes[LockClassID(rawValue: UInt32(i))]
                file.classes.append(GraphFile.Class(kind: c.kind, subclass: c.subclass, name: c.name))
            }
            for i in 0..<count {
                let id = LockClassID(rawValue: UInt32(i))
                let usage = classes.usageMask(id)
                for bit in 0..<8 where usage.contains(UsageMask(rawValue: 1 << UInt32(bit))) {
                    guard let u = usageSites[UInt64(id.rawValue) << 8 | UInt64(bit)] else { continue }
                    file.usages.append(GraphFile.Usage(lockClass: i, bit: bit, thread: u.thread, site: graphSite(u.site),
                                                       stack: stacks.frames(u.site.stack)))
                }
            }
            for e in graph.edges where e.from.index < count && e.to.index < count {
                file.edges.append(GraphFile.Edge(from: e.from.index, to: e.to.index, types: e.types.rawValue, thread: e.thread,
                                                 site: graphSite(e.site), fromSite: graphSite(e.fromSite),
                                                 stack: stacks.frames(e.site.stack)))
            }
            return file
        }
    }

    private func graphSite(_ s: EventSite) -> GraphFile.Site {
        GraphFile.Site(seq: s.seq, line: s.line, file: sourceName(s.source) ?? "")
    }

    /// Merges a saved graph as if its events had been analysed here: its
    /// saved violations are reported (once per key, as any violation), and
    /// every usage and dependency goes through the same checks as a live one,
    /// so inversions and irq conflicts between jobs are found. Merging is a
    /// union: the order of merges changes which stack is kept first, not the
    /// graph; ``wholeGraphInversions(reusing:budget:)`` then derives the
    /// inversions from that union alone.
    /// - Complexity: One graph search per new usage bit and dependency type.
    public func merge(_ file: GraphFile) {
        for v in file.violations { report(v) }
        var sources: [String: SourceID] = [:]
        func site(_ s: GraphFile.Site, _ stack: [String]) -> EventSite {
            let source: SourceID
            if s.file.isEmpty { source = .live } else if let known = sources[s.file] { source = known } else {
                source = addSource(name: s.file)
                sources[s.file] = source
            }
            return EventSite(seq: s.seq, source: source, line: s.line, stack: stack.isEmpty ? .none : stacks.add(text: stack))
        }
        let ids = file.classes.map { c in
            c.subclass == 0 ? lockClass(kind: c.kind, name: c.name)
                : classes.subclass(c.subclass, of: lockClass(kind: c.kind, name: c.name))
        }
        for u in file.usages {
            let bit = UsageMask(rawValue: 1 << UInt32(u.bit))
            let cls = ids[u.lockClass]
            if classes.usageMask(cls).contains(bit) || classes.isOverflow(cls) { continue }
            markUsage(bit, lockClass: cls, mode: u.bit & 1 != 0 ? .shared : .exclusive,
                      thread: ThreadState(name: u.thread), site: site(u.site, u.stack))
        }
        var found: [Violation] = []
        for e in file.edges {
            let from = ids[e.from], to = ids[e.to]
            if classes.isOverflow(from) || classes.isOverflow(to) { continue }
            let t = ThreadState(name: e.thread)
            let nextSite = site(e.site, e.stack), prevSite = site(e.fromSite, [])
            // Strongest type first: an exclusive, non-recursive edge closes the most cycles.
            for bit in [3, 1, 2, 0] where e.types & (1 << bit) != 0 {
                let types = DependencyTypes(rawValue: 1 << bit)
                let prevMode: AcquireMode = bit & 1 != 0 ? .exclusive : .shared
                let nextMode: AcquireMode = bit & 2 != 0 ? .exclusive : .recursiveShared
                graphLock.withLock {
                    if let i = graph.edge(from: from, to: to), graph.edges[i].types.isSuperset(of: types) { return }
                    let prev = HeldLock(instance: ObjectIdentifier(t), instanceID: 0, lockClass: from, kind: classes[from].kind,
                                        mode: prevMode, isTry: false, irqContext: IrqContext.process,
                                        waitType: effectiveWaitType(classes[from].kind), recursion: 0, chainKey: 0,
                                        site: prevSite, nestInstance: nil)
                    let next = HeldLock(instance: ObjectIdentifier(t), instanceID: 0, lockClass: to, kind: classes[to].kind,
                                        mode: nextMode, isTry: false, irqContext: IrqContext.process,
                                        waitType: effectiveWaitType(classes[to].kind), recursion: 0, chainKey: 0,
                                        site: nextSite, nestInstance: nil)
                    checkAndAddDependency(prev: prev, next: next, thread: t, into: &found)
                }
            }
        }
        for v in found { report(v) }
    }
}
