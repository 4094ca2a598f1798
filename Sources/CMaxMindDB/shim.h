#ifndef SESSIONTAIL_CMAXMINDDB_SHIM_H
#define SESSIONTAIL_CMAXMINDDB_SHIM_H
#include <maxminddb.h>

/// `country` → `iso_code` of a lookup's entry. `MMDB_get_value` is variadic, which Swift cannot call, and
/// allocates its path array on every call; `MMDB_aget_value` with this constant path does neither, and keeps
/// C strings out of the per-lookup Swift code.
static inline int sessiontail_mmdb_country_iso_code(MMDB_entry_s *entry, MMDB_entry_data_s *out) {
    static const char *const path[] = {"country", "iso_code", NULL};
    return MMDB_aget_value(entry, out, path);
}
#endif
