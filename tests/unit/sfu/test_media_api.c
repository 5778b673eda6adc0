/*
 * sfu_media_* in process: a real worker pool, real transports (libnice
 * gathers host candidates; no browser, so nothing connects), and a fake
 * sink that queues replies and events the way the signaling glue does.
 * Browser offers and answers are the captured fixtures in
 * unit/sfu/fixtures/sdp/. Every wait is bounded.
 */
#include <glib.h>
#include <stdlib.h>

#include "sfu/config.h"
#include "sfu/media.h"
#include "sfu/sdp.h"
#include "test.h"

#define FIXTURES "unit/sfu/fixtures/sdp/"
#define WAIT_US (5 * 1000000LL)
#define ROOM 7

/* ---- the fake sink: a thread-safe queue of what the workers sent ---- */

typedef struct {
    int is_event;
    uint64_t ref;
    uint32_t room, peer;
    char name[48];   /* event name or error code ("" for success) */
    json_t *data;
} msg_t;

static GAsyncQueue *queue;

static void sink_reply(void *ctx, uint64_t ref, const char *code, const char *message,
                       json_t *data)
{
    msg_t *m = calloc(1, sizeof *m);
    m->ref = ref;
    snprintf(m->name, sizeof m->name, "%s", code ? code : "");
    m->data = data;
    g_async_queue_push(queue, m);
}

static void sink_event(void *ctx, uint32_t room, uint32_t peer, const char *event, json_t *data)
{
    msg_t *m = calloc(1, sizeof *m);
    m->is_event = 1;
    m->room = room;
    m->peer = peer;
    snprintf(m->name, sizeof m->name, "%s", event);
    m->data = data;
    g_async_queue_push(queue, m);
}

static void msg_free(msg_t *m)
{
    if (m) {
        json_decref(m->data);
        free(m);
    }
}

/* Messages that arrived but were not asked for yet, in order. */
static GQueue pending = G_QUEUE_INIT;

/* Waits for the reply to ref, or for the next event `name` for `peer`. */
static msg_t *wait_for(int is_event, uint64_t ref, uint32_t peer, const char *name)
{
    int64_t limit = g_get_monotonic_time() + WAIT_US;
    for (;;) {
        for (GList *l = pending.head; l; l = l->next) {
            msg_t *m = l->data;
            if (m->is_event == is_event &&
                (is_event ? (m->peer == peer && strcmp(m->name, name) == 0) : m->ref == ref)) {
                g_queue_delete_link(&pending, l);
                return m;
            }
        }
        msg_t *m = g_async_queue_timeout_pop(queue, limit - g_get_monotonic_time());
        if (!m)
            return NULL;
        g_queue_push_tail(&pending, m);
    }
}

static void drain(void)
{
    msg_t *m;
    g_usleep(100000);
    while ((m = g_async_queue_try_pop(queue)))
        g_queue_push_tail(&pending, m);
}

static int count_pending(uint32_t peer, const char *name)
{
    int n = 0;
    for (GList *l = pending.head; l; l = l->next) {
        msg_t *m = l->data;
        n += m->is_event && m->peer == peer && strcmp(m->name, name) == 0;
    }
    return n;
}

static void clear_pending(void)
{
    msg_t *m;
    while ((m = g_queue_pop_head(&pending)))
        msg_free(m);
}

/* ---- fixtures and helpers ---- */

static char *load(const char *name)
{
    char path[256];
    const char *prefixes[] = {"", "tests/"};
    for (size_t i = 0; i < 2; i++) {
        gchar *text = NULL;
        snprintf(path, sizeof path, "%s" FIXTURES "%s", prefixes[i], name);
        if (g_file_get_contents(path, &text, NULL, NULL))
            return text;
    }
    fprintf(stderr, "cannot open fixture %s\n", name);
    return NULL;
}

static sfu_worker_pool_t *pool;
static sfu_media_t *media;
static uint64_t next_ref = 1;
static sdp_session_t *sess;

static uint64_t request(uint32_t peer, const char *method, json_t *data)
{
    uint64_t ref = next_ref++;
    sfu_media_request(media, ROOM, peer, ref, method, data);
    return ref;
}

static msg_t *call(uint32_t peer, const char *method, json_t *data)
{
    return wait_for(0, request(peer, method, data), 0, NULL);
}

static msg_t *publish_fixture(uint32_t peer, const char *fixture)
{
    char *sdp = load(fixture);
    if (!sdp)
        return NULL;
    msg_t *m = call(peer, "publish", json_pack("{ss}", "sdp", sdp));
    g_free(sdp);
    return m;
}

static json_int_t stat(const char *name)
{
    json_t *st = sfu_media_stats(media);
    json_int_t v = json_integer_value(json_object_get(st, name));
    json_decref(st);
    return v;
}

/* Parses data.sdp into sess. */
static int parse_sdp_of(const msg_t *m)
{
    const char *text = json_string_value(json_object_get(m->data, "sdp"));
    return text ? sdp_parse(text, strlen(text), sess) : -100;
}

static int count_dir(const sdp_session_t *s, sdp_direction_t dir, int with_port)
{
    int n = 0;
    for (size_t i = 0; i < s->media_count; i++)
        n += s->media[i].direction == dir && (s->media[i].port != 0) == with_port;
    return n;
}

/* ---- tests ---- */

static char producer_video[16], producer_audio[16], consumer_video[16];

TEST(publish_answers_with_our_transport)
{
    ASSERT_TRUE(sfu_media_handles("publish") && !sfu_media_handles("join-room"));
    sfu_media_peer_join(media, ROOM, 1);
    sfu_media_peer_join(media, ROOM, 2);
    msg_t *sub = call(2, "subscribe", json_object());
    ASSERT_TRUE(sub != NULL);
    ASSERT_STR_EQ(sub->name, "");
    ASSERT_TRUE(json_is_null(json_object_get(sub->data, "sdp"))); /* nothing to receive yet */
    msg_free(sub);

    msg_t *m = publish_fixture(1, "chromium-offer-sendonly-av-dc.sdp");
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(m->name, "");
    ASSERT_EQ(parse_sdp_of(m), SDP_OK);
    ASSERT_TRUE(sess->ice_lite);
    ASSERT_EQ(sess->media_count, 3);
    ASSERT_EQ(sess->bundle_count, 3);
    const sdp_media_t *v = &sess->media[1];
    ASSERT_EQ(v->kind, SDP_MEDIA_VIDEO);
    ASSERT_EQ(v->direction, SDP_DIR_RECVONLY);
    ASSERT_EQ(v->setup, SDP_SETUP_PASSIVE);
    ASSERT_STR_EQ(v->fingerprint.algo, "sha-256");
    ASSERT_EQ(v->fingerprint.len, 32);
    ASSERT_TRUE(v->candidate_count > 0);
    ASSERT_TRUE(v->ice_ufrag[0] != '\0');
    ASSERT_STR_EQ(v->codecs[0].name, "VP8");
    json_t *producers = json_object_get(m->data, "producers");
    ASSERT_EQ(json_array_size(producers), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *p = json_array_get(producers, i);
        const char *kind = json_string_value(json_object_get(p, "kind"));
        char *dst = strcmp(kind, "video") == 0 ? producer_video : producer_audio;
        snprintf(dst, 16, "%s", json_string_value(json_object_get(p, "producerId")));
    }
    ASSERT_TRUE(producer_video[0] == 'P' && producer_audio[0] == 'P');
    msg_free(m);
    drain(); /* the publish job goes on after its reply: consumers for peer 2 */
    ASSERT_EQ(stat("transports"), 2);
    ASSERT_EQ(stat("producers"), 2);
}

TEST(others_learn_of_producers_and_get_an_offer)
{
    msg_t *a = wait_for(1, 0, 2, "producer-added");
    msg_t *b = wait_for(1, 0, 2, "producer-added");
    ASSERT_TRUE(a && b);
    ASSERT_STR_EQ(json_string_value(json_object_get(a->data, "peerId")), "p1");
    msg_free(a);
    msg_free(b);
    msg_t *offer = wait_for(1, 0, 2, "recv-offer");
    ASSERT_TRUE(offer != NULL);
    ASSERT_EQ(json_integer_value(json_object_get(offer->data, "version")), 1);
    ASSERT_EQ(parse_sdp_of(offer), SDP_OK);
    ASSERT_TRUE(sess->ice_lite);
    ASSERT_EQ(sess->media_count, 2);
    ASSERT_EQ(count_dir(sess, SDP_DIR_SENDONLY, 1), 2);
    ASSERT_EQ(sess->media[0].setup, SDP_SETUP_ACTPASS);
    json_t *consumers = json_object_get(offer->data, "consumers");
    ASSERT_EQ(json_array_size(consumers), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *c = json_array_get(consumers, i);
        if (strcmp(json_string_value(json_object_get(c, "kind")), "video") == 0)
            snprintf(consumer_video, sizeof consumer_video, "%s",
                     json_string_value(json_object_get(c, "consumerId")));
    }
    ASSERT_TRUE(consumer_video[0] == 'C');
    /* the video section carries RTX paired by FID, as the publisher has RTX */
    const sdp_media_t *v = sess->media[0].kind == SDP_MEDIA_VIDEO ? &sess->media[0] : &sess->media[1];
    ASSERT_EQ(v->ssrc_group_count, 1);
    msg_free(offer);
    ASSERT_EQ(stat("transports"), 2);
    ASSERT_EQ(stat("consumers"), 2);
}

TEST(a_late_subscriber_gets_every_producer)
{
    sfu_media_peer_join(media, ROOM, 3);
    msg_t *m = call(3, "subscribe", json_object());
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(m->name, "");
    ASSERT_EQ(json_integer_value(json_object_get(m->data, "version")), 1);
    ASSERT_EQ(parse_sdp_of(m), SDP_OK);
    ASSERT_EQ(count_dir(sess, SDP_DIR_SENDONLY, 1), 2);
    msg_free(m);
    ASSERT_EQ(stat("consumers"), 4);
}

TEST(subscribe_answer_versions)
{
    char *answer = load("chromium-answer-to-sfu-offer-v1.sdp");
    ASSERT_TRUE(answer != NULL);
    msg_t *m = call(2, "subscribe-answer", json_pack("{sssi}", "sdp", answer, "version", 1));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    m = call(2, "subscribe-answer", json_pack("{sssi}", "sdp", answer, "version", 1));
    ASSERT_STR_EQ(m->name, ""); /* already answered: stale, ignored */
    ASSERT_TRUE(json_is_true(json_object_get(m->data, "stale")));
    msg_free(m);
    m = call(2, "subscribe-answer", json_pack("{sssi}", "sdp", answer, "version", 5));
    ASSERT_STR_EQ(m->name, "wrong_state");
    msg_free(m);
    m = call(2, "subscribe-answer", json_pack("{sssi}", "sdp", "v=0\r\nbad", "version", 1));
    ASSERT_STR_EQ(m->name, ""); /* stale answers are not even parsed */
    msg_free(m);
    m = call(2, "subscribe-answer", json_pack("{ss}", "sdp", answer));
    ASSERT_STR_EQ(m->name, "invalid_params");
    msg_free(m);
    g_free(answer);
}

TEST(candidates_and_bad_requests)
{
    msg_t *m = call(1, "ice-candidate",
                    json_pack("{ssss}", "transport", "send", "candidate",
                              "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    m = call(1, "ice-candidate", json_pack("{ssss}", "transport", "send", "candidate", ""));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    m = call(1, "ice-candidate", json_pack("{ssss}", "transport", "recv", "candidate", ""));
    ASSERT_STR_EQ(m->name, "wrong_state"); /* peer 1 has not subscribed */
    msg_free(m);
    m = call(1, "ice-candidate", json_pack("{ssss}", "transport", "x", "candidate", ""));
    ASSERT_STR_EQ(m->name, "invalid_params");
    msg_free(m);
    m = call(4, "publish", json_pack("{ss}", "sdp", "not sdp"));
    ASSERT_STR_EQ(m->name, "invalid_sdp");
    msg_free(m);
    m = call(4, "publish", json_object());
    ASSERT_STR_EQ(m->name, "invalid_params");
    msg_free(m);
    sfu_media_request(media, ROOM + 1, 1, 999, "subscribe", json_object());
    m = wait_for(0, 999, 0, NULL);
    ASSERT_STR_EQ(m->name, "wrong_state"); /* no such room */
    msg_free(m);
}

TEST(pause_and_resume)
{
    msg_t *m = call(2, "producer-pause", json_pack("{ss}", "producerId", producer_video));
    ASSERT_STR_EQ(m->name, "unknown_producer"); /* only the owner may */
    msg_free(m);
    m = call(1, "producer-pause", json_pack("{ss}", "producerId", producer_video));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    m = wait_for(1, 0, 2, "producer-paused");
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(m->data, "producerId")), producer_video);
    msg_free(m);
    m = call(1, "producer-resume", json_pack("{ss}", "producerId", producer_video));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    ASSERT_TRUE((m = wait_for(1, 0, 3, "producer-resumed")) != NULL);
    msg_free(m);
    m = call(2, "consumer-pause", json_pack("{ss}", "consumerId", consumer_video));
    ASSERT_STR_EQ(m->name, "");
    msg_free(m);
    m = call(3, "consumer-pause", json_pack("{ss}", "consumerId", consumer_video));
    ASSERT_STR_EQ(m->name, "unknown_consumer"); /* peer 2's, not 3's */
    msg_free(m);
    m = call(2, "consumer-resume", json_pack("{ss}", "consumerId", "C0x"));
    ASSERT_STR_EQ(m->name, "unknown_consumer");
    msg_free(m);
}

TEST(renegotiation_removes_a_stopped_section)
{
    /* The same offer with the audio section stopped (port 0). */
    char *offer = load("chromium-offer-sendonly-av-dc.sdp");
    ASSERT_TRUE(offer != NULL);
    char *at = strstr(offer, "m=audio ");
    ASSERT_TRUE(at != NULL);
    char *port = at + 8;
    char *end = strchr(port, ' ');
    GString *fixed = g_string_new_len(offer, port - offer);
    g_string_append(fixed, "0");
    g_string_append(fixed, end);
    msg_t *m = call(1, "publish", json_pack("{ss}", "sdp", fixed->str));
    g_string_free(fixed, TRUE);
    g_free(offer);
    ASSERT_STR_EQ(m->name, "");
    ASSERT_EQ(json_array_size(json_object_get(m->data, "producers")), 1);
    msg_free(m);
    m = wait_for(1, 0, 2, "producer-removed");
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(m->data, "producerId")), producer_audio);
    msg_free(m);
    m = wait_for(1, 0, 2, "recv-offer");
    ASSERT_TRUE(m != NULL);
    ASSERT_EQ(json_integer_value(json_object_get(m->data, "version")), 2);
    ASSERT_EQ(parse_sdp_of(m), SDP_OK);
    ASSERT_EQ(sess->media_count, 2); /* mid order kept, audio slot closed */
    ASSERT_EQ(count_dir(sess, SDP_DIR_SENDONLY, 1), 1);
    ASSERT_EQ(json_array_size(json_object_get(m->data, "consumers")), 1);
    msg_free(m);
    ASSERT_EQ(stat("producers"), 1);
    ASSERT_EQ(stat("consumers"), 2);
}

TEST(leaving_frees_transports_and_renegotiates)
{
    drain();
    clear_pending();
    ASSERT_EQ(stat("transports"), 3);
    sfu_media_peer_leave(media, ROOM, 1);
    msg_t *m = wait_for(1, 0, 2, "producer-removed");
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(m->data, "peerId")), "p1");
    msg_free(m);
    m = wait_for(1, 0, 3, "recv-offer");
    ASSERT_TRUE(m != NULL);
    ASSERT_EQ(parse_sdp_of(m), SDP_OK);
    ASSERT_EQ(count_dir(sess, SDP_DIR_SENDONLY, 1), 0);
    msg_free(m);
    drain();
    ASSERT_EQ(count_pending(1, "producer-removed"), 0); /* not to the one who left */
    ASSERT_EQ(stat("transports"), 2);
    ASSERT_EQ(stat("producers"), 0);
    ASSERT_EQ(stat("consumers"), 0);
    sfu_media_peer_leave(media, ROOM, 2);
    sfu_media_peer_leave(media, ROOM, 3);
    drain();
    ASSERT_EQ(stat("transports"), 0);
    ASSERT_EQ(stat("peers"), 1); /* peer 4, who only failed to publish */
}

TEST(firefox_offer_and_room_close)
{
    sfu_media_peer_join(media, ROOM, 10);
    sfu_media_peer_join(media, ROOM, 11);
    msg_t *m = call(11, "subscribe", json_object());
    msg_free(m);
    m = publish_fixture(10, "firefox-offer-sendonly-av-dc.sdp");
    ASSERT_TRUE(m != NULL);
    ASSERT_STR_EQ(m->name, "");
    ASSERT_EQ(json_array_size(json_object_get(m->data, "producers")), 2);
    msg_free(m);
    ASSERT_TRUE((m = wait_for(1, 0, 11, "recv-offer")) != NULL);
    msg_free(m);
    ASSERT_EQ(stat("transports"), 2);
    sfu_media_room_close(media, ROOM);
    drain();
    ASSERT_EQ(stat("transports"), 0);
    ASSERT_EQ(stat("rooms"), 0);
    ASSERT_EQ(sfu_worker_room_count(pool, 0) + sfu_worker_room_count(pool, 1), 0);
}

int main(void)
{
    sfu_config_t cfg;
    sfu_config_defaults(&cfg);
    snprintf(cfg.rtc_ports, sizeof cfg.rtc_ports, "43000-43999");
    queue = g_async_queue_new();
    sess = malloc(sizeof *sess);
    pool = sfu_worker_pool_create(2);
    sfu_media_sink_t sink = {NULL, sink_reply, sink_event};
    media = sfu_media_create(&cfg, pool, &sink);
    if (!pool || !media || !sess) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    sfu_media_room_open(media, ROOM);

    RUN(publish_answers_with_our_transport);
    RUN(others_learn_of_producers_and_get_an_offer);
    RUN(a_late_subscriber_gets_every_producer);
    RUN(subscribe_answer_versions);
    RUN(candidates_and_bad_requests);
    RUN(pause_and_resume);
    RUN(renegotiation_removes_a_stopped_section);
    RUN(leaving_frees_transports_and_renegotiates);
    RUN(firefox_offer_and_room_close);

    sfu_media_destroy(media);
    sfu_worker_pool_destroy(pool);
    drain();
    clear_pending();
    g_async_queue_unref(queue);
    free(sess);
    return TEST_REPORT();
}
