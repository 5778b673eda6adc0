#include "sfu/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"

typedef enum { OPT_STRING, OPT_INT } opt_type_t;

typedef struct {
    const char *flag;      /* long option without the dashes */
    const char *env;       /* SWITCHBOARD_... */
    opt_type_t type;
    size_t offset;         /* into sfu_config_t */
    size_t size;           /* buffer size for strings */
    const char *def;       /* default, as text */
    const char *metavar;
    const char *help;
} opt_row_t;

#define STR(field, ...) OPT_STRING, offsetof(sfu_config_t, field), sizeof(((sfu_config_t *)0)->field), __VA_ARGS__
#define INT(field, ...) OPT_INT, offsetof(sfu_config_t, field), 0, __VA_ARGS__

/* The one table of settings. "listen" is special-cased: HOST:PORT. */
static const opt_row_t rows[] = {
    {"listen", "SWITCHBOARD_LISTEN", STR(listen_host, "0.0.0.0:8080", "HOST:PORT",
     "address and port for HTTP, WebSocket signaling and the web demo")},
    {"web-root", "SWITCHBOARD_WEB_ROOT", STR(web_root, "", "DIR",
     "directory served at / (default: web-demo/ next to the binary's source tree)")},
    {"workers", "SWITCHBOARD_WORKERS", INT(workers, "0", "N",
     "media worker threads; 0 means one per CPU core")},
    {"log-level", "SWITCHBOARD_LOG_LEVEL", STR(log_level, "info", "LEVEL",
     "error, warn, info or debug")},
    {"max-peers-per-room", "SWITCHBOARD_MAX_PEERS_PER_ROOM", INT(max_peers_per_room, "16", "N",
     "participants allowed in one room; more get room_full")},
    {"max-rooms", "SWITCHBOARD_MAX_ROOMS", INT(max_rooms, "1000", "N",
     "rooms allowed at once; more get server_full")},
    {"grace-period", "SWITCHBOARD_GRACE_PERIOD", INT(grace_period_s, "30", "SECONDS",
     "how long a participant whose connection dropped keeps its place")},
    {"replay-events", "SWITCHBOARD_REPLAY_EVENTS", INT(replay_events, "256", "N",
     "events kept per session to replay on resume")},
    {"max-message-size", "SWITCHBOARD_MAX_MESSAGE_SIZE", INT(max_message_bytes, "65536", "BYTES",
     "largest signaling message accepted")},
    {"max-json-depth", "SWITCHBOARD_MAX_JSON_DEPTH", INT(max_json_depth, "16", "N",
     "deepest JSON nesting accepted in a signaling message")},
    {"rate-limit", "SWITCHBOARD_RATE_LIMIT", INT(rate_limit, "50", "PER_SECOND",
     "signaling messages per second per connection, sustained")},
    {"rate-burst", "SWITCHBOARD_RATE_BURST", INT(rate_burst, "200", "N",
     "signaling messages allowed in a burst before the rate limit applies")},
    {"heartbeat", "SWITCHBOARD_HEARTBEAT", INT(heartbeat_s, "5", "SECONDS",
     "WebSocket ping after this much silence; no answer within as long again drops the socket")},
    {"cors-origins", "SWITCHBOARD_CORS_ORIGINS", STR(cors_origins, "", "LIST",
     "origins allowed to use /sse, /rpc and /poll from another site (comma-separated, or *); empty: same origin only")},
    {"sse-heartbeat", "SWITCHBOARD_SSE_HEARTBEAT", INT(sse_heartbeat_s, "15", "SECONDS",
     "comment line sent on an idle SSE stream this often, so proxies keep it open")},
    {"long-poll-timeout", "SWITCHBOARD_LONG_POLL_TIMEOUT", INT(long_poll_timeout_s, "25", "SECONDS",
     "how long POST /poll waits for a message before answering with none")},
    {"http-idle-timeout", "SWITCHBOARD_HTTP_IDLE_TIMEOUT", INT(http_idle_timeout_s, "35", "SECONDS",
     "an SSE or long-poll connection with no open stream and no poll for this long is dropped; its session keeps its grace period")},
    {"max-http-connections", "SWITCHBOARD_MAX_HTTP_CONNECTIONS", INT(max_http_connections, "10000", "N",
     "SSE and long-poll connections allowed at once; more get 503")},
    {"rtc-ports", "SWITCHBOARD_RTC_PORTS", STR(rtc_ports, "40000-49999", "MIN-MAX",
     "UDP port range for media (ICE); read, not yet used: media transports are not wired in")},
    {"announce-ip", "SWITCHBOARD_ANNOUNCE_IP", STR(announce_ip, "", "IP",
     "address announced in ICE candidates instead of local ones (NAT, Docker); not yet used")},
    {"chat-history", "SWITCHBOARD_CHAT_HISTORY", INT(chat_history, "200", "N",
     "chat messages kept per room for participants who join later; 0 keeps none")},
    {"max-file-size", "SWITCHBOARD_MAX_FILE_SIZE", INT(max_file_size, "104857600", "BYTES",
     "largest file a participant may offer over DataChannels")},
};

#define N_ROWS (sizeof rows / sizeof rows[0])

static int set_value(sfu_config_t *cfg, const opt_row_t *row, const char *value, const char *origin)
{
    char *field = (char *)cfg + row->offset;
    if (strcmp(row->flag, "listen") == 0) {
        const char *colon = strrchr(value, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        size_t host_len = colon ? (size_t)(colon - value) : 0;
        if (!colon || *end || port < 0 || port > 65535 || host_len >= sizeof cfg->listen_host) {
            fprintf(stderr, "switchboard: %s: --listen wants HOST:PORT, got \"%s\"\n", origin, value);
            return -1;
        }
        memcpy(cfg->listen_host, value, host_len);
        cfg->listen_host[host_len] = '\0';
        /* Accept [::1]:8080 as well as ::1 written without brackets. */
        if (host_len >= 2 && cfg->listen_host[0] == '[' && cfg->listen_host[host_len - 1] == ']') {
            memmove(cfg->listen_host, cfg->listen_host + 1, host_len - 2);
            cfg->listen_host[host_len - 2] = '\0';
        }
        cfg->listen_port = (int)port;
        return 0;
    }
    if (row->type == OPT_STRING) {
        if (strlen(value) >= row->size) {
            fprintf(stderr, "switchboard: %s: --%s is too long\n", origin, row->flag);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 0 || v > INT_MAX) {
        fprintf(stderr, "switchboard: %s: --%s wants a non-negative integer, got \"%s\"\n",
                origin, row->flag, value);
        return -1;
    }
    *(int *)field = (int)v;
    return 0;
}

void sfu_config_defaults(sfu_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_ROWS; i++)
        set_value(cfg, &rows[i], rows[i].def, "default");
}

static int load_env(sfu_config_t *cfg)
{
    for (size_t i = 0; i < N_ROWS; i++) {
        const char *v = getenv(rows[i].env);
        if (v && *v && set_value(cfg, &rows[i], v, rows[i].env) != 0)
            return -1;
    }
    return 0;
}

int sfu_config_load(sfu_config_t *cfg, int argc, char **argv)
{
    if (load_env(cfg) != 0)
        return -1;

    struct option longopts[N_ROWS + 4];
    for (size_t i = 0; i < N_ROWS; i++)
        longopts[i] = (struct option){rows[i].flag, required_argument, NULL, (int)(256 + i)};
    longopts[N_ROWS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[N_ROWS + 1] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[N_ROWS + 2] = (struct option){"print-config-table", no_argument, NULL, 'T'};
    longopts[N_ROWS + 3] = (struct option){0};

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            sfu_config_print_help(stdout, argv[0]);
            return 1;
        }
        if (c == 'V') {
            printf("switchboard 0.1.0\n");
            return 1;
        }
        if (c == 'T') {
            sfu_config_print_markdown(stdout);
            return 1;
        }
        if (c < 256 || c >= 256 + (int)N_ROWS) {
            fprintf(stderr, "Try '%s --help'.\n", argv[0]);
            return -1;
        }
        if (set_value(cfg, &rows[c - 256], optarg, "flag") != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "switchboard: unexpected argument \"%s\"; try --help\n", argv[optind]);
        return -1;
    }
    return sfu_config_validate(cfg);
}

static int parse_port_range(const char *s, int *lo, int *hi)
{
    char tail;
    if (sscanf(s, "%d-%d%c", lo, hi, &tail) != 2)
        return -1;
    return (*lo >= 1 && *hi <= 65535 && *lo <= *hi) ? 0 : -1;
}

int sfu_config_validate(const sfu_config_t *cfg)
{
    int lo, hi;
    const char *bad = NULL;
    if (sfu_log_level_from_string(cfg->log_level) < 0)
        bad = "--log-level must be error, warn, info or debug";
    else if (cfg->max_peers_per_room < 1)
        bad = "--max-peers-per-room must be at least 1";
    else if (cfg->max_rooms < 1)
        bad = "--max-rooms must be at least 1";
    else if (cfg->replay_events < 8)
        bad = "--replay-events must be at least 8";
    else if (cfg->max_message_bytes < 1024)
        bad = "--max-message-size must be at least 1024";
    else if (cfg->max_json_depth < 2 || cfg->max_json_depth > 1000)
        bad = "--max-json-depth must be between 2 and 1000";
    else if (cfg->rate_limit < 1 || cfg->rate_burst < 1)
        bad = "--rate-limit and --rate-burst must be at least 1";
    else if (cfg->heartbeat_s < 1 || cfg->heartbeat_s > 3600)
        bad = "--heartbeat must be between 1 and 3600 seconds";
    else if (cfg->sse_heartbeat_s < 1 || cfg->sse_heartbeat_s > 3600)
        bad = "--sse-heartbeat must be between 1 and 3600 seconds";
    else if (cfg->long_poll_timeout_s < 1 || cfg->long_poll_timeout_s > 300)
        bad = "--long-poll-timeout must be between 1 and 300 seconds";
    else if (cfg->http_idle_timeout_s < 1 || cfg->http_idle_timeout_s > 3600)
        bad = "--http-idle-timeout must be between 1 and 3600 seconds";
    else if (cfg->max_http_connections < 1)
        bad = "--max-http-connections must be at least 1";
    else if (cfg->chat_history > 100000)
        bad = "--chat-history must be at most 100000";
    else if (cfg->max_file_size < 1)
        bad = "--max-file-size must be at least 1";
    else if (cfg->workers > 256)
        bad = "--workers must be at most 256";
    else if (parse_port_range(cfg->rtc_ports, &lo, &hi) != 0)
        bad = "--rtc-ports wants MIN-MAX within 1-65535";
    if (bad) {
        fprintf(stderr, "switchboard: %s\n", bad);
        return -1;
    }
    return 0;
}

void sfu_config_print_help(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s [OPTION]...\n"
            "Switchboard: a WebRTC selective forwarding unit with built-in signaling.\n"
            "Serves the web demo at /, health at /healthz, stats at /stats and\n"
            "WebSocket signaling at /ws, all on the --listen port.\n\n"
            "Every option can also be set by its environment variable; flags win.\n\n",
            prog);
    for (size_t i = 0; i < N_ROWS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", rows[i].flag, rows[i].metavar);
        fprintf(out, "  %-30s %s\n", left, rows[i].help);
        fprintf(out, "  %-30s [env %s, default \"%s\"]\n", "", rows[i].env, rows[i].def);
    }
    fprintf(out, "  %-30s %s\n  %-30s %s\n", "-h, --help", "show this help and exit",
            "--version", "print the version and exit");
    fprintf(out, "\nSIGINT or SIGTERM tells every participant and exits 0.\n");
}

void sfu_config_print_markdown(FILE *out)
{
    fprintf(out, "| flag | environment | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N_ROWS; i++)
        fprintf(out, "| `--%s %s` | `%s` | `%s` | %s |\n", rows[i].flag, rows[i].metavar,
                rows[i].env, rows[i].def, rows[i].help);
}
