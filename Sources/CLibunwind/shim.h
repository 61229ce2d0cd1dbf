// libunwind for the Instrumented runtime: local unwinding only.
#ifndef LOCKCHECK_LIBUNWIND_SHIM_H
#define LOCKCHECK_LIBUNWIND_SHIM_H
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif
