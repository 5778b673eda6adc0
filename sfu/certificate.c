#include "sfu/certificate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/rand.h>

struct sfu_certificate {
    EVP_PKEY *key;
    X509 *x509;
    char fingerprint[SFU_FINGERPRINT_MAX];
};

#define CERT_VALID_DAYS 365

/* SDP hash names (RFC 8122 §5, from the IANA "Hash Function Textual Names"). */
static const EVP_MD *digest_by_sdp_name(const char *alg)
{
    if (alg == NULL)
        return NULL;
    if (strcasecmp(alg, "sha-1") == 0)
        return EVP_sha1();
    if (strcasecmp(alg, "sha-224") == 0)
        return EVP_sha224();
    if (strcasecmp(alg, "sha-256") == 0)
        return EVP_sha256();
    if (strcasecmp(alg, "sha-384") == 0)
        return EVP_sha384();
    if (strcasecmp(alg, "sha-512") == 0)
        return EVP_sha512();
    return NULL;
}

int sfu_fingerprint_alg_supported(const char *alg)
{
    return digest_by_sdp_name(alg) != NULL;
}

int sfu_fingerprint_x509(X509 *x, const char *alg, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    const EVP_MD *md = digest_by_sdp_name(alg);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (md == NULL || x == NULL || out == NULL)
        return -EINVAL;
    if (X509_digest(x, md, digest, &n) != 1 || n == 0)
        return -EINVAL;
    if (cap < (size_t)n * 3)
        return -ENOSPC;
    for (unsigned int i = 0; i < n; i++) {
        out[i * 3] = hex[digest[i] >> 4];
        out[i * 3 + 1] = hex[digest[i] & 0x0f];
        out[i * 3 + 2] = (i + 1 < n) ? ':' : '\0';
    }
    return (int)(n * 3 - 1);
}

int sfu_fingerprint_equal(const char *a, const char *b)
{
    return a != NULL && b != NULL && a[0] != '\0' && strcasecmp(a, b) == 0;
}

static int set_random_serial(X509 *x)
{
    unsigned char bytes[8];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return -1;
    bytes[0] &= 0x7f; /* keep the serial positive (RFC 5280 §4.1.2.2) */
    BIGNUM *bn = BN_bin2bn(bytes, sizeof bytes, NULL);
    if (bn == NULL)
        return -1;
    int ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

static int fill_certificate(X509 *x, EVP_PKEY *key, const char *cn)
{
    X509_NAME *name = X509_get_subject_name(x);

    if (X509_set_version(x, X509_VERSION_3) != 1 || set_random_serial(x) != 0)
        return -1;
    /* A day of slack for peers whose clock is behind ours. */
    if (X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), CERT_VALID_DAYS * 24L * 3600) == NULL)
        return -1;
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, -1, -1, 0) != 1)
        return -1;
    if (X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1)
        return -1;
    return X509_sign(x, key, EVP_sha256()) > 0 ? 0 : -1;
}

sfu_certificate_t *sfu_certificate_generate(const char *common_name)
{
    sfu_certificate_t *cert = calloc(1, sizeof *cert);
    if (cert == NULL)
        return NULL;
    cert->key = EVP_EC_gen("P-256");
    cert->x509 = X509_new();
    if (cert->key == NULL || cert->x509 == NULL)
        goto fail;
    if (fill_certificate(cert->x509, cert->key, common_name ? common_name : "switchboard") != 0)
        goto fail;
    if (sfu_fingerprint_x509(cert->x509, "sha-256", cert->fingerprint,
                             sizeof cert->fingerprint) < 0)
        goto fail;
    return cert;
fail:
    sfu_certificate_destroy(cert);
    return NULL;
}

void sfu_certificate_destroy(sfu_certificate_t *cert)
{
    if (cert == NULL)
        return;
    X509_free(cert->x509);
    EVP_PKEY_free(cert->key);
    free(cert);
}

const char *sfu_certificate_fingerprint(const sfu_certificate_t *cert)
{
    return cert->fingerprint;
}

X509 *sfu_certificate_x509(const sfu_certificate_t *cert)
{
    return cert->x509;
}

EVP_PKEY *sfu_certificate_key(const sfu_certificate_t *cert)
{
    return cert->key;
}
