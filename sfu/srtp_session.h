/*
 * SRTP/SRTCP for one transport: a libsrtp2 wrapper with one inbound and one
 * outbound srtp_t made from the keys DTLS-SRTP exported (RFC 5764 §4.2).
 *
 * Profiles: AEAD_AES_128_GCM (RFC 7714, 16-byte tag; preferred because
 * Debian's NSS-backed libsrtp2 runs it ~4x faster) and AES_CM_128_HMAC_SHA1_80
 * (RFC 3711, 10-byte tag).
 *
 * Both contexts are stream templates (ssrc_any_inbound / ssrc_any_outbound):
 * an SFU sees SSRCs it learns from SDP or not at all, and forwards many. The
 * first packet of a new SSRC makes libsrtp clone the template (one
 * allocation per SSRC, not per packet). Replay protection is on for inbound
 * (window 1024 packets, for video reordering); outbound allows repeated
 * sequence numbers because NACK answers resend a packet with its original
 * sequence number.
 *
 * Protect/unprotect work in place in the caller's buffer; protect needs
 * sfu_srtp_overhead() spare bytes after the packet. Thread: one session is
 * used by one worker thread; libsrtp2's global init is done once, safely.
 */
#ifndef SFU_SRTP_SESSION_H
#define SFU_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* The DTLS-SRTP protection profile ids of RFC 5764 §4.1.2 / RFC 7714 §14.2. */
typedef enum sfu_srtp_profile {
    SFU_SRTP_PROFILE_NONE = 0,
    SFU_SRTP_AES128_CM_SHA1_80 = 0x0001,
    SFU_SRTP_AEAD_AES_128_GCM = 0x0007,
} sfu_srtp_profile_t;

#define SFU_SRTP_KEY_MAX 16  /* both profiles use AES-128 */
#define SFU_SRTP_SALT_MAX 14 /* AES-CM salt; GCM's is 12 */
/* The most protect can append: GCM tag (16) + SRTCP index (4). */
#define SFU_SRTP_MAX_OVERHEAD 20

/* Keying material split per RFC 5764 §4.2: client write key/salt and server
 * write key/salt. */
typedef struct sfu_srtp_keys {
    sfu_srtp_profile_t profile;
    size_t key_len;
    size_t salt_len;
    uint8_t client_key[SFU_SRTP_KEY_MAX];
    uint8_t client_salt[SFU_SRTP_SALT_MAX];
    uint8_t server_key[SFU_SRTP_KEY_MAX];
    uint8_t server_salt[SFU_SRTP_SALT_MAX];
} sfu_srtp_keys_t;

typedef struct sfu_srtp_session sfu_srtp_session_t;

/* Calls srtp_init() exactly once per process; 0 or -EIO. Safe from any thread. */
int sfu_srtp_global_init(void);

/* Key and salt lengths of a profile; -EINVAL for an unknown one. */
int sfu_srtp_profile_lengths(sfu_srtp_profile_t profile, size_t *key_len, size_t *salt_len);

/* "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80" (SDP/RFC names) or "none". */
const char *sfu_srtp_profile_name(sfu_srtp_profile_t profile);

/* Bytes protect appends for this profile (rtcp adds the 4-byte SRTCP index). */
size_t sfu_srtp_overhead(sfu_srtp_profile_t profile, int rtcp);

/*
 * Makes the two contexts. is_dtls_server says which half of the keys is ours:
 * the DTLS server protects with the server write key and unprotects with the
 * client write key, and the client the other way round. NULL on bad keys or
 * when libsrtp rejects the profile.
 */
sfu_srtp_session_t *sfu_srtp_session_create(const sfu_srtp_keys_t *keys, int is_dtls_server);

/* NULL is a no-op. */
void sfu_srtp_session_destroy(sfu_srtp_session_t *s);

sfu_srtp_profile_t sfu_srtp_session_profile(const sfu_srtp_session_t *s);

/*
 * Protects the RTP (or RTCP) packet in buf[0..len) in place. cap is the
 * buffer size; it must leave sfu_srtp_overhead() bytes after len, else
 * -ENOSPC. On success *out_len is the SRTP length and 0 is returned; other
 * failures are -EINVAL (malformed packet) or -EIO.
 */
int sfu_srtp_protect_rtp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t cap,
                         size_t *out_len);
int sfu_srtp_protect_rtcp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t cap,
                          size_t *out_len);

/*
 * Verifies and decrypts an SRTP (SRTCP) packet in place; *out_len is the
 * plain length. Errors: -EBADMSG authentication failed (tampered or wrong
 * key), -EALREADY replayed or too old for the window, -EINVAL malformed.
 */
int sfu_srtp_unprotect_rtp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t *out_len);
int sfu_srtp_unprotect_rtcp(sfu_srtp_session_t *s, uint8_t *buf, size_t len, size_t *out_len);

#endif
