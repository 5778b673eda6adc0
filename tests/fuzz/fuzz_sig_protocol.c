/*
 * Fuzzes the signaling path a hostile client reaches: the request codec and,
 * for inputs that parse, the session engine's dispatch (join, resume, leave,
 * unknown methods) through a fake carrier. The input is split on newlines
 * into several messages from two connections, so sequences (join then
 * resume with garbage, leave twice...) get exercised too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/engine.h"
#include "signaling/protocol.h"

static void sink_send(void *conn, const char *text, size_t len)
{
    (void)conn;
    (void)text;
    (void)len;
}

static void sink_close(void *conn, int code, const char *reason)
{
    (void)conn;
    (void)code;
    (void)reason;
}

static const sig_carrier_ops_t ops = {sink_send, sink_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sfu_log_threshold = -1;
    sig_request_t req;
    char why[160];
    if (sig_request_parse((const char *)data, size, 65536, 16, &req, why, sizeof why) == SIG_OK)
        sig_request_clear(&req);
    sig_json_depth((const char *)data, size, 16);

    sig_engine_config_t cfg = {.max_peers_per_room = 3, .max_rooms = 4, .grace_period_ms = 10,
                               .replay_events = 8, .max_message_bytes = 65536,
                               .max_json_depth = 16, .rate_limit = 1000, .rate_burst = 1000};
    sig_engine_t *e = sig_engine_create(&cfg, NULL);
    int dummy[2];
    sig_client_t *clients[2] = {sig_client_create(e, &ops, &dummy[0], "fuzz", "a"),
                                sig_client_create(e, &ops, &dummy[1], "fuzz", "b")};
    size_t start = 0;
    int turn = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            sig_client_handle_text(clients[turn & 1], (const char *)data + start, i - start, (int64_t)i);
            turn++;
            start = i + 1;
        }
    }
    sig_client_destroy(clients[0], (int64_t)size + 1);
    sig_engine_tick(e, (int64_t)size + 100);
    sig_client_destroy(clients[1], (int64_t)size + 200);
    sig_engine_destroy(e);
    return 0;
}
