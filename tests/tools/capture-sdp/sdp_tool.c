/*
 * sdp_tool: a command-line face of sfu/sdp.h so the browser checks in this
 * folder can run OUR parser, answer builder and offer builder against real
 * browsers. Built by check-browsers.mjs with:
 *   cc -I<repo> sdp_tool.c sfu/sdp.c sfu/sdp_parse.c sfu/sdp_write.c sfu/codecs.c
 *
 *   sdp_tool parse     < sdp        JSON summary of what we parsed
 *   sdp_tool roundtrip < sdp        parse, then write
 *   sdp_tool answer    < offer      our answer (send transport)
 *   sdp_tool offer VERSION SLOT...  < sdp-with-codecs
 *        our offer (receive transport); SLOT is kind:mid[:state[:codec]] with
 *        kind audio|video|app and state active|inactive|closed. Each
 *        consumer's codec is the first forwardable one of that kind (and
 *        name, if given) in stdin's SDP.
 * Exit status 0 on success; errors go to stderr with the SDP_E* code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/codecs.h"
#include "sfu/sdp.h"

static char text[SDP_MAX_TEXT * 2];

static size_t read_stdin(void)
{
    size_t n = fread(text, 1, sizeof text - 1, stdin);
    text[n] = '\0';
    return n;
}

static void local_params(sdp_local_t *l, unsigned long long version)
{
    memset(l, 0, sizeof *l);
    l->session_id = 4242424242ULL;
    l->session_version = version;
    snprintf(l->ice_ufrag, sizeof l->ice_ufrag, "sbTest01");
    snprintf(l->ice_pwd, sizeof l->ice_pwd, "sbTestPassword0123456789");
    sdp_fingerprint_from_hex(&l->fingerprint, "sha-256",
                             "8F:2B:11:D4:05:6C:77:E0:1A:92:3B:C4:5D:E6:0F:71:"
                             "82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71");
    sdp_candidate_t *c = &l->candidates[l->candidate_count++];
    snprintf(c->foundation, sizeof c->foundation, "1");
    c->component = 1;
    c->priority = 2130706431;
    snprintf(c->addr, sizeof c->addr, "127.0.0.1");
    c->port = 40000;
    c->type = SDP_CAND_HOST;
}

static const char *kind_name(sdp_media_kind_t k)
{
    static const char *n[] = { "other", "audio", "video", "application" };
    return n[k <= SDP_MEDIA_APPLICATION ? k : 0];
}

static const char *dir_name(sdp_direction_t d)
{
    static const char *n[] = { "", "sendrecv", "sendonly", "recvonly", "inactive" };
    return n[d <= SDP_DIR_INACTIVE ? d : 0];
}

static void print_media(const sdp_session_t *s, const sdp_media_t *m)
{
    static const char *setups[] = { "", "actpass", "active", "passive", "holdconn" };
    printf("{\"mid\":\"%s\",\"kind\":\"%s\",\"port\":%u,\"direction\":\"%s\","
           "\"setup\":\"%s\",\"ufrag\":\"%s\",\"candidates\":%u,\"ssrcs\":%u,"
           "\"rids\":%u,\"sctp_port\":%u,\"codecs\":[",
           m->mid, kind_name(m->kind), m->port, dir_name(m->direction),
           setups[sdp_media_setup(s, m)], sdp_media_ice_ufrag(s, m) ? sdp_media_ice_ufrag(s, m) : "",
           m->candidate_count, m->ssrc_count, m->rid_count, m->sctp_port);
    for (size_t i = 0; i < m->codec_count; i++)
        printf("%s{\"pt\":%u,\"name\":\"%s\",\"fmtp\":\"%s\"}", i ? "," : "", m->codecs[i].pt,
               m->codecs[i].name, m->codecs[i].fmtp);
    printf("],\"extmaps\":[");
    for (size_t i = 0; i < m->extmap_count; i++)
        printf("%s{\"id\":%u,\"uri\":\"%s\"}", i ? "," : "", m->extmaps[i].id, m->extmaps[i].uri);
    printf("]}");
}

static int cmd_parse(sdp_session_t *s)
{
    printf("{\"ice_lite\":%s,\"bundle\":[", s->ice_lite ? "true" : "false");
    for (size_t i = 0; i < s->bundle_count; i++)
        printf("%s\"%s\"", i ? "," : "", s->bundle_mids[i]);
    printf("],\"unknown_lines\":%u,\"media\":[", s->unknown_lines);
    for (size_t i = 0; i < s->media_count; i++) {
        printf(i ? "," : "");
        print_media(s, &s->media[i]);
    }
    printf("]}\n");
    return 0;
}

static int write_out(const sdp_session_t *s)
{
    int n = sdp_write(s, text, sizeof text);
    if (n < 0) {
        fprintf(stderr, "sdp_write: %d\n", n);
        return 1;
    }
    fwrite(text, 1, (size_t)n, stdout);
    return 0;
}

/* First forwardable codec of `kind` anywhere in `src`, named `name` unless
 * that is empty. */
static const sdp_codec_t *producer_codec(const sdp_session_t *src, sdp_media_kind_t kind,
                                         const char *name)
{
    for (size_t i = 0; i < src->media_count; i++)
        for (size_t j = 0; src->media[i].kind == kind && j < src->media[i].codec_count; j++) {
            const sdp_codec_t *c = &src->media[i].codecs[j];
            if (sdp_codec_match(kind, c) && (!name[0] || !strcmp(c->name, name)))
                return c;
        }
    return NULL;
}

static int parse_slot(const sdp_session_t *src, const char *spec, size_t idx, sdp_offer_slot_t *sl)
{
    char kind[16] = "", mid[SDP_TOKEN_MAX] = "", state[16] = "active", codec[16] = "";
    memset(sl, 0, sizeof *sl);
    if (sscanf(spec, "%15[^:]:%31[^:]:%15[^:]:%15s", kind, mid, state, codec) < 2)
        return -1;
    sl->kind = !strcmp(kind, "audio") ? SDP_MEDIA_AUDIO
               : !strcmp(kind, "video") ? SDP_MEDIA_VIDEO : SDP_MEDIA_APPLICATION;
    snprintf(sl->mid, sizeof sl->mid, "%s", mid);
    sl->state = !strcmp(state, "inactive") ? SDP_SLOT_INACTIVE
                : !strcmp(state, "closed") ? SDP_SLOT_CLOSED : SDP_SLOT_ACTIVE;
    if (sl->kind == SDP_MEDIA_APPLICATION)
        return 0;
    const sdp_codec_t *pc = producer_codec(src, sl->kind, codec);
    if (!pc || sdp_codec_for_offer(sl->kind, pc, &sl->codec, &sl->rtx_pt) < 0)
        return -1;
    sl->ssrc = 0x10000000u + (uint32_t)idx * 2;
    sl->rtx_ssrc = sl->rtx_pt ? sl->ssrc + 1 : 0;
    snprintf(sl->cname, sizeof sl->cname, "sfu-consumer-%s", mid);
    snprintf(sl->stream_id, sizeof sl->stream_id, "peer-%s", mid);
    snprintf(sl->track_id, sizeof sl->track_id, "%s-track-%s", kind, mid);
    return 0;
}

static int cmd_offer(const sdp_session_t *src, int argc, char **argv, sdp_session_t *out)
{
    static sdp_offer_slot_t slots[SDP_MAX_MEDIA];
    sdp_local_t local;
    size_t n = 0;
    if (argc < 4)
        return 2;
    local_params(&local, strtoull(argv[2], NULL, 10));
    for (int i = 3; i < argc && n < SDP_MAX_MEDIA; i++, n++)
        if (parse_slot(src, argv[i], n, &slots[n]) < 0) {
            fprintf(stderr, "bad slot or no codec: %s\n", argv[i]);
            return 1;
        }
    int rc = sdp_build_offer(slots, n, &local, out);
    if (rc < 0) {
        fprintf(stderr, "sdp_build_offer: %d\n", rc);
        return 1;
    }
    return write_out(out);
}

int main(int argc, char **argv)
{
    static sdp_session_t in, out;
    if (argc < 2) {
        fprintf(stderr, "usage: sdp_tool parse|roundtrip|answer|offer ...\n");
        return 2;
    }
    size_t len = read_stdin();
    int rc = sdp_parse(text, len, &in);
    if (rc < 0) {
        fprintf(stderr, "sdp_parse: %d\n", rc);
        return 1;
    }
    if (!strcmp(argv[1], "parse"))
        return cmd_parse(&in);
    if (!strcmp(argv[1], "roundtrip"))
        return write_out(&in);
    if (!strcmp(argv[1], "offer"))
        return cmd_offer(&in, argc, argv, &out);
    if (!strcmp(argv[1], "answer")) {
        sdp_local_t local;
        local_params(&local, 1);
        if ((rc = sdp_build_answer(&in, &local, &out)) < 0) {
            fprintf(stderr, "sdp_build_answer: %d\n", rc);
            return 1;
        }
        return write_out(&out);
    }
    return 2;
}
