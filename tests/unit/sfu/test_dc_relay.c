/*
 * The DataChannel relay without SCTP: a capture stands in for the
 * associations, so each test sees every message the relay sends, to whom
 * and on which stream, and can make a peer's buffer "full".
 */
#include <stdlib.h>

#include "datachannel/chat_frame.h"
#include "datachannel/file_frame.h"
#include "sfu/dc_relay.h"
#include "test.h"

#define MAXMSG 4096
#define CHAT 0 /* the browser's chat channel: stream 0 */

typedef struct {
    uint32_t peer;
    uint16_t stream;
    int is_string;
    size_t len;
    uint8_t data[DC_FILE_CHUNK_MAX + 1];
} sent_t;

typedef struct {
    sent_t *msgs;
    size_t n;
    size_t buffered[16];    /* per peer id */
    int full[16];           /* send returns DC_EAGAIN */
    uint16_t next_stream[16];
    int closes;
} capture_t;

static int cap_send(void *user, uint32_t peer, uint16_t stream, bool is_string,
                    const uint8_t *data, size_t len)
{
    capture_t *c = user;
    if (c->full[peer])
        return DC_EAGAIN;
    if (c->n == MAXMSG || len > DC_FILE_CHUNK_MAX + 1)
        return DC_EIO;
    sent_t *s = &c->msgs[c->n++];
    s->peer = peer;
    s->stream = stream;
    s->is_string = is_string;
    s->len = len;
    memcpy(s->data, data, len);
    s->data[len < sizeof s->data ? len : len - 1] = 0;
    return 0;
}

static int cap_open(void *user, uint32_t peer, const char *label, uint16_t *stream)
{
    capture_t *c = user;
    *stream = (uint16_t)(1 + 2 * c->next_stream[peer]++);
    return 0;
}

static void cap_close(void *user, uint32_t peer, uint16_t stream)
{
    ((capture_t *)user)->closes++;
}

static size_t cap_buffered(void *user, uint32_t peer)
{
    return ((capture_t *)user)->buffered[peer];
}

static sfu_dc_relay_t *make(capture_t *c, int history)
{
    memset(c, 0, sizeof *c);
    c->msgs = calloc(MAXMSG, sizeof *c->msgs);
    sfu_dc_relay_config_t cfg = {.chat_history = history, .max_file_size = 8 << 20};
    sfu_dc_relay_ops_t ops = {c, cap_send, cap_open, cap_close, cap_buffered};
    return sfu_dc_relay_create(&cfg, &ops);
}

static void text(sfu_dc_relay_t *r, uint32_t peer, const char *json)
{
    sfu_dc_relay_message(r, peer, CHAT, true, (const uint8_t *)json, strlen(json), 1000);
}

/* Messages sent to peer, as decoded chat messages; returns how many. */
static int chats_to(const capture_t *c, uint32_t peer, dc_chat_msg_t *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < c->n && n < max; i++)
        if (c->msgs[i].peer == peer && c->msgs[i].is_string &&
            dc_chat_decode(c->msgs[i].data, c->msgs[i].len, DC_FROM_SERVER, &out[n]) == 0)
            n++;
    return n;
}

/* The last file control message to peer, type or -1. */
static int last_ctrl_to(const capture_t *c, uint32_t peer, dc_file_ctrl_t *out)
{
    for (size_t i = c->n; i-- > 0;)
        if (c->msgs[i].peer == peer && c->msgs[i].is_string &&
            dc_file_ctrl_decode(c->msgs[i].data, c->msgs[i].len, NULL, DC_FROM_SERVER, out) == 0)
            return (int)out->type;
    return -1;
}

static void room_of_three(sfu_dc_relay_t *r)
{
    sfu_dc_relay_member_join(r, 7, 1, "Ann");
    sfu_dc_relay_member_join(r, 7, 2, "Bob");
    sfu_dc_relay_member_join(r, 7, 3, "Cy");
    for (uint32_t p = 1; p <= 3; p++)
        sfu_dc_relay_channel_open(r, p, CHAT, "chat");
}

TEST(chat_is_stamped_relayed_to_others_once)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    text(r, 1, "{\"type\":\"chat\",\"id\":\"m1\",\"text\":\"hi\",\"from\":\"p3\",\"fromName\":\"Cy\"}");
    text(r, 1, "{\"type\":\"chat\",\"id\":\"m1\",\"text\":\"hi\"}"); /* resent: dropped */
    dc_chat_msg_t m[4];
    ASSERT_EQ(chats_to(&c, 1, m, 4), 0);
    ASSERT_EQ(chats_to(&c, 3, m, 4), 1);
    ASSERT_EQ(chats_to(&c, 2, m, 4), 1);
    ASSERT_STR_EQ(m[0].from, "p1"); /* not the forged "p3" */
    ASSERT_STR_EQ(m[0].from_name, "Ann");
    ASSERT_STR_EQ(m[0].text, "hi");
    ASSERT_EQ(m[0].ts_ms, 1000);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.chat_in, 1);
    ASSERT_EQ(s.chat_out, 2);
    ASSERT_EQ(s.chat_duplicates, 1);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(private_message_goes_to_one_peer_and_not_into_history)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    text(r, 1, "{\"type\":\"chat\",\"id\":\"x\",\"text\":\"psst\",\"to\":\"p3\"}");
    dc_chat_msg_t m[4];
    ASSERT_EQ(chats_to(&c, 2, m, 4), 0);
    ASSERT_EQ(chats_to(&c, 3, m, 4), 1);
    ASSERT_STR_EQ(m[0].to, "p3");
    sfu_dc_relay_member_join(r, 7, 4, "Di");
    sfu_dc_relay_channel_open(r, 4, CHAT, "chat");
    ASSERT_EQ(chats_to(&c, 4, m, 4), 0);
    text(r, 1, "{\"type\":\"chat\",\"id\":\"y\",\"text\":\"?\",\"to\":\"p99\"}"); /* nobody */
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.bad_messages, 1);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(history_is_bounded_and_sent_oldest_first_to_a_late_joiner)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 3);
    room_of_three(r);
    char json[128];
    for (int i = 0; i < 5; i++) {
        snprintf(json, sizeof json, "{\"type\":\"chat\",\"id\":\"m%d\",\"text\":\"n%d\"}", i, i);
        text(r, 2, json);
    }
    sfu_dc_relay_member_join(r, 7, 4, "Di");
    /* Before its chat channel opens, a joiner gets nothing... */
    dc_chat_msg_t m[8];
    ASSERT_EQ(chats_to(&c, 4, m, 8), 0);
    /* ...then the last three, oldest first, once. */
    sfu_dc_relay_channel_open(r, 4, CHAT, "chat");
    ASSERT_EQ(chats_to(&c, 4, m, 8), 3);
    ASSERT_STR_EQ(m[0].text, "n2");
    ASSERT_STR_EQ(m[2].text, "n4");
    ASSERT_STR_EQ(m[2].from_name, "Bob");
    sfu_dc_relay_channel_close(r, 4, CHAT);
    sfu_dc_relay_channel_open(r, 4, CHAT, "chat");
    ASSERT_EQ(chats_to(&c, 4, m, 8), 3);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(queued_control_messages_wait_for_the_buffer)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    c.full[3] = 1;
    text(r, 1, "{\"type\":\"chat\",\"id\":\"a\",\"text\":\"1\"}");
    text(r, 1, "{\"type\":\"chat\",\"id\":\"b\",\"text\":\"2\"}");
    dc_chat_msg_t m[4];
    ASSERT_EQ(chats_to(&c, 3, m, 4), 0);
    c.full[3] = 0;
    sfu_dc_relay_writable(r, 3);
    ASSERT_EQ(chats_to(&c, 3, m, 4), 2);
    ASSERT_STR_EQ(m[0].text, "1");
    ASSERT_STR_EQ(m[1].text, "2");
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(bad_input_is_counted_not_relayed)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    text(r, 1, "not json");
    text(r, 1, "{\"type\":\"nope\"}");
    text(r, 1, "{\"type\":\"chat\",\"id\":\"\",\"text\":\"x\"}");
    sfu_dc_relay_message(r, 1, CHAT, false, (const uint8_t *)"bin", 3, 0); /* binary on chat */
    sfu_dc_relay_channel_open(r, 1, 2, "mystery");        /* unknown label */
    sfu_dc_relay_channel_open(r, 1, 4, "file:00112233445566778899aabbccddeeff"); /* no transfer */
    sfu_dc_relay_message(r, 1, 6, false, (const uint8_t *)"x", 1, 0); /* unknown stream */
    sfu_dc_relay_channel_open(r, 9, 0, "chat");            /* not a member */
    ASSERT_EQ(c.n, 0);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.bad_messages, 4);
    ASSERT_EQ(s.bad_channels, 3);
    ASSERT_EQ(s.bad_chunks, 1);
    ASSERT_EQ(c.closes, 3);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(chat_flood_is_rate_limited)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    char json[96];
    for (int i = 0; i < SFU_DC_CHAT_BURST + 50; i++) {
        snprintf(json, sizeof json, "{\"type\":\"chat\",\"id\":\"f%d\",\"text\":\"x\"}", i);
        text(r, 1, json); /* all at the same instant */
    }
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.chat_in, SFU_DC_CHAT_BURST);
    ASSERT_EQ(s.rate_limited, 50);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

/* ---- files ------------------------------------------------------------------------ */

static const char *ID_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

static void ctrl(sfu_dc_relay_t *r, uint32_t peer, const char *fmt, const char *arg)
{
    char json[512];
    snprintf(json, sizeof json, fmt, ID_HEX, arg);
    text(r, peer, json);
}

static void chunk(sfu_dc_relay_t *r, uint32_t peer, uint16_t stream, uint64_t off, size_t n)
{
    uint8_t id[16], payload[DC_FILE_CHUNK_PAYLOAD_MAX], buf[DC_FILE_CHUNK_MAX];
    size_t len;
    dc_file_id_from_hex(ID_HEX, 32, id);
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)(off + i);
    dc_file_chunk_write(id, off, payload, n, buf, sizeof buf, &len);
    sfu_dc_relay_message(r, peer, stream, false, buf, len, 0);
}

static size_t chunks_to(const capture_t *c, uint32_t peer, uint64_t *bytes)
{
    size_t n = 0;
    *bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->msgs[i].peer == peer && !c->msgs[i].is_string) {
            n++;
            *bytes += c->msgs[i].len - DC_FILE_CHUNK_HEADER_LEN;
        }
    return n;
}

#define OFFER "{\"type\":\"file-offer\",\"transferId\":\"%s\",\"name\":\"a.bin\",\"size\":%s," \
              "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}"

TEST(room_transfer_answers_aggregate_and_chunks_reach_every_acceptor)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    dc_file_ctrl_t f;
    ctrl(r, 1, OFFER, "40000");
    ASSERT_EQ(last_ctrl_to(&c, 2, &f), DC_FILE_OFFER);
    ASSERT_STR_EQ(f.from, "p1");
    ASSERT_EQ(f.size, 40000);
    ASSERT_EQ(last_ctrl_to(&c, 3, &f), DC_FILE_OFFER);
    ctrl(r, 2, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), -1); /* Cy has not answered yet */
    ctrl(r, 3, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_ACCEPT);
    ASSERT_STR_EQ(f.from, "server");
    sfu_dc_relay_channel_open(r, 1, 2, "file:0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    chunk(r, 1, 2, 0, 16384);
    chunk(r, 1, 2, 16384, 16384);
    chunk(r, 1, 2, 32768, 40000 - 32768);
    uint64_t bytes;
    ASSERT_EQ(chunks_to(&c, 2, &bytes), 3);
    ASSERT_EQ(bytes, 40000);
    ASSERT_EQ(chunks_to(&c, 3, &bytes), 3);
    /* Progress: the slowest receiver counts. */
    ctrl(r, 2, "{\"type\":\"file-progress\",\"transferId\":\"%s\",\"offset\":%s}", "40000");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_ACCEPT);
    ctrl(r, 3, "{\"type\":\"file-progress\",\"transferId\":\"%s\",\"offset\":%s}", "16384");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_PROGRESS);
    ASSERT_EQ(f.offset, 16384);
    ctrl(r, 2, "{\"type\":\"file-done\",\"transferId\":\"%s\"%s}", "");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_PROGRESS);
    ctrl(r, 3, "{\"type\":\"file-done\",\"transferId\":\"%s\"%s}", "");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_DONE);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.files_completed, 1);
    ASSERT_EQ(s.transfers, 0);
    ASSERT_EQ(s.file_bytes_in, 40000);
    ASSERT_EQ(s.file_bytes_out, 80000);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(slow_receiver_leg_queues_within_the_window)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    ctrl(r, 1, OFFER, "1000000");
    ctrl(r, 2, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    ctrl(r, 3, "{\"type\":\"file-decline\",\"transferId\":\"%s\"%s}", "");
    sfu_dc_relay_channel_open(r, 1, 2, "file:0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    c.buffered[2] = SFU_DC_LEG_HIGH_WATER_DEFAULT; /* Bob's association is full */
    for (uint64_t off = 0; off < 10 * 16384; off += 16384)
        chunk(r, 1, 2, off, 16384);
    uint64_t bytes;
    ASSERT_EQ(chunks_to(&c, 2, &bytes), 0);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.queued_bytes, 10 * (16384 + DC_FILE_CHUNK_HEADER_LEN));
    c.buffered[2] = 0;
    sfu_dc_relay_writable(r, 2);
    ASSERT_EQ(chunks_to(&c, 2, &bytes), 10);
    ASSERT_EQ(bytes, 10 * 16384);
    ASSERT_EQ(chunks_to(&c, 3, &bytes), 0); /* declined */
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(sender_overrunning_its_window_is_cancelled)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    sfu_dc_relay_member_leave(r, 3);
    ctrl(r, 1, OFFER, "4194304");
    ctrl(r, 2, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    sfu_dc_relay_channel_open(r, 1, 2, "file:0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    c.full[2] = 1; /* nothing gets through to Bob, and Bob reports no progress */
    uint64_t off = 0;
    for (; off < (1u << 20); off += 16384)
        chunk(r, 1, 2, off, 16384); /* 1 MiB: the window */
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.overruns, 0);
    ASSERT_EQ(s.queued_bytes, 64 * (16384 + DC_FILE_CHUNK_HEADER_LEN));
    for (; off < (3u << 20) && s.overruns == 0; off += 16384) {
        chunk(r, 1, 2, off, 16384); /* far beyond it */
        sfu_dc_relay_get_stats(r, &s);
    }
    ASSERT_EQ(s.overruns, 1);
    ASSERT_TRUE(off <= 2 * 1024 * 1024 + 2 * 16384); /* cut at about two windows */
    ASSERT_EQ(s.queued_bytes, 0);
    ASSERT_EQ(s.transfers, 0);
    dc_file_ctrl_t f;
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_CANCEL);
    ASSERT_STR_EQ(f.reason, "window-overrun");
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(bad_chunks_cancel_only_their_transfer)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    dc_file_ctrl_t f;
    ctrl(r, 1, OFFER, "40000");
    ctrl(r, 2, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    ctrl(r, 3, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    sfu_dc_relay_channel_open(r, 1, 2, "file:0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    chunk(r, 1, 2, 0, 100);
    chunk(r, 1, 2, 5000, 100); /* a gap */
    ASSERT_EQ(last_ctrl_to(&c, 2, &f), DC_FILE_CANCEL);
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_CANCEL);
    ASSERT_STR_EQ(f.reason, "bad-chunk");
    chunk(r, 1, 2, 100, 100); /* after the cancel: unknown */
    uint64_t bytes;
    ASSERT_EQ(chunks_to(&c, 2, &bytes), 1);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.bad_chunks, 2);
    ASSERT_EQ(s.transfers, 0);
    /* chat still flows */
    text(r, 2, "{\"type\":\"chat\",\"id\":\"after\",\"text\":\"ok\"}");
    dc_chat_msg_t m[2];
    ASSERT_EQ(chats_to(&c, 1, m, 2), 1);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(cancel_and_leave_end_transfers_on_both_sides)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0);
    room_of_three(r);
    dc_file_ctrl_t f;
    ctrl(r, 1, OFFER, "40000");
    ctrl(r, 2, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    ctrl(r, 3, "{\"type\":\"file-accept\",\"transferId\":\"%s\"%s}", "");
    /* one receiver cancels: the other continues */
    ctrl(r, 3, "{\"type\":\"file-cancel\",\"transferId\":\"%s\"%s}", "");
    ASSERT_EQ(last_ctrl_to(&c, 1, &f), DC_FILE_ACCEPT);
    /* the sender cancels: Bob hears it from p1 */
    ctrl(r, 1, "{\"type\":\"file-cancel\",\"transferId\":\"%s\",\"reason\":\"%s\"}", "user");
    ASSERT_EQ(last_ctrl_to(&c, 2, &f), DC_FILE_CANCEL);
    ASSERT_STR_EQ(f.from, "p1");
    ASSERT_STR_EQ(f.reason, "user");
    /* a new offer; its sender leaves */
    ctrl(r, 1, OFFER, "40000");
    ASSERT_EQ(last_ctrl_to(&c, 3, &f), DC_FILE_OFFER);
    sfu_dc_relay_member_leave(r, 1);
    ASSERT_EQ(last_ctrl_to(&c, 3, &f), DC_FILE_CANCEL);
    ASSERT_STR_EQ(f.reason, "sender-left");
    /* nobody to offer to */
    sfu_dc_relay_member_leave(r, 3);
    ctrl(r, 2, OFFER, "10");
    ASSERT_EQ(last_ctrl_to(&c, 2, &f), DC_FILE_DECLINE);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.transfers, 0);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

TEST(oversized_offer_is_rejected)
{
    capture_t c;
    sfu_dc_relay_t *r = make(&c, 0); /* max_file_size 8 MiB */
    room_of_three(r);
    ctrl(r, 1, OFFER, "9000000");
    dc_file_ctrl_t f;
    ASSERT_EQ(last_ctrl_to(&c, 2, &f), -1);
    sfu_dc_relay_stats_t s;
    sfu_dc_relay_get_stats(r, &s);
    ASSERT_EQ(s.bad_messages, 1);
    sfu_dc_relay_destroy(r);
    free(c.msgs);
}

int main(void)
{
    RUN(chat_is_stamped_relayed_to_others_once);
    RUN(private_message_goes_to_one_peer_and_not_into_history);
    RUN(history_is_bounded_and_sent_oldest_first_to_a_late_joiner);
    RUN(queued_control_messages_wait_for_the_buffer);
    RUN(bad_input_is_counted_not_relayed);
    RUN(chat_flood_is_rate_limited);
    RUN(room_transfer_answers_aggregate_and_chunks_reach_every_acceptor);
    RUN(slow_receiver_leg_queues_within_the_window);
    RUN(sender_overrunning_its_window_is_cancelled);
    RUN(bad_chunks_cancel_only_their_transfer);
    RUN(cancel_and_leave_end_transfers_on_both_sides);
    RUN(oversized_offer_is_rejected);
    return TEST_REPORT();
}
