/*
 * libFuzzer harness for rtp/rtcp.c and the TWCC decoder: walks a compound
 * packet and runs every parser (and accessor) on every packet in it.
 * Invariant violations abort so the fuzzer reports them.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rtp/rtcp.h"
#include "rtp/twcc.h"

static uint16_t seqs[17 * 65536];
static rtp_twcc_status_t statuses[65536];

static void check(int ok)
{
    if (!ok)
        abort();
}

static void feedback(const rtcp_packet_t *p)
{
    rtcp_pli_t pli;
    rtcp_fir_t fir;
    rtcp_nack_t nack;
    rtcp_remb_t remb;
    rtcp_twcc_t twcc;
    (void)rtcp_parse_pli(p, &pli);
    if (rtcp_parse_fir(p, &fir) == 0) {
        check(8 + fir.count * 8 <= p->body_len);
        for (size_t i = 0; i < fir.count; i++)
            check(rtcp_fir_entry(&fir, i, NULL, NULL) == 0);
    }
    if (rtcp_parse_nack(p, &nack) == 0) {
        check(8 + nack.count * 4 <= p->body_len);
        size_t n = rtcp_nack_expand(&nack, seqs, sizeof seqs / sizeof seqs[0]);
        check(n >= nack.count && n <= nack.count * 17);
    }
    if (rtcp_parse_remb(p, &remb) == 0) {
        check(16u + 4u * remb.ssrc_count <= p->body_len);
        for (size_t i = 0; i < remb.ssrc_count; i++)
            (void)rtcp_remb_ssrc(&remb, i);
    }
    if (rtcp_parse_twcc(p, &twcc) == 0) {
        int n = rtp_twcc_parse_feedback(p, &twcc, statuses, 65536);
        check(n < 0 || n == twcc.status_count);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtcp_iter_t it;
    rtcp_packet_t p;
    int rc;
    size_t seen = 0;
    rtcp_iter_init(&it, data, size);
    while ((rc = rtcp_iter_next(&it, &p)) > 0) {
        check(p.data >= data && p.data + p.len <= data + size);
        check(p.body + p.body_len <= p.data + p.len);
        seen += p.len;
        rtcp_sr_t sr;
        rtcp_rr_t rr;
        rtcp_bye_t bye;
        if (rtcp_parse_sr(&p, &sr) == 0)
            check(24u + 24u * sr.report_count <= p.body_len);
        if (rtcp_parse_rr(&p, &rr) == 0)
            check(4u + 24u * rr.report_count <= p.body_len);
        if (rtcp_parse_bye(&p, &bye) == 0 && bye.reason)
            check(bye.reason + bye.reason_len <= p.body + p.body_len);
        feedback(&p);
    }
    check(rc <= 0);
    if (rc == 0)
        check(seen == size);
    return 0;
}
