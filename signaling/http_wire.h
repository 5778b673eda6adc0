/*
 * Wire pieces of the HTTP carriers (SSE and long-poll), kept pure so they are
 * unit-tested without a socket: connection-id validation, Server-Sent Events
 * framing (WHATWG HTML, "Server-sent events", section 9.2.6 "Interpreting an
 * event stream"), the CORS origin allowlist, and the poll request/response
 * bodies. signaling/PROTOCOL.md ("Carriers") describes the wire.
 */
#ifndef SIG_HTTP_WIRE_H
#define SIG_HTTP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* A connection id: 22..64 characters of A-Z a-z 0-9 - _ (base64url or hex),
   chosen at random by the client (at least 128 bits). */
#define SIG_CID_MIN 22
#define SIG_CID_MAX 64

int sig_http_cid_valid(const char *cid);

/*
 * Writes one SSE frame into buf: "id: <id>\n" when id > 0, "event: <name>\n"
 * when event is not NULL, one "data: " line per line of data (CR, LF and CRLF
 * all end a line, so no text can break the framing), then the blank line.
 * Returns the frame's length; when that is >= cap nothing useful was written
 * (call again with a bigger buffer), like snprintf.
 */
size_t sig_sse_frame(char *buf, size_t cap, uint64_t id, const char *event, const char *data,
                     size_t len);

/*
 * Is origin (an Origin header value such as "https://app.example") in list,
 * a comma-separated allowlist where "*" allows any origin? Spaces around
 * entries are ignored; comparison is exact and case-insensitive.
 */
int sig_origin_listed(const char *list, const char *origin);

/* Does origin name the same host[:port] as the Host header (same origin)? */
int sig_origin_is_host(const char *origin, const char *host);

/*
 * Parses a poll body {"after": n} (n a non-negative integer; other fields are
 * ignored; an empty body means after 0). Returns 0 or -1 with a reason.
 */
int sig_poll_parse_after(const char *body, size_t len, uint64_t *after, char *why, size_t cap);

/* Parses a decimal Last-Event-ID; 0 for absent or unreadable values. */
uint64_t sig_sse_parse_id(const char *s);

#endif
