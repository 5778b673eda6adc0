#include "sfu/srtp_session.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

/* Inbound replay window (packets). libsrtp's default of 128 is short for
 * video behind a reordering path; 1024 costs 128 bytes per stream. */
#define REPLAY_WINDOW 1024

struct sfu_srtp_session {
    sfu_srtp_profile_t profile;
    srtp_t inbound;
    srtp_t outbound;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_fail;

static void do_srtp_init(void)
{
    init_status = srtp_init();
}

int sfu_srtp_global_init(void)
{
    pthread_once(&init_once, do_srtp_init);
    return init_status == srtp_err_status_ok ? 0 : -EIO;
}

int sfu_srtp_profile_lengths(sfu_srtp_profile_t profile, size_t *key_len, size_t *salt_len)
{
    switch (profile) {
    case SFU_SRTP_AES128_CM_SHA1_80:
        *key_len = 16;
        *salt_len = 14; /* RFC 3711 §8.2 */
        return 0;
    case SFU_SRTP_AEAD_AES_128_GCM:
        *key_len = 16;
        *salt_len = 12; /* RFC 7714 §12 */
        return 0;
    default:
        return -EINVAL;
    }
}

const char *sfu_srtp_profile_name(sfu_srtp_profile_t profile)
{
    switch (profile) {
    case SFU_SRTP_AES128_CM_SHA1_80: return "AES_CM_128_HMAC_SHA1_80";
    case SFU_SRTP_AEAD_AES_128_GCM: return "AEAD_AES_128_GCM";
    default: return "none";
    }
}

size_t sfu_srtp_overhead(sfu_srtp_profile_t profile, int rtcp)
{
    size_t tag = profile == SFU_SRTP_AEAD_AES_128_GCM ? 16 : 10;
    return rtcp ? tag + 4 : tag; /* SRTCP adds E flag + index (RFC 3711 §3.4) */
}

static int map_status(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok: return 0;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail: return -EBADMSG;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old: return -EALREADY;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_no_ctx: return -EINVAL;
    default: return -EIO;
    }
}

/* One srtp_t whose single template stream matches any SSRC in one direction.
 * key/salt are concatenated as libsrtp wants ("master key || master salt"). */
static srtp_t make_context(sfu_srtp_profile_t profile, const uint8_t *key, size_t key_len,
                           const uint8_t *salt, size_t salt_len, int inbound)
{
    unsigned char master[SFU_SRTP_KEY_MAX + SFU_SRTP_SALT_MAX];
    srtp_policy_t policy;
    srtp_t ctx = NULL;

    memset(&policy, 0, sizeof policy);
    if (profile == SFU_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.key = master;
    policy.window_size = REPLAY_WINDOW;
    policy.allow_repeat_tx = inbound ? 0 : 1;
    policy.next = NULL;
    if (srtp_create(&ctx, &policy) != srtp_err_status_ok)
        ctx = NULL;
    memset(master, 0, sizeof master);
    return ctx;
}

sfu_srtp_session_t *sfu_srtp_session_create(const sfu_srtp_keys_t *k, int is_dtls_server)
{
    size_t key_len, salt_len;

    if (k == NULL || sfu_srtp_global_init() != 0 ||
        sfu_srtp_profile_lengths(k->profile, &key_len, &salt_len) != 0 ||
        k->key_len != key_len || k->salt_len != salt_len)
        return NULL;
    sfu_srtp_session_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->profile = k->profile;
    /* RFC 5764 §4.2: each side protects with its own write key. */
    const uint8_t *out_key = is_dtls_server ? k->server_key : k->client_key;
    const uint8_t *out_salt = is_dtls_server ? k->server_salt : k->client_salt;
    const uint8_t *in_key = is_dtls_server ? k->client_key : k->server_key;
    const uint8_t *in_salt = is_dtls_server ? k->client_salt : k->server_salt;
    s->outbound = make_context(k->profile, out_key, key_len, out_salt, salt_len, 0);
    s->inbound = make_context(k->profile, in_key, key_len, in_salt, salt_len, 1);
    if (s->outbound == NULL || s->inbound == NULL) {
        sfu_srtp_session_destroy(s);
        return NULL;
    }
    return s;
}

void sfu_srtp_session_destroy(sfu_srtp_session_t *s)
{
    if (s == NULL)
        return;
    if (s->inbound)
        srtp_dealloc(s->inbound);
    if (s->outbound)
        srtp_dealloc(s->outbound);
    free(s);
}

sfu_srtp_profile_t sfu_srtp_session_profile(const sfu_srtp_session_t *s)
{
    return s->profile;
}

static int protect(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t cap,
                   size_t *out_len, int rtcp)
{
    if (s == NULL || buf == NULL || out_len == NULL)
        return -EINVAL;
    if (len > (size_t)INT_MAX - SFU_SRTP_MAX_OVERHEAD ||
        cap < len + sfu_srtp_overhead(s->profile, rtcp))
        return -ENOSPC;
    int n = (int)len;
    srtp_err_status_t st = rtcp ? srtp_protect_rtcp(s->outbound, buf, &n)
                                : srtp_protect(s->outbound, buf, &n);
    if (st != srtp_err_status_ok)
        return map_status(st);
    *out_len = (size_t)n;
    return 0;
}

static int unprotect(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t *out_len,
                     int rtcp)
{
    if (s == NULL || buf == NULL || out_len == NULL || len > INT_MAX)
        return -EINVAL;
    int n = (int)len;
    srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp(s->inbound, buf, &n)
                                : srtp_unprotect(s->inbound, buf, &n);
    if (st != srtp_err_status_ok)
        return map_status(st);
    *out_len = (size_t)n;
    return 0;
}

int sfu_srtp_protect_rtp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t cap,
                         size_t *out_len)
{
    return protect(s, buf, len, cap, out_len, 0);
}

int sfu_srtp_protect_rtcp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t cap,
                          size_t *out_len)
{
    return protect(s, buf, len, cap, out_len, 1);
}

int sfu_srtp_unprotect_rtp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t *out_len)
{
    return unprotect(s, buf, len, out_len, 0);
}

int sfu_srtp_unprotect_rtcp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t *out_len)
{
    return unprotect(s, buf, len, out_len, 1);
}
