#!/usr/bin/env python3
"""Traces for the cost of new dependencies (FUZZING.md): one thread nests N
mutex classes pairwise, 4 events per dependency.

    python3 Fuzz/quadratic.py N forward|reverse|hub|irq > trace.log

forward  c0->c1, c1->c2, ...: each new dependency's next is a new class
reverse  the same chain learned back to front: each prev is a new class
hub      reverse, each class first taken under a hub class H (so neither end
         of a new dependency is new): lockdep's searches, still quadratic
irq      forward, after one class (a spinlock, so one invalid-wait-context
         report) was used in a hardirq handler: the irq-usage search runs
         for every new dependency, still quadratic
"""
import sys

n, shape = int(sys.argv[1]), sys.argv[2]
out = ["lockcheck-trace 1", "thread 1 t", f"class {n} mutex H", f"lock {n} {n}",
       f"class {n + 1} spinlock X", f"lock {n + 1} {n + 1}"]
for i in range(n):
    out += [f"class {i} mutex c{i}", f"lock {i} {i}"]
seq = 1


def event(text):
    global seq
    out.append(f"{seq} 1 {text}")
    seq += 1


def nest(a, b):
    for op, lock in (("acquire", a), ("acquire", b), ("release", b), ("release", a)):
        event(f"{op} {lock}")


if shape == "forward":
    for i in range(n - 1):
        nest(i, i + 1)
elif shape == "reverse":
    for i in range(n - 2, -1, -1):
        nest(i, i + 1)
elif shape == "hub":
    for i in range(n - 2, -1, -1):
        nest(n, i)
        nest(i, i + 1)
elif shape == "irq":
    for text in ("irqs-off", "hardirq-enter", f"acquire {n + 1}", f"release {n + 1}", "hardirq-exit", "irqs-on"):
        event(text)
    for i in range(n - 1):
        nest(i, i + 1)
else:
    sys.exit(f"unknown shape {shape}: forward, reverse, hub or irq")
print("\n".join(out))
