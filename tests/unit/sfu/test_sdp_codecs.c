/*
 * Codec negotiation (sfu/codecs.c): what the answer keeps from an offer, with
 * which payload types, and which H.264 profiles count as forwardable.
 */
#include <stdlib.h>

#include "sfu/codecs.h"
#include "sfu/sdp.h"
#include "test.h"

static sdp_codec_t offered[SDP_MAX_CODECS], out[SDP_MAX_CODECS];
static size_t n_offered;

/* Appends an offered codec: pt, "name/clock[/channels]", fmtp, rtcp-fb bits. */
static void offer(uint8_t pt, const char *name, uint32_t clock, uint8_t ch, const char *fmtp,
                  uint32_t fb)
{
    sdp_codec_t *c = &offered[n_offered++];
    sdp_codec_init(c);
    c->pt = pt;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->clock_rate = clock;
    c->channels = ch;
    snprintf(c->fmtp, sizeof c->fmtp, "%s", fmtp);
    sdp_codec_parse_fmtp(c);
    c->rtcp_fb = fb;
}

static int negotiate(sdp_media_kind_t kind)
{
    return sdp_negotiate_codecs(kind, offered, n_offered, out, SDP_MAX_CODECS);
}

TEST(capability_table)
{
    size_t n;
    const sdp_codec_cap_t *caps = sdp_codec_caps(&n);
    int required = 0;
    for (size_t i = 0; i < n; i++)
        if (caps[i].required) {
            required++;
            ASSERT_TRUE(!strcmp(caps[i].name, "opus") || !strcmp(caps[i].name, "VP8"));
        }
    ASSERT_EQ(required, 2);
}

TEST(audio_keeps_opus_with_browser_pt)
{
    n_offered = 0;
    offer(109, "opus", 48000, 2, "maxplaybackrate=48000;stereo=1;useinbandfec=1",
          SDP_FB_TRANSPORT_CC | SDP_FB_CCM_FIR);
    offer(9, "G722", 8000, 1, "", 0);
    offer(0, "PCMU", 8000, 0, "", 0);
    offer(101, "telephone-event", 8000, 0, "0-15", 0);
    ASSERT_EQ(negotiate(SDP_MEDIA_AUDIO), 1);
    ASSERT_EQ(out[0].pt, 109);
    ASSERT_STR_EQ(out[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    ASSERT_EQ(out[0].rtcp_fb, SDP_FB_TRANSPORT_CC); /* fir means nothing for opus here */
}

TEST(audio_needs_opus_stereo_48k)
{
    n_offered = 0;
    offer(111, "opus", 48000, 1, "", 0); /* mono rtpmap: not the opus of RFC 7587 */
    offer(112, "OPUS", 44100, 2, "", 0);
    offer(0, "PCMU", 8000, 0, "", 0);
    ASSERT_EQ(negotiate(SDP_MEDIA_AUDIO), SDP_ENOCODEC);
    offer(113, "Opus", 48000, 2, "", 0); /* encoding names are case-insensitive */
    ASSERT_EQ(negotiate(SDP_MEDIA_AUDIO), 1);
    ASSERT_EQ(out[0].pt, 113);
}

/* Chromium 156's video list (fixture chromium-offer-sendonly-av-dc.sdp). */
static void chromium_video(void)
{
    static const struct {
        uint8_t     pt, rtx_pt;
        int         mode;
        const char *plid;
    } h264[] = {
        { 102, 103, 1, "42001f" }, { 104, 107, 0, "42001f" }, { 108, 109, 1, "42e01f" },
        { 114, 115, 0, "42e01f" }, { 116, 117, 1, "4d001f" },
    };
    char f[96];
    n_offered = 0;
    offer(96, "VP8", 90000, 0, "", SDP_FB_ALL);
    offer(97, "rtx", 90000, 0, "apt=96", 0);
    for (size_t i = 0; i < sizeof h264 / sizeof h264[0]; i++) {
        snprintf(f, sizeof f, "level-asymmetry-allowed=1;packetization-mode=%d;profile-level-id=%s",
                 h264[i].mode, h264[i].plid);
        offer(h264[i].pt, "H264", 90000, 0, f, SDP_FB_ALL);
        snprintf(f, sizeof f, "apt=%u", h264[i].pt);
        offer(h264[i].rtx_pt, "rtx", 90000, 0, f, 0);
    }
    offer(45, "AV1", 90000, 0, "level-idx=5;profile=0;tier=0", SDP_FB_ALL);
    offer(46, "rtx", 90000, 0, "apt=45", 0);
    offer(98, "VP9", 90000, 0, "profile-id=0", SDP_FB_ALL);
    offer(99, "rtx", 90000, 0, "apt=98", 0);
    offer(100, "VP9", 90000, 0, "profile-id=2", SDP_FB_ALL);
    offer(101, "rtx", 90000, 0, "apt=100", 0);
    offer(118, "red", 90000, 0, "", 0);
    offer(119, "rtx", 90000, 0, "apt=118", 0);
    offer(120, "ulpfec", 90000, 0, "", 0);
}

TEST(video_keeps_browser_pts_and_order)
{
    chromium_video();
    static const uint8_t want[] = { 96, 97, 102, 103, 108, 109, 98, 99 };
    ASSERT_EQ(negotiate(SDP_MEDIA_VIDEO), sizeof want);
    for (size_t i = 0; i < sizeof want; i++)
        ASSERT_EQ(out[i].pt, want[i]);
    ASSERT_STR_EQ(out[0].name, "VP8");
    ASSERT_EQ(out[0].rtcp_fb, SDP_FB_ALL);
    ASSERT_EQ(out[1].apt, 96);
    ASSERT_EQ(out[1].rtcp_fb, 0);
    ASSERT_EQ(out[2].profile_level_id, 0x42001f);
    ASSERT_EQ(out[4].profile_level_id, 0x42e01f);
    ASSERT_EQ(out[6].profile_id, 0);
}

TEST(h264_only_with_matching_profile)
{
    static const struct {
        const char *fmtp;
        bool        ok;
    } cases[] = {
        { "packetization-mode=1;profile-level-id=42e01f", true },
        { "profile-level-id=42001f;packetization-mode=1", true },
        { "packetization-mode=1;profile-level-id=42E01F", true }, /* hex case */
        { "packetization-mode=0;profile-level-id=42e01f", false },
        { "profile-level-id=42e01f", false },                    /* mode 0 by default */
        { "packetization-mode=1", false },                       /* 420010 by default */
        { "packetization-mode=1;profile-level-id=4d001f", false }, /* main */
        { "packetization-mode=1;profile-level-id=640c1f", false }, /* high */
        { "packetization-mode=1;profile-level-id=42e00a", false }, /* level 1 */
        { "packetization-mode=1;profile-level-id=42e01", false },
        { "packetization-mode=2;profile-level-id=42e01f", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n_offered = 0;
        offer(102, "H264", 90000, 0, cases[i].fmtp, SDP_FB_ALL);
        int n = negotiate(SDP_MEDIA_VIDEO);
        if (n != (cases[i].ok ? 1 : SDP_ENOCODEC))
            fprintf(stderr, "fmtp case: %s\n", cases[i].fmtp);
        ASSERT_EQ(n, cases[i].ok ? 1 : SDP_ENOCODEC);
    }
}

TEST(rtx_follows_its_codec)
{
    n_offered = 0;
    offer(45, "AV1", 90000, 0, "", 0);
    offer(46, "rtx", 90000, 0, "apt=45", 0); /* AV1 is not forwarded: no RTX either */
    offer(120, "VP8", 90000, 0, "", SDP_FB_NACK);
    offer(121, "rtx", 90000, 0, "apt=120", 0);
    offer(122, "rtx", 90000, 0, "apt=120", 0); /* a second RTX for the same codec */
    offer(123, "rtx", 90000, 0, "", 0);        /* no apt at all */
    ASSERT_EQ(negotiate(SDP_MEDIA_VIDEO), 2);
    ASSERT_EQ(out[0].pt, 120);
    ASSERT_EQ(out[0].rtcp_fb, SDP_FB_NACK);
    ASSERT_EQ(out[1].pt, 121);
    /* RTX before its codec in the offer still counts */
    n_offered = 0;
    offer(97, "rtx", 90000, 0, "apt=96", 0);
    offer(96, "VP8", 90000, 0, "", 0);
    ASSERT_EQ(negotiate(SDP_MEDIA_VIDEO), 2);
    ASSERT_EQ(out[0].pt, 97);
}

TEST(no_common_codec)
{
    n_offered = 0;
    offer(45, "AV1", 90000, 0, "", 0);
    offer(100, "VP9", 90000, 0, "profile-id=2", 0);
    ASSERT_EQ(negotiate(SDP_MEDIA_VIDEO), SDP_ENOCODEC);
    ASSERT_EQ(negotiate(SDP_MEDIA_APPLICATION), SDP_ENOCODEC);
    n_offered = 0;
    offer(96, "VP8", 90000, 0, "", 0);
    ASSERT_EQ(negotiate(SDP_MEDIA_AUDIO), SDP_ENOCODEC); /* VP8 in an audio section */
    ASSERT_EQ(sdp_negotiate_codecs(SDP_MEDIA_VIDEO, NULL, 1, out, 4), SDP_EINVAL);
    ASSERT_EQ(sdp_negotiate_codecs(SDP_MEDIA_VIDEO, offered, 1, NULL, 4), SDP_EINVAL);
}

TEST(output_capacity_respected)
{
    chromium_video();
    ASSERT_EQ(sdp_negotiate_codecs(SDP_MEDIA_VIDEO, offered, n_offered, out, 3), 3);
    ASSERT_EQ(out[2].pt, 102);
}

TEST(codec_for_offer_uses_our_pts)
{
    sdp_codec_t c, o;
    uint8_t rtx;
    sdp_codec_init(&c);
    snprintf(c.name, sizeof c.name, "VP8");
    c.pt = 120;
    c.clock_rate = 90000;
    c.rtcp_fb = SDP_FB_NACK;
    ASSERT_EQ(sdp_codec_for_offer(SDP_MEDIA_VIDEO, &c, &o, &rtx), SDP_OK);
    ASSERT_EQ(o.pt, 96);
    ASSERT_EQ(rtx, 97);
    ASSERT_EQ(o.rtcp_fb, SDP_FB_ALL);
    snprintf(c.name, sizeof c.name, "H264");
    snprintf(c.fmtp, sizeof c.fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
    sdp_codec_parse_fmtp(&c);
    ASSERT_EQ(sdp_codec_for_offer(SDP_MEDIA_VIDEO, &c, &o, &rtx), SDP_OK);
    ASSERT_EQ(o.pt, 104);
    ASSERT_EQ(rtx, 105);
    ASSERT_STR_EQ(o.fmtp, c.fmtp); /* subscribers must see the publisher's profile */
    snprintf(c.name, sizeof c.name, "opus");
    c.clock_rate = 48000;
    c.channels = 2;
    c.fmtp[0] = '\0';
    ASSERT_EQ(sdp_codec_for_offer(SDP_MEDIA_AUDIO, &c, &o, &rtx), SDP_OK);
    ASSERT_EQ(o.pt, 111);
    ASSERT_EQ(rtx, 0);
    snprintf(c.name, sizeof c.name, "G722");
    ASSERT_EQ(sdp_codec_for_offer(SDP_MEDIA_AUDIO, &c, &o, &rtx), SDP_ENOCODEC);
}

TEST(header_extensions)
{
    sdp_extmap_t e[SDP_MAX_EXTMAPS];
    ASSERT_EQ(sdp_offer_extmaps(SDP_MEDIA_AUDIO, e, SDP_MAX_EXTMAPS), 4);
    ASSERT_STR_EQ(e[0].uri, SDP_URI_MID);
    ASSERT_EQ(e[0].id, 1);
    ASSERT_EQ(e[3].id, 4);
    ASSERT_STR_EQ(e[3].uri, SDP_URI_AUDIO_LVL);
    ASSERT_EQ(sdp_offer_extmaps(SDP_MEDIA_VIDEO, e, SDP_MAX_EXTMAPS), 4);
    ASSERT_STR_EQ(e[3].uri, SDP_URI_VIDEO_ORNT);
    ASSERT_EQ(sdp_offer_extmaps(SDP_MEDIA_VIDEO, e, 2), 2);
    ASSERT_EQ(sdp_offer_extmaps(SDP_MEDIA_APPLICATION, e, SDP_MAX_EXTMAPS), 0);
    ASSERT_TRUE(sdp_extmap_supported(SDP_MEDIA_VIDEO, SDP_URI_RID));
    ASSERT_TRUE(sdp_extmap_supported(SDP_MEDIA_VIDEO, SDP_URI_RRID));
    ASSERT_TRUE(sdp_extmap_supported(SDP_MEDIA_AUDIO, SDP_URI_TWCC));
    ASSERT_TRUE(sdp_extmap_supported(SDP_MEDIA_AUDIO, SDP_URI_ABS_SEND));
    ASSERT_TRUE(!sdp_extmap_supported(SDP_MEDIA_AUDIO, SDP_URI_VIDEO_ORNT));
    ASSERT_TRUE(!sdp_extmap_supported(SDP_MEDIA_VIDEO, "urn:ietf:params:rtp-hdrext:toffset"));
    ASSERT_TRUE(!sdp_extmap_supported(SDP_MEDIA_VIDEO, NULL));
}

int main(void)
{
    RUN(capability_table);
    RUN(audio_keeps_opus_with_browser_pt);
    RUN(audio_needs_opus_stereo_48k);
    RUN(video_keeps_browser_pts_and_order);
    RUN(h264_only_with_matching_profile);
    RUN(rtx_follows_its_codec);
    RUN(no_common_codec);
    RUN(output_capacity_respected);
    RUN(codec_for_offer_uses_our_pts);
    RUN(header_extensions);
    return TEST_REPORT();
}
