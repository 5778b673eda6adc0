/*
 * libFuzzer harness for the DataChannel logic of the usrsctp adapter
 * (datachannel/sctp_channel.c): a connected pair of associations in memory;
 * each input is a list of records that inject raw SCTP user messages (any
 * stream, any PPID, any bytes: forged DCEP OPEN/ACK, orphan data, deprecated
 * PPIDs) or open / close channels, then the pair runs until quiet. Nothing
 * may crash, leak or wedge the pair; a pair that died is rebuilt.
 *
 * Record: [op] [stream] [len] [len bytes]
 *   op & 7: 0-4 inject with PPID 50,51,53,56/57,52/54; 5 unknown PPID;
 *           6 open a channel; 7 close the stream
 *   op & 8: direction (client -> server, or server -> client)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/sctp_assoc.h"
#include "datachannel/sctp_internal.h"

typedef struct pkt {
    struct pkt *next;
    size_t len;
    uint8_t data[];
} pkt_t;

typedef struct side {
    dc_sctp_t *a;
    pkt_t *head, *tail;
    int connected, closed;
} side_t;

static side_t sides[2];
static int64_t now_ms;

static void on_output(void *user, const uint8_t *pkt, size_t len)
{
    side_t *s = user;
    pkt_t *k = malloc(sizeof *k + len);
    if (!k)
        return;
    k->next = NULL;
    k->len = len;
    memcpy(k->data, pkt, len);
    if (s->tail) s->tail->next = k; else s->head = k;
    s->tail = k;
}

static void on_connected(void *user) { ((side_t *)user)->connected = 1; }
static void on_closed(void *user, dc_sctp_close_reason_t r) { ((side_t *)user)->closed = 1; }

/* The server side echoes what it gets, as a relay would; the client does
 * not, or the two would ping-pong forever. */
static void on_message(void *user, uint16_t stream, bool is_string,
                       const uint8_t *data, size_t len)
{
    side_t *s = user;
    if (s != &sides[1])
        return;
    dc_sctp_send(s->a, stream, is_string ? DC_PPID_STRING : DC_PPID_BINARY, data,
                 len > 64 ? 64 : len);
}

static int pump(void)
{
    int moved = 0;
    for (int round = 0; round < 200; round++) {
        int n = 0;
        for (int i = 0; i < 2; i++) {
            pkt_t *k = sides[i].head;
            sides[i].head = sides[i].tail = NULL;
            while (k) {
                pkt_t *next = k->next;
                if (sides[!i].a)
                    dc_sctp_handle_packet(sides[!i].a, k->data, k->len);
                free(k);
                k = next;
                n++;
            }
        }
        moved += n;
        if (n == 0) {
            if (round > 30)
                break;
            now_ms += DC_SCTP_TICK_INTERVAL_MS;
            dc_sctp_tick(now_ms);
        }
    }
    return moved;
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++) {
        dc_sctp_destroy(sides[i].a);
        pkt_t *k = sides[i].head;
        while (k) {
            pkt_t *next = k->next;
            free(k);
            k = next;
        }
        memset(&sides[i], 0, sizeof sides[i]);
    }
}

static int setup(void)
{
    for (int i = 0; i < 2; i++) {
        dc_sctp_config_t cfg = {.dtls_server = i == 1, .max_streams = 64,
                                .max_message_size = 4096};
        dc_sctp_callbacks_t cb = {.user = &sides[i], .on_output = on_output,
                                  .on_connected = on_connected, .on_closed = on_closed,
                                  .on_message = on_message};
        if (dc_sctp_create(&cfg, &cb, &sides[i].a) != DC_OK)
            return -1;
    }
    dc_sctp_connect(sides[0].a);
    dc_sctp_connect(sides[1].a);
    pump();
    return sides[0].connected && sides[1].connected ? 0 : -1;
}

static void inject(side_t *s, uint16_t sid, uint32_t ppid, const uint8_t *d, size_t len)
{
    static const uint8_t zero = 0;
    if (dc_sctp_stack_enter() < 0)
        return;
    dc_sctp_raw_send(s->a, sid, ppid, len ? d : &zero, len ? len : 1, false,
                     DC_RELIABLE, 0);
    dc_sctp_stack_leave();
}

static void run_record(uint8_t op, uint16_t sid, const uint8_t *d, size_t len)
{
    static const uint32_t ppids[] = {50, 51, 53, 56, 52, 9999};
    side_t *s = &sides[(op >> 3) & 1];
    switch (op & 7) {
    case 6: {
        dc_channel_params_t p = {.label = "fz", .channel_type = len ? d[0] : 0};
        uint16_t out;
        dc_sctp_open_channel(s->a, &p, &out);
        break;
    }
    case 7:
        dc_sctp_close_channel(s->a, sid);
        break;
    default: {
        uint32_t ppid = ppids[op & 7];
        if ((op & 0x10) && (ppid == 56 || ppid == 52))
            ppid++; /* 57, 53... keep the partial/empty variants reachable */
        inject(s, sid, ppid, d, len);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sides[0].closed || sides[1].closed || !sides[0].a)
        teardown();
    if (!sides[0].a && setup() < 0) {
        teardown();
        return 0;
    }
    while (size >= 3) {
        uint8_t op = data[0];
        uint16_t sid = data[1] % 64;
        size_t len = data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        run_record(op, sid, data, len);
        data += len;
        size -= len;
    }
    pump();
    return 0;
}
