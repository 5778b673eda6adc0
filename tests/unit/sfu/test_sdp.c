/*
 * sdp_parse() on SDP captured from real browsers (see
 * tests/tools/capture-sdp/ and fixtures/sdp/VERSIONS.txt). Every value asserted
 * here can be found by grepping the fixture.
 * ctest runs this from tests/, so fixtures are at unit/sfu/fixtures/sdp/.
 */
#include <stdlib.h>

#include "sfu/sdp.h"
#include "test.h"

#define FIXTURES "unit/sfu/fixtures/sdp/"

static sdp_session_t *sess;
static char text[SDP_MAX_TEXT + 1];
static size_t text_len;

/* Reads a fixture into `text`; works from tests/ (ctest) or the repo root. */
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

static int parse_fixture(const char *name)
{
    if (load(name) < 0)
        return -100;
    return sdp_parse(text, text_len, sess);
}

static const sdp_codec_t *codec(const sdp_media_t *m, uint8_t pt)
{
    return sdp_find_codec(m, pt);
}

TEST(chromium_offer_session_level)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    ASSERT_STR_EQ(sess->origin_user, "-");
    ASSERT_TRUE(sess->session_id == 2287414525235558560ULL);
    ASSERT_EQ(sess->session_version, 2);
    ASSERT_STR_EQ(sess->origin_addr, "127.0.0.1");
    ASSERT_EQ(sess->bundle_count, 3);
    ASSERT_STR_EQ(sess->bundle_mids[0], "0");
    ASSERT_STR_EQ(sess->bundle_mids[2], "2");
    ASSERT_STR_EQ(sess->msid_semantic, "WMS");
    ASSERT_STR_EQ(sess->msid_semantic_ids, "92e9189e-4acb-4ffd-8c43-c5fd77c6a8ab");
    ASSERT_EQ(sess->ice_lite, 0);
    ASSERT_EQ(sess->media_count, 3);
    /* a=extmap-allow-mixed, and a=rtcp + a=rtcp-xr in both RTP sections */
    ASSERT_EQ(sess->unknown_lines, 5);
    ASSERT_EQ(sess->media_dropped, 0);
}

TEST(chromium_offer_audio_section)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *a = &sess->media[0];
    ASSERT_EQ(a->kind, SDP_MEDIA_AUDIO);
    ASSERT_EQ(a->port, 44942);
    ASSERT_STR_EQ(a->proto, "UDP/TLS/RTP/SAVPF");
    ASSERT_STR_EQ(a->mid, "0");
    ASSERT_EQ(a->direction, SDP_DIR_SENDONLY);
    ASSERT_TRUE(a->rtcp_mux && a->rtcp_rsize && a->ice_trickle);
    ASSERT_STR_EQ(sdp_media_ice_ufrag(sess, a), "JHgD");
    ASSERT_STR_EQ(sdp_media_ice_pwd(sess, a), "TVjRaZCgKrAYg51p4Soxy4Oa");
    ASSERT_EQ(sdp_media_setup(sess, a), SDP_SETUP_ACTPASS);
    const sdp_fingerprint_t *fp = sdp_media_fingerprint(sess, a);
    ASSERT_TRUE(fp != NULL);
    ASSERT_STR_EQ(fp->algo, "sha-256");
    ASSERT_EQ(fp->len, 32);
    ASSERT_EQ(fp->bytes[0], 0x45);
    ASSERT_EQ(fp->bytes[1], 0xA1);
    ASSERT_EQ(fp->bytes[31], 0xA9);
    /* m=audio ... 111 63 9 0 8 13 110 126, in that order */
    ASSERT_EQ(a->codec_count, 8);
    ASSERT_EQ(a->codecs[0].pt, 111);
    ASSERT_STR_EQ(a->codecs[0].name, "opus");
    ASSERT_EQ(a->codecs[0].clock_rate, 48000);
    ASSERT_EQ(a->codecs[0].channels, 2);
    ASSERT_STR_EQ(a->codecs[0].fmtp, "minptime=10;useinbandfec=1");
    ASSERT_EQ(a->codecs[0].rtcp_fb, SDP_FB_TRANSPORT_CC);
    ASSERT_STR_EQ(a->codecs[1].name, "red");
    ASSERT_EQ(a->codecs[3].pt, 0);
    ASSERT_STR_EQ(a->codecs[3].name, "PCMU");
    ASSERT_EQ(a->codecs[3].channels, 0);
}

TEST(chromium_offer_audio_extmaps_ssrc_candidates)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *a = &sess->media[0];
    ASSERT_EQ(a->extmap_count, 4);
    ASSERT_EQ(a->extmaps[0].id, 1);
    ASSERT_STR_EQ(a->extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    ASSERT_EQ(sdp_find_extmap(a, "urn:ietf:params:rtp-hdrext:sdes:mid")->id, 4);
    ASSERT_EQ(a->extmaps[0].direction, SDP_DIR_NONE);
    ASSERT_STR_EQ(a->msid_stream, "92e9189e-4acb-4ffd-8c43-c5fd77c6a8ab");
    ASSERT_STR_EQ(a->msid_track, "e7e2b74d-0af1-4ad5-9cf6-d48baa0e3890");
    ASSERT_EQ(a->ssrc_count, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 339314764);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "UbLV9xLYLdXDJ+yF");
    ASSERT_STR_EQ(a->ssrcs[0].msid_track, "e7e2b74d-0af1-4ad5-9cf6-d48baa0e3890");
    ASSERT_EQ(a->candidate_count, 4);
    const sdp_candidate_t *c = &a->candidates[0];
    ASSERT_STR_EQ(c->foundation, "1848504764");
    ASSERT_EQ(c->component, 1);
    ASSERT_EQ(c->tcp, 0);
    ASSERT_EQ(c->priority, 2122260223u);
    ASSERT_STR_EQ(c->addr, "10.77.0.1");
    ASSERT_EQ(c->port, 44942);
    ASSERT_EQ(c->type, SDP_CAND_HOST);
    c = &a->candidates[2];
    ASSERT_EQ(c->tcp, 1);
    ASSERT_EQ(c->port, 9);
    ASSERT_EQ(c->tcptype, SDP_TCP_ACTIVE);
    ASSERT_EQ(a->end_of_candidates, 0);
}

TEST(chromium_offer_video_codecs)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *v = &sess->media[1];
    ASSERT_EQ(v->kind, SDP_MEDIA_VIDEO);
    ASSERT_EQ(v->codec_count, 23);
    ASSERT_EQ(v->codecs[0].pt, 96);
    ASSERT_STR_EQ(v->codecs[0].name, "VP8");
    ASSERT_EQ(v->codecs[0].clock_rate, 90000);
    ASSERT_EQ(v->codecs[0].rtcp_fb, SDP_FB_ALL);
    ASSERT_STR_EQ(codec(v, 97)->name, "rtx");
    ASSERT_EQ(codec(v, 97)->apt, 96);
    ASSERT_EQ(codec(v, 97)->rtcp_fb, 0);
    ASSERT_EQ(codec(v, 102)->profile_level_id, 0x42001f);
    ASSERT_EQ(codec(v, 102)->packetization_mode, 1);
    ASSERT_EQ(codec(v, 102)->level_asymmetry, 1);
    ASSERT_EQ(codec(v, 104)->packetization_mode, 0);
    ASSERT_EQ(codec(v, 108)->profile_level_id, 0x42e01f);
    ASSERT_EQ(codec(v, 116)->profile_level_id, 0x4d001f);
    ASSERT_STR_EQ(codec(v, 45)->name, "AV1");
    ASSERT_STR_EQ(codec(v, 45)->fmtp, "level-idx=5;profile=0;tier=0");
    ASSERT_EQ(codec(v, 98)->profile_id, 0);
    ASSERT_EQ(codec(v, 100)->profile_id, 2);
    ASSERT_EQ(codec(v, 119)->apt, 118);
    ASSERT_EQ(codec(v, 96)->apt, -1);
    ASSERT_EQ(codec(v, 96)->profile_level_id, -1);
}

TEST(chromium_offer_video_extmaps_and_fid)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *v = &sess->media[1];
    ASSERT_STR_EQ(v->mid, "1");
    ASSERT_EQ(v->extmap_count, 11);
    ASSERT_EQ(v->extmaps[0].id, 14);
    ASSERT_STR_EQ(v->extmaps[0].uri, "urn:ietf:params:rtp-hdrext:toffset");
    ASSERT_EQ(sdp_find_extmap(v, "urn:3gpp:video-orientation")->id, 13);
    ASSERT_EQ(sdp_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")->id, 10);
    ASSERT_EQ(sdp_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id")->id, 11);
    const sdp_ssrc_group_t *fid = sdp_find_ssrc_group(v, "FID");
    ASSERT_TRUE(fid != NULL);
    ASSERT_EQ(fid->count, 2);
    ASSERT_EQ(fid->ssrcs[0], 2193079422u);
    ASSERT_EQ(fid->ssrcs[1], 1788145855u);
    ASSERT_EQ(v->ssrc_count, 2);
    ASSERT_EQ(v->ssrcs[1].ssrc, 1788145855u);
    ASSERT_STR_EQ(v->ssrcs[1].cname, "UbLV9xLYLdXDJ+yF");
    ASSERT_TRUE(sdp_find_ssrc_group(v, "SIM") == NULL);
}

TEST(chromium_offer_application_section)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *d = sdp_find_media(sess, "2");
    ASSERT_TRUE(d == &sess->media[2]);
    ASSERT_EQ(d->kind, SDP_MEDIA_APPLICATION);
    ASSERT_STR_EQ(d->proto, "UDP/DTLS/SCTP");
    ASSERT_STR_EQ(d->fmt, "webrtc-datachannel");
    ASSERT_EQ(d->codec_count, 0);
    ASSERT_EQ(d->sctp_port, 5000);
    ASSERT_EQ(d->max_message_size, 262144);
    ASSERT_EQ(d->candidate_count, 4);
    ASSERT_TRUE(sdp_in_bundle(sess, "2"));
    ASSERT_TRUE(!sdp_in_bundle(sess, "3"));
}

TEST(chromium_simulcast_offer)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendonly-simulcast.sdp"), SDP_OK);
    const sdp_media_t *v = &sess->media[1];
    ASSERT_EQ(v->rid_count, 3);
    ASSERT_STR_EQ(v->rids[0].id, "q");
    ASSERT_EQ(v->rids[0].direction, SDP_DIR_SENDONLY);
    ASSERT_STR_EQ(v->rids[2].id, "f");
    ASSERT_EQ(v->simulcast_send.count, 3);
    ASSERT_STR_EQ(v->simulcast_send.rids[1], "h");
    ASSERT_EQ(v->simulcast_send.paused, 0);
    ASSERT_EQ(v->simulcast_recv.count, 0);
    ASSERT_EQ(v->ssrc_count, 0); /* Chromium names simulcast layers by rid only */
    ASSERT_EQ(v->extmap_count, 13);
    ASSERT_EQ(v->extmaps[11].id, 12);
    ASSERT_STR_EQ(v->extmaps[11].uri,
                  "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension");
}

TEST(chromium_recvonly_offer)
{
    ASSERT_EQ(parse_fixture("chromium-offer-recvonly-av.sdp"), SDP_OK);
    ASSERT_EQ(sess->media_count, 2);
    ASSERT_EQ(sess->media[0].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(sess->media[1].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(sess->media[0].ssrc_count, 0);
    ASSERT_EQ(sess->media[1].msid_stream[0], '\0');
    ASSERT_EQ(sess->media[0].codecs[0].pt, 111);
}

TEST(chromium_sendrecv_addtrack_offer)
{
    ASSERT_EQ(parse_fixture("chromium-offer-sendrecv-addtrack.sdp"), SDP_OK);
    ASSERT_EQ(sess->media[0].direction, SDP_DIR_SENDRECV);
    ASSERT_EQ(sess->media[1].direction, SDP_DIR_SENDRECV);
    ASSERT_TRUE(sdp_find_ssrc_group(&sess->media[1], "FID") != NULL);
}

TEST(firefox_offer_session_level)
{
    ASSERT_EQ(parse_fixture("firefox-offer-sendonly-av-dc.sdp"), SDP_OK);
    ASSERT_STR_EQ(sess->origin_user, "mozilla...THIS_IS_SDPARTA-99.0");
    ASSERT_TRUE(sess->session_id == 8504907893113693594ULL);
    ASSERT_EQ(sess->session_version, 0);
    ASSERT_STR_EQ(sess->origin_addr, "0.0.0.0");
    /* Firefox puts direction, fingerprint and trickle at session level. */
    ASSERT_EQ(sess->direction, SDP_DIR_SENDRECV);
    ASSERT_EQ(sess->ice_trickle, 1);
    ASSERT_EQ(sess->fingerprint.len, 32);
    ASSERT_EQ(sess->fingerprint.bytes[0], 0x21);
    ASSERT_EQ(sess->fingerprint.bytes[31], 0xEA);
    ASSERT_STR_EQ(sess->msid_semantic, "WMS");
    ASSERT_STR_EQ(sess->msid_semantic_ids, "*");
    ASSERT_EQ(sess->bundle_count, 3);
    const sdp_media_t *a = &sess->media[0];
    ASSERT_EQ(a->fingerprint.len, 0);
    ASSERT_TRUE(sdp_media_fingerprint(sess, a) == &sess->fingerprint);
    ASSERT_STR_EQ(sdp_media_ice_ufrag(sess, a), "03a0a9a5");
    ASSERT_STR_EQ(sdp_media_ice_pwd(sess, a), "6ca4e32bf9fcdf6ec8cb27fe935eb1f3");
    ASSERT_EQ(sdp_media_setup(sess, a), SDP_SETUP_ACTPASS);
    /* a section's own direction beats the session's */
    ASSERT_EQ(a->direction, SDP_DIR_SENDONLY);
    ASSERT_EQ(sess->media[2].direction, SDP_DIR_SENDRECV);
}

TEST(firefox_offer_media)
{
    ASSERT_EQ(parse_fixture("firefox-offer-sendonly-av-dc.sdp"), SDP_OK);
    const sdp_media_t *a = &sess->media[0], *v = &sess->media[1], *d = &sess->media[2];
    ASSERT_EQ(a->codecs[0].pt, 109);
    ASSERT_STR_EQ(a->codecs[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    ASSERT_EQ(codec(a, 9)->channels, 1); /* "G722/8000/1" */
    ASSERT_EQ(a->extmaps[1].id, 2);
    ASSERT_EQ(a->extmaps[1].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(a->ssrcs[0].ssrc, 3833777686u);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "{fc6ad614-0c71-41ad-98c5-118f9b1d64a3}");
    /* mDNS host candidates, transport in upper case, RTCP component 2 */
    ASSERT_EQ(a->candidate_count, 4);
    ASSERT_STR_EQ(a->candidates[0].addr, "a16bd541-7889-4406-982c-095e8611ad6a.local");
    ASSERT_EQ(a->candidates[1].tcp, 1);
    ASSERT_EQ(a->candidates[2].component, 2);
    ASSERT_EQ(a->end_of_candidates, 1);
    ASSERT_EQ(v->codec_count, 9);
    ASSERT_STR_EQ(v->codecs[0].name, "VP8");
    ASSERT_EQ(v->codecs[0].pt, 120);
    ASSERT_EQ(codec(v, 124)->apt, 120);
    ASSERT_EQ(codec(v, 121)->profile_id, -1); /* Firefox's VP9 states no profile */
    ASSERT_EQ(sdp_find_ssrc_group(v, "FID")->ssrcs[1], 1323868462u);
    ASSERT_EQ(d->max_message_size, 1073741823u);
    ASSERT_EQ(d->sctp_port, 5000);
}

TEST(firefox_simulcast_offer)
{
    ASSERT_EQ(parse_fixture("firefox-offer-sendonly-simulcast.sdp"), SDP_OK);
    const sdp_media_t *v = &sess->media[1];
    ASSERT_EQ(v->rid_count, 3);
    ASSERT_EQ(v->simulcast_send.count, 3);
    ASSERT_STR_EQ(v->simulcast_send.rids[0], "q");
    ASSERT_EQ(v->ssrc_group_count, 3);
    ASSERT_EQ(v->ssrc_groups[2].ssrcs[0], 1784512327u);
    ASSERT_EQ(v->ssrc_count, 6);
}

TEST(browser_answers_to_our_offers)
{
    ASSERT_EQ(parse_fixture("chromium-answer-to-sfu-offer-v2.sdp"), SDP_OK);
    ASSERT_EQ(sess->media_count, 4);
    ASSERT_EQ(sess->media[0].port, 0); /* the slot we closed */
    ASSERT_EQ(sess->bundle_count, 3);
    ASSERT_STR_EQ(sess->bundle_mids[0], "1");
    ASSERT_EQ(sess->media[1].direction, SDP_DIR_INACTIVE);
    ASSERT_EQ(sess->media[3].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(sdp_media_setup(sess, &sess->media[3]), SDP_SETUP_ACTIVE);
    /* v4 moved mid 4 to H.264 (our PT 104, profile 42001f) and mid 1 to VP9 */
    ASSERT_EQ(parse_fixture("chromium-answer-to-sfu-offer-v4.sdp"), SDP_OK);
    const sdp_media_t *h = sdp_find_media(sess, "4");
    ASSERT_TRUE(h != NULL);
    ASSERT_STR_EQ(h->codecs[0].name, "H264");
    ASSERT_EQ(h->codecs[0].pt, 104);
    ASSERT_EQ(h->codecs[0].profile_level_id, 0x42001f);
    ASSERT_EQ(h->codecs[1].apt, 104);
    ASSERT_STR_EQ(sdp_find_media(sess, "1")->codecs[0].name, "VP9");
    ASSERT_EQ(parse_fixture("firefox-answer-to-sfu-offer-v1.sdp"), SDP_OK);
    ASSERT_EQ(sess->media_count, 3);
    for (size_t i = 0; i < 3; i++)
        ASSERT_EQ(sdp_media_setup(sess, &sess->media[i]), SDP_SETUP_ACTIVE);
    ASSERT_EQ(sess->media[0].direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(sess->media[0].codecs[0].pt, 111);
    ASSERT_EQ(sess->media[1].codecs[0].pt, 96);
}

/* Same text with bare "\n" line ends parses to the same description. */
TEST(lf_line_endings)
{
    ASSERT_EQ(parse_fixture("firefox-offer-sendonly-simulcast.sdp"), SDP_OK);
    static sdp_session_t lf;
    size_t n = 0;
    for (size_t i = 0; i < text_len; i++)
        if (text[i] != '\r')
            text[n++] = text[i];
    ASSERT_TRUE(n < text_len);
    ASSERT_EQ(sdp_parse(text, n, &lf), SDP_OK);
    ASSERT_EQ(lf.media_count, sess->media_count);
    ASSERT_STR_EQ(lf.media[1].codecs[0].name, sess->media[1].codecs[0].name);
    ASSERT_STR_EQ(lf.media[1].ice_pwd, sess->media[1].ice_pwd);
    ASSERT_STR_EQ(lf.media[1].ssrcs[5].cname, sess->media[1].ssrcs[5].cname);
    ASSERT_EQ(lf.fingerprint.len, 32);
}

int main(void)
{
    sess = malloc(sizeof *sess);
    if (!sess)
        return 1;
    RUN(chromium_offer_session_level);
    RUN(chromium_offer_audio_section);
    RUN(chromium_offer_audio_extmaps_ssrc_candidates);
    RUN(chromium_offer_video_codecs);
    RUN(chromium_offer_video_extmaps_and_fid);
    RUN(chromium_offer_application_section);
    RUN(chromium_simulcast_offer);
    RUN(chromium_recvonly_offer);
    RUN(chromium_sendrecv_addtrack_offer);
    RUN(firefox_offer_session_level);
    RUN(firefox_offer_media);
    RUN(firefox_simulcast_offer);
    RUN(browser_answers_to_our_offers);
    RUN(lf_line_endings);
    free(sess);
    return TEST_REPORT();
}
