/*
 * sdp_write(), write -> parse round trips over every captured fixture, and
 * the two builders: the answer on a send transport and the offer on a
 * receive transport. (Whether browsers accept that output is checked by
 * tests/tools/capture-sdp/run.mjs check chromium|firefox.)
 */
#include <stdlib.h>

#include "sfu/codecs.h"
#include "sfu/sdp.h"
#include "test.h"

#define FIXTURES "unit/sfu/fixtures/sdp/"

static const char *fixtures[] = {
    "chromium-offer-sendonly-av-dc.sdp",   "chromium-offer-sendonly-simulcast.sdp",
    "chromium-offer-recvonly-av.sdp",      "chromium-offer-datachannel-only.sdp",
    "chromium-offer-sendrecv-addtrack.sdp", "chromium-answer-to-sfu-offer-v1.sdp",
    "chromium-answer-to-sfu-offer-v2.sdp", "chromium-answer-to-sfu-offer-v3.sdp",
    "chromium-answer-to-sfu-offer-v4.sdp", "firefox-answer-to-sfu-offer-v4.sdp",
    "firefox-offer-sendonly-av-dc.sdp",    "firefox-offer-sendonly-simulcast.sdp",
    "firefox-offer-recvonly-av.sdp",       "firefox-offer-datachannel-only.sdp",
    "firefox-offer-sendrecv-addtrack.sdp", "firefox-answer-to-sfu-offer-v1.sdp",
    "firefox-answer-to-sfu-offer-v2.sdp",  "firefox-answer-to-sfu-offer-v3.sdp",
    "sfu-answer-to-chromium-offer.sdp",    "sfu-answer-to-firefox-offer.sdp",
    "sfu-offer-recv-v1-chromium.sdp",      "sfu-offer-recv-v1-firefox.sdp",
};

static sdp_session_t *s1, *s2;
static char text[SDP_MAX_TEXT + 1], out1[SDP_MAX_TEXT + 1], out2[SDP_MAX_TEXT + 1];
static size_t text_len;
static sdp_local_t local;

static int load(const char *name)
{
    char path[256];
    FILE *f = NULL;
    const char *prefixes[] = { "", "tests/" };
    for (size_t i = 0; i < 2 && !f; i++) {
        snprintf(path, sizeof path, "%s" FIXTURES "%s", prefixes[i], name);
        f = fopen(path, "rb");
    }
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", name);
        return -1;
    }
    text_len = fread(text, 1, sizeof text - 1, f);
    text[text_len] = '\0';
    fclose(f);
    return 0;
}

static int parse_fixture(const char *name, sdp_session_t *s)
{
    return load(name) < 0 ? -100 : sdp_parse(text, text_len, s);
}

static void local_init(void)
{
    memset(&local, 0, sizeof local);
    local.session_id = 77;
    local.session_version = 3;
    snprintf(local.ice_ufrag, sizeof local.ice_ufrag, "sfuU");
    snprintf(local.ice_pwd, sizeof local.ice_pwd, "sfuPassword0123456789ab");
    sdp_fingerprint_from_hex(&local.fingerprint, "sha-256",
                             "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                             "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
    for (int i = 0; i < 2; i++) {
        sdp_candidate_t *c = &local.candidates[local.candidate_count++];
        snprintf(c->foundation, sizeof c->foundation, "%d", i + 1);
        c->component = 1;
        c->tcp = i == 1;
        c->tcptype = i == 1 ? SDP_TCP_PASSIVE : SDP_TCP_NONE;
        c->priority = 2130706431u - (uint32_t)i;
        snprintf(c->addr, sizeof c->addr, "10.77.0.1");
        c->port = 40000;
    }
}

/* write(parse(x)) is a fixed point: writing what we parsed back gives the
 * same text and the same structure. */
TEST(fixtures_round_trip)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        ASSERT_EQ(parse_fixture(fixtures[i], s1), SDP_OK);
        int n1 = sdp_write(s1, out1, sizeof out1);
        ASSERT_TRUE(n1 > 0);
        ASSERT_EQ(sdp_parse(out1, (size_t)n1, s2), SDP_OK);
        int n2 = sdp_write(s2, out2, sizeof out2);
        ASSERT_EQ(n2, n1);
        ASSERT_TRUE(memcmp(out1, out2, (size_t)n1) == 0);
        ASSERT_EQ(s2->media_count, s1->media_count);
        ASSERT_EQ(s2->unknown_lines, 0);
        for (size_t m = 0; m < s1->media_count; m++) {
            const sdp_media_t *a = &s1->media[m], *b = &s2->media[m];
            ASSERT_STR_EQ(a->mid, b->mid);
            ASSERT_EQ(a->direction, b->direction);
            ASSERT_EQ(a->codec_count, b->codec_count);
            for (size_t c = 0; c < a->codec_count; c++) {
                ASSERT_EQ(a->codecs[c].pt, b->codecs[c].pt);
                ASSERT_EQ(a->codecs[c].rtcp_fb, b->codecs[c].rtcp_fb);
                ASSERT_EQ(a->codecs[c].apt, b->codecs[c].apt);
                ASSERT_STR_EQ(a->codecs[c].fmtp, b->codecs[c].fmtp);
            }
            ASSERT_EQ(a->extmap_count, b->extmap_count);
            ASSERT_EQ(a->candidate_count, b->candidate_count);
            ASSERT_EQ(a->ssrc_count, b->ssrc_count);
            ASSERT_EQ(a->ssrc_group_count, b->ssrc_group_count);
            ASSERT_EQ(a->rid_count, b->rid_count);
            ASSERT_EQ(a->simulcast_send.count, b->simulcast_send.count);
            ASSERT_MEM_EQ(a->fingerprint.bytes, b->fingerprint.bytes, SDP_FP_MAX);
            ASSERT_EQ(a->max_message_size, b->max_message_size);
        }
    }
}

TEST(writer_output_format)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-simulcast.sdp", s1), SDP_OK);
    int n = sdp_write(s1, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ(out1[n], '\0');
    ASSERT_EQ(strlen(out1), n);
    ASSERT_TRUE(strncmp(out1, "v=0\r\no=- 2433179184029455718 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 60) == 0);
    ASSERT_TRUE(memcmp(out1 + n - 2, "\r\n", 2) == 0);
    ASSERT_TRUE(strstr(out1, "\r\na=simulcast:send q;h;f\r\n") != NULL);
    ASSERT_TRUE(strstr(out1, "\r\na=rtcp-fb:96 nack pli\r\n") != NULL);
    ASSERT_TRUE(strstr(out1, "\r\na=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"));
    ASSERT_TRUE(strstr(out1, "a=fingerprint:sha-256 A7:0A:84:F5:") != NULL);
    for (int i = 0; i < n; i++) /* every \n is preceded by \r */
        ASSERT_TRUE(out1[i] != '\n' || (i > 0 && out1[i - 1] == '\r'));
}

TEST(writer_buffer_limits)
{
    ASSERT_EQ(parse_fixture("firefox-offer-datachannel-only.sdp", s1), SDP_OK);
    int n = sdp_write(s1, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ(sdp_write(s1, out2, (size_t)n + 1), n);
    ASSERT_EQ(sdp_write(s1, out2, (size_t)n), SDP_ENOSPACE);
    ASSERT_EQ(sdp_write(s1, out2, 10), SDP_ENOSPACE);
    ASSERT_EQ(sdp_write(s1, out2, 0), SDP_EINVAL);
    ASSERT_EQ(sdp_write(NULL, out2, 10), SDP_EINVAL);
    ASSERT_EQ(sdp_write(s1, NULL, 10), SDP_EINVAL);
}

TEST(writer_refuses_unwritable_sections)
{
    memset(s1, 0, sizeof *s1);
    s1->media_count = 1;
    s1->media[0].kind = SDP_MEDIA_VIDEO;
    snprintf(s1->media[0].proto, sizeof s1->media[0].proto, "UDP/TLS/RTP/SAVPF");
    ASSERT_EQ(sdp_write(s1, out1, sizeof out1), SDP_EINVAL); /* no payload type */
    s1->media[0].kind = SDP_MEDIA_OTHER;
    s1->media[0].codec_count = 1;
    ASSERT_EQ(sdp_write(s1, out1, sizeof out1), SDP_EINVAL); /* no media name */
}

/* Structs that would write more than SDP_MAX_TEXT are refused, so the
 * writer never produces what our own parser rejects. */
TEST(writer_size_cap)
{
    static char big[SDP_MAX_TEXT * 3];
    memset(s1, 0, sizeof *s1);
    s1->media_count = SDP_MAX_MEDIA;
    for (size_t i = 0; i < SDP_MAX_MEDIA; i++) {
        sdp_media_t *m = &s1->media[i];
        m->kind = SDP_MEDIA_VIDEO;
        snprintf(m->proto, sizeof m->proto, "UDP/TLS/RTP/SAVPF");
        m->codec_count = SDP_MAX_CODECS;
        for (size_t c = 0; c < SDP_MAX_CODECS; c++) {
            m->codecs[c].pt = (uint8_t)(96 + c % 32);
            memset(m->codecs[c].fmtp, 'x', SDP_FMTP_MAX - 1);
        }
    }
    ASSERT_EQ(sdp_write(s1, big, sizeof big), SDP_ETOOBIG);
}

TEST(answer_to_chromium_offer)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp", s1), SDP_OK);
    ASSERT_EQ(sdp_build_answer(s1, &local, s2), SDP_OK);
    int n = sdp_write(s2, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ(sdp_parse(out1, (size_t)n, s2), SDP_OK); /* assert on what we wrote */
    ASSERT_EQ(s2->ice_lite, 1);
    ASSERT_EQ(s2->session_id, 77);
    ASSERT_EQ(s2->bundle_count, 3);
    ASSERT_EQ(s2->media_count, 3);
    for (size_t i = 0; i < 3; i++) {
        const sdp_media_t *m = &s2->media[i];
        ASSERT_STR_EQ(m->mid, s1->media[i].mid);
        ASSERT_EQ(m->setup, SDP_SETUP_PASSIVE);
        ASSERT_STR_EQ(m->ice_ufrag, "sfuU");
        ASSERT_STR_EQ(m->ice_pwd, "sfuPassword0123456789ab");
        ASSERT_MEM_EQ(m->fingerprint.bytes, local.fingerprint.bytes, 32);
        ASSERT_EQ(m->candidate_count, 2);
        ASSERT_EQ(m->candidates[1].tcptype, SDP_TCP_PASSIVE);
        ASSERT_EQ(m->end_of_candidates, 1);
        ASSERT_EQ(m->port, 9);
    }
    const sdp_media_t *a = &s2->media[0], *v = &s2->media[1], *d = &s2->media[2];
    ASSERT_EQ(a->direction, SDP_DIR_RECVONLY);
    ASSERT_TRUE(a->rtcp_mux && a->rtcp_rsize);
    ASSERT_EQ(a->codec_count, 1);
    ASSERT_EQ(a->codecs[0].pt, 111);
    ASSERT_STR_EQ(a->codecs[0].fmtp, "minptime=10;useinbandfec=1");
    ASSERT_EQ(a->codecs[0].rtcp_fb, SDP_FB_TRANSPORT_CC);
    ASSERT_EQ(a->extmap_count, 4); /* audio-level 1, abs-send-time 2, twcc 3, mid 4 */
    ASSERT_EQ(sdp_find_extmap(a, "urn:ietf:params:rtp-hdrext:sdes:mid")->id, 4);
    /* VP8+rtx, H.264 42001f+rtx, H.264 42e01f+rtx, VP9 profile 0+rtx */
    static const uint8_t pts[] = { 96, 97, 102, 103, 108, 109, 98, 99 };
    ASSERT_EQ(v->codec_count, sizeof pts);
    for (size_t i = 0; i < sizeof pts; i++)
        ASSERT_EQ(v->codecs[i].pt, pts[i]);
    ASSERT_EQ(v->codecs[1].apt, 96);
    ASSERT_EQ(v->codecs[0].rtcp_fb, SDP_FB_ALL);
    ASSERT_EQ(v->extmap_count, 6);
    ASSERT_TRUE(sdp_find_extmap(v, "urn:ietf:params:rtp-hdrext:toffset") == NULL);
    ASSERT_EQ(sdp_find_extmap(v, SDP_URI_RRID)->id, 11);
    ASSERT_EQ(sdp_find_extmap(v, SDP_URI_TWCC)->id, 3);
    ASSERT_EQ(v->ssrc_count, 0);
    ASSERT_EQ(d->sctp_port, 5000);
    ASSERT_EQ(d->max_message_size, 262144);
}

TEST(answer_to_firefox_simulcast_offer)
{
    ASSERT_EQ(parse_fixture("firefox-offer-sendonly-simulcast.sdp", s1), SDP_OK);
    local.max_message_size = 65536;
    int rc = sdp_build_answer(s1, &local, s2);
    local.max_message_size = 0;
    ASSERT_EQ(rc, SDP_OK);
    const sdp_media_t *a = &s2->media[0], *v = &s2->media[1];
    ASSERT_EQ(a->codecs[0].pt, 109);
    ASSERT_EQ(a->codec_count, 1);
    ASSERT_EQ(v->codec_count, 4); /* 120 VP8, 124 rtx, 121 VP9, 125 rtx */
    ASSERT_EQ(v->codecs[2].pt, 121);
    ASSERT_EQ(v->codecs[3].apt, 121);
    ASSERT_EQ(a->extmaps[0].direction, SDP_DIR_NONE);
    ASSERT_TRUE(sdp_find_extmap(a, "urn:ietf:params:rtp-hdrext:csrc-audio-level") == NULL);
    ASSERT_EQ(v->rid_count, 3);
    ASSERT_EQ(v->rids[0].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(v->simulcast_recv.count, 3);
    ASSERT_EQ(v->simulcast_send.count, 0);
    ASSERT_EQ(s2->media[2].max_message_size, 65536);
}

TEST(answer_rejects_what_it_cannot_take)
{
    static const char offer[] =
        "v=0\r\no=- 5 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE a v t\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\na=mid:a\r\na=sendonly\r\n"      /* no opus */
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
        "m=text 9 RTP/AVP 98\r\na=mid:t\r\n"                               /* unknown kind */
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:nb\r\na=rtpmap:96 VP8/90000\r\n" /* no BUNDLE */
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:rx\r\na=recvonly\r\na=rtpmap:96 VP8/90000\r\n";
    ASSERT_EQ(sdp_parse(offer, sizeof offer - 1, s1), SDP_OK);
    ASSERT_EQ(sdp_build_answer(s1, &local, s2), SDP_OK);
    ASSERT_EQ(s2->media_count, 5);
    ASSERT_EQ(s2->bundle_count, 1);
    ASSERT_STR_EQ(s2->bundle_mids[0], "v");
    ASSERT_EQ(s2->media[0].port, 0);
    ASSERT_STR_EQ(s2->media[0].mid, "a");
    ASSERT_EQ(s2->media[1].port, 9);
    ASSERT_EQ(s2->media[2].port, 0);
    ASSERT_STR_EQ(s2->media[2].media, "text");
    ASSERT_EQ(s2->media[3].port, 0);
    ASSERT_EQ(s2->media[4].port, 0);
    int n = sdp_write(s2, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_TRUE(strstr(out1, "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n") != NULL);
    ASSERT_TRUE(strstr(out1, "m=text 0 RTP/AVP 98\r\n") != NULL);
    ASSERT_EQ(sdp_parse(out1, (size_t)n, s1), SDP_OK);
}

TEST(answer_errors)
{
    static const char passive[] =
        "v=0\r\no=- 5 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=setup:passive\r\n"
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n";
    ASSERT_EQ(sdp_parse(passive, sizeof passive - 1, s1), SDP_OK);
    ASSERT_EQ(sdp_build_answer(s1, &local, s2), SDP_EROLE);
    s1->setup = SDP_SETUP_ACTPASS;
    ASSERT_EQ(sdp_build_answer(s1, &local, s2), SDP_OK);
    s1->bundle_count = 0;
    ASSERT_EQ(sdp_build_answer(s1, &local, s2), SDP_ENOMEDIA);
    ASSERT_EQ(sdp_build_answer(s1, &local, s1), SDP_EINVAL);
    ASSERT_EQ(sdp_build_answer(NULL, &local, s2), SDP_EINVAL);
}

static void slot(sdp_offer_slot_t *sl, sdp_media_kind_t kind, const char *mid,
                 sdp_slot_state_t state, uint32_t ssrc)
{
    memset(sl, 0, sizeof *sl);
    sl->kind = kind;
    sl->state = state;
    snprintf(sl->mid, sizeof sl->mid, "%s", mid);
    if (kind == SDP_MEDIA_APPLICATION)
        return;
    sdp_codec_t producer;
    sdp_codec_init(&producer);
    producer.pt = kind == SDP_MEDIA_AUDIO ? 109 : 120; /* Firefox's PTs */
    snprintf(producer.name, sizeof producer.name, kind == SDP_MEDIA_AUDIO ? "opus" : "VP8");
    producer.clock_rate = kind == SDP_MEDIA_AUDIO ? 48000 : 90000;
    producer.channels = kind == SDP_MEDIA_AUDIO ? 2 : 0;
    snprintf(producer.fmtp, sizeof producer.fmtp, kind == SDP_MEDIA_AUDIO ? "useinbandfec=1" : "");
    sdp_codec_for_offer(kind, &producer, &sl->codec, &sl->rtx_pt);
    sl->ssrc = ssrc;
    sl->rtx_ssrc = sl->rtx_pt ? ssrc + 1 : 0;
    snprintf(sl->cname, sizeof sl->cname, "cn-%s", mid);
    snprintf(sl->stream_id, sizeof sl->stream_id, "stream-%s", mid);
    snprintf(sl->track_id, sizeof sl->track_id, "track-%s", mid);
}

TEST(offer_for_receive_transport)
{
    sdp_offer_slot_t slots[3];
    slot(&slots[0], SDP_MEDIA_AUDIO, "0", SDP_SLOT_ACTIVE, 1000);
    slot(&slots[1], SDP_MEDIA_VIDEO, "1", SDP_SLOT_ACTIVE, 2000);
    slot(&slots[2], SDP_MEDIA_APPLICATION, "2", SDP_SLOT_ACTIVE, 0);
    ASSERT_EQ(sdp_build_offer(slots, 3, &local, s1), SDP_OK);
    int n = sdp_write(s1, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ(sdp_parse(out1, (size_t)n, s2), SDP_OK);
    ASSERT_EQ(s2->ice_lite, 1);
    ASSERT_EQ(s2->session_version, 3);
    ASSERT_EQ(s2->bundle_count, 3);
    ASSERT_STR_EQ(s2->msid_semantic, "WMS");
    const sdp_media_t *a = &s2->media[0], *v = &s2->media[1], *d = &s2->media[2];
    ASSERT_EQ(a->direction, SDP_DIR_SENDONLY);
    ASSERT_EQ(a->setup, SDP_SETUP_ACTPASS);
    ASSERT_EQ(a->codec_count, 1);
    ASSERT_EQ(a->codecs[0].pt, 111);
    ASSERT_STR_EQ(a->codecs[0].fmtp, "useinbandfec=1");
    ASSERT_EQ(a->ssrc_count, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 1000);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "cn-0");
    ASSERT_STR_EQ(a->msid_stream, "stream-0");
    ASSERT_EQ(sdp_find_extmap(a, SDP_URI_AUDIO_LVL)->id, 4);
    ASSERT_EQ(v->codec_count, 2);
    ASSERT_EQ(v->codecs[0].pt, 96);
    ASSERT_EQ(v->codecs[1].pt, 97);
    ASSERT_EQ(v->codecs[1].apt, 96);
    ASSERT_EQ(v->codecs[0].rtcp_fb, SDP_FB_ALL);
    const sdp_ssrc_group_t *fid = sdp_find_ssrc_group(v, "FID");
    ASSERT_TRUE(fid != NULL);
    ASSERT_EQ(fid->ssrcs[0], 2000);
    ASSERT_EQ(fid->ssrcs[1], 2001);
    ASSERT_STR_EQ(v->ssrcs[1].msid_track, "track-1");
    ASSERT_EQ(sdp_find_extmap(v, SDP_URI_MID)->id, 1);
    ASSERT_EQ(sdp_find_extmap(v, SDP_URI_VIDEO_ORNT)->id, 5);
    ASSERT_EQ(d->sctp_port, 5000);
    ASSERT_EQ(d->candidate_count, 2);
}

TEST(offer_renegotiation_states)
{
    sdp_offer_slot_t slots[4];
    slot(&slots[0], SDP_MEDIA_AUDIO, "0", SDP_SLOT_CLOSED, 1000);
    slot(&slots[1], SDP_MEDIA_VIDEO, "1", SDP_SLOT_INACTIVE, 2000);
    slot(&slots[2], SDP_MEDIA_APPLICATION, "2", SDP_SLOT_ACTIVE, 0);
    slot(&slots[3], SDP_MEDIA_VIDEO, "3", SDP_SLOT_ACTIVE, 3000);
    ASSERT_EQ(sdp_build_offer(slots, 4, &local, s1), SDP_OK);
    int n = sdp_write(s1, out1, sizeof out1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ(sdp_parse(out1, (size_t)n, s2), SDP_OK);
    ASSERT_EQ(s2->media_count, 4);
    ASSERT_EQ(s2->bundle_count, 3); /* the closed section left the group */
    ASSERT_STR_EQ(s2->bundle_mids[0], "1");
    ASSERT_EQ(s2->media[0].port, 0);
    ASSERT_STR_EQ(s2->media[0].mid, "0");
    ASSERT_EQ(s2->media[0].candidate_count, 0);
    ASSERT_EQ(s2->media[1].port, 9);
    ASSERT_EQ(s2->media[1].direction, SDP_DIR_INACTIVE);
    ASSERT_EQ(s2->media[1].ssrc_count, 0);
    ASSERT_EQ(s2->media[1].codec_count, 2);
    ASSERT_EQ(s2->media[3].direction, SDP_DIR_SENDONLY);
    /* recycling the closed slot with a new mid and another kind */
    slot(&slots[0], SDP_MEDIA_VIDEO, "4", SDP_SLOT_ACTIVE, 4000);
    ASSERT_EQ(sdp_build_offer(slots, 4, &local, s1), SDP_OK);
    ASSERT_EQ(s1->bundle_count, 4);
    ASSERT_STR_EQ(s1->media[0].mid, "4");
    ASSERT_EQ(s1->media[0].kind, SDP_MEDIA_VIDEO);
}

TEST(offer_errors)
{
    sdp_offer_slot_t slots[2];
    slot(&slots[0], SDP_MEDIA_AUDIO, "0", SDP_SLOT_ACTIVE, 1000);
    slot(&slots[1], SDP_MEDIA_VIDEO, "0", SDP_SLOT_ACTIVE, 2000);
    ASSERT_EQ(sdp_build_offer(slots, 2, &local, s1), SDP_EINVAL); /* duplicate mid */
    snprintf(slots[1].mid, sizeof slots[1].mid, "a b");
    ASSERT_EQ(sdp_build_offer(slots, 2, &local, s1), SDP_EINVAL); /* blank in mid */
    snprintf(slots[1].mid, sizeof slots[1].mid, "1");
    ASSERT_EQ(sdp_build_offer(slots, 2, &local, s1), SDP_OK);
    slots[1].ssrc = 0;
    ASSERT_EQ(sdp_build_offer(slots, 2, &local, s1), SDP_EINVAL); /* active without SSRC */
    snprintf(slots[0].cname, sizeof slots[0].cname, "x\r\na=evil");
    ASSERT_EQ(sdp_build_offer(slots, 1, &local, s1), SDP_EINVAL);
    ASSERT_EQ(sdp_build_offer(slots, 0, &local, s1), SDP_EINVAL);
    ASSERT_EQ(sdp_build_offer(slots, SDP_MAX_MEDIA + 1, &local, s1), SDP_EINVAL);
}

int main(void)
{
    s1 = malloc(sizeof *s1);
    s2 = malloc(sizeof *s2);
    if (!s1 || !s2)
        return 1;
    local_init();
    RUN(fixtures_round_trip);
    RUN(writer_output_format);
    RUN(writer_buffer_limits);
    RUN(writer_refuses_unwritable_sections);
    RUN(writer_size_cap);
    RUN(answer_to_chromium_offer);
    RUN(answer_to_firefox_simulcast_offer);
    RUN(answer_rejects_what_it_cannot_take);
    RUN(answer_errors);
    RUN(offer_for_receive_transport);
    RUN(offer_renegotiation_states);
    RUN(offer_errors);
    free(s1);
    free(s2);
    return TEST_REPORT();
}
