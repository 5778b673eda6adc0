/*
 * Server settings. Every setting has one row in the table in config.c, which
 * gives its flag, its SWITCHBOARD_* environment variable, its default and its
 * help text; --help and docs/configuration.md are generated from that row, so
 * they cannot drift apart. Precedence: defaults < environment < flags.
 */
#ifndef SFU_CONFIG_H
#define SFU_CONFIG_H

#include <stdio.h>

#define SFU_HOST_MAX 256
#define SFU_PATH_MAX 4096

typedef struct sfu_config {
    char listen_host[SFU_HOST_MAX];
    int listen_port;
    char web_root[SFU_PATH_MAX];
    int workers;            /* media worker threads; 0 = one per core */
    char log_level[16];

    /* signaling */
    int max_peers_per_room;
    int max_rooms;
    int grace_period_s;     /* a detached session keeps its place this long */
    int replay_events;      /* events kept per session for resume */
    int max_message_bytes;  /* largest signaling message accepted */
    int max_json_depth;
    int rate_limit;         /* messages per second per connection (sustained) */
    int rate_burst;         /* messages allowed in a burst */
    int heartbeat_s;        /* WebSocket ping after this much silence */

    /* HTTP fallback carriers: SSE (/sse + /rpc) and long-poll (/poll + /rpc) */
    char cors_origins[1024]; /* comma-separated allowlist, "*" = any; empty = same origin */
    int sse_heartbeat_s;    /* comment line on an idle SSE stream */
    int long_poll_timeout_s; /* a poll with nothing to return waits this long */
    int http_idle_timeout_s; /* no stream and no poll this long: the connection is gone */
    int max_http_connections;

    /* media (used from the media issue on) */
    char rtc_ports[32];     /* "MIN-MAX" UDP range */
    char announce_ip[SFU_HOST_MAX];

    /* DataChannels (sfu/DATACHANNELS.md) */
    int chat_history;       /* chat messages kept per room for late joiners */
    int max_file_size;      /* bytes; largest file offer accepted */
} sfu_config_t;

/* Fills *cfg with the defaults. */
void sfu_config_defaults(sfu_config_t *cfg);

/*
 * Applies SWITCHBOARD_* environment variables, then argv. Returns 0 to run,
 * 1 when --help/--version was printed (exit 0), -1 on a bad setting (a message
 * naming the setting has been printed to stderr; exit 2).
 */
int sfu_config_load(sfu_config_t *cfg, int argc, char **argv);

/* Checks ranges and cross-field rules; prints the problem and returns -1. */
int sfu_config_validate(const sfu_config_t *cfg);

void sfu_config_print_help(FILE *out, const char *prog);

/* Writes the settings table as Markdown (for docs/configuration.md). */
void sfu_config_print_markdown(FILE *out);

#endif
