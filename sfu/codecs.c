/*
 * Codec and header-extension capabilities, and answer-side negotiation.
 * See codecs.h for the contracts and sfu/SDP.md for the reasoning.
 */
#include "sfu/codecs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FB_VIDEO (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB | \
                  SDP_FB_TRANSPORT_CC)
#define FB_AUDIO (SDP_FB_TRANSPORT_CC | SDP_FB_NACK)

/* Offer PTs follow Chromium's habits (111 opus, 96/97 VP8, ...) so the
 * numbers look familiar in logs; any dynamic PT would do. */
static const sdp_codec_cap_t caps[] = {
    { SDP_MEDIA_AUDIO, "opus", 48000, 2, true, -1, 111, 0, FB_AUDIO },
    { SDP_MEDIA_VIDEO, "VP8", 90000, 0, true, -1, 96, 97, FB_VIDEO },
    { SDP_MEDIA_VIDEO, "VP9", 90000, 0, false, -1, 98, 99, FB_VIDEO },
    { SDP_MEDIA_VIDEO, "H264", 90000, 0, false, 0x42e01f, 102, 103, FB_VIDEO },
    { SDP_MEDIA_VIDEO, "H264", 90000, 0, false, 0x42001f, 104, 105, FB_VIDEO },
};

#define KIND_BIT(k) (1u << (k))
#define AV (KIND_BIT(SDP_MEDIA_AUDIO) | KIND_BIT(SDP_MEDIA_VIDEO))

static const struct {
    const char *uri;
    unsigned    kinds;    /* KIND_BIT mask */
    uint8_t     offer_id; /* 0: accepted in answers, never offered */
} ext_caps[] = {
    { SDP_URI_MID, AV, 1 },
    { SDP_URI_ABS_SEND, AV, 2 },
    { SDP_URI_TWCC, AV, 3 },
    { SDP_URI_AUDIO_LVL, KIND_BIT(SDP_MEDIA_AUDIO), 4 },
    { SDP_URI_VIDEO_ORNT, KIND_BIT(SDP_MEDIA_VIDEO), 5 },
    { SDP_URI_RID, KIND_BIT(SDP_MEDIA_VIDEO), 0 },
    { SDP_URI_RRID, KIND_BIT(SDP_MEDIA_VIDEO), 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const sdp_codec_cap_t *sdp_codec_caps(size_t *count)
{
    if (count)
        *count = COUNT(caps);
    return caps;
}

bool sdp_codec_is_rtx(const sdp_codec_t *c)
{
    return c && strcasecmp(c->name, "rtx") == 0;
}

/* The fmtp parameters that decide whether a subscriber can decode what a
 * publisher sends: VP9 profile 0 only; H.264 packetization-mode 1 and an
 * exact profile-level-id (absent means 420010, RFC 6184 §8.1, which we do
 * not forward). */
static bool fmtp_matches(const sdp_codec_cap_t *cap, const sdp_codec_t *c)
{
    if (strcasecmp(cap->name, "VP9") == 0)
        return c->profile_id <= 0;
    if (strcasecmp(cap->name, "H264") == 0)
        return c->packetization_mode == 1 && c->profile_level_id == cap->profile_level_id;
    return true;
}

const sdp_codec_cap_t *sdp_codec_match(sdp_media_kind_t kind, const sdp_codec_t *c)
{
    if (!c)
        return NULL;
    for (size_t i = 0; i < COUNT(caps); i++) {
        const sdp_codec_cap_t *cap = &caps[i];
        if (cap->kind != kind || strcasecmp(cap->name, c->name) != 0)
            continue;
        if (cap->clock_rate != c->clock_rate)
            continue;
        /* rtpmap may omit the channel count; for audio it then means 1. */
        uint8_t ch = c->channels ? c->channels : (kind == SDP_MEDIA_AUDIO ? 1 : 0);
        if (cap->channels != ch)
            continue;
        if (fmtp_matches(cap, c))
            return cap;
    }
    return NULL;
}

static bool pt_listed(const uint8_t *pts, size_t n, int pt)
{
    for (size_t i = 0; i < n; i++)
        if (pts[i] == pt)
            return true;
    return false;
}

int sdp_negotiate_codecs(sdp_media_kind_t kind, const sdp_codec_t *offered, size_t n,
                         sdp_codec_t *out, size_t cap)
{
    if ((!offered && n) || !out)
        return SDP_EINVAL;
    uint8_t chosen[SDP_MAX_CODECS], with_rtx[SDP_MAX_CODECS];
    size_t n_chosen = 0, n_rtx = 0, count = 0;

    for (size_t i = 0; i < n && n_chosen < SDP_MAX_CODECS; i++)
        if (!sdp_codec_is_rtx(&offered[i]) && sdp_codec_match(kind, &offered[i]))
            chosen[n_chosen++] = offered[i].pt;
    if (n_chosen == 0)
        return SDP_ENOCODEC;

    /* Second pass keeps the offer's order, so each RTX stays where the
     * browser put it (normally right after its codec). */
    for (size_t i = 0; i < n && count < cap; i++) {
        const sdp_codec_t *c = &offered[i];
        uint32_t fb;
        if (sdp_codec_is_rtx(c)) {
            if (kind != SDP_MEDIA_VIDEO || c->apt < 0 || !pt_listed(chosen, n_chosen, c->apt) ||
                pt_listed(with_rtx, n_rtx, c->apt) || n_rtx >= SDP_MAX_CODECS)
                continue;
            with_rtx[n_rtx++] = (uint8_t)c->apt;
            fb = 0;
        } else if (pt_listed(chosen, n_chosen, c->pt)) {
            fb = sdp_codec_match(kind, c)->rtcp_fb;
        } else {
            continue;
        }
        out[count] = *c;
        out[count].rtcp_fb &= fb;
        count++;
    }
    return (int)count;
}

int sdp_codec_for_offer(sdp_media_kind_t kind, const sdp_codec_t *producer,
                        sdp_codec_t *out, uint8_t *rtx_pt)
{
    if (!producer || !out || !rtx_pt)
        return SDP_EINVAL;
    const sdp_codec_cap_t *cap = sdp_codec_match(kind, producer);
    if (!cap)
        return SDP_ENOCODEC;
    *out = *producer;
    out->pt = cap->offer_pt;
    out->rtcp_fb = cap->rtcp_fb;
    *rtx_pt = cap->offer_rtx_pt;
    return SDP_OK;
}

bool sdp_extmap_supported(sdp_media_kind_t kind, const char *uri)
{
    if (!uri || kind == SDP_MEDIA_OTHER || kind == SDP_MEDIA_APPLICATION)
        return false;
    for (size_t i = 0; i < COUNT(ext_caps); i++)
        if ((ext_caps[i].kinds & KIND_BIT(kind)) && strcmp(ext_caps[i].uri, uri) == 0)
            return true;
    return false;
}

size_t sdp_offer_extmaps(sdp_media_kind_t kind, sdp_extmap_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < COUNT(ext_caps) && n < cap; i++) {
        if (!ext_caps[i].offer_id || !(ext_caps[i].kinds & KIND_BIT(kind)))
            continue;
        memset(&out[n], 0, sizeof out[n]);
        out[n].id = ext_caps[i].offer_id;
        snprintf(out[n].uri, sizeof out[n].uri, "%s", ext_caps[i].uri);
        n++;
    }
    return n;
}
