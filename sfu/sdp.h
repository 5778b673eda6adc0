/*
 * SDP (RFC 8866) for WebRTC offer/answer (RFC 8829 JSEP, RFC 3264): a pure
 * parser and writer plus the two builders the SFU needs. No I/O, no clock, no
 * allocation: text in, fixed-size struct out; struct in, text out.
 *
 *   sdp_parse()        text -> sdp_session_t        (sdp_parse.c)
 *   sdp_write()        sdp_session_t -> text        (sdp_write.c)
 *   sdp_build_answer() browser offer -> our answer on a send transport (sdp.c)
 *   sdp_build_offer()  consumer slots -> our offer on a receive transport (sdp.c)
 *
 * Every array is bounded (SDP_MAX_*). Entries past a bound are not stored;
 * they are counted in the matching *_dropped field, so a caller can tell an
 * overflowing description from a small one. sizeof(sdp_session_t) is about
 * 270 KiB: allocate it on the heap, not the stack.
 *
 * See sfu/SDP.md for what is parsed, what is written and why.
 */
#ifndef SB_SFU_SDP_H
#define SB_SFU_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: 0 is success, every error is negative. */
#define SDP_OK        0
#define SDP_EINVAL   -1 /* NULL or otherwise unusable argument */
#define SDP_ETOOBIG  -2 /* input larger than SDP_MAX_TEXT, or output would be */
#define SDP_ESYNTAX  -3 /* a line that is not "<letter>=<value>", or a control byte */
#define SDP_EVERSION -4 /* first line is not "v=0" */
#define SDP_ESTRUCT  -5 /* o=/s=/t= missing, repeated or after the first m= */
#define SDP_EMEDIA   -6 /* malformed m= line */
#define SDP_EATTR    -7 /* malformed value of an attribute the SFU relies on */
#define SDP_ENOSPACE -8 /* writer: output buffer too small */
#define SDP_ENOCODEC -9 /* negotiation: no codec in common */
#define SDP_EROLE   -10 /* offer asks for a DTLS/ICE role we cannot take */
#define SDP_ENOMEDIA -11 /* offer has nothing we can accept */

#define SDP_MAX_TEXT        65536 /* larger descriptions are refused */
#define SDP_MAX_MEDIA       16
#define SDP_MAX_CODECS      32    /* per media section */
#define SDP_MAX_EXTMAPS     16    /* per media section */
#define SDP_MAX_CANDIDATES  32    /* per media section */
#define SDP_MAX_SSRCS       8     /* per media section */
#define SDP_MAX_SSRC_GROUPS 4     /* per media section */
#define SDP_MAX_GROUP_SSRCS 4     /* per a=ssrc-group line */
#define SDP_MAX_RIDS        4     /* per media section, and per simulcast list */
#define SDP_MAX_BUNDLE      SDP_MAX_MEDIA

/* String capacities, NUL included. */
#define SDP_TOKEN_MAX   32  /* mid, rid, codec name, ssrc-group semantics */
#define SDP_ICE_MAX     257 /* ice-ufrag / ice-pwd: at most 256 chars (RFC 8839) */
#define SDP_FMTP_MAX    128
#define SDP_URI_MAX     128
#define SDP_ID_MAX      72  /* cname, msid stream/track ids, origin username */
#define SDP_ADDR_MAX    64  /* IPv4, IPv6 or an mDNS name */
#define SDP_FP_MAX      64  /* fingerprint bytes (sha-512) */

typedef enum sdp_media_kind {
    SDP_MEDIA_OTHER = 0, /* kept so an answer can reject it by name */
    SDP_MEDIA_AUDIO,
    SDP_MEDIA_VIDEO,
    SDP_MEDIA_APPLICATION,
} sdp_media_kind_t;

typedef enum sdp_direction {
    SDP_DIR_NONE = 0, /* not stated (extmap); media sections default to sendrecv */
    SDP_DIR_SENDRECV,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE,
} sdp_direction_t;

/* a=setup (RFC 4145, RFC 8842). */
typedef enum sdp_setup {
    SDP_SETUP_NONE = 0,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE,
    SDP_SETUP_HOLDCONN,
} sdp_setup_t;

/* a=rtcp-fb values we understand (RFC 4585, 5104, draft-alvestrand-rmcat-remb,
 * draft-holmer-rmcat-transport-wide-cc-extensions); others are ignored. */
#define SDP_FB_NACK         0x01u /* a=rtcp-fb:PT nack      */
#define SDP_FB_NACK_PLI     0x02u /* a=rtcp-fb:PT nack pli  */
#define SDP_FB_CCM_FIR      0x04u /* a=rtcp-fb:PT ccm fir   */
#define SDP_FB_GOOG_REMB    0x08u /* a=rtcp-fb:PT goog-remb */
#define SDP_FB_TRANSPORT_CC 0x10u /* a=rtcp-fb:PT transport-cc */
#define SDP_FB_ALL          0x1fu

typedef enum sdp_cand_type {
    SDP_CAND_HOST = 0,
    SDP_CAND_SRFLX,
    SDP_CAND_PRFLX,
    SDP_CAND_RELAY,
} sdp_cand_type_t;

typedef enum sdp_tcptype {
    SDP_TCP_NONE = 0,
    SDP_TCP_ACTIVE,
    SDP_TCP_PASSIVE,
    SDP_TCP_SO,
} sdp_tcptype_t;

/* a=fingerprint (RFC 8122): hash name in lower case and the digest bytes. */
typedef struct sdp_fingerprint {
    char    algo[16]; /* "sha-256"; empty when absent */
    uint8_t bytes[SDP_FP_MAX];
    uint8_t len;
} sdp_fingerprint_t;

/*
 * One payload type: a=rtpmap + a=fmtp + a=rtcp-fb. The fmtp string is kept
 * verbatim (the writer writes it back); the fields below it are what the SFU
 * reads out of it, -1 when the parameter is absent.
 */
typedef struct sdp_codec {
    uint8_t  pt;
    char     name[SDP_TOKEN_MAX]; /* "opus", "VP8", "rtx"; empty: no rtpmap */
    uint32_t clock_rate;
    uint8_t  channels;            /* 0 when the rtpmap has none (video) */
    char     fmtp[SDP_FMTP_MAX];  /* parameters after "a=fmtp:PT " */
    int16_t  apt;                 /* rtx: associated payload type */
    int32_t  profile_level_id;    /* H.264: 24-bit profile-level-id */
    int8_t   packetization_mode;  /* H.264 */
    int8_t   level_asymmetry;     /* H.264 level-asymmetry-allowed */
    int8_t   profile_id;          /* VP9 profile-id */
    uint32_t rtcp_fb;             /* SDP_FB_* */
} sdp_codec_t;

/* a=extmap (RFC 8285). */
typedef struct sdp_extmap {
    uint8_t         id;        /* 1..14 one-byte, 16..255 two-byte headers */
    sdp_direction_t direction; /* SDP_DIR_NONE unless "/sendonly" etc. */
    char            uri[SDP_URI_MAX];
} sdp_extmap_t;

/* One SSRC with its a=ssrc attributes (RFC 5576, RFC 8830 msid). */
typedef struct sdp_ssrc {
    uint32_t ssrc;
    char     cname[SDP_ID_MAX];
    char     msid_stream[SDP_ID_MAX];
    char     msid_track[SDP_ID_MAX];
} sdp_ssrc_t;

/* a=ssrc-group: "FID" pairs a media SSRC with its RTX SSRC; "SIM" lists
 * simulcast layers low to high. */
typedef struct sdp_ssrc_group {
    char     semantics[8];
    uint32_t ssrcs[SDP_MAX_GROUP_SSRCS];
    uint8_t  count;
} sdp_ssrc_group_t;

/* a=rid (RFC 8851); restrictions after the direction are not kept. */
typedef struct sdp_rid {
    char            id[SDP_TOKEN_MAX];
    sdp_direction_t direction; /* SDP_DIR_SENDONLY ("send") or SDP_DIR_RECVONLY ("recv") */
} sdp_rid_t;

/* One direction of a=simulcast (RFC 8853): the first alternative of each
 * stream; bit i of paused is set when stream i was written "~rid". */
typedef struct sdp_simulcast {
    char    rids[SDP_MAX_RIDS][SDP_TOKEN_MAX];
    uint8_t count;
    uint8_t paused;
} sdp_simulcast_t;

/* a=candidate (RFC 8839 §5.1); extension attributes are not kept. */
typedef struct sdp_candidate {
    char            foundation[SDP_TOKEN_MAX + 1]; /* 1..32 ice-chars */
    uint16_t        component;
    bool            tcp;      /* transport "TCP"; otherwise UDP */
    uint32_t        priority;
    char            addr[SDP_ADDR_MAX];
    uint16_t        port;
    sdp_cand_type_t type;
    char            raddr[SDP_ADDR_MAX]; /* empty when absent */
    uint16_t        rport;
    sdp_tcptype_t   tcptype;
} sdp_candidate_t;

/* One m= section. Transport attributes here override the session's. */
typedef struct sdp_media {
    sdp_media_kind_t kind;
    char             media[16];           /* the m= token: "audio", "text", ... */
    uint16_t         port;                /* 0: rejected / stopped */
    char             proto[SDP_TOKEN_MAX];/* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP" */
    char             fmt[SDP_TOKEN_MAX];  /* non-RTP format ("webrtc-datachannel") */
    char             mid[SDP_TOKEN_MAX];
    sdp_direction_t  direction;
    bool             rtcp_mux, rtcp_rsize, bundle_only;
    bool             ice_trickle, end_of_candidates;

    char              ice_ufrag[SDP_ICE_MAX];
    char              ice_pwd[SDP_ICE_MAX];
    sdp_fingerprint_t fingerprint;
    sdp_setup_t       setup;

    /* In m= line order, which is the sender's preference order. */
    sdp_codec_t codecs[SDP_MAX_CODECS];
    uint8_t     codec_count;
    uint16_t    codecs_dropped;

    sdp_extmap_t extmaps[SDP_MAX_EXTMAPS];
    uint8_t      extmap_count;
    uint16_t     extmaps_dropped;

    char msid_stream[SDP_ID_MAX]; /* a=msid: "-" when the track has no stream */
    char msid_track[SDP_ID_MAX];

    sdp_ssrc_t       ssrcs[SDP_MAX_SSRCS];
    uint8_t          ssrc_count;
    uint16_t         ssrcs_dropped;
    sdp_ssrc_group_t ssrc_groups[SDP_MAX_SSRC_GROUPS];
    uint8_t          ssrc_group_count;
    uint16_t         ssrc_groups_dropped;

    sdp_rid_t       rids[SDP_MAX_RIDS];
    uint8_t         rid_count;
    uint16_t        rids_dropped;
    sdp_simulcast_t simulcast_send, simulcast_recv;

    sdp_candidate_t candidates[SDP_MAX_CANDIDATES];
    uint8_t         candidate_count;
    uint16_t        candidates_dropped;

    uint16_t sctp_port;        /* a=sctp-port (or legacy a=sctpmap) */
    uint32_t max_message_size; /* a=max-message-size; 0 when absent */
} sdp_media_t;

typedef struct sdp_session {
    /* o=<username> <sess-id> <sess-version> IN <addrtype> <addr> */
    char     origin_user[SDP_ID_MAX];
    uint64_t session_id;
    uint64_t session_version;
    char     origin_addr[SDP_ADDR_MAX];
    bool     origin_ip6;

    char    bundle_mids[SDP_MAX_BUNDLE][SDP_TOKEN_MAX]; /* first a=group:BUNDLE */
    uint8_t bundle_count;
    uint16_t bundle_dropped;

    char              ice_ufrag[SDP_ICE_MAX];
    char              ice_pwd[SDP_ICE_MAX];
    bool              ice_trickle, ice_lite, end_of_candidates;
    sdp_fingerprint_t fingerprint;
    sdp_setup_t       setup;
    sdp_direction_t   direction; /* session-level default, SDP_DIR_NONE if absent */
    char              msid_semantic[SDP_TOKEN_MAX]; /* "WMS", or empty */
    char              msid_semantic_ids[SDP_ID_MAX]; /* "*", or empty */

    sdp_media_t media[SDP_MAX_MEDIA];
    uint8_t     media_count;
    uint16_t    media_dropped;

    uint32_t unknown_lines; /* unknown attributes and line types, skipped */
    uint32_t skipped_lines; /* known but unusable lines (odd candidate, long fmtp) */
} sdp_session_t;

/*
 * Parses `len` bytes of `text` (need not be NUL-terminated; lines end in
 * "\r\n" or "\n") into `out`, which is fully overwritten. Returns SDP_OK or a
 * negative SDP_E* code; on error `out` holds what was parsed so far and must
 * not be used. Unknown attributes are skipped and counted; malformed values of
 * attributes the SFU relies on (mid, ICE credentials, fingerprint, setup,
 * rtpmap, extmap, ssrc, group) are errors.
 */
int sdp_parse(const char *text, size_t len, sdp_session_t *out);

/*
 * Writes `s` as SDP text into `buf` (NUL-terminated, lines end in "\r\n").
 * Returns the length written, without the NUL, or SDP_ENOSPACE when `cap`
 * is too small, SDP_ETOOBIG when the text would pass SDP_MAX_TEXT (our own
 * parser would refuse it), SDP_EINVAL on bad arguments. Writes exactly what
 * the struct holds; building a sensible struct is the builders' job.
 */
int sdp_write(const sdp_session_t *s, char *buf, size_t cap);

/* Effective transport attributes of a media section: its own value if
 * present, else the session's. NULL / SDP_SETUP_NONE when neither has one. */
const char *sdp_media_ice_ufrag(const sdp_session_t *s, const sdp_media_t *m);
const char *sdp_media_ice_pwd(const sdp_session_t *s, const sdp_media_t *m);
const sdp_fingerprint_t *sdp_media_fingerprint(const sdp_session_t *s, const sdp_media_t *m);
sdp_setup_t sdp_media_setup(const sdp_session_t *s, const sdp_media_t *m);

/* Lookups inside one media section; NULL when absent. */
const sdp_media_t *sdp_find_media(const sdp_session_t *s, const char *mid);
const sdp_codec_t *sdp_find_codec(const sdp_media_t *m, uint8_t pt);
const sdp_extmap_t *sdp_find_extmap(const sdp_media_t *m, const char *uri);
const sdp_ssrc_group_t *sdp_find_ssrc_group(const sdp_media_t *m, const char *semantics);
bool sdp_in_bundle(const sdp_session_t *s, const char *mid);

/* True for RTP profiles ("RTP/AVP", "UDP/TLS/RTP/SAVPF", ...): formats are PTs. */
bool sdp_proto_is_rtp(const char *proto);

/* Resets a codec: everything zero, fmtp-derived fields -1 (absent). */
void sdp_codec_init(sdp_codec_t *c);
/* Re-derives apt / profile-level-id / packetization-mode / profile-id from
 * c->fmtp; the parser calls it, builders call it after setting fmtp. */
void sdp_codec_parse_fmtp(sdp_codec_t *c);

/* Parses "AB:CD:..." hex into `fp` with hash name `algo`. SDP_EATTR if bad. */
int sdp_fingerprint_from_hex(sdp_fingerprint_t *fp, const char *algo, const char *hex);

/*
 * What the server puts into every description it writes: ICE credentials,
 * the DTLS certificate's fingerprint, host candidates, SCTP parameters.
 */
typedef struct sdp_local {
    uint64_t          session_id;      /* stable for the transport's lifetime */
    uint64_t          session_version; /* incremented on each new offer */
    char              ice_ufrag[SDP_ICE_MAX];
    char              ice_pwd[SDP_ICE_MAX];
    sdp_fingerprint_t fingerprint;     /* sha-256 of our DTLS certificate */
    sdp_candidate_t   candidates[SDP_MAX_CANDIDATES];
    uint8_t           candidate_count;
    uint16_t          sctp_port;        /* 0: 5000 */
    uint32_t          max_message_size; /* 0: 262144 */
} sdp_local_t;

/*
 * Builds the answer to a browser's offer on a SEND transport (browser sends,
 * server receives). For each offered section, in order and with its mid:
 *   audio/video over UDP/TLS/RTP/SAVPF in the BUNDLE group whose direction
 *     lets the browser send: recvonly, codecs from sdp_negotiate_codecs() with
 *     the browser's payload types, the header extensions we support with the
 *     browser's ids, rtcp-fb we support, rids/simulcast mirrored as "recv";
 *   application UDP/DTLS/SCTP webrtc-datachannel: sctp-port, max-message-size;
 *   anything else: rejected (port 0).
 * Session: ice-lite, BUNDLE of the accepted mids, a=setup:passive (server is
 * the DTLS server), our ICE credentials, fingerprint and candidates in every
 * accepted section followed by end-of-candidates.
 * Returns SDP_OK, SDP_EROLE if the offer insists on a=setup:passive,
 * SDP_ENOMEDIA if no section could be accepted, SDP_EINVAL on bad arguments.
 */
int sdp_build_answer(const sdp_session_t *offer, const sdp_local_t *local,
                     sdp_session_t *answer);

typedef enum sdp_slot_state {
    SDP_SLOT_ACTIVE = 0, /* sendonly, carries a consumer */
    SDP_SLOT_INACTIVE,   /* a=inactive, stays in BUNDLE; mid reusable for the same kind */
    SDP_SLOT_CLOSED,     /* port 0, left out of BUNDLE; index reusable with a new mid */
} sdp_slot_state_t;

/*
 * One m= section of the server's offer on a RECEIVE transport. The caller
 * keeps an array of slots for the transport's lifetime and only appends,
 * changes state, or refills a closed slot with a new mid, so m= line order
 * stays stable across renegotiations (RFC 8829 §5.2.2).
 */
typedef struct sdp_offer_slot {
    sdp_media_kind_t kind;  /* AUDIO, VIDEO or APPLICATION (DataChannels) */
    char             mid[SDP_TOKEN_MAX];
    sdp_slot_state_t state;
    sdp_codec_t      codec;  /* the producer's codec with the PT we picked */
    uint8_t          rtx_pt; /* 0: no RTX */
    uint32_t         ssrc, rtx_ssrc;
    char             cname[SDP_ID_MAX];
    char             stream_id[SDP_ID_MAX]; /* msid */
    char             track_id[SDP_ID_MAX];
} sdp_offer_slot_t;

/*
 * Builds the server's offer on a RECEIVE transport from `n` slots: one
 * sendonly section per active consumer with its SSRC, RTX SSRC (FID group),
 * cname and msid, our header extension ids (sdp_offer_extmaps()), a=setup:
 * actpass (JSEP requires it of an offerer; browsers answer active, so the
 * server stays the DTLS server) and ice-lite (the browser is ICE controlling).
 * Returns SDP_OK or SDP_EINVAL (n == 0, n > SDP_MAX_MEDIA, empty mid, ...).
 */
int sdp_build_offer(const sdp_offer_slot_t *slots, size_t n,
                    const sdp_local_t *local, sdp_session_t *out);

#endif
