/*
 * sdp_parse() on broken, hostile and oversized input: structure errors come
 * back as SDP_E* codes, unknown lines are skipped and counted, and every
 * bounded array stops at its SDP_MAX_* with the excess counted.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "sfu/sdp.h"
#include "test.h"

static sdp_session_t *sess;
static char buf[SDP_MAX_TEXT * 2];
static size_t blen;

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define AUDIO "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"

static void reset(const char *start)
{
    blen = 0;
    buf[0] = '\0';
    if (start)
        blen = (size_t)snprintf(buf, sizeof buf, "%s", start);
}

__attribute__((format(printf, 1, 2))) static void add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + blen, sizeof buf - blen, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof buf - blen)
        blen += (size_t)n;
}

static int parse_str(const char *s)
{
    return sdp_parse(s, strlen(s), sess);
}

static int parse_buf(void)
{
    return sdp_parse(buf, blen, sess);
}

TEST(bad_arguments)
{
    ASSERT_EQ(sdp_parse(NULL, 10, sess), SDP_EINVAL);
    ASSERT_EQ(sdp_parse(HEAD, strlen(HEAD), NULL), SDP_EINVAL);
    ASSERT_EQ(sdp_parse(NULL, 0, sess), SDP_EVERSION);
}

TEST(version_line)
{
    ASSERT_EQ(parse_str(""), SDP_EVERSION);
    ASSERT_EQ(parse_str("\r\n\r\n"), SDP_EVERSION);
    ASSERT_EQ(parse_str("v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), SDP_EVERSION);
    ASSERT_EQ(parse_str("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\ns=-\r\nt=0 0\r\n"), SDP_EVERSION);
    ASSERT_EQ(parse_str(HEAD "v=0\r\n"), SDP_ESTRUCT);
    ASSERT_EQ(parse_str(HEAD), SDP_OK);
    ASSERT_EQ(sess->media_count, 0);
}

TEST(structure_errors)
{
    ASSERT_EQ(parse_str("v=0\r\ns=-\r\nt=0 0\r\n"), SDP_ESTRUCT);                  /* no o= */
    ASSERT_EQ(parse_str("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"), SDP_ESTRUCT); /* no t= */
    ASSERT_EQ(parse_str("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n" AUDIO "t=0 0\r\n"), SDP_ESTRUCT);
    ASSERT_EQ(parse_str(HEAD "o=- 2 2 IN IP4 0.0.0.0\r\n"), SDP_ESTRUCT); /* twice */
    ASSERT_EQ(parse_str(HEAD AUDIO "o=- 2 2 IN IP4 0.0.0.0\r\n"), SDP_ESTRUCT);
    ASSERT_EQ(parse_str(HEAD AUDIO "s=x\r\n"), SDP_ESTRUCT);
    ASSERT_EQ(parse_str(HEAD "s=again\r\n"), SDP_ESTRUCT);
}

TEST(syntax_errors)
{
    ASSERT_EQ(parse_str(HEAD "garbage\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str(HEAD "A=upper\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str(HEAD "a\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str(HEAD "a=mid:0\rX\r\n"), SDP_ESYNTAX); /* bare CR inside a line */
    ASSERT_EQ(parse_str(HEAD "a=x\x01y\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str("v=0\r\no=- x 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str("v=0\r\no=- 1 1 IN IP5 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n"), SDP_ESYNTAX);
    ASSERT_EQ(parse_str("v=0\r\no=- 99999999999999999999 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"),
              SDP_ESYNTAX); /* > 2^64 - 1 */
    /* A NUL inside the given length must not cut a value short silently. */
    static const char nul[] = HEAD "a=ice-ufrag:ab\0cd\r\n";
    ASSERT_EQ(sdp_parse(nul, sizeof nul - 1, sess), SDP_ESYNTAX);
}

TEST(media_line_errors)
{
    ASSERT_EQ(parse_str(HEAD "m=audio\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio 9 UDP/TLS/RTP/SAVPF\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio x UDP/TLS/RTP/SAVPF 111\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 128\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio 9 UDP/TLS/RTP/SAVPF opus\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=application 9 UDP/DTLS/SCTP\r\n"), SDP_EMEDIA);
    ASSERT_EQ(parse_str(HEAD "m=audio 9/2 RTP/AVP 0 0 8\r\n"), SDP_OK);
    ASSERT_EQ(sess->media[0].codec_count, 2); /* duplicate PT listed once */
    ASSERT_EQ(sess->media[0].port, 9);
    ASSERT_EQ(parse_str(HEAD "m=text 0 RTP/AVP 98\r\n"), SDP_OK);
    ASSERT_EQ(sess->media[0].kind, SDP_MEDIA_OTHER);
    ASSERT_STR_EQ(sess->media[0].media, "text");
}

TEST(attribute_errors)
{
#define FP31 "45:A1:0D:D2:A7:76:94:DA:F0:F4:78:E7:41:2F:6D:9F:33:B6:17:B8:FE:7F:7D:DA:09:4D:7C:1E:AE:F4:5E"
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:SHA-256 " FP31 ":A9\r\n"), SDP_OK);
    ASSERT_STR_EQ(sess->fingerprint.algo, "sha-256");
    ASSERT_EQ(sess->fingerprint.bytes[31], 0xA9);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-256 " FP31 ":AG\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-256 " FP31 "-A9\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-256 " FP31 ":A\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-256 " FP31 ":A9 x\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-256\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:sha-1 AB:CD\r\n"), SDP_EATTR); /* 2 of 20 bytes */
    ASSERT_EQ(parse_str(HEAD "a=fingerprint:x-new AB:CD\r\n"), SDP_OK);    /* unknown hash */
    ASSERT_EQ(sess->fingerprint.len, 0);
    ASSERT_EQ(sess->skipped_lines, 1);
    ASSERT_EQ(parse_str(HEAD "a=setup:sideways\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=ice-ufrag:\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=ice-pwd:has space\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD "a=group:BUNDLE 0 waytoolongmid-0123456789abcdefghijkl\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=rtpmap:111 opus\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=rtpmap:abc opus/48000\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=rtpmap:111 opus/48000/999\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=extmap:0 urn:x\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=extmap:256 urn:x\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=extmap:1/sideways urn:x\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=ssrc:-1 cname:x\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=ssrc-group:FID\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=mid:\r\n"), SDP_EATTR);
    ASSERT_EQ(parse_str(HEAD AUDIO "a=sctp-port:99999\r\n"), SDP_EATTR);
}

TEST(unknown_and_odd_lines_are_skipped)
{
    ASSERT_EQ(parse_str(HEAD "a=x-future:1\r\nx=unknown type\r\nb=AS:30\r\n" AUDIO
                             "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                             "a=candidate:1 1 udp 1 10.0.0.1 9 typ unknowntype\r\n"
                             "a=candidate:short\r\n"
                             "a=rtpmap:96 VP8/90000\r\n"
                             "a=rtcp-fb:111 nack sli\r\n"
                             "a=candidate:2 1 UDP 7 10.0.0.2 1234 typ srflx raddr 10.0.0.3 rport 5 x y\r\n"),
              SDP_OK);
    ASSERT_EQ(sess->unknown_lines, 3);
    ASSERT_EQ(sess->skipped_lines, 3); /* two candidates, rtpmap for an unlisted PT */
    const sdp_media_t *m = &sess->media[0];
    ASSERT_EQ(m->codecs[0].rtcp_fb, 0);
    ASSERT_EQ(m->candidate_count, 1);
    ASSERT_EQ(m->candidates[0].type, SDP_CAND_SRFLX);
    ASSERT_STR_EQ(m->candidates[0].raddr, "10.0.0.3");
    ASSERT_EQ(m->candidates[0].rport, 5);
}

/* rid, simulcast and msid are lenient: a dialect we do not read costs the
 * layer or the stream id, not the call. Nothing half-parsed is kept. */
TEST(lenient_attributes)
{
    ASSERT_EQ(parse_str(HEAD AUDIO "a=rid:q sideways\r\na=rid:q/x send\r\na=rid:ok send\r\n"
                                   "a=simulcast:send\r\na=simulcast:both q\r\n"
                                   "a=simulcast: send rid=q;h;f\r\n"    /* pre-RFC 8853 */
                                   "a=simulcast:recv a send b;c;bad=x\r\n"
                                   "a=msid:ok " "toolong-0123456789012345678901234567890123456789"
                                   "012345678901234567890123456789\r\n"
                                   "a=msid-semantic:\r\n"),
              SDP_OK);
    const sdp_media_t *m = &sess->media[0];
    ASSERT_EQ(sess->skipped_lines, 7);
    ASSERT_EQ(sess->unknown_lines, 1); /* msid-semantic belongs to the session */
    ASSERT_EQ(m->rid_count, 1);
    ASSERT_STR_EQ(m->rids[0].id, "ok");
    ASSERT_EQ(m->simulcast_send.count, 0);
    ASSERT_EQ(m->simulcast_recv.count, 0);
    ASSERT_EQ(m->msid_stream[0], '\0');
}

TEST(rtcp_fb_wildcard_and_trailing_blanks)
{
    ASSERT_EQ(parse_str(HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96 97  \r\n"
                             "a=rtcp-fb:* nack\r\na=rtcp-fb:96 ccm fir \t\r\n"
                             "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n"
                             "a=fmtp:97 apt = 96 ; foo=bar\r\n"),
              SDP_OK);
    const sdp_media_t *m = &sess->media[0];
    ASSERT_EQ(m->codecs[0].rtcp_fb, SDP_FB_NACK | SDP_FB_CCM_FIR);
    ASSERT_EQ(m->codecs[1].rtcp_fb, SDP_FB_NACK);
    ASSERT_EQ(m->codecs[1].apt, 96);
    ASSERT_STR_EQ(m->codecs[1].fmtp, "apt = 96 ; foo=bar");
}

TEST(size_cap)
{
    char *big = malloc(SDP_MAX_TEXT + 2);
    ASSERT_TRUE(big != NULL);
    memset(big, '\n', SDP_MAX_TEXT + 1);
    memcpy(big, HEAD, strlen(HEAD));
    int at_cap = sdp_parse(big, SDP_MAX_TEXT, sess);
    int over = sdp_parse(big, SDP_MAX_TEXT + 1, sess);
    free(big);
    ASSERT_EQ(at_cap, SDP_OK);
    ASSERT_EQ(over, SDP_ETOOBIG);
}

TEST(media_cap_skips_whole_sections)
{
    reset(HEAD);
    for (int i = 0; i < SDP_MAX_MEDIA + 4; i++)
        add("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\na=rtpmap:111 opus/48000/2\r\n", i);
    ASSERT_EQ(parse_buf(), SDP_OK);
    ASSERT_EQ(sess->media_count, SDP_MAX_MEDIA);
    ASSERT_EQ(sess->media_dropped, 4);
    /* attributes of dropped sections never land on the last stored one */
    ASSERT_STR_EQ(sess->media[SDP_MAX_MEDIA - 1].mid, "15");
}

TEST(per_section_caps)
{
    reset(HEAD "a=group:BUNDLE");
    for (int i = 0; i < SDP_MAX_BUNDLE + 3; i++)
        add(" m%d", i);
    add("\r\nm=video 9 UDP/TLS/RTP/SAVPF");
    for (int pt = 60; pt < 60 + SDP_MAX_CODECS + 8; pt++)
        add(" %d", pt);
    add("\r\n");
    for (int i = 1; i <= SDP_MAX_EXTMAPS + 4; i++)
        add("a=extmap:%d urn:example:%d\r\n", i, i);
    for (int i = 0; i < SDP_MAX_CANDIDATES + 8; i++)
        add("a=candidate:%d 1 udp %d 10.0.0.1 %d typ host\r\n", i, 100 + i, 1000 + i);
    for (int i = 1; i <= SDP_MAX_SSRCS + 2; i++)
        add("a=ssrc:%d cname:c\r\n", i);
    for (int i = 1; i <= SDP_MAX_SSRC_GROUPS + 2; i++)
        add("a=ssrc-group:FID %d %d 7 8 9 10\r\n", i, i + 1);
    for (int i = 0; i < SDP_MAX_RIDS + 2; i++)
        add("a=rid:r%d send\r\n", i);
    add("a=simulcast:send a;b;c;d;e;f recv x,y;~z\r\n");
    ASSERT_EQ(parse_buf(), SDP_OK);
    const sdp_media_t *m = &sess->media[0];
    ASSERT_EQ(sess->bundle_count, SDP_MAX_BUNDLE);
    ASSERT_EQ(sess->bundle_dropped, 3);
    ASSERT_EQ(m->codec_count, SDP_MAX_CODECS);
    ASSERT_EQ(m->codecs_dropped, 8);
    ASSERT_EQ(m->extmap_count, SDP_MAX_EXTMAPS);
    ASSERT_EQ(m->extmaps_dropped, 4);
    ASSERT_EQ(m->candidate_count, SDP_MAX_CANDIDATES);
    ASSERT_EQ(m->candidates_dropped, 8);
    ASSERT_EQ(m->ssrc_count, SDP_MAX_SSRCS);
    ASSERT_EQ(m->ssrcs_dropped, 2);
    ASSERT_EQ(m->ssrc_group_count, SDP_MAX_SSRC_GROUPS);
    ASSERT_EQ(m->ssrc_groups_dropped, 2);
    ASSERT_EQ(m->ssrc_groups[0].count, SDP_MAX_GROUP_SSRCS);
    ASSERT_EQ(m->rid_count, SDP_MAX_RIDS);
    ASSERT_EQ(m->rids_dropped, 2);
    ASSERT_EQ(m->simulcast_send.count, SDP_MAX_RIDS);
    ASSERT_EQ(m->simulcast_recv.count, 2);
    ASSERT_STR_EQ(m->simulcast_recv.rids[0], "x");
    ASSERT_EQ(m->simulcast_recv.paused, 2);
}

TEST(long_values)
{
    char longs[400];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    reset(HEAD);
    add("a=ice-ufrag:%.256s\r\n", longs);
    ASSERT_EQ(parse_buf(), SDP_OK);
    ASSERT_EQ(strlen(sess->ice_ufrag), 256);
    reset(HEAD);
    add("a=ice-ufrag:%.257s\r\n", longs);
    ASSERT_EQ(parse_buf(), SDP_EATTR);
    /* an over-long fmtp or extmap URI is skipped, not fatal */
    reset(HEAD AUDIO);
    add("a=fmtp:111 x=%s\r\na=extmap:1 urn:%s\r\n", longs, longs);
    ASSERT_EQ(parse_buf(), SDP_OK);
    ASSERT_EQ(sess->media[0].codecs[0].fmtp[0], '\0');
    ASSERT_EQ(sess->media[0].extmap_count, 0);
    ASSERT_EQ(sess->skipped_lines, 2);
}

/* Every prefix of a valid description either parses or fails cleanly. */
TEST(truncated_input)
{
    reset(HEAD "a=fingerprint:sha-256 45:A1:0D:D2:A7:76:94:DA:F0:F4:78:E7:41:2F:6D:9F:"
               "33:B6:17:B8:FE:7F:7D:DA:09:4D:7C:1E:AE:F4:5E:A9\r\na=group:BUNDLE 0\r\n" AUDIO
               "a=ssrc:1 cname:x\r\n");
    ASSERT_EQ(parse_buf(), SDP_OK);
    int ok = 0, failed = 0;
    for (size_t n = 0; n < blen; n++) {
        int rc = sdp_parse(buf, n, sess);
        ASSERT_TRUE(rc == SDP_OK || (rc < 0 && rc >= SDP_ENOMEDIA));
        rc == SDP_OK ? ok++ : failed++;
    }
    ASSERT_TRUE(ok > 0 && failed > 0);
    ASSERT_EQ(sdp_parse(buf, 20, sess), SDP_ESYNTAX);            /* cut inside o= */
    ASSERT_EQ(sdp_parse(buf, 31, sess), SDP_ESTRUCT);            /* cut before s= */
    ASSERT_EQ(sdp_parse(buf, strlen(HEAD) + 30, sess), SDP_EATTR); /* inside the fingerprint */
}

/* Deterministic pseudo-random bytes: never accepted, never a crash. */
TEST(garbage_input)
{
    uint32_t x = 2463534242u;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 37) % 2000;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = (char)(x & 0xff);
        }
        ASSERT_TRUE(sdp_parse(buf, n, sess) < 0);
    }
}

int main(void)
{
    sess = malloc(sizeof *sess);
    if (!sess)
        return 1;
    RUN(bad_arguments);
    RUN(version_line);
    RUN(structure_errors);
    RUN(syntax_errors);
    RUN(media_line_errors);
    RUN(attribute_errors);
    RUN(unknown_and_odd_lines_are_skipped);
    RUN(lenient_attributes);
    RUN(rtcp_fb_wildcard_and_trailing_blanks);
    RUN(size_cap);
    RUN(media_cap_skips_whole_sections);
    RUN(per_section_caps);
    RUN(long_values);
    RUN(truncated_input);
    RUN(garbage_input);
    free(sess);
    return TEST_REPORT();
}
