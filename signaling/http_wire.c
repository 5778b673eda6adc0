#include "signaling/http_wire.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int sig_http_cid_valid(const char *cid)
{
    size_t n = 0;
    if (!cid)
        return 0;
    for (; cid[n]; n++) {
        char ch = cid[n];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '_';
        if (!ok || n >= SIG_CID_MAX)
            return 0;
    }
    return n >= SIG_CID_MIN;
}

/* Appends len bytes at *at when they fit; always advances *at. */
static void put(char *buf, size_t cap, size_t *at, const char *s, size_t len)
{
    if (*at < cap)
        memcpy(buf + *at, s, *at + len <= cap ? len : cap - *at);
    *at += len;
}

size_t sig_sse_frame(char *buf, size_t cap, uint64_t id, const char *event, const char *data,
                     size_t len)
{
    size_t at = 0;
    char head[64];
    if (id > 0) {
        int n = snprintf(head, sizeof head, "id: %llu\n", (unsigned long long)id);
        put(buf, cap, &at, head, (size_t)n);
    }
    if (event) {
        put(buf, cap, &at, "event: ", 7);
        put(buf, cap, &at, event, strlen(event));
        put(buf, cap, &at, "\n", 1);
    }
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && data[i] != '\r' && data[i] != '\n')
            i++;
        put(buf, cap, &at, "data: ", 6);
        put(buf, cap, &at, data + start, i - start);
        put(buf, cap, &at, "\n", 1);
        if (i < len && data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        if (i < len)
            i++; /* the line end; a final one still ends an empty last line */
        else
            break;
    }
    put(buf, cap, &at, "\n", 1);
    if (at < cap)
        buf[at] = '\0';
    return at;
}

int sig_origin_listed(const char *list, const char *origin)
{
    if (!list || !origin || !*origin)
        return 0;
    size_t olen = strlen(origin);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && end[-1] == ' ')
            end--;
        size_t n = (size_t)(end - start);
        if (n == 1 && *start == '*')
            return 1;
        if (n && n == olen && strncasecmp(start, origin, n) == 0)
            return 1;
    }
    return 0;
}

int sig_origin_is_host(const char *origin, const char *host)
{
    if (!origin || !host || !*host)
        return 0;
    const char *sep = strstr(origin, "://");
    if (!sep)
        return 0;
    return strcasecmp(sep + 3, host) == 0;
}

int sig_poll_parse_after(const char *body, size_t len, uint64_t *after, char *why, size_t cap)
{
    *after = 0;
    if (len == 0)
        return 0;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        snprintf(why, cap, "the body must be a JSON object like {\"after\": 0}");
        json_decref(root);
        return -1;
    }
    json_t *v = json_object_get(root, "after");
    int rc = 0;
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
        snprintf(why, cap, "\"after\" must be a non-negative integer");
        rc = -1;
    } else if (v)
        *after = (uint64_t)json_integer_value(v);
    json_decref(root);
    return rc;
}

uint64_t sig_sse_parse_id(const char *s)
{
    uint64_t v = 0;
    if (!s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}
