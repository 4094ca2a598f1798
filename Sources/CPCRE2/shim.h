#ifndef SESSIONTAIL_CPCRE2_SHIM_H
#define SESSIONTAIL_CPCRE2_SHIM_H
/* pcre2.h declares the library once per code-unit width; 8 selects the byte API. Its width-neutral names
   (pcre2_compile, pcre2_code, ...) are function-like macros that Swift cannot import, so the Swift code
   calls the real symbols (pcre2_compile_8, pcre2_code_8, ...) and needs no shim functions. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
