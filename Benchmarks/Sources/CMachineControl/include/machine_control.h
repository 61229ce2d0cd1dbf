#ifndef MACHINE_CONTROL_H
#define MACHINE_CONTROL_H

#include <stdint.h>

/// A compute-bound loop with no memory traffic: `n` iterations of integer
/// work (four independent xorshift chains), about 100 instructions each,
/// bound by how many instructions a cycle the core issues.
/// lock-bench times it next to the locks: how much of a CPU the process
/// really has, and how two threads of code that is not bound by atomics
/// scale on this machine (two vCPUs may be one core's two hyperthreads).
uint64_t machine_compute(int64_t n, uint64_t seed);

/// Runs the compute loop until `*stop` is non-zero: keeps the other CPU
/// busy with the same kind of work.
void machine_spin(const int32_t *stop);

/// Sets `*flag` (a release store).
void machine_set(int32_t *flag, int32_t value);

#endif
