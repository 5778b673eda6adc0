/*
 * The session engine, driven without sockets: a fake carrier records what the
 * engine sends, and the clock is a number the test moves.
 */
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/engine.h"
#include "test.h"

typedef struct {
    char *sent[64];
    int n_sent;
    int close_code;
    char close_reason[100];
} fake_conn_t;

static void fake_send(void *conn, const char *text, size_t len)
{
    fake_conn_t *c = conn;
    if (c->n_sent < 64)
        c->sent[c->n_sent++] = strndup(text, len);
}

static void fake_close(void *conn, int code, const char *reason)
{
    fake_conn_t *c = conn;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
}

static const sig_carrier_ops_t ops = {fake_send, fake_close};

static void fake_reset(fake_conn_t *c)
{
    for (int i = 0; i < c->n_sent; i++)
        free(c->sent[i]);
    memset(c, 0, sizeof *c);
}

static json_t *last_json(fake_conn_t *c)
{
    return c->n_sent ? json_loads(c->sent[c->n_sent - 1], 0, NULL) : NULL;
}

static sig_engine_config_t config(void)
{
    return (sig_engine_config_t){.max_peers_per_room = 4, .max_rooms = 2, .grace_period_ms = 30000,
                                 .replay_events = 16, .max_message_bytes = 4096,
                                 .max_json_depth = 8, .rate_limit = 10, .rate_burst = 20};
}

static void send_text(sig_client_t *cl, const char *text, int64_t now)
{
    sig_client_handle_text(cl, text, strlen(text), now);
}

/* Joins and returns the resume token (caller frees). */
static char *join(sig_client_t *cl, fake_conn_t *fc, const char *room, const char *name, int64_t now)
{
    char req[256];
    snprintf(req, sizeof req, "{\"id\":1,\"method\":\"join-room\",\"data\":{\"room\":\"%s\",\"name\":\"%s\"}}",
             room, name);
    send_text(cl, req, now);
    json_t *res = last_json(fc);
    const char *tok = json_string_value(json_object_get(json_object_get(res, "data"), "resumeToken"));
    char *copy = tok ? strdup(tok) : NULL;
    json_decref(res);
    return copy;
}

static json_t *stat_of(sig_engine_t *e, const char *key)
{
    static json_t *holder;
    json_decref(holder);
    holder = sig_engine_stats(e);
    return json_object_get(holder, key);
}

TEST(grace_period_expiry_with_a_fake_clock)
{
    sig_engine_config_t cfg = config();
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t a = {0}, b = {0};
    sig_client_t *ca = sig_client_create(e, &ops, &a, "test", "a");
    sig_client_t *cb = sig_client_create(e, &ops, &b, "test", "b");
    free(join(ca, &a, "r", "A", 0));
    free(join(cb, &b, "r", "B", 0));
    sig_client_destroy(cb, 1000);           /* B's connection drops at t=1s */
    sig_engine_tick(e, 30999);              /* 29.999 s later: still there */
    ASSERT_EQ(json_integer_value(stat_of(e, "sessions")), 2);
    int before = a.n_sent;
    sig_engine_tick(e, 31000);              /* grace over */
    ASSERT_EQ(json_integer_value(stat_of(e, "sessions")), 1);
    ASSERT_EQ(a.n_sent, before + 1);
    json_t *ev = last_json(&a);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "event")), "participant-left");
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(ev, "data"), "reason")), "timeout");
    json_decref(ev);
    sig_client_destroy(ca, 2000);
    sig_engine_tick(e, 40000);
    ASSERT_EQ(json_integer_value(stat_of(e, "sessions")), 0);
    ASSERT_EQ(json_integer_value(stat_of(e, "rooms")), 0);
    fake_reset(&a);
    fake_reset(&b);
    sig_engine_destroy(e);
}

TEST(resume_replays_missed_events_then_continues)
{
    sig_engine_config_t cfg = config();
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t a = {0}, b = {0}, b2 = {0}, c = {0};
    sig_client_t *ca = sig_client_create(e, &ops, &a, "test", "a");
    sig_client_t *cb = sig_client_create(e, &ops, &b, "test", "b");
    char *token_a = join(ca, &a, "r", "A", 0);
    free(join(cb, &b, "r", "B", 0));
    sig_client_destroy(ca, 10);             /* A saw nothing after joining */
    sig_client_t *cc = sig_client_create(e, &ops, &c, "test", "c");
    free(join(cc, &c, "r", "C", 20));       /* events 2 for A: B joined (1), C joined (2) */
    sig_client_t *cb2 = sig_client_create(e, &ops, &b2, "test", "a2");
    char req[256];
    snprintf(req, sizeof req, "{\"id\":9,\"method\":\"resume\",\"data\":{\"token\":\"%s\",\"lastSeq\":1}}", token_a);
    send_text(cb2, req, 30);
    ASSERT_EQ(b2.n_sent, 2);                /* the response, then seq 2 only */
    ASSERT_TRUE(strstr(b2.sent[0], "\"replayed\":1") != NULL);
    ASSERT_TRUE(strstr(b2.sent[1], "\"seq\":2") != NULL);
    ASSERT_TRUE(strstr(b2.sent[1], "\"name\":\"C\"") != NULL);
    /* A gap: asking from seq 0 after the ring dropped nothing is still fine; a
       lastSeq from the future is a gap and ends the session. */
    free(token_a);
    sig_client_destroy(cb, 40);
    sig_client_destroy(cc, 40);
    sig_client_destroy(cb2, 40);
    fake_reset(&a), fake_reset(&b), fake_reset(&b2), fake_reset(&c);
    sig_engine_destroy(e);
}

TEST(replay_gap_ends_the_session)
{
    sig_engine_config_t cfg = config();
    cfg.replay_events = 8;
    cfg.rate_burst = 1000;
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t a = {0}, other = {0}, a2 = {0};
    sig_client_t *ca = sig_client_create(e, &ops, &a, "test", "a");
    char *token = join(ca, &a, "r", "A", 0);
    sig_client_destroy(ca, 1);
    /* 12 joins/leaves by another client: 24 events for A, more than 8 held. */
    sig_client_t *co = sig_client_create(e, &ops, &other, "test", "o");
    for (int i = 0; i < 12; i++) {
        free(join(co, &other, "r", "O", 2 + i));
        send_text(co, "{\"id\":2,\"method\":\"leave-room\"}", 2 + i);
        fake_reset(&other);
    }
    sig_client_t *ca2 = sig_client_create(e, &ops, &a2, "test", "a2");
    char req[256];
    snprintf(req, sizeof req, "{\"id\":3,\"method\":\"resume\",\"data\":{\"token\":\"%s\",\"lastSeq\":0}}", token);
    send_text(ca2, req, 100);
    ASSERT_EQ(a2.n_sent, 1);
    ASSERT_TRUE(strstr(a2.sent[0], "replay_gap") != NULL);
    ASSERT_EQ(json_integer_value(stat_of(e, "sessions")), 0);
    free(token);
    sig_client_destroy(co, 200);
    sig_client_destroy(ca2, 200);
    fake_reset(&a), fake_reset(&a2);
    sig_engine_destroy(e);
}

TEST(rate_limit_refills_with_time)
{
    sig_engine_config_t cfg = config(); /* 10/s, burst 20 */
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t a = {0};
    sig_client_t *ca = sig_client_create(e, &ops, &a, "test", "a");
    for (int i = 0; i < 20; i++)
        send_text(ca, "{\"id\":1,\"method\":\"ping\"}", 0);
    ASSERT_EQ(a.close_code, 0);
    ASSERT_EQ(a.n_sent, 20);
    /* one second later, ten more are allowed */
    for (int i = 0; i < 10; i++)
        send_text(ca, "{\"id\":1,\"method\":\"ping\"}", 1000);
    ASSERT_EQ(a.close_code, 0);
    send_text(ca, "{\"id\":1,\"method\":\"ping\"}", 1000);
    ASSERT_EQ(a.close_code, 1008);
    ASSERT_STR_EQ(a.close_reason, "rate limit exceeded");
    int sent = a.n_sent;
    send_text(ca, "{\"id\":1,\"method\":\"ping\"}", 5000); /* ignored after the close */
    ASSERT_EQ(a.n_sent, sent);
    sig_client_destroy(ca, 6000);
    fake_reset(&a);
    sig_engine_destroy(e);
}

TEST(room_and_server_caps)
{
    sig_engine_config_t cfg = config(); /* 4 per room, 2 rooms */
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t conns[7];
    memset(conns, 0, sizeof conns);
    sig_client_t *cl[7];
    for (int i = 0; i < 7; i++)
        cl[i] = sig_client_create(e, &ops, &conns[i], "test", "x");
    for (int i = 0; i < 4; i++)
        free(join(cl[i], &conns[i], "one", "P", 0));
    join(cl[4], &conns[4], "one", "P", 0);
    ASSERT_TRUE(strstr(conns[4].sent[conns[4].n_sent - 1], "room_full") != NULL);
    free(join(cl[5], &conns[5], "two", "P", 0));
    join(cl[6], &conns[6], "three", "P", 0);
    ASSERT_TRUE(strstr(conns[6].sent[conns[6].n_sent - 1], "server_full") != NULL);
    ASSERT_EQ(json_integer_value(stat_of(e, "rooms")), 2);
    for (int i = 0; i < 7; i++) {
        sig_client_destroy(cl[i], 0);
        fake_reset(&conns[i]);
    }
    sig_engine_destroy(e);
}

TEST(shutdown_tells_everyone_and_refuses_joins)
{
    sig_engine_config_t cfg = config();
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    fake_conn_t a = {0}, b = {0};
    sig_client_t *ca = sig_client_create(e, &ops, &a, "test", "a");
    sig_client_t *cb = sig_client_create(e, &ops, &b, "test", "b");
    free(join(ca, &a, "r", "A", 0));
    sig_engine_shutdown(e);
    ASSERT_TRUE(strstr(a.sent[a.n_sent - 1], "server-shutdown") != NULL);
    ASSERT_EQ(a.close_code, 1001);
    ASSERT_EQ(b.close_code, 1001);
    sig_client_destroy(ca, 1);
    sig_client_destroy(cb, 1);
    fake_reset(&a), fake_reset(&b);
    sig_engine_destroy(e);
}

int main(void)
{
    sfu_log_threshold = SFU_LOG_ERROR;
    RUN(grace_period_expiry_with_a_fake_clock);
    RUN(resume_replays_missed_events_then_continues);
    RUN(replay_gap_ends_the_session);
    RUN(rate_limit_refills_with_time);
    RUN(room_and_server_caps);
    RUN(shutdown_tells_everyone_and_refuses_joins);
    return TEST_REPORT();
}
