/*
 * libFuzzer harness for sfu/sdp*.c and sfu/codecs.c. For any input:
 *   - sdp_parse() returns OK or an SDP_E* code, and never reads or writes
 *     out of bounds (ASan/UBSan watch);
 *   - if it parsed, sdp_write() succeeds (or refuses with SDP_ETOOBIG), the
 *     text parses again, and writing that gives the same bytes: the writer
 *     emits only what the parser accepts, and parse/write is a fixed point;
 *   - the answer and offer builders, fed the parsed description, produce
 *     descriptions that write and parse back.
 * Corpus: tests/fuzz/corpus/fuzz_sdp/ (seeded from the browser fixtures).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/codecs.h"
#include "sfu/sdp.h"

static sdp_session_t parsed, again, built;
static char out1[SDP_MAX_TEXT + 1], out2[SDP_MAX_TEXT + 1];

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_sdp: %s\n", what);
        abort();
    }
}

/* Writes `s`; the text must parse, and rewriting it must be identical. */
static void write_parse_write(const sdp_session_t *s)
{
    int n1 = sdp_write(s, out1, sizeof out1);
    if (n1 == SDP_ETOOBIG)
        return;
    check(n1 > 0, "sdp_write failed on a parsed or built description");
    check(sdp_parse(out1, (size_t)n1, &again) == SDP_OK, "written SDP does not parse");
    int n2 = sdp_write(&again, out2, sizeof out2);
    check(n2 == n1 && memcmp(out1, out2, (size_t)n1) == 0, "write(parse(write(x))) differs");
}

static void local_params(sdp_local_t *l)
{
    memset(l, 0, sizeof *l);
    l->session_id = 1;
    l->session_version = 2;
    snprintf(l->ice_ufrag, sizeof l->ice_ufrag, "fuzz");
    snprintf(l->ice_pwd, sizeof l->ice_pwd, "fuzzfuzzfuzzfuzzfuzzfuzz");
    l->candidate_count = 1;
    snprintf(l->candidates[0].foundation, sizeof l->candidates[0].foundation, "1");
    l->candidates[0].component = 1;
    snprintf(l->candidates[0].addr, sizeof l->candidates[0].addr, "127.0.0.1");
    l->candidates[0].port = 9;
}

/* One receive-transport slot per parsed section we could forward. */
static void try_offer(const sdp_local_t *local)
{
    static sdp_offer_slot_t slots[SDP_MAX_MEDIA];
    size_t n = 0;
    for (size_t i = 0; i < parsed.media_count; i++) {
        const sdp_media_t *m = &parsed.media[i];
        sdp_offer_slot_t *sl = &slots[n];
        memset(sl, 0, sizeof *sl);
        sl->kind = m->kind;
        sl->state = (sdp_slot_state_t)(i % 3);
        memcpy(sl->mid, m->mid, sizeof sl->mid);
        if (m->kind == SDP_MEDIA_AUDIO || m->kind == SDP_MEDIA_VIDEO) {
            if (!m->codec_count ||
                sdp_codec_for_offer(m->kind, &m->codecs[0], &sl->codec, &sl->rtx_pt) < 0)
                continue;
            sl->ssrc = m->ssrc_count ? m->ssrcs[0].ssrc : 1;
            sl->rtx_ssrc = sl->ssrc + 1;
            snprintf(sl->cname, sizeof sl->cname, "%s", m->ssrc_count ? m->ssrcs[0].cname : "c");
            memcpy(sl->stream_id, m->msid_stream, sizeof sl->stream_id);
            memcpy(sl->track_id, m->msid_track, sizeof sl->track_id);
        } else if (m->kind != SDP_MEDIA_APPLICATION) {
            continue;
        }
        n++;
    }
    if (n && sdp_build_offer(slots, n, local, &built) == SDP_OK)
        write_parse_write(&built);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sdp_parse((const char *)data, size, &parsed) != SDP_OK)
        return 0;
    write_parse_write(&parsed);
    sdp_local_t local;
    local_params(&local);
    if (sdp_build_answer(&parsed, &local, &built) == SDP_OK)
        write_parse_write(&built);
    try_offer(&local);
    return 0;
}
