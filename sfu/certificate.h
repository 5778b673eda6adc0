/*
 * The DTLS identity of the server: one ECDSA P-256 key and self-signed X.509
 * certificate made at start-up (WebRTC authenticates DTLS peers by the
 * certificate fingerprint carried in SDP, RFC 8122 / RFC 8827 §6.5, not by a
 * CA chain), and its SHA-256 fingerprint in SDP form "AB:CD:...".
 *
 * A certificate is immutable after creation, so one can be shared by every
 * transport on every worker thread; each DTLS context takes its own
 * references to the key and certificate (OpenSSL reference counts).
 */
#ifndef SFU_CERTIFICATE_H
#define SFU_CERTIFICATE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* "sha-512" is the longest digest: 64 bytes as "XX:" -> 191 chars + NUL. */
#define SFU_FINGERPRINT_MAX 192

typedef struct sfu_certificate sfu_certificate_t;

/*
 * Generates a fresh ECDSA P-256 key and a self-signed certificate
 * (CN=common_name, or "switchboard" when NULL; valid from one day ago for
 * 365 days; random serial). Returns NULL if OpenSSL fails.
 */
sfu_certificate_t *sfu_certificate_generate(const char *common_name);

/* NULL is a no-op. */
void sfu_certificate_destroy(sfu_certificate_t *cert);

/* Uppercase SHA-256 fingerprint "AB:CD:..." (95 chars). */
const char *sfu_certificate_fingerprint(const sfu_certificate_t *cert);

/* Borrowed pointers for SSL_CTX_use_*; valid while cert lives. */
X509 *sfu_certificate_x509(const sfu_certificate_t *cert);
EVP_PKEY *sfu_certificate_key(const sfu_certificate_t *cert);

/*
 * Writes the fingerprint of x under the SDP hash name alg ("sha-1",
 * "sha-224", "sha-256", "sha-384", "sha-512"; case-insensitive, RFC 8122 §5)
 * as uppercase colon-separated hex. Returns the string length, -EINVAL for an
 * unknown algorithm, -ENOSPC if cap is too small.
 */
int sfu_fingerprint_x509(X509 *x, const char *alg, char *out, size_t cap);

/* 1 when alg is an SDP hash name sfu_fingerprint_x509() can compute. */
int sfu_fingerprint_alg_supported(const char *alg);

/*
 * Compares two fingerprint strings as RFC 8122 says to: hex case does not
 * matter. Returns 1 when equal.
 */
int sfu_fingerprint_equal(const char *a, const char *b);

#endif
