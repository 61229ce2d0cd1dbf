#ifndef UNWIND_PROBE_H
#define UNWIND_PROBE_H
/// Captures the stack `iterations` times with libunwind's unw_backtrace (as
/// Sources/Instrumented/Stacks/UnwindStackCapture.swift does), from `depth`
/// extra noinline frames down. Returns the frame count of the last capture.
int unwind_probe(int depth, long iterations);
#endif
