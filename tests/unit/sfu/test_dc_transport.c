/*
 * DataChannels over real DTLS: two sfu transports (the SFU = DTLS server,
 * a "browser" = DTLS client) back to back through in-memory datagram
 * queues, each with a usrsctp association riding its DTLS application data
 * exactly as the SFU wires it (on_app_data -> dc_sctp_handle_packet,
 * on_output -> sfu_transport_send_app). The browser opens "chat", both
 * sides exchange text, and 2 MiB of binary goes through with
 * buffered-amount flow control, checked byte for byte.
 */
#include <stdlib.h>

#include "datachannel/sctp_assoc.h"
#include "sfu/certificate.h"
#include "sfu/transport.h"
#include "test.h"

#define BULK (2u * 1024 * 1024)
#define BULK_MSG 16384

typedef struct side {
    const char *name;
    sfu_transport_t *t;
    dc_sctp_t *a;
    GQueue out;                 /* GBytes*: datagrams this side put on the "wire" */
    sfu_transport_state_t state;
    int sctp_up;
    int chat_stream, bulk_stream;
    char last_text[256];
    int texts;
    size_t bulk_bytes;
    int bulk_mismatch;
    int writable;
} side_t;

/* ---- transport <-> SCTP, as media_dc.c / dc_hub.c do it ---------------------------- */

static void send_datagram(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    g_queue_push_tail(&((side_t *)user)->out, g_bytes_new(buf, len));
}

static void on_app(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    side_t *s = user;
    if (s->a)
        dc_sctp_handle_packet(s->a, buf, len);
}

static void on_state(sfu_transport_t *t, sfu_transport_state_t st, void *user)
{
    ((side_t *)user)->state = st;
}

static void sctp_output(void *user, const uint8_t *pkt, size_t len)
{
    sfu_transport_send_app(((side_t *)user)->t, pkt, len); /* encrypt, queue: allowed here */
}

static void sctp_connected(void *user)
{
    ((side_t *)user)->sctp_up = 1;
}

static void sctp_channel_open(void *user, const dc_channel_info_t *info)
{
    side_t *s = user;
    if (strcmp(info->label, "chat") == 0)
        s->chat_stream = info->stream;
    else if (strcmp(info->label, "bulk") == 0)
        s->bulk_stream = info->stream;
}

static void sctp_message(void *user, uint16_t stream, bool is_string, const uint8_t *data,
                         size_t len)
{
    side_t *s = user;
    if (is_string) {
        size_t n = len < sizeof s->last_text - 1 ? len : sizeof s->last_text - 1;
        memcpy(s->last_text, data, n);
        s->last_text[n] = '\0';
        s->texts++;
        return;
    }
    for (size_t i = 0; i < len; i++)
        if (data[i] != (uint8_t)((s->bulk_bytes + i) * 31 + 7))
            s->bulk_mismatch++;
    s->bulk_bytes += len;
}

static void sctp_low(void *user)
{
    ((side_t *)user)->writable++;
}

static int make_side(side_t *s, const char *name, sfu_dtls_role_t role, sfu_certificate_t *cert)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->chat_stream = s->bulk_stream = -1;
    g_queue_init(&s->out);
    sfu_transport_config_t cfg;
    sfu_transport_config_defaults(&cfg);
    cfg.dtls_role = role;
    sfu_transport_callbacks_t cb = {NULL, NULL, on_app, on_state, NULL, send_datagram, s};
    s->t = sfu_transport_create(NULL, &cfg, cert, &cb);
    dc_sctp_config_t scfg = {.dtls_server = role == SFU_DTLS_SERVER,
                             .buffered_amount_low_threshold = 256 * 1024};
    dc_sctp_callbacks_t scb = {s, sctp_output, sctp_connected, NULL, sctp_channel_open,
                               sctp_message, NULL, sctp_low};
    return s->t && dc_sctp_create(&scfg, &scb, &s->a) == 0 ? 0 : -1;
}

static void free_side(side_t *s)
{
    dc_sctp_destroy(s->a);
    s->a = NULL;
    sfu_transport_destroy(s->t);
    g_queue_clear_full(&s->out, (GDestroyNotify)g_bytes_unref);
}

static int deliver(side_t *from, side_t *to)
{
    int n = 0;
    GBytes *b;
    while ((b = g_queue_pop_head(&from->out))) {
        gsize len;
        const uint8_t *p = g_bytes_get_data(b, &len);
        sfu_transport_handle_datagram(to->t, p, len, g_get_monotonic_time());
        g_bytes_unref(b);
        n++;
    }
    return n;
}

/* Moves datagrams both ways and ticks usrsctp on a real clock until cond
 * holds or limit_ms passes. */
#define PUMP_UNTIL(sfu, br, cond, limit_ms)                                          \
    do {                                                                             \
        int64_t until_ = g_get_monotonic_time() + (limit_ms) * 1000LL;               \
        while (!(cond) && g_get_monotonic_time() < until_) {                         \
            if (deliver(br, sfu) + deliver(sfu, br) == 0)                            \
                g_usleep(1000);                                                      \
            dc_sctp_tick(g_get_monotonic_time() / 1000);                             \
        }                                                                            \
    } while (0)

static void set_fingerprints(side_t *a, side_t *b)
{
    char fp[SFU_FINGERPRINT_MAX + 16];
    snprintf(fp, sizeof fp, "sha-256 %s", sfu_transport_fingerprint(b->t));
    sfu_transport_set_remote(a->t, NULL, NULL, fp);
    snprintf(fp, sizeof fp, "sha-256 %s", sfu_transport_fingerprint(a->t));
    sfu_transport_set_remote(b->t, NULL, NULL, fp);
}

TEST(datachannels_over_real_dtls_and_sctp)
{
    sfu_certificate_t *c1 = sfu_certificate_generate("sfu"), *c2 = sfu_certificate_generate("browser");
    side_t sfu, br;
    ASSERT_EQ(make_side(&sfu, "sfu", SFU_DTLS_SERVER, c1), 0);
    ASSERT_EQ(make_side(&br, "browser", SFU_DTLS_CLIENT, c2), 0);
    set_fingerprints(&sfu, &br);
    sfu_transport_handle_ice_connected(sfu.t, g_get_monotonic_time());
    sfu_transport_handle_ice_connected(br.t, g_get_monotonic_time());
    PUMP_UNTIL(&sfu, &br, sfu.state == SFU_TRANSPORT_CONNECTED && br.state == SFU_TRANSPORT_CONNECTED, 5000);
    ASSERT_EQ(sfu.state, SFU_TRANSPORT_CONNECTED);

    /* DTLS up: both start SCTP, as the hub does on transport_up. */
    dc_sctp_connect(sfu.a);
    dc_sctp_connect(br.a);
    PUMP_UNTIL(&sfu, &br, sfu.sctp_up && br.sctp_up, 5000);
    ASSERT_TRUE(sfu.sctp_up && br.sctp_up);

    /* The browser (DTLS client) opens "chat" on an even stream. */
    dc_channel_params_t p = {.label = "chat", .channel_type = DC_CHANNEL_RELIABLE};
    uint16_t chat;
    ASSERT_EQ(dc_sctp_open_channel(br.a, &p, &chat), 0);
    ASSERT_EQ(chat % 2, 0);
    const char *hello = "{\"type\":\"chat\",\"id\":\"c-1\",\"text\":\"hi\"}";
    ASSERT_EQ(dc_sctp_send(br.a, chat, DC_PPID_STRING, (const uint8_t *)hello, strlen(hello)), 0);
    PUMP_UNTIL(&sfu, &br, sfu.texts == 1, 5000);
    ASSERT_EQ(sfu.chat_stream, chat);
    ASSERT_STR_EQ(sfu.last_text, hello);
    const char *back = "{\"type\":\"chat\",\"id\":\"c-1\",\"text\":\"hi\",\"from\":\"p1\"}";
    ASSERT_EQ(dc_sctp_send(sfu.a, chat, DC_PPID_STRING, (const uint8_t *)back, strlen(back)), 0);
    PUMP_UNTIL(&sfu, &br, br.texts == 1, 5000);
    ASSERT_STR_EQ(br.last_text, back);

    /* The SFU opens a channel (odd stream) and pushes 2 MiB, pacing on
     * DC_EAGAIN / on_buffered_amount_low like the relay's receiving legs. */
    dc_channel_params_t bp = {.label = "bulk", .channel_type = DC_CHANNEL_RELIABLE};
    uint16_t bulk;
    ASSERT_EQ(dc_sctp_open_channel(sfu.a, &bp, &bulk), 0);
    ASSERT_EQ(bulk % 2, 1);
    static uint8_t msg[BULK_MSG];
    size_t sent = 0;
    int blocked = 0;
    int64_t t0 = g_get_monotonic_time();
    int64_t until = t0 + 20 * 1000000LL;
    while (br.bulk_bytes < BULK && g_get_monotonic_time() < until) {
        while (sent < BULK) {
            for (size_t i = 0; i < BULK_MSG; i++)
                msg[i] = (uint8_t)((sent + i) * 31 + 7);
            int rc = dc_sctp_send(sfu.a, bulk, DC_PPID_BINARY, msg, BULK_MSG);
            if (rc == DC_EAGAIN) {
                blocked++;
                break;
            }
            ASSERT_EQ(rc, 0);
            sent += BULK_MSG;
        }
        if (deliver(&br, &sfu) + deliver(&sfu, &br) == 0)
            g_usleep(500);
        dc_sctp_tick(g_get_monotonic_time() / 1000);
    }
    double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
    ASSERT_EQ(br.bulk_stream, bulk);
    ASSERT_EQ(br.bulk_bytes, BULK);
    ASSERT_EQ(br.bulk_mismatch, 0);
    ASSERT_TRUE(blocked > 0); /* the 1 MiB send buffer did push back */
    ASSERT_TRUE(sfu.writable > 0);
    printf("     2 MiB over DTLS+SCTP in memory: %.2f s (%.1f MiB/s), %d would-blocks\n", secs,
           2 / secs, blocked);

    dc_sctp_stats_t s;
    dc_sctp_get_stats(sfu.a, &s);
    ASSERT_EQ(s.messages_in, 1);
    ASSERT_EQ(s.messages_out, 1 + BULK / BULK_MSG);
    ASSERT_EQ(s.dcep_errors, 0);
    free_side(&br);
    free_side(&sfu);
    sfu_certificate_destroy(c1);
    sfu_certificate_destroy(c2);
}

int main(void)
{
    RUN(datachannels_over_real_dtls_and_sctp);
    return TEST_REPORT();
}
