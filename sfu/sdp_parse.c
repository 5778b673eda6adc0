/*
 * SDP parser (RFC 8866 syntax, WebRTC attributes from RFC 8829/8839/8841/
 * 8842/8843/8851/8853/8285/5576/4585/8122). One pass over the lines, no
 * allocation; see sdp.h for the contract.
 *
 * Policy: structure errors (no v=0 first, o=/s=/t= missing or misplaced, a
 * broken m= line, control bytes) and malformed values of attributes the SFU
 * relies on fail the whole parse; unknown attributes and line types are
 * skipped and counted, as RFC 8866 §5 allows. Candidates are hints, so an
 * odd one is skipped rather than failing the description.
 */
#include "sfu/sdp.h"

#include <string.h>
#include <strings.h>

typedef struct span {
    const char *p;
    size_t      n;
} span_t;

typedef struct parser {
    sdp_session_t *s;
    sdp_media_t   *m;        /* current media section; NULL at session level */
    bool           skipping; /* inside a section past SDP_MAX_MEDIA */
    bool           dir_set;  /* current section had a direction attribute */
    uint32_t       fb_any;   /* a=rtcp-fb:* of the current section */
    bool           seen_o, seen_s, seen_t, seen_bundle;
} parser_t;

/* ---- small text helpers ------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static span_t skip_spaces(span_t s)
{
    while (s.n && is_space(*s.p)) {
        s.p++;
        s.n--;
    }
    return s;
}

/* Splits the next run of non-blanks off *rest. False when none is left. */
static bool next_token(span_t *rest, span_t *tok)
{
    *rest = skip_spaces(*rest);
    if (rest->n == 0)
        return false;
    size_t i = 0;
    while (i < rest->n && !is_space(rest->p[i]))
        i++;
    tok->p = rest->p;
    tok->n = i;
    rest->p += i;
    rest->n -= i;
    return true;
}

/* Splits at the first `sep`: *left gets what precedes it, *right what
 * follows. Without `sep`, *left is all of s and *right is empty. */
static bool split_at(span_t s, char sep, span_t *left, span_t *right)
{
    const char *hit = s.n ? memchr(s.p, sep, s.n) : NULL;
    if (!hit) {
        *left = s;
        right->p = s.p + s.n;
        right->n = 0;
        return false;
    }
    left->p = s.p;
    left->n = (size_t)(hit - s.p);
    right->p = hit + 1;
    right->n = s.n - left->n - 1;
    return true;
}

static bool span_is(span_t s, const char *lit)
{
    return strlen(lit) == s.n && memcmp(s.p, lit, s.n) == 0;
}

static bool span_icase(span_t s, const char *lit)
{
    return strlen(lit) == s.n && strncasecmp(s.p, lit, s.n) == 0;
}

static bool copy_span(char *dst, size_t cap, span_t s)
{
    if (s.n >= cap)
        return false;
    memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return true;
}

/* A token: non-empty, no blanks, fits in cap with its NUL. */
static bool copy_token(char *dst, size_t cap, span_t s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (is_space(s.p[i]))
            return false;
    return copy_span(dst, cap, s);
}

static bool parse_u64(span_t s, uint64_t max, uint64_t *out)
{
    if (s.n == 0 || s.n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9 || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool parse_u32(span_t s, uint32_t max, uint32_t *out)
{
    uint64_t v;
    if (!parse_u64(s, max, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_direction(span_t s, sdp_direction_t *d)
{
    static const char *names[] = { NULL, "sendrecv", "sendonly", "recvonly", "inactive" };
    for (int i = SDP_DIR_SENDRECV; i <= SDP_DIR_INACTIVE; i++)
        if (span_is(s, names[i])) {
            *d = (sdp_direction_t)i;
            return true;
        }
    return false;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- codec fmtp -------------------------------------------------------- */

void sdp_codec_init(sdp_codec_t *c)
{
    memset(c, 0, sizeof *c);
    c->apt = -1;
    c->profile_level_id = -1;
    c->packetization_mode = -1;
    c->level_asymmetry = -1;
    c->profile_id = -1;
}

static void fmtp_param(sdp_codec_t *c, span_t key, span_t val)
{
    uint32_t v;
    if (span_icase(key, "profile-level-id")) {
        int32_t plid = 0;
        if (val.n != 6)
            return;
        for (size_t i = 0; i < 6; i++) {
            int d = hex_digit(val.p[i]);
            if (d < 0)
                return;
            plid = plid << 4 | d;
        }
        c->profile_level_id = plid;
    } else if (span_icase(key, "apt") && parse_u32(val, 127, &v)) {
        c->apt = (int16_t)v;
    } else if (span_icase(key, "packetization-mode") && parse_u32(val, 2, &v)) {
        c->packetization_mode = (int8_t)v;
    } else if (span_icase(key, "level-asymmetry-allowed") && parse_u32(val, 1, &v)) {
        c->level_asymmetry = (int8_t)v;
    } else if (span_icase(key, "profile-id") && parse_u32(val, 127, &v)) {
        c->profile_id = (int8_t)v;
    }
}

void sdp_codec_parse_fmtp(sdp_codec_t *c)
{
    c->apt = -1;
    c->profile_level_id = -1;
    c->packetization_mode = -1;
    c->level_asymmetry = -1;
    c->profile_id = -1;
    span_t rest = { c->fmtp, strnlen(c->fmtp, sizeof c->fmtp) }, param, key, val;
    while (rest.n) {
        split_at(rest, ';', &param, &rest);
        split_at(skip_spaces(param), '=', &key, &val);
        while (key.n && is_space(key.p[key.n - 1]))
            key.n--;
        val = skip_spaces(val);
        while (val.n && is_space(val.p[val.n - 1]))
            val.n--;
        fmtp_param(c, key, val);
    }
}

/* ---- fingerprint ------------------------------------------------------- */

/* Digest length of a hash function from RFC 8122 §5's registry; 0: unknown. */
static size_t digest_len(const char *algo)
{
    static const struct {
        const char *name;
        uint8_t     len;
    } algos[] = { { "sha-1", 20 },   { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 },
                  { "sha-512", 64 }, { "md5", 16 },     { "md2", 16 } };
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (strcmp(algos[i].name, algo) == 0)
            return algos[i].len;
    return 0;
}

/* "<hash> XX:XX:...:XX"; the digest must have its hash's length. */
static int fingerprint_parse(sdp_fingerprint_t *fp, span_t algo, span_t hex)
{
    sdp_fingerprint_t f;
    memset(&f, 0, sizeof f);
    if (!copy_token(f.algo, sizeof f.algo, algo))
        return SDP_EATTR;
    for (char *a = f.algo; *a; a++)
        if (*a >= 'A' && *a <= 'Z')
            *a = (char)(*a - 'A' + 'a');
    size_t want = digest_len(f.algo);
    if (want == 0 || hex.n != want * 3 - 1)
        return SDP_EATTR;
    for (size_t i = 0; i < hex.n; i += 3) {
        int hi = hex_digit(hex.p[i]), lo = hex_digit(hex.p[i + 1]);
        if (hi < 0 || lo < 0 || (i + 2 < hex.n && hex.p[i + 2] != ':'))
            return SDP_EATTR;
        f.bytes[f.len++] = (uint8_t)(hi << 4 | lo);
    }
    *fp = f;
    return SDP_OK;
}

int sdp_fingerprint_from_hex(sdp_fingerprint_t *fp, const char *algo, const char *hex)
{
    if (!fp || !algo || !hex)
        return SDP_EINVAL;
    span_t a = { algo, strlen(algo) }, h = { hex, strlen(hex) };
    return fingerprint_parse(fp, a, h);
}

/* ---- session-level and shared transport attributes ---------------------- */

static int attr_group(parser_t *p, span_t v)
{
    span_t sem, mid;
    if (!next_token(&v, &sem))
        return SDP_EATTR;
    if (!span_is(sem, "BUNDLE") || p->seen_bundle)
        return SDP_OK; /* LS and later BUNDLE groups: not ours to use */
    p->seen_bundle = true;
    sdp_session_t *s = p->s;
    while (next_token(&v, &mid)) {
        if (s->bundle_count == SDP_MAX_BUNDLE) {
            s->bundle_dropped++;
            continue;
        }
        if (!copy_token(s->bundle_mids[s->bundle_count], SDP_TOKEN_MAX, mid))
            return SDP_EATTR;
        s->bundle_count++;
    }
    return SDP_OK;
}

static int attr_ice_lite(parser_t *p, span_t v)
{
    (void)v;
    p->s->ice_lite = true;
    return SDP_OK;
}

static int attr_msid_semantic(parser_t *p, span_t v)
{
    span_t sem;
    if (!next_token(&v, &sem) || !copy_token(p->s->msid_semantic, SDP_TOKEN_MAX, sem))
        return SDP_EATTR;
    if (!copy_span(p->s->msid_semantic_ids, SDP_ID_MAX, skip_spaces(v)))
        p->s->skipped_lines++;
    return SDP_OK;
}

static int attr_ice_ufrag(parser_t *p, span_t v)
{
    char *dst = p->m ? p->m->ice_ufrag : p->s->ice_ufrag;
    return copy_token(dst, SDP_ICE_MAX, v) ? SDP_OK : SDP_EATTR;
}

static int attr_ice_pwd(parser_t *p, span_t v)
{
    char *dst = p->m ? p->m->ice_pwd : p->s->ice_pwd;
    return copy_token(dst, SDP_ICE_MAX, v) ? SDP_OK : SDP_EATTR;
}

static int attr_ice_options(parser_t *p, span_t v)
{
    span_t opt;
    while (next_token(&v, &opt))
        if (span_is(opt, "trickle")) {
            if (p->m)
                p->m->ice_trickle = true;
            else
                p->s->ice_trickle = true;
        }
    return SDP_OK;
}

static int attr_fingerprint(parser_t *p, span_t v)
{
    sdp_fingerprint_t *fp = p->m ? &p->m->fingerprint : &p->s->fingerprint;
    span_t algo, hex;
    if (fp->len) { /* RFC 8122 allows several; the first is the one we check */
        p->s->skipped_lines++;
        return SDP_OK;
    }
    if (!next_token(&v, &algo) || !next_token(&v, &hex) || skip_spaces(v).n)
        return SDP_EATTR;
    char name[16];
    size_t i;
    for (i = 0; i < algo.n && i < sizeof name - 1; i++)
        name[i] = (char)(algo.p[i] >= 'A' && algo.p[i] <= 'Z' ? algo.p[i] - 'A' + 'a' : algo.p[i]);
    name[i] = '\0';
    if (!digest_len(name)) { /* a hash we do not know; a later line may do */
        p->s->skipped_lines++;
        return SDP_OK;
    }
    return fingerprint_parse(fp, algo, hex);
}

static int attr_setup(parser_t *p, span_t v)
{
    static const char *names[] = { NULL, "actpass", "active", "passive", "holdconn" };
    for (int i = SDP_SETUP_ACTPASS; i <= SDP_SETUP_HOLDCONN; i++)
        if (span_is(v, names[i])) {
            if (p->m)
                p->m->setup = (sdp_setup_t)i;
            else
                p->s->setup = (sdp_setup_t)i;
            return SDP_OK;
        }
    return SDP_EATTR;
}

static int attr_end_of_candidates(parser_t *p, span_t v)
{
    (void)v;
    if (p->m)
        p->m->end_of_candidates = true;
    else
        p->s->end_of_candidates = true;
    return SDP_OK;
}

static int attr_direction(parser_t *p, span_t name)
{
    sdp_direction_t d = SDP_DIR_SENDRECV;
    parse_direction(name, &d);
    if (p->m) {
        p->m->direction = d;
        p->dir_set = true;
    } else {
        p->s->direction = d;
    }
    return SDP_OK;
}


/* ---- media-level attributes -------------------------------------------- */

static int attr_mid(parser_t *p, span_t v)
{
    return copy_token(p->m->mid, SDP_TOKEN_MAX, v) ? SDP_OK : SDP_EATTR;
}

static int attr_flag(parser_t *p, span_t name)
{
    if (span_is(name, "rtcp-mux"))
        p->m->rtcp_mux = true;
    else if (span_is(name, "rtcp-rsize"))
        p->m->rtcp_rsize = true;
    else
        p->m->bundle_only = true;
    return SDP_OK;
}

/* The codec of the current section with the payload type written in `pt`.
 * *rc is SDP_EATTR when `pt` is not a payload type at all; NULL with SDP_OK
 * means a PT that the m= line does not list, which we skip. */
static sdp_codec_t *codec_for(parser_t *p, span_t pt, int *rc)
{
    uint32_t v;
    *rc = SDP_OK;
    if (!parse_u32(pt, 127, &v)) {
        *rc = SDP_EATTR;
        return NULL;
    }
    for (size_t i = 0; i < p->m->codec_count; i++)
        if (p->m->codecs[i].pt == v)
            return &p->m->codecs[i];
    p->s->skipped_lines++;
    return NULL;
}

/* a=rtpmap:<pt> <name>/<clock rate>[/<channels>] (RFC 8866 §6.6) */
static int attr_rtpmap(parser_t *p, span_t v)
{
    span_t pt, enc, name, rest, clock, channels;
    uint32_t rate, ch = 0;
    int rc;
    if (!next_token(&v, &pt) || !next_token(&v, &enc) || skip_spaces(v).n)
        return SDP_EATTR;
    split_at(enc, '/', &name, &rest);
    bool has_ch = split_at(rest, '/', &clock, &channels);
    if (!parse_u32(clock, UINT32_MAX, &rate) || (has_ch && !parse_u32(channels, 255, &ch)))
        return SDP_EATTR;
    sdp_codec_t *c = codec_for(p, pt, &rc);
    if (!c)
        return rc;
    if (!copy_token(c->name, sizeof c->name, name))
        return SDP_EATTR;
    c->clock_rate = rate;
    c->channels = (uint8_t)ch;
    return SDP_OK;
}

/* a=fmtp:<pt> <parameters>; kept verbatim, the few we use are decoded. */
static int attr_fmtp(parser_t *p, span_t v)
{
    span_t pt;
    int rc;
    if (!p->m->codec_count) { /* legacy SCTP fmtp and the like */
        p->s->skipped_lines++;
        return SDP_OK;
    }
    if (!next_token(&v, &pt))
        return SDP_EATTR;
    sdp_codec_t *c = codec_for(p, pt, &rc);
    if (!c)
        return rc;
    if (!copy_span(c->fmtp, sizeof c->fmtp, skip_spaces(v))) {
        p->s->skipped_lines++; /* too long: not a codec we forward */
        return SDP_OK;
    }
    sdp_codec_parse_fmtp(c);
    return SDP_OK;
}

/* a=rtcp-fb:<pt|*> <type> [<subtype>] (RFC 4585 §4.2) */
static int attr_rtcp_fb(parser_t *p, span_t v)
{
    span_t pt, type, sub = { "", 0 };
    uint32_t bit = 0;
    int rc;
    if (!next_token(&v, &pt) || !next_token(&v, &type))
        return SDP_EATTR;
    next_token(&v, &sub);
    if (span_is(type, "nack"))
        bit = sub.n == 0 ? SDP_FB_NACK : span_is(sub, "pli") ? SDP_FB_NACK_PLI : 0;
    else if (span_is(type, "ccm"))
        bit = span_is(sub, "fir") ? SDP_FB_CCM_FIR : 0;
    else if (span_is(type, "goog-remb"))
        bit = SDP_FB_GOOG_REMB;
    else if (span_is(type, "transport-cc"))
        bit = SDP_FB_TRANSPORT_CC;
    if (span_is(pt, "*")) {
        p->fb_any |= bit;
        return SDP_OK;
    }
    sdp_codec_t *c = codec_for(p, pt, &rc);
    if (c)
        c->rtcp_fb |= bit;
    return rc;
}

/* a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §8) */
static int attr_extmap(parser_t *p, span_t v)
{
    sdp_media_t *m = p->m;
    span_t idd, id, dir, uri;
    uint32_t n;
    sdp_extmap_t e;
    memset(&e, 0, sizeof e);
    if (!next_token(&v, &idd) || !next_token(&v, &uri))
        return SDP_EATTR;
    if (split_at(idd, '/', &id, &dir) && !parse_direction(dir, &e.direction))
        return SDP_EATTR;
    if (!parse_u32(id, 255, &n) || n == 0)
        return SDP_EATTR;
    e.id = (uint8_t)n;
    if (!copy_token(e.uri, sizeof e.uri, uri)) {
        p->s->skipped_lines++;
        return SDP_OK;
    }
    if (m->extmap_count == SDP_MAX_EXTMAPS) {
        m->extmaps_dropped++;
        return SDP_OK;
    }
    m->extmaps[m->extmap_count++] = e;
    return SDP_OK;
}

/* Stream id and optional track id of "a=msid:" or "a=ssrc:N msid:". */
static int parse_msid(span_t v, char *stream, char *track)
{
    span_t a, b;
    if (!next_token(&v, &a) || !copy_token(stream, SDP_ID_MAX, a))
        return SDP_EATTR;
    if (next_token(&v, &b) && !copy_token(track, SDP_ID_MAX, b))
        return SDP_EATTR;
    return SDP_OK;
}

static int attr_msid(parser_t *p, span_t v)
{
    char stream[SDP_ID_MAX] = "", track[SDP_ID_MAX] = "";
    int rc = parse_msid(v, stream, track);
    if (rc == SDP_OK) {
        memcpy(p->m->msid_stream, stream, sizeof stream);
        memcpy(p->m->msid_track, track, sizeof track);
    }
    return rc;
}

static sdp_ssrc_t *ssrc_entry(sdp_media_t *m, uint32_t ssrc)
{
    for (size_t i = 0; i < m->ssrc_count; i++)
        if (m->ssrcs[i].ssrc == ssrc)
            return &m->ssrcs[i];
    if (m->ssrc_count == SDP_MAX_SSRCS) {
        m->ssrcs_dropped++;
        return NULL;
    }
    sdp_ssrc_t *e = &m->ssrcs[m->ssrc_count++];
    memset(e, 0, sizeof *e);
    e->ssrc = ssrc;
    return e;
}

/* a=ssrc:<ssrc> <attribute>[:<value>] (RFC 5576 §4.1) */
static int attr_ssrc(parser_t *p, span_t v)
{
    span_t id, attr, name, value;
    uint32_t ssrc;
    if (!next_token(&v, &id) || !parse_u32(id, UINT32_MAX, &ssrc))
        return SDP_EATTR;
    sdp_ssrc_t *e = ssrc_entry(p->m, ssrc);
    if (!e)
        return SDP_OK;
    attr = skip_spaces(v);
    split_at(attr, ':', &name, &value);
    if (span_is(name, "cname")) {
        if (!copy_token(e->cname, sizeof e->cname, value))
            return SDP_EATTR;
    } else if (span_is(name, "msid")) {
        return parse_msid(value, e->msid_stream, e->msid_track);
    }
    return SDP_OK;
}

/* a=ssrc-group:<semantics> <ssrc>... (RFC 5576 §4.2) */
static int attr_ssrc_group(parser_t *p, span_t v)
{
    sdp_media_t *m = p->m;
    sdp_ssrc_group_t g;
    span_t sem, id;
    uint32_t ssrc;
    memset(&g, 0, sizeof g);
    if (!next_token(&v, &sem) || !copy_token(g.semantics, sizeof g.semantics, sem))
        return SDP_EATTR;
    while (next_token(&v, &id)) {
        if (!parse_u32(id, UINT32_MAX, &ssrc))
            return SDP_EATTR;
        if (g.count < SDP_MAX_GROUP_SSRCS)
            g.ssrcs[g.count++] = ssrc;
    }
    if (g.count == 0)
        return SDP_EATTR;
    if (m->ssrc_group_count == SDP_MAX_SSRC_GROUPS) {
        m->ssrc_groups_dropped++;
        return SDP_OK;
    }
    m->ssrc_groups[m->ssrc_group_count++] = g;
    return SDP_OK;
}

/* rid-id (RFC 8851 §10): 1*(ALPHA / DIGIT / "-" / "_"). */
static bool copy_rid(char *dst, span_t s)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return copy_token(dst, SDP_TOKEN_MAX, s);
}

/* a=rid:<rid-id> <send|recv> [<restrictions>] (RFC 8851 §10) */
static int attr_rid(parser_t *p, span_t v)
{
    sdp_media_t *m = p->m;
    sdp_rid_t r;
    span_t id, dir;
    memset(&r, 0, sizeof r);
    if (!next_token(&v, &id) || !next_token(&v, &dir) || !copy_rid(r.id, id))
        return SDP_EATTR;
    if (span_is(dir, "send"))
        r.direction = SDP_DIR_SENDONLY;
    else if (span_is(dir, "recv"))
        r.direction = SDP_DIR_RECVONLY;
    else
        return SDP_EATTR;
    if (m->rid_count == SDP_MAX_RIDS) {
        m->rids_dropped++;
        return SDP_OK;
    }
    m->rids[m->rid_count++] = r;
    return SDP_OK;
}

/* One "q;h;~f" list of RFC 8853 §5.1; of "a,b" alternatives the first. */
static int simulcast_list(parser_t *p, span_t list, sdp_simulcast_t *sc)
{
    span_t stream, alt, rest;
    memset(sc, 0, sizeof *sc);
    do {
        split_at(list, ';', &stream, &list);
        split_at(stream, ',', &alt, &rest);
        bool paused = alt.n && alt.p[0] == '~';
        if (paused) {
            alt.p++;
            alt.n--;
        }
        if (sc->count == SDP_MAX_RIDS) {
            p->s->skipped_lines++;
            break;
        }
        if (!copy_rid(sc->rids[sc->count], alt))
            return SDP_EATTR;
        if (paused)
            sc->paused |= (uint8_t)(1u << sc->count);
        sc->count++;
    } while (list.n);
    return SDP_OK;
}

/* a=simulcast:<send|recv> <list> [<recv|send> <list>] (RFC 8853 §5.1) */
static int attr_simulcast(parser_t *p, span_t v)
{
    span_t dir, list;
    sdp_simulcast_t send = p->m->simulcast_send, recv = p->m->simulcast_recv;
    int rc;
    bool any = false;
    while (next_token(&v, &dir)) {
        if (!next_token(&v, &list))
            return SDP_EATTR;
        if (span_is(dir, "send"))
            rc = simulcast_list(p, list, &send);
        else if (span_is(dir, "recv"))
            rc = simulcast_list(p, list, &recv);
        else
            return SDP_EATTR;
        if (rc < 0)
            return rc;
        any = true;
    }
    if (!any)
        return SDP_EATTR;
    p->m->simulcast_send = send; /* all or nothing: a bad line may be skipped */
    p->m->simulcast_recv = recv;
    return SDP_OK;
}

static bool parse_cand_type(span_t s, sdp_cand_type_t *t)
{
    static const char *names[] = { "host", "srflx", "prflx", "relay" };
    for (int i = 0; i < 4; i++)
        if (span_is(s, names[i])) {
            *t = (sdp_cand_type_t)i;
            return true;
        }
    return false;
}

/* The "name value" pairs after the candidate type (RFC 8839 §5.1). */
static bool cand_extensions(sdp_candidate_t *c, span_t v)
{
    span_t key, val;
    uint32_t n;
    while (next_token(&v, &key)) {
        if (!next_token(&v, &val))
            return false;
        if (span_is(key, "raddr")) {
            if (!copy_token(c->raddr, sizeof c->raddr, val))
                return false;
        } else if (span_is(key, "rport")) {
            if (!parse_u32(val, 65535, &n))
                return false;
            c->rport = (uint16_t)n;
        } else if (span_is(key, "tcptype")) {
            c->tcptype = span_is(val, "active")    ? SDP_TCP_ACTIVE
                         : span_is(val, "passive") ? SDP_TCP_PASSIVE
                         : span_is(val, "so")      ? SDP_TCP_SO
                                                   : SDP_TCP_NONE;
        }
    }
    if (!c->raddr[0])
        c->rport = 0;
    return true;
}

static bool parse_candidate(sdp_candidate_t *c, span_t v)
{
    span_t f, comp, tr, prio, addr, port, typ, type;
    uint32_t n, pr, pt;
    memset(c, 0, sizeof *c);
    if (!next_token(&v, &f) || !next_token(&v, &comp) || !next_token(&v, &tr) ||
        !next_token(&v, &prio) || !next_token(&v, &addr) || !next_token(&v, &port) ||
        !next_token(&v, &typ) || !next_token(&v, &type) || !span_is(typ, "typ"))
        return false;
    if (!copy_token(c->foundation, sizeof c->foundation, f) ||
        !parse_u32(comp, 256, &n) || n == 0 || !parse_u32(prio, UINT32_MAX, &pr) ||
        !copy_token(c->addr, sizeof c->addr, addr) || !parse_u32(port, 65535, &pt) ||
        !parse_cand_type(type, &c->type))
        return false;
    if (span_icase(tr, "tcp"))
        c->tcp = true;
    else if (!span_icase(tr, "udp"))
        return false;
    c->component = (uint16_t)n;
    c->priority = pr;
    c->port = (uint16_t)pt;
    return cand_extensions(c, v);
}

static int attr_candidate(parser_t *p, span_t v)
{
    sdp_media_t *m = p->m;
    sdp_candidate_t c;
    if (!parse_candidate(&c, v)) {
        p->s->skipped_lines++;
        return SDP_OK;
    }
    if (m->candidate_count == SDP_MAX_CANDIDATES) {
        m->candidates_dropped++;
        return SDP_OK;
    }
    m->candidates[m->candidate_count++] = c;
    return SDP_OK;
}

static int attr_sctp_port(parser_t *p, span_t v)
{
    uint32_t n;
    if (!parse_u32(v, 65535, &n))
        return SDP_EATTR;
    p->m->sctp_port = (uint16_t)n;
    return SDP_OK;
}

/* Pre-RFC 8841 form: a=sctpmap:<port> webrtc-datachannel [<streams>] */
static int attr_sctpmap(parser_t *p, span_t v)
{
    span_t port;
    if (!next_token(&v, &port))
        return SDP_EATTR;
    return attr_sctp_port(p, port);
}

static int attr_max_message_size(parser_t *p, span_t v)
{
    uint32_t n;
    if (!parse_u32(v, UINT32_MAX, &n))
        return SDP_EATTR;
    p->m->max_message_size = n;
    return SDP_OK;
}

/* ---- dispatch ---------------------------------------------------------- */

enum { AT_SESSION = 1, AT_MEDIA = 2, AT_BOTH = 3 };

typedef int (*attr_fn)(parser_t *p, span_t value);

/* `lenient`: a malformed value is skipped and counted instead of failing the
 * parse. Used where an older or odd browser dialect must not cost the whole
 * call: without rid/simulcast the browser just sends one layer. */
static const struct {
    const char *name;
    uint8_t     where;
    bool        pass_name; /* handler wants the attribute name, not its value */
    attr_fn     fn;
    bool        lenient;
} attrs[] = {
    { "group", AT_SESSION, false, attr_group, false },
    { "ice-lite", AT_SESSION, false, attr_ice_lite, false },
    { "msid-semantic", AT_SESSION, false, attr_msid_semantic, true },
    { "ice-ufrag", AT_BOTH, false, attr_ice_ufrag, false },
    { "ice-pwd", AT_BOTH, false, attr_ice_pwd, false },
    { "ice-options", AT_BOTH, false, attr_ice_options, false },
    { "fingerprint", AT_BOTH, false, attr_fingerprint, false },
    { "setup", AT_BOTH, false, attr_setup, false },
    { "end-of-candidates", AT_BOTH, false, attr_end_of_candidates, false },
    { "sendrecv", AT_BOTH, true, attr_direction, false },
    { "sendonly", AT_BOTH, true, attr_direction, false },
    { "recvonly", AT_BOTH, true, attr_direction, false },
    { "inactive", AT_BOTH, true, attr_direction, false },
    { "mid", AT_MEDIA, false, attr_mid, false },
    { "rtcp-mux", AT_MEDIA, true, attr_flag, false },
    { "rtcp-rsize", AT_MEDIA, true, attr_flag, false },
    { "bundle-only", AT_MEDIA, true, attr_flag, false },
    { "rtpmap", AT_MEDIA, false, attr_rtpmap, false },
    { "fmtp", AT_MEDIA, false, attr_fmtp, false },
    { "rtcp-fb", AT_MEDIA, false, attr_rtcp_fb, false },
    { "extmap", AT_MEDIA, false, attr_extmap, false },
    { "msid", AT_MEDIA, false, attr_msid, true },
    { "ssrc", AT_MEDIA, false, attr_ssrc, false },
    { "ssrc-group", AT_MEDIA, false, attr_ssrc_group, false },
    { "rid", AT_MEDIA, false, attr_rid, true },
    { "simulcast", AT_MEDIA, false, attr_simulcast, true },
    { "candidate", AT_MEDIA, false, attr_candidate, false },
    { "sctp-port", AT_MEDIA, false, attr_sctp_port, false },
    { "sctpmap", AT_MEDIA, false, attr_sctpmap, false },
    { "max-message-size", AT_MEDIA, false, attr_max_message_size, false },
};

/* a=<name>[:<value>] */
static int parse_attribute(parser_t *p, span_t line)
{
    span_t name, value;
    split_at(line, ':', &name, &value);
    uint8_t here = p->m ? AT_MEDIA : AT_SESSION;
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        if (!span_is(name, attrs[i].name))
            continue;
        if (!(attrs[i].where & here))
            break; /* e.g. a=candidate at session level: ignore */
        int rc = attrs[i].fn(p, attrs[i].pass_name ? name : value);
        if (rc == SDP_EATTR && attrs[i].lenient) {
            p->s->skipped_lines++;
            rc = SDP_OK;
        }
        return rc;
    }
    p->s->unknown_lines++;
    return SDP_OK;
}

/* o=<username> <sess-id> <sess-version> IN <IP4|IP6> <address> */
static int parse_origin(parser_t *p, span_t v)
{
    sdp_session_t *s = p->s;
    span_t user, id, ver, net, type, addr;
    if (p->m || p->seen_o)
        return SDP_ESTRUCT;
    p->seen_o = true;
    if (!next_token(&v, &user) || !next_token(&v, &id) || !next_token(&v, &ver) ||
        !next_token(&v, &net) || !next_token(&v, &type) || !next_token(&v, &addr) ||
        skip_spaces(v).n || !span_is(net, "IN"))
        return SDP_ESYNTAX;
    if (!copy_token(s->origin_user, sizeof s->origin_user, user) ||
        !parse_u64(id, UINT64_MAX, &s->session_id) ||
        !parse_u64(ver, UINT64_MAX, &s->session_version) ||
        !copy_token(s->origin_addr, sizeof s->origin_addr, addr))
        return SDP_ESYNTAX;
    if (span_is(type, "IP6"))
        s->origin_ip6 = true;
    else if (!span_is(type, "IP4"))
        return SDP_ESYNTAX;
    return SDP_OK;
}

/* Settles what a section could only know at its end. */
static void finish_media(parser_t *p)
{
    sdp_media_t *m = p->m;
    if (!m)
        return;
    for (size_t i = 0; i < m->codec_count; i++)
        m->codecs[i].rtcp_fb |= p->fb_any;
    if (!p->dir_set)
        m->direction = p->s->direction ? p->s->direction : SDP_DIR_SENDRECV;
}

static int media_formats(sdp_media_t *m, span_t v)
{
    span_t f;
    uint32_t pt;
    if (!sdp_proto_is_rtp(m->proto)) {
        if (!next_token(&v, &f) || !copy_token(m->fmt, sizeof m->fmt, f))
            return SDP_EMEDIA;
        return SDP_OK;
    }
    while (next_token(&v, &f)) {
        if (!parse_u32(f, 127, &pt))
            return SDP_EMEDIA;
        bool dup = false;
        for (size_t i = 0; i < m->codec_count; i++)
            dup |= m->codecs[i].pt == pt;
        if (dup)
            continue;
        if (m->codec_count == SDP_MAX_CODECS) {
            m->codecs_dropped++;
            continue;
        }
        sdp_codec_init(&m->codecs[m->codec_count]);
        m->codecs[m->codec_count++].pt = (uint8_t)pt;
    }
    return m->codec_count ? SDP_OK : SDP_EMEDIA;
}

/* m=<media> <port>[/<count>] <proto> <fmt>... (RFC 8866 §5.14) */
static int parse_media(parser_t *p, span_t v)
{
    sdp_session_t *s = p->s;
    span_t kind, ports, port, count, proto;
    uint32_t n;
    if (!p->seen_o || !p->seen_s || !p->seen_t)
        return SDP_ESTRUCT;
    finish_media(p);
    p->m = NULL;
    p->dir_set = false;
    p->fb_any = 0;
    if (s->media_count == SDP_MAX_MEDIA) {
        s->media_dropped++;
        p->skipping = true;
        return SDP_OK;
    }
    p->skipping = false;
    sdp_media_t *m = &s->media[s->media_count];
    memset(m, 0, sizeof *m);
    if (!next_token(&v, &kind) || !next_token(&v, &ports) || !next_token(&v, &proto))
        return SDP_EMEDIA;
    split_at(ports, '/', &port, &count);
    if (!copy_token(m->media, sizeof m->media, kind) || !parse_u32(port, 65535, &n) ||
        !copy_token(m->proto, sizeof m->proto, proto))
        return SDP_EMEDIA;
    m->port = (uint16_t)n;
    m->kind = span_is(kind, "audio")         ? SDP_MEDIA_AUDIO
              : span_is(kind, "video")       ? SDP_MEDIA_VIDEO
              : span_is(kind, "application") ? SDP_MEDIA_APPLICATION
                                             : SDP_MEDIA_OTHER;
    int rc = media_formats(m, v);
    if (rc < 0)
        return rc;
    s->media_count++;
    p->m = m;
    return SDP_OK;
}

static int parse_line(parser_t *p, char type, span_t v)
{
    switch (type) {
    case 'v':
        return SDP_ESTRUCT; /* only the first line */
    case 'o':
        return parse_origin(p, v);
    case 's':
        if (p->m || p->seen_s)
            return SDP_ESTRUCT;
        p->seen_s = true;
        return SDP_OK;
    case 't':
        if (p->m)
            return SDP_ESTRUCT;
        p->seen_t = true;
        return SDP_OK;
    case 'm':
        return parse_media(p, v);
    case 'a':
        return p->skipping ? SDP_OK : parse_attribute(p, v);
    case 'c': case 'b': case 'i': case 'u': case 'e': case 'p': case 'z': case 'k': case 'r':
        return SDP_OK; /* known, nothing the SFU needs */
    default:
        p->s->unknown_lines++;
        return SDP_OK;
    }
}

/* Cuts the next line off text[*pos..len), without its "\r\n" or "\n" and
 * trailing blanks. SDP_ESYNTAX for a control byte inside the line: values
 * are copied into C strings and written back, so NUL, a stray CR and the
 * like must never get through. */
static int next_line(const char *text, size_t len, size_t *pos, span_t *line)
{
    const char *start = text + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    while (n && is_space(start[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)start[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return SDP_ESYNTAX;
    }
    line->p = start;
    line->n = n;
    return SDP_OK;
}

int sdp_parse(const char *text, size_t len, sdp_session_t *out)
{
    if (!out || (!text && len))
        return SDP_EINVAL;
    if (len > SDP_MAX_TEXT)
        return SDP_ETOOBIG;
    memset(out, 0, sizeof *out);
    parser_t p = { .s = out };
    bool first = true;
    size_t pos = 0;
    span_t line;
    while (pos < len) {
        int rc = next_line(text, len, &pos, &line);
        if (rc < 0)
            return rc;
        if (line.n == 0)
            continue; /* tolerate blank lines */
        if (line.n < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
            return SDP_ESYNTAX;
        span_t value = { line.p + 2, line.n - 2 };
        if (first) {
            if (line.p[0] != 'v' || !span_is(value, "0"))
                return SDP_EVERSION;
            first = false;
            continue;
        }
        if ((rc = parse_line(&p, line.p[0], value)) < 0)
            return rc;
    }
    if (first)
        return SDP_EVERSION;
    if (!p.seen_o || !p.seen_s || !p.seen_t)
        return SDP_ESTRUCT;
    finish_media(&p);
    return SDP_OK;
}
