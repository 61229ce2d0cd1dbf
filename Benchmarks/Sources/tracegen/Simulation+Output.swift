#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing the trace: the header and declarations, one line per event, and
/// the stack and lock declarations that must come just before their first use.
extension Simulation {
    mutating func writeHeader() {
        let o = options
        out.text("# lockcheck synthetic trace written by tracegen (Benchmarks/)\n")
        out.text("# tracegen --events \(o.events) --threads \(o.threads) --classes \(o.classes) --seed \(o.seed)\(o.modelSeed.map { " --model-seed \($0)" } ?? "") --violations \(o.violations)\n")
        out.text("# \(model.classes.count) lock classes in one global order (sleeping locks, then spinlocks, then raw locks);\n")
        out.text("# \(model.basePathCount) code paths nest 1-6 of them along it, and \(model.latePathCount) late paths add new dependencies\n")
        out.text("# (still in order) after 75% of the run. Expected report: \(o.violations) lock-order-inversion(s), nothing else.\n")
        out.text("lockcheck-trace 1\n")
        out.text("config raw-nesting=on preempt-rt=off\n")
        out.text("process 1 tracegen-synthetic\n")
        for t in threads {
            let name = t.isReclaimer ? "rcu-reclaim" : model.workerNames[t.tid - 1]
            out.text("thread \(t.tid) \(name)\n")
        }
        for cls in model.classes {
            out.text("class \(cls.cid) \(cls.kind.token) \(cls.name)\n")
        }
        for cls in model.classes {
            for lid in cls.lids { out.text("lock \(lid) \(cls.cid)\n") }
        }
        for (i, name) in ProgramModel.pools.enumerated() { out.text("pool \(i + 1) \(name)\n") }
        for (i, name) in ProgramModel.queues.enumerated() { out.text("queue \(i + 1) \(name)\n") }
    }

    /// Writes the next op of thread `t`.
    mutating func step(_ t: Int) {
        let op = threads[t].script[threads[t].cursor]
        threads[t].cursor += 1
        if case let .marker(k) = op {
            writeViolationMarker(Int(k))
            return
        }
        if case let .acquire(_, _, stack, _, _) = op, !stackDeclared[Int(stack)] {
            stackDeclared[Int(stack)] = true
            out.text("stack \(stack) \(frames(stack: Int(stack)))\n")
        }
        seq += 1 + UInt64(rng.below(1500))
        emitted += 1
        out.decimal(seq)
        out.byte(32)
        out.decimal(threads[t].tid)
        switch op {
        case let .acquire(lid, cls, stack, shared, isTry):
            out.text(" acquire ")
            out.decimal(Int(lid))
            if model.classes[Int(cls)].kind.isShared { out.text(shared ? " r" : " w") }
            if isTry { out.text(" try") }
            out.text(" stack=")
            out.decimal(Int(stack))
            acquired(t, HeldLock(lid: lid, cls: cls, shared: shared, isTry: isTry))
        case let .release(lid):
            out.text(" release ")
            out.decimal(Int(lid))
            released(t, lid)
        case let .sleep(what):
            switch what {
            case .io: out.text(" sleep what=io")
            case .futex: out.text(" sleep what=futex")
            case .gracePeriod: out.text(" sleep what=grace-period")
            case .yield: out.text(" sleep what=yield")
            }
        case let .alloc(flags, bytes, ptr, pool):
            switch flags {
            case .mayBlock: out.text(" alloc may-block ")
            case .atomic: out.text(" alloc atomic ")
            case .nowait: out.text(" alloc nowait ")
            case .noLocks: out.text(" alloc no-locks ")
            }
            out.decimal(Int(bytes))
            if ptr != 0 {
                out.text(" ptr=")
                out.hex(ptr)
            }
            if pool != 0 {
                out.text(" pool=")
                out.decimal(Int(pool))
            }
        case let .free(ptr, pool):
            out.text(" free ")
            out.hex(ptr)
            if pool != 0 {
                out.text(" pool=")
                out.decimal(Int(pool))
            }
        case let .deferFree(queue, ptr, pool):
            out.text(" defer-free ")
            out.decimal(Int(queue))
            out.byte(32)
            out.hex(ptr)
            if pool != 0 {
                out.text(" pool=")
                out.decimal(Int(pool))
            }
            pendingFrees.append((queue, ptr))
        case let .reclaimed(queue, ptr):
            out.text(" reclaimed ")
            out.decimal(Int(queue))
            out.byte(32)
            out.hex(ptr)
        case .rcuLock:
            out.text(" rcu-lock")
        case .rcuUnlock:
            out.text(" rcu-unlock")
        case .exit:
            precondition(threads[t].held.isEmpty, "tracegen: thread exits holding locks")
            out.text(" thread-exit")
            threads[t].exited = true
        case .marker:
            break
        }
        out.byte(10)
    }

    private mutating func acquired(_ t: Int, _ lock: HeldLock) {
        if lock.shared {
            readers[Int(lock.lid)] += 1
        } else {
            writer[Int(lock.lid)] = Int32(t)
        }
        if !lock.isTry {
            // The dependencies this acquisition adds, as lockdep's check_prevs_add.
            var i = threads[t].held.count - 1
            while i >= 0 {
                let prev = threads[t].held[i]
                let key = Int(prev.cls) * model.classes.count + Int(lock.cls)
                if dependencySeen.insert(key).inserted {
                    dependencies.append((prev.cls, lock.cls))
                    if emitted > lateStart { lateDependencies += 1 }
                }
                if !prev.isTry { break }
                i -= 1
            }
        }
        threads[t].held.append(lock)
    }

    private mutating func released(_ t: Int, _ lid: Int32) {
        guard let i = threads[t].held.lastIndex(where: { $0.lid == lid }) else {
            preconditionFailure("tracegen: release of a lock the thread does not hold")
        }
        let lock = threads[t].held.remove(at: i)
        if lock.shared {
            readers[Int(lid)] -= 1
        } else {
            writer[Int(lid)] = -1
        }
    }

    private mutating func writeViolationMarker(_ k: Int) {
        let v = violations[k]
        let a = model.classes[Int(v.a)]
        let b = model.classes[Int(v.b)]
        out.text("# injected lock-order-inversion \(k + 1) of \(options.violations): \(b.name) -> \(a.name) (the program took \(a.name) -> \(b.name))\n")
        out.text("lock \(v.lidB) \(b.cid)\n")
        out.text("lock \(v.lidA) \(a.cid)\n")
        violationsWritten += 1
    }

    /// The frames of stack `stack`, innermost first, TAB-separated.
    func frames(stack: Int) -> String {
        if stack < model.nextStack {
            // Path stacks are allocated in path order; find the path by bisection.
            var lo = 0
            var hi = model.paths.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if model.paths[mid].firstStack <= stack { lo = mid } else { hi = mid - 1 }
            }
            return model.frames(path: lo, site: stack - model.paths[lo].firstStack)
        }
        let k = (stack - model.nextStack) / 2
        let v = violations[k]
        let cls = model.classes[Int((stack - model.nextStack) % 2 == 0 ? v.b : v.a)]
        return "\(cls.owner).repair() (\(cls.owner).swift:\(300 + k))"
            + "\tMaintenance.rareRepairPath\(k + 1)() (Maintenance.swift:\(50 + 7 * k))"
            + "\tWorker.run() (Worker.swift:44)"
    }

    func printSummary() {
        var kinds = [Int](repeating: 0, count: 5)
        for cls in model.classes { kinds[Int(cls.kind.rawValue)] += 1 }
        var s = "tracegen: \(emitted) events, \(out.bytesWritten) bytes, \(threads.count) threads\n"
        s += "  classes: \(model.classes.count) (mutex \(kinds[0]), rwsem \(kinds[1]), spinlock \(kinds[2]), rwlock \(kinds[3]), raw-spinlock \(kinds[4])), locks: \(model.lockCount)\n"
        s += "  paths: \(model.basePathCount) base + \(model.latePathCount) late; dependencies: \(dependencies.count) (\(lateDependencies) first seen after 75%)\n"
        s += "  injected lock-order-inversions: \(violationsWritten) of \(options.violations)\n"
        for (k, v) in violations.enumerated() where k < violationsWritten {
            s += "    \(model.classes[Int(v.b)].name) -> \(model.classes[Int(v.a)].name)\n"
        }
        printError(s)
    }
}
