#ifndef SESSIONTAIL_CLIBPQ_SHIM_H
#define SESSIONTAIL_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
