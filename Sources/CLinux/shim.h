#ifndef SESSIONTAIL_CLINUX_SHIM_H
#define SESSIONTAIL_CLINUX_SHIM_H
// Linux and glibc headers that Swift's Glibc module leaves out.
#include <sys/signalfd.h>
#include <malloc.h>
#endif
