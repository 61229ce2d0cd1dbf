// The atomics are all `static inline` in the header; this file gives the
// target a translation unit.
#include "lockgraph_atomics.h"
