/*
 * Forwarding benchmark: one VP8 producer fanned out to N consumers through
 * the real packet path (sfu_producer_handle_rtp -> sfu_consumer_send:
 * rewrite SSRC/seq/ts, PT, extension ids, transport-wide seq) and, per
 * consumer, real SRTP protection with the negotiated profile. No sockets:
 * the protected packet is dropped where a transport would send it, so the
 * figures are the SFU's own CPU cost per packet.
 *
 *   build/tests/bench_forward [packets] [consumers...]
 *
 * Prints, per profile and fan-out, output packets per second on one core,
 * nanoseconds of CPU per output packet, and the input rate that would
 * saturate one core. Bounded: a fixed number of input packets per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfu/consumer.h"
#include "sfu/producer.h"
#include "sfu/srtp_session.h"

#define PAYLOAD 1100 /* a typical video packet's payload */

typedef struct {
    sfu_srtp_session_t *srtp;
    uint8_t scratch[1600];
    uint64_t sent;
} sink_t;

static int sink_rtp(void *user, const uint8_t *buf, size_t len)
{
    sink_t *s = user;
    size_t out_len = 0;
    memcpy(s->scratch, buf, len);
    if (s->srtp && sfu_srtp_protect_rtp(s->srtp, s->scratch, len, sizeof s->scratch, &out_len) != 0)
        return -1;
    s->sent++;
    return 0;
}

static int sink_rtcp(void *user, const uint8_t *buf, size_t len)
{
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void keys_for(sfu_srtp_profile_t profile, sfu_srtp_keys_t *k)
{
    memset(k, 0, sizeof *k);
    k->profile = profile;
    sfu_srtp_profile_lengths(profile, &k->key_len, &k->salt_len);
    for (size_t i = 0; i < SFU_SRTP_KEY_MAX; i++)
        k->client_key[i] = k->server_key[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < SFU_SRTP_SALT_MAX; i++)
        k->client_salt[i] = k->server_salt[i] = (uint8_t)(i * 3 + 2);
}

/* A Chromium-like VP8 packet: one-byte extensions mid, abs-send-time, twcc. */
static size_t make_packet(uint8_t *buf, uint16_t seq, uint32_t ts, int keyframe)
{
    const uint8_t hdr[28] = {
        0x90, 96, (uint8_t)(seq >> 8), (uint8_t)seq,
        (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
        0, 0, 0x03, 0xe8,                    /* ssrc 1000 */
        0xBE, 0xDE, 0x00, 0x03,
        0x40, '1',                           /* mid "1" */
        0x22, 0x01, 0x02, 0x03,              /* abs-send-time */
        0x31, (uint8_t)(seq >> 8), (uint8_t)seq, /* transport-wide seq */
        0x00, 0x00, 0x00,
    };
    memcpy(buf, hdr, sizeof hdr);
    buf[28] = 0x10;                          /* VP8 descriptor, S=1 */
    buf[29] = keyframe ? 0x00 : 0x01;        /* P bit: 0 = keyframe */
    memset(buf + 30, 0xab, PAYLOAD - 2);
    return sizeof hdr + PAYLOAD;
}

static sfu_producer_t *make_producer(sfu_packet_out_t *out, sfu_media_counters_t *counters)
{
    sfu_producer_params_t pp;
    memset(&pp, 0, sizeof pp);
    pp.id = 1;
    pp.peer_id = 1;
    pp.kind = SDP_MEDIA_VIDEO;
    snprintf(pp.mid, sizeof pp.mid, "1");
    pp.ssrc = 1000;
    sdp_codec_init(&pp.codec);
    pp.codec.pt = 96;
    snprintf(pp.codec.name, sizeof pp.codec.name, "VP8");
    pp.codec.clock_rate = 90000;
    pp.ext_ids[SFU_EXT_MID] = 4;
    pp.ext_ids[SFU_EXT_ABS_SEND] = 2;
    pp.ext_ids[SFU_EXT_TWCC] = 3;
    pp.rtcp_ssrc = 7;
    return sfu_producer_create(&pp, out, counters);
}

static void run_row(sfu_srtp_profile_t profile, int n_consumers, int packets)
{
    static sfu_media_counters_t counters;
    sfu_packet_out_t producer_out = {sink_rtp, sink_rtcp, NULL, 1, 0};
    sink_t *sinks = calloc((size_t)n_consumers, sizeof *sinks);
    sfu_packet_out_t *outs = calloc((size_t)n_consumers, sizeof *outs);
    sfu_consumer_t **consumers = calloc((size_t)n_consumers, sizeof *consumers);
    sink_t producer_sink = {0};
    producer_out.user = &producer_sink;
    sfu_producer_t *p = make_producer(&producer_out, &counters);
    sfu_srtp_keys_t keys;
    keys_for(profile, &keys);
    for (int i = 0; i < n_consumers; i++) {
        if (profile != SFU_SRTP_PROFILE_NONE)
            sinks[i].srtp = sfu_srtp_session_create(&keys, 1);
        outs[i] = (sfu_packet_out_t){sink_rtp, sink_rtcp, &sinks[i], 1, 1};
        sfu_consumer_params_t cp;
        memset(&cp, 0, sizeof cp);
        cp.id = (uint32_t)(100 + i);
        cp.peer_id = (uint32_t)(2 + i);
        cp.ssrc = (uint32_t)(5000 + i);
        cp.pt = 100;
        cp.ext_ids[SFU_EXT_ABS_SEND] = 12;
        cp.ext_ids[SFU_EXT_TWCC] = 13;
        snprintf(cp.cname, sizeof cp.cname, "bench");
        consumers[i] = sfu_consumer_create(&cp, p, &outs[i], &counters);
    }
    uint8_t buf[1600];
    int64_t now = 1000000;
    double t0 = cpu_seconds();
    for (int n = 0; n < packets; n++) {
        size_t len = make_packet(buf, (uint16_t)n, (uint32_t)(n / 8) * 3000, n % 3000 == 0);
        sfu_producer_handle_rtp(p, buf, len, now);
        now += 1000; /* 1000 packets/s of input: realistic ordering for the rewriter */
    }
    double cpu = cpu_seconds() - t0;
    uint64_t out = 0;
    for (int i = 0; i < n_consumers; i++)
        out += sinks[i].sent;
    printf("| %-24s | %4d | %9d | %10llu | %10.0f | %8.0f | %12.0f |\n",
           sfu_srtp_profile_name(profile), n_consumers, packets, (unsigned long long)out,
           out / cpu, cpu * 1e9 / (double)out, packets / cpu);
    for (int i = 0; i < n_consumers; i++) {
        sfu_consumer_destroy(consumers[i]);
        sfu_srtp_session_destroy(sinks[i].srtp);
    }
    sfu_producer_destroy(p);
    free(consumers);
    free(outs);
    free(sinks);
}

int main(int argc, char **argv)
{
    int packets = argc > 1 ? atoi(argv[1]) : 100000;
    int fanouts[16] = {1, 10, 50};
    int n_fanouts = 3;
    if (argc > 2) {
        n_fanouts = 0;
        for (int i = 2; i < argc && n_fanouts < 16; i++)
            fanouts[n_fanouts++] = atoi(argv[i]);
    }
    if (packets < 1 || sfu_srtp_global_init() != 0) {
        fprintf(stderr, "usage: %s [input packets] [consumers...]\n", argv[0]);
        return 2;
    }
    printf("forwarding %d-byte VP8 packets through producer -> consumers -> SRTP (one core)\n\n",
           PAYLOAD + 28);
    printf("| %-24s | %4s | %9s | %10s | %10s | %8s | %12s |\n", "SRTP profile", "fan", "in pkts",
           "out pkts", "out pkt/s", "ns/pkt", "max in pkt/s");
    printf("|--------------------------|------|-----------|------------|------------|----------|--------------|\n");
    sfu_srtp_profile_t profiles[] = {SFU_SRTP_PROFILE_NONE, SFU_SRTP_AEAD_AES_128_GCM,
                                     SFU_SRTP_AES128_CM_SHA1_80};
    for (size_t pi = 0; pi < 3; pi++)
        for (int f = 0; f < n_fanouts; f++)
            run_row(profiles[pi], fanouts[f], packets);
    return 0;
}
