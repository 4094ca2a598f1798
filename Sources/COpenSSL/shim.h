#ifndef SESSIONTAIL_COPENSSL_SHIM_H
#define SESSIONTAIL_COPENSSL_SHIM_H
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/// Keys `ctx` (from the "HMAC" EVP_MAC) for HMAC-SHA256. The digest is named through an OSSL_PARAM, whose key
/// is a macro and whose value is a non-const `char *`: both awkward from Swift.
static inline int sessiontail_hmac_sha256_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen) {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_init(ctx, key, keylen, params);
}
#endif
