/*
 * The usrsctp adapter end to end, in memory: two associations in one process
 * wired back to back (each one's on_output feeds a queue that the other's
 * dc_sctp_handle_packet drains), a fake clock driving dc_sctp_tick, no
 * sockets, no DTLS. One side plays the DTLS client (even stream ids), the
 * other the DTLS server (odd stream ids).
 */
#include "datachannel/sctp_assoc.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "datachannel/sctp_internal.h" /* white-box: inject raw DCEP */
#include "test.h"

typedef struct pkt {
    struct pkt *next;
    size_t len;
    uint8_t data[];
} pkt_t;

typedef struct msg {
    uint16_t stream;
    bool is_string;
    size_t len;
    uint8_t *data;
} msg_t;

typedef struct peer {
    const char *name;
    dc_sctp_t *a;
    pthread_mutex_t *mu;   /* guards the queue when a test uses threads */
    pkt_t *out_head, *out_tail; /* packets this side sent, not yet delivered */
    unsigned drop_every;   /* drop every Nth outbound packet (0 = none) */
    unsigned out_count;
    size_t max_pkt;        /* largest packet seen in on_output */
    int connected, closed, close_reason;
    int opens, closes;
    dc_channel_info_t last_open;
    char last_label[DC_LABEL_MAX + 1], last_protocol[DC_LABEL_MAX + 1];
    uint16_t last_closed_stream;
    msg_t *msgs;
    size_t nmsgs, cap;
    int low_events;
    int output_reentry_rc;  /* what dc_sctp_send returned inside on_output */
    bool try_reentry;
    bool destroy_on_message; /* destroy own association from on_message */
    bool destroy_on_output;
} peer_t;

static int64_t now_ms;
/* File-scope so a failed (early-returning) test cannot leave an association
 * pointing at a dead stack frame: make_peer() cleans up what it left. */
static peer_t x, y;

static void on_output(void *user, const uint8_t *pkt, size_t len)
{
    peer_t *p = user;
    if (p->try_reentry) {
        p->try_reentry = false;
        p->output_reentry_rc = dc_sctp_send(p->a, 0, DC_PPID_STRING, (const uint8_t *)"x", 1);
    }
    if (p->destroy_on_output) {
        p->destroy_on_output = false;
        dc_sctp_destroy(p->a);
        p->a = NULL;
    }
    if (len > p->max_pkt)
        p->max_pkt = len;
    bool drop = p->drop_every && ++p->out_count % p->drop_every == 0;
    if (drop)
        return;
    pkt_t *k = malloc(sizeof *k + len);
    if (!k)
        abort();
    k->next = NULL;
    k->len = len;
    memcpy(k->data, pkt, len);
    if (p->mu) pthread_mutex_lock(p->mu);
    if (p->out_tail) p->out_tail->next = k; else p->out_head = k;
    p->out_tail = k;
    if (p->mu) pthread_mutex_unlock(p->mu);
}

static void on_connected(void *user) { ((peer_t *)user)->connected++; }

static void on_closed(void *user, dc_sctp_close_reason_t reason)
{
    peer_t *p = user;
    p->closed++;
    p->close_reason = reason;
}

static void on_channel_open(void *user, const dc_channel_info_t *info)
{
    peer_t *p = user;
    p->opens++;
    p->last_open = *info;
    snprintf(p->last_label, sizeof p->last_label, "%s", info->label);
    snprintf(p->last_protocol, sizeof p->last_protocol, "%s", info->protocol);
}

static void on_message(void *user, uint16_t stream, bool is_string,
                       const uint8_t *data, size_t len)
{
    peer_t *p = user;
    if (p->nmsgs == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->msgs = realloc(p->msgs, p->cap * sizeof *p->msgs);
        if (!p->msgs)
            abort();
    }
    msg_t *m = &p->msgs[p->nmsgs++];
    m->stream = stream;
    m->is_string = is_string;
    m->len = len;
    m->data = malloc(len + 1);
    if (len)
        memcpy(m->data, data, len);
    if (p->destroy_on_message) {
        dc_sctp_destroy(p->a);
        p->a = NULL;
    }
}

static void on_channel_close(void *user, uint16_t stream)
{
    peer_t *p = user;
    p->closes++;
    p->last_closed_stream = stream;
}

static void on_low(void *user) { ((peer_t *)user)->low_events++; }

static void free_peer(peer_t *p);

static int make_peer(peer_t *p, const char *name, bool dtls_server,
                     const dc_sctp_config_t *base)
{
    free_peer(p);
    memset(p, 0, sizeof *p);
    p->name = name;
    dc_sctp_config_t cfg = base ? *base : (dc_sctp_config_t){0};
    cfg.dtls_server = dtls_server;
    dc_sctp_callbacks_t cb = {
        .user = p, .on_output = on_output, .on_connected = on_connected,
        .on_closed = on_closed, .on_channel_open = on_channel_open,
        .on_message = on_message, .on_channel_close = on_channel_close,
        .on_buffered_amount_low = on_low,
    };
    return dc_sctp_create(&cfg, &cb, &p->a);
}

static pkt_t *take_queue(peer_t *p)
{
    if (p->mu) pthread_mutex_lock(p->mu);
    pkt_t *k = p->out_head;
    p->out_head = p->out_tail = NULL;
    if (p->mu) pthread_mutex_unlock(p->mu);
    return k;
}

/* Delivers what `from` sent to `to`. Returns packets delivered. */
static int deliver(peer_t *from, peer_t *to)
{
    int n = 0;
    for (pkt_t *k = take_queue(from), *next; k; k = next) {
        next = k->next;
        if (to->a)
            dc_sctp_handle_packet(to->a, k->data, k->len);
        free(k);
        n++;
    }
    return n;
}

typedef bool (*pred_fn)(peer_t *x, peer_t *y);

/* Moves packets both ways; when the wire is quiet, advances the fake clock
 * by one tick. Stops when pred holds or after max_ms of fake time. */
static bool run_until(peer_t *x, peer_t *y, pred_fn pred, int max_ms)
{
    int64_t end = now_ms + max_ms;
    for (;;) {
        int moved = 0;
        for (int i = 0; i < 1000; i++) {
            int n = deliver(x, y) + deliver(y, x);
            moved += n;
            if (n == 0)
                break;
        }
        if (pred && pred(x, y))
            return true;
        if (now_ms >= end)
            return false;
        if (moved == 0 || pred == NULL) {
            now_ms += DC_SCTP_TICK_INTERVAL_MS;
            dc_sctp_tick(now_ms);
        }
    }
}

/*
 * Like run_until, but the clock follows the wall clock. usrsctp decides
 * which chunks a T3 timeout retransmits by comparing their send time with
 * gettimeofday(), so loss recovery needs real time to pass: a fake clock
 * that runs ahead makes the timer fire and retransmit nothing.
 */
static bool run_until_realtime(peer_t *x, peer_t *y, pred_fn pred, int max_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t base = now_ms;
    for (;;) {
        while (deliver(x, y) + deliver(y, x) > 0)
            ;
        if (pred(x, y))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int64_t real = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (real >= max_ms)
            return false;
        nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
        if (base + real > now_ms)
            now_ms = base + real;
        dc_sctp_tick(now_ms);
    }
}

static bool never(peer_t *x, peer_t *y) { return false; }
static bool both_connected(peer_t *x, peer_t *y) { return x->connected && y->connected; }
static bool both_opened(peer_t *x, peer_t *y) { return x->opens && y->opens; }

static void free_peer(peer_t *p)
{
    dc_sctp_destroy(p->a);
    p->a = NULL;
    for (pkt_t *k = take_queue(p), *next; k; k = next) {
        next = k->next;
        free(k);
    }
    for (size_t i = 0; i < p->nmsgs; i++)
        free(p->msgs[i].data);
    free(p->msgs);
    p->msgs = NULL;
    p->nmsgs = p->cap = 0;
}

static void clear_msgs(peer_t *p)
{
    for (size_t i = 0; i < p->nmsgs; i++)
        free(p->msgs[i].data);
    p->nmsgs = 0;
}

/* Client x and server y, connected, with x's channel "chat" open on both. */
static int setup_pair(peer_t *x, peer_t *y, const dc_sctp_config_t *cx,
                      const dc_sctp_config_t *cy, uint16_t *chat)
{
    if (make_peer(x, "client", false, cx) != DC_OK ||
        make_peer(y, "server", true, cy) != DC_OK)
        return -1;
    if (dc_sctp_connect(x->a) != DC_OK || dc_sctp_connect(y->a) != DC_OK)
        return -2;
    if (!run_until(x, y, both_connected, 5000))
        return -3;
    dc_channel_params_t p = {.label = "chat", .protocol = "json",
                             .channel_type = DC_CHANNEL_RELIABLE};
    if (dc_sctp_open_channel(x->a, &p, chat) != DC_OK)
        return -4;
    if (!run_until(x, y, both_opened, 5000))
        return -5;
    return 0;
}

TEST(connects_and_opens_chat)
{
    uint16_t sid = 999;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    ASSERT_EQ(sid, 0); /* DTLS client: first even id */
    ASSERT_TRUE(dc_sctp_is_connected(x.a));
    ASSERT_EQ(y.opens, 1);
    ASSERT_STR_EQ(y.last_label, "chat");
    ASSERT_STR_EQ(y.last_protocol, "json");
    ASSERT_EQ(y.last_open.stream, 0);
    ASSERT_TRUE(y.last_open.remote);
    ASSERT_EQ(y.last_open.priority, DC_PRIORITY_NORMAL);
    ASSERT_EQ(x.opens, 1); /* after the ACK */
    ASSERT_TRUE(!x.last_open.remote);
    dc_channel_info_t info;
    ASSERT_EQ(dc_sctp_channel_info(y.a, 0, &info), DC_OK);
    ASSERT_STR_EQ(info.label, "chat");
    ASSERT_EQ(dc_sctp_channel_info(y.a, 2, &info), DC_ENOENT);
    free_peer(&x);
    free_peer(&y);
}

static bool y_has_4(peer_t *x, peer_t *y) { return y->nmsgs >= 4; }
static bool x_has_4(peer_t *x, peer_t *y) { return x->nmsgs >= 4; }

/* Only the client calls connect; the server's first packet connects it. */
TEST(passive_side_connects_on_first_packet)
{
    ASSERT_EQ(make_peer(&x, "client", false, NULL), DC_OK);
    ASSERT_EQ(make_peer(&y, "server", true, NULL), DC_OK);
    ASSERT_EQ(dc_sctp_connect(x.a), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, both_connected, 3000));
    ASSERT_EQ(dc_sctp_connect(y.a), DC_ESTATE);
    free_peer(&x);
    free_peer(&y);
}

TEST(messages_both_ways)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    const uint8_t bin[] = {0x00, 0xff, 0x10};
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"hello", 5), DC_OK);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_BINARY, bin, sizeof bin), DC_OK);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, NULL, 0), DC_OK); /* PPID 56 */
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_BINARY, NULL, 0), DC_OK); /* PPID 57 */
    ASSERT_TRUE(run_until(&x, &y, y_has_4, 2000));
    ASSERT_EQ(y.msgs[0].len, 5);
    ASSERT_TRUE(y.msgs[0].is_string);
    ASSERT_MEM_EQ(y.msgs[0].data, "hello", 5);
    ASSERT_TRUE(!y.msgs[1].is_string);
    ASSERT_EQ(y.msgs[1].len, 3);
    ASSERT_MEM_EQ(y.msgs[1].data, bin, 3);
    ASSERT_TRUE(y.msgs[2].is_string);
    ASSERT_EQ(y.msgs[2].len, 0);
    ASSERT_TRUE(!y.msgs[3].is_string);
    ASSERT_EQ(y.msgs[3].len, 0);
    /* and back, on the same channel */
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(dc_sctp_send(y.a, sid, i % 2 ? DC_PPID_BINARY : DC_PPID_STRING,
                               (const uint8_t *)"pong", 4), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, x_has_4, 2000));
    ASSERT_MEM_EQ(x.msgs[3].data, "pong", 4);
    ASSERT_TRUE(!x.msgs[3].is_string);
    dc_sctp_stats_t st;
    dc_sctp_get_stats(y.a, &st);
    ASSERT_EQ(st.messages_in, 4);
    ASSERT_EQ(st.messages_out, 4);
    ASSERT_EQ(st.message_bytes_in, 8);
    ASSERT_EQ(st.dcep_errors, 0);
    ASSERT_EQ(st.dropped_messages, 0);
    free_peer(&x);
    free_peer(&y);
}

static bool y_has_1(peer_t *x, peer_t *y) { return y->nmsgs >= 1; }
static bool x_has_1(peer_t *x, peer_t *y) { return x->nmsgs >= 1; }

TEST(large_message_64k)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    size_t n = 64 * 1024;
    uint8_t *big = malloc(n + 1);
    ASSERT_TRUE(big != NULL);
    for (size_t i = 0; i <= n; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    /* The peer announced no a=max-message-size: 64 KiB is its limit. */
    ASSERT_EQ(dc_sctp_max_send_size(x.a), n);
    int too_big = dc_sctp_send(x.a, sid, DC_PPID_BINARY, big, n + 1);
    int rc_x = dc_sctp_send(x.a, sid, DC_PPID_BINARY, big, n);
    bool got_y = run_until(&x, &y, y_has_1, 5000);
    int rc_y = dc_sctp_send(y.a, sid, DC_PPID_BINARY, big, n);
    bool got_x = run_until(&x, &y, x_has_1, 5000);
    int same_y = got_y && y.msgs[0].len == n && memcmp(y.msgs[0].data, big, n) == 0;
    int same_x = got_x && x.msgs[0].len == n && memcmp(x.msgs[0].data, big, n) == 0;
    free(big);
    ASSERT_EQ(too_big, DC_ETOOBIG);
    ASSERT_EQ(rc_x, DC_OK);
    ASSERT_EQ(rc_y, DC_OK);
    ASSERT_TRUE(same_y);
    ASSERT_TRUE(same_x);
    /* 64 KiB went out in MTU-sized packets: 1200 bytes by default. */
    ASSERT_TRUE(x.max_pkt > 1000 && x.max_pkt <= DC_SCTP_DEFAULT_MTU);
    free_peer(&x);
    free_peer(&y);
}

static bool y_has_200(peer_t *x, peer_t *y) { return y->nmsgs >= 200; }

static void check_200_in_order(peer_t *y, uint16_t sid, int *bad)
{
    *bad = -1;
    for (int i = 0; i < 200; i++) {
        char want[32];
        int n = snprintf(want, sizeof want, "message %d", i);
        if (y->msgs[i].stream != sid || y->msgs[i].len != (size_t)n ||
            memcmp(y->msgs[i].data, want, (size_t)n) != 0) {
            *bad = i;
            return;
        }
    }
}

TEST(two_hundred_in_order)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    for (int i = 0; i < 200; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "message %d", i);
        ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)m, (size_t)n), DC_OK);
    }
    ASSERT_TRUE(run_until(&x, &y, y_has_200, 5000));
    ASSERT_EQ(y.nmsgs, 200);
    int bad;
    check_200_in_order(&y, sid, &bad);
    ASSERT_EQ(bad, -1);
    free_peer(&x);
    free_peer(&y);
}

TEST(in_order_despite_loss)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    x.drop_every = 7; /* lose packets both ways: timers must retransmit */
    y.drop_every = 5;
    for (int i = 0; i < 200; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "message %d", i);
        ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)m, (size_t)n), DC_OK);
        if (i % 20 == 19)
            run_until_realtime(&x, &y, never, 20);
    }
    bool all = run_until_realtime(&x, &y, y_has_200, 20000);
    ASSERT_TRUE(all);
    int bad;
    check_200_in_order(&y, sid, &bad);
    ASSERT_EQ(bad, -1);
    free_peer(&x);
    free_peer(&y);
}

static bool x_low(peer_t *x, peer_t *y) { return x->low_events > 0; }

TEST(buffered_amount_low_fires)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    uint8_t chunk[16 * 1024];
    memset(chunk, 0xab, sizeof chunk);
    dc_sctp_set_buffered_amount_low_threshold(x.a, 32 * 1024);
    x.low_events = 0; /* the OPEN during setup already went out and back */
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_BINARY, chunk, sizeof chunk), DC_OK);
    ASSERT_TRUE(dc_sctp_buffered_amount(x.a) > 32 * 1024);
    ASSERT_EQ(x.low_events, 0);
    ASSERT_TRUE(run_until(&x, &y, x_low, 5000));
    ASSERT_EQ(x.low_events, 1); /* edge-triggered: once */
    ASSERT_TRUE(dc_sctp_buffered_amount(x.a) <= 32 * 1024);
    run_until(&x, &y, NULL, 500);
    ASSERT_EQ(dc_sctp_buffered_amount(x.a), 0);
    ASSERT_EQ(x.low_events, 1);
    ASSERT_EQ(y.nmsgs, 8);
    free_peer(&x);
    free_peer(&y);
}

/* A small send buffer fills: dc_sctp_send says DC_EAGAIN until the peer's
 * SACKs free space and on_buffered_amount_low says to go on. */
TEST(send_buffer_full_then_resume)
{
    dc_sctp_config_t cx = {.send_buffer = 64 * 1024};
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, &cx, NULL, &sid), 0);
    uint8_t chunk[16 * 1024];
    memset(chunk, 0x5a, sizeof chunk);
    int sent = 0, rc = DC_OK;
    while (sent < 100 && (rc = dc_sctp_send(x.a, sid, DC_PPID_BINARY, chunk, sizeof chunk)) == DC_OK)
        sent++;
    ASSERT_EQ(rc, DC_EAGAIN);
    ASSERT_TRUE(sent >= 2 && sent <= 4);
    dc_sctp_stats_t st;
    dc_sctp_get_stats(x.a, &st);
    ASSERT_EQ(st.send_would_block, 1);
    int total = sent;
    while (total < 40) {
        x.low_events = 0;
        ASSERT_TRUE(run_until(&x, &y, x_low, 5000));
        while (total < 40 && dc_sctp_send(x.a, sid, DC_PPID_BINARY, chunk, sizeof chunk) == DC_OK)
            total++;
    }
    run_until(&x, &y, NULL, 500);
    ASSERT_EQ(y.nmsgs, 40);
    free_peer(&x);
    free_peer(&y);
}

/* The peer's OPEN arrives while our send buffer is full: the ACK waits in
 * the adapter and goes out once SACKs free space. */
TEST(ack_waits_for_send_buffer)
{
    dc_sctp_config_t cy = {.send_buffer = 32 * 1024};
    uint16_t chat, sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, &cy, &chat), 0);
    static uint8_t chunk[16 * 1024];
    while (dc_sctp_send(y.a, chat, DC_PPID_BINARY, chunk, sizeof chunk) == DC_OK)
        ;
    x.opens = y.opens = 0;
    dc_channel_params_t p = {.label = "late", .channel_type = DC_CHANNEL_RELIABLE};
    ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &sid), DC_OK);
    deliver(&x, &y); /* y gets the OPEN, cannot queue the ACK */
    ASSERT_EQ(y.opens, 1);
    ASSERT_TRUE(y.a->channels[sid] && y.a->channels[sid]->ack_pending);
    ASSERT_TRUE(run_until(&x, &y, both_opened, 2000));
    ASSERT_TRUE(!y.a->channels[sid]->ack_pending);
    ASSERT_STR_EQ(x.last_label, "late");
    free_peer(&x);
    free_peer(&y);
}

TEST(server_opens_odd_stream)
{
    uint16_t chat, sid = 0;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &chat), 0);
    x.opens = y.opens = 0;
    dc_channel_params_t p = {.label = "file:00112233445566778899aabbccddeeff",
                             .channel_type = DC_CHANNEL_RELIABLE,
                             .priority = DC_PRIORITY_HIGH};
    ASSERT_EQ(dc_sctp_open_channel(y.a, &p, &sid), DC_OK);
    ASSERT_EQ(sid, 1); /* DTLS server: first odd id */
    /* Sent before the ACK: must still arrive, after the OPEN. */
    ASSERT_EQ(dc_sctp_send(y.a, sid, DC_PPID_BINARY, (const uint8_t *)"early", 5), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, both_opened, 2000));
    ASSERT_STR_EQ(x.last_label, p.label);
    ASSERT_EQ(x.last_open.stream, 1);
    ASSERT_EQ(x.last_open.priority, DC_PRIORITY_HIGH);
    ASSERT_TRUE(run_until(&x, &y, x_has_1, 2000));
    ASSERT_EQ(x.msgs[0].stream, 1);
    ASSERT_MEM_EQ(x.msgs[0].data, "early", 5);
    uint16_t sid2;
    ASSERT_EQ(dc_sctp_open_channel(y.a, &p, &sid2), DC_OK);
    ASSERT_EQ(sid2, 3);
    free_peer(&x);
    free_peer(&y);
}

TEST(unordered_and_partial_channels)
{
    uint16_t chat;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &chat), 0);
    static const uint8_t types[] = {DC_CHANNEL_RELIABLE_UNORDERED,
                                    DC_CHANNEL_PARTIAL_RELIABLE_REXMIT,
                                    DC_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED};
    for (size_t i = 0; i < sizeof types; i++) {
        x.opens = y.opens = 0;
        dc_channel_params_t p = {.label = "t", .channel_type = types[i], .reliability = 3};
        uint16_t sid;
        ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &sid), DC_OK);
        ASSERT_TRUE(run_until(&x, &y, both_opened, 2000));
        ASSERT_EQ(y.last_open.channel_type, types[i]);
        ASSERT_EQ(y.last_open.reliability,
                  dc_channel_type_reliability(types[i]) == DC_RELIABLE ? 0 : 3);
        clear_msgs(&y);
        ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"u", 1), DC_OK);
        ASSERT_TRUE(run_until(&x, &y, y_has_1, 2000));
        ASSERT_EQ(y.msgs[0].stream, sid);
    }
    free_peer(&x);
    free_peer(&y);
}

static bool both_closed_channel(peer_t *x, peer_t *y) { return x->closes && y->closes; }

TEST(channel_close_and_reuse)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    ASSERT_EQ(dc_sctp_close_channel(x.a, sid), DC_OK);
    ASSERT_EQ(dc_sctp_close_channel(x.a, sid), DC_ESTATE);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"late", 4), DC_ESTATE);
    ASSERT_TRUE(run_until(&x, &y, both_closed_channel, 2000));
    ASSERT_EQ(x.last_closed_stream, sid);
    ASSERT_EQ(y.last_closed_stream, sid);
    run_until(&x, &y, NULL, 200); /* let both stream resets complete */
    ASSERT_EQ(x.closes, 1);
    ASSERT_EQ(y.closes, 1);
    dc_channel_info_t info;
    ASSERT_EQ(dc_sctp_channel_info(x.a, sid, &info), DC_ENOENT);
    ASSERT_EQ(dc_sctp_channel_info(y.a, sid, &info), DC_ENOENT);
    ASSERT_EQ(dc_sctp_send(y.a, sid, DC_PPID_STRING, (const uint8_t *)"x", 1), DC_ENOENT);
    /* the id is free again: the next open takes it */
    x.opens = y.opens = 0;
    dc_channel_params_t p = {.label = "chat2", .channel_type = DC_CHANNEL_RELIABLE};
    uint16_t again;
    ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &again), DC_OK);
    ASSERT_EQ(again, sid);
    ASSERT_TRUE(run_until(&x, &y, both_opened, 2000));
    ASSERT_STR_EQ(y.last_label, "chat2");
    /* the remote side closes this time */
    x.closes = y.closes = 0;
    ASSERT_EQ(dc_sctp_close_channel(y.a, again), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, both_closed_channel, 2000));
    free_peer(&x);
    free_peer(&y);
}

TEST(negotiated_channel)
{
    uint16_t chat, sx, sy;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &chat), 0);
    dc_channel_params_t p = {.label = "n", .channel_type = DC_CHANNEL_RELIABLE,
                             .negotiated = true, .stream = 42};
    ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &sx), DC_OK);
    ASSERT_EQ(dc_sctp_open_channel(y.a, &p, &sy), DC_OK);
    ASSERT_EQ(sx, 42);
    ASSERT_EQ(dc_sctp_open_channel(y.a, &p, &sy), DC_EPROTO); /* in use */
    p.stream = 300;                                             /* >= 256 streams */
    ASSERT_EQ(dc_sctp_open_channel(y.a, &p, &sy), DC_EINVAL);
    ASSERT_EQ(dc_sctp_send(x.a, 42, DC_PPID_STRING, (const uint8_t *)"neg", 3), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, y_has_1, 2000));
    ASSERT_EQ(y.msgs[0].stream, 42);
    free_peer(&x);
    free_peer(&y);
}

/* Sends raw bytes with any PPID, bypassing dc_sctp_send's checks. */
static int inject(dc_sctp_t *a, uint16_t sid, uint32_t ppid, const void *d, size_t len)
{
    if (dc_sctp_stack_enter() < 0)
        return -1;
    int rc = dc_sctp_raw_send(a, sid, ppid, d, len, false, DC_RELIABLE, 0);
    dc_sctp_stack_leave();
    return rc;
}

TEST(rejects_bad_dcep_and_data)
{
    uint16_t chat;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &chat), 0);
    x.opens = y.opens = 0;
    static const uint8_t open_odd[] = {
        0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 'z',
    };
    static const uint8_t truncated[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x09};
    static const uint8_t unknown_type[] = {0x07};
    /* Client opens on an odd (server) id: parity violation. */
    ASSERT_EQ(inject(x.a, 3, DC_PPID_DCEP, open_odd, sizeof open_odd), DC_OK);
    ASSERT_EQ(inject(x.a, 4, DC_PPID_DCEP, truncated, sizeof truncated), DC_OK);
    ASSERT_EQ(inject(x.a, 6, DC_PPID_DCEP, unknown_type, 1), DC_OK);
    ASSERT_EQ(inject(x.a, chat, DC_PPID_DCEP, open_odd, sizeof open_odd), DC_OK); /* stream in use */
    ASSERT_EQ(inject(x.a, 10, DC_PPID_STRING, "orphan", 6), DC_OK); /* no channel */
    ASSERT_EQ(inject(x.a, 12, 99, "ppid", 4), DC_OK);                /* unknown PPID */
    ASSERT_EQ(inject(x.a, 14, DC_PPID_STRING_PARTIAL, "old", 3), DC_OK); /* deprecated */
    ASSERT_EQ(inject(y.a, 8, DC_PPID_DCEP, (const uint8_t[]){0x02}, 1), DC_OK); /* stray ACK */
    run_until(&x, &y, NULL, 500);
    dc_sctp_stats_t st;
    dc_sctp_get_stats(y.a, &st);
    ASSERT_EQ(st.dcep_errors, 4);
    ASSERT_EQ(st.dropped_messages, 3);
    ASSERT_EQ(y.opens, 0);
    ASSERT_EQ(y.nmsgs, 0);
    ASSERT_EQ(y.closes, 1); /* the chat channel got a duplicate OPEN: closed */
    ASSERT_EQ(y.last_closed_stream, chat);
    dc_sctp_get_stats(x.a, &st);
    ASSERT_EQ(st.dcep_errors, 1); /* the stray ACK */
    /* The association survives: a fresh channel still works. */
    dc_channel_params_t p = {.label = "ok", .channel_type = DC_CHANNEL_RELIABLE};
    uint16_t sid;
    ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &sid), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, both_opened, 2000));
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"fine", 4), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, y_has_1, 2000));
    free_peer(&x);
    free_peer(&y);
}

static bool y_has_2(peer_t *x, peer_t *y) { return y->nmsgs >= 2; }

TEST(drops_oversized_incoming)
{
    /* y accepts 8 KiB; x is told y takes 64 KiB, so x sends 20 KiB anyway. */
    dc_sctp_config_t cx = {.remote_max_message_size = 65536};
    dc_sctp_config_t cy = {.max_message_size = 8192};
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, &cx, &cy, &sid), 0);
    static uint8_t big[20 * 1024];
    memset(big, 1, sizeof big);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_BINARY, big, sizeof big), DC_OK);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_BINARY, big, 8192), DC_OK);      /* at the cap */
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"after", 5), DC_OK);
    ASSERT_TRUE(run_until(&x, &y, y_has_2, 3000));
    ASSERT_EQ(y.msgs[0].len, 8192);
    ASSERT_MEM_EQ(y.msgs[1].data, "after", 5);
    dc_sctp_stats_t st;
    dc_sctp_get_stats(y.a, &st);
    ASSERT_EQ(st.dropped_messages, 1);
    free_peer(&x);
    free_peer(&y);
}

static bool y_closed(peer_t *x, peer_t *y) { return y->closed > 0; }

TEST(destroy_aborts_peer)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    dc_sctp_destroy(x.a); /* ABORT goes out through on_output */
    x.a = NULL;
    ASSERT_TRUE(run_until(&x, &y, y_closed, 2000));
    ASSERT_EQ(y.close_reason, DC_SCTP_CLOSED_LOST);
    ASSERT_EQ(y.closes, 1); /* its channel was closed first */
    ASSERT_TRUE(!dc_sctp_is_connected(y.a));
    ASSERT_EQ(dc_sctp_send(y.a, sid, DC_PPID_STRING, (const uint8_t *)"x", 1), DC_ESTATE);
    ASSERT_EQ(dc_sctp_open_channel(y.a, &(dc_channel_params_t){.label = "a"}, &sid), DC_ESTATE);
    free_peer(&x);
    free_peer(&y);
}

TEST(destroy_inside_callbacks)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    y.destroy_on_message = true;
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"1", 1), DC_OK);
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"2", 1), DC_OK);
    run_until(&x, &y, NULL, 300);
    ASSERT_EQ(y.nmsgs, 1); /* nothing after destroy */
    ASSERT_TRUE(y.a == NULL);
    ASSERT_EQ(x.closed, 1); /* y's destroy sent ABORT */
    /* destroy from on_output is deferred, and silent */
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    x.destroy_on_output = true;
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"3", 1), DC_OK);
    ASSERT_TRUE(x.a == NULL);
    free_peer(&x);
    free_peer(&y);
}

TEST(no_reentry_from_output)
{
    uint16_t sid;
    ASSERT_EQ(setup_pair(&x, &y, NULL, NULL, &sid), 0);
    x.try_reentry = true;
    x.output_reentry_rc = 1;
    ASSERT_EQ(dc_sctp_send(x.a, sid, DC_PPID_STRING, (const uint8_t *)"a", 1), DC_OK);
    ASSERT_EQ(x.output_reentry_rc, DC_ESTATE);
    free_peer(&x);
    free_peer(&y);
}

/* Every test destroys what it made; then usrsctp must be shut down. */
TEST(usrsctp_finished_between_tests)
{
    free_peer(&x);
    free_peer(&y);
    ASSERT_TRUE(!dc_sctp_stack_is_up());
    ASSERT_EQ(dc_sctp_stack_finish_failures(), 0);
}

TEST(argument_checks)
{
    dc_sctp_t *a = NULL;
    dc_sctp_callbacks_t none = {0};
    ASSERT_EQ(dc_sctp_create(NULL, &none, &a), DC_EINVAL); /* no on_output */
    ASSERT_EQ(dc_sctp_create(NULL, NULL, &a), DC_EINVAL);
    dc_sctp_config_t bad = {.max_streams = 1};
    dc_sctp_callbacks_t cb = {.on_output = on_output};
    ASSERT_EQ(dc_sctp_create(&bad, &cb, &a), DC_EINVAL);
    dc_sctp_destroy(NULL);
    ASSERT_EQ(dc_sctp_send(NULL, 0, DC_PPID_STRING, NULL, 0), DC_EINVAL);
    ASSERT_EQ(dc_sctp_handle_packet(NULL, NULL, 0), DC_EINVAL);
    ASSERT_EQ(make_peer(&x, "x", false, NULL), DC_OK);
    ASSERT_EQ(dc_sctp_send(x.a, 0, DC_PPID_DCEP, (const uint8_t *)"a", 1), DC_EINVAL);
    ASSERT_EQ(dc_sctp_send(x.a, 0, DC_PPID_STRING, (const uint8_t *)"a", 1), DC_ESTATE);
    ASSERT_EQ(dc_sctp_connect(x.a), DC_OK);
    ASSERT_EQ(dc_sctp_connect(x.a), DC_ESTATE);
    ASSERT_EQ(dc_sctp_handle_packet(x.a, (const uint8_t *)"junk", 4), DC_OK); /* usrsctp drops it */
    dc_channel_params_t p = {.label = "a"};
    uint16_t sid;
    ASSERT_EQ(dc_sctp_open_channel(x.a, &p, &sid), DC_ESTATE); /* not connected */
    free_peer(&x);
}

/* --- two pairs on two threads: the lock and the init/finish refcount --- */

typedef struct {
    pthread_mutex_t mu;
    int ok;
    int64_t clock;
} thread_arg_t;

static bool y_has_50(peer_t *x, peer_t *y) { return y->nmsgs >= 50; }

static bool run_threaded(peer_t *x, peer_t *y, thread_arg_t *t, pred_fn pred)
{
    for (int i = 0; i < 20000; i++) {
        int n = deliver(x, y) + deliver(y, x);
        if (pred(x, y))
            return true;
        if (n == 0) {
            t->clock += DC_SCTP_TICK_INTERVAL_MS;
            dc_sctp_tick(t->clock); /* global: harmless if the other thread is ahead */
        }
    }
    return false;
}

static void *thread_main(void *arg)
{
    thread_arg_t *t = arg;
    for (int round = 0; round < 3; round++) {
        peer_t tx = {0}, ty = {0};
        make_peer(&tx, "tx", false, NULL);
        make_peer(&ty, "ty", true, NULL);
        tx.mu = ty.mu = &t->mu;
        dc_sctp_connect(tx.a);
        dc_sctp_connect(ty.a);
        bool up = run_threaded(&tx, &ty, t, both_connected);
        dc_channel_params_t p = {.label = "chat"};
        uint16_t sid = 0;
        if (up && dc_sctp_open_channel(tx.a, &p, &sid) == DC_OK &&
            run_threaded(&tx, &ty, t, both_opened)) {
            for (int i = 0; i < 50; i++)
                dc_sctp_send(tx.a, sid, DC_PPID_STRING, (const uint8_t *)"t", 1);
            if (run_threaded(&tx, &ty, t, y_has_50))
                t->ok++;
        }
        free_peer(&tx);
        free_peer(&ty);
    }
    return NULL;
}

TEST(two_threads)
{
    thread_arg_t t[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&t[i], 0, sizeof t[i]);
        pthread_mutex_init(&t[i].mu, NULL);
        t[i].clock = now_ms;
        ASSERT_EQ(pthread_create(&th[i], NULL, thread_main, &t[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        pthread_mutex_destroy(&t[i].mu);
    ASSERT_EQ(t[0].ok, 3);
    ASSERT_EQ(t[1].ok, 3);
}

int main(void)
{
    RUN(connects_and_opens_chat);
    RUN(usrsctp_finished_between_tests);
    RUN(passive_side_connects_on_first_packet);
    RUN(messages_both_ways);
    RUN(large_message_64k);
    RUN(two_hundred_in_order);
    RUN(in_order_despite_loss);
    RUN(buffered_amount_low_fires);
    RUN(send_buffer_full_then_resume);
    RUN(ack_waits_for_send_buffer);
    RUN(server_opens_odd_stream);
    RUN(unordered_and_partial_channels);
    RUN(channel_close_and_reuse);
    RUN(negotiated_channel);
    RUN(rejects_bad_dcep_and_data);
    RUN(drops_oversized_incoming);
    RUN(destroy_aborts_peer);
    RUN(destroy_inside_callbacks);
    RUN(no_reentry_from_output);
    RUN(argument_checks);
    RUN(two_threads);
    RUN(usrsctp_finished_between_tests);
    return TEST_REPORT();
}
