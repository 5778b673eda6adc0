/*
 * DataChannels on one association: DCEP open/ack (RFC 8832 §6), user
 * messages by PPID (RFC 8831 §6.6, §8), and closing by stream reset
 * (RFC 8831 §6.7): each side resets its outgoing stream; a channel is
 * reported closed once the peer's reset arrives and its stream id is free
 * again once both directions are reset.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/sctp_internal.h"

static dc_channel_t *get(const dc_sctp_t *a, uint32_t sid)
{
    return sid < a->cfg.max_streams ? a->channels[sid] : NULL;
}

static char *dup_bytes(const void *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        if (len)
            memcpy(s, p, len);
        s[len] = '\0';
    }
    return s;
}

static void channel_free(dc_sctp_t *a, uint16_t sid)
{
    dc_channel_t *ch = a->channels[sid];
    if (!ch)
        return;
    a->channels[sid] = NULL;
    free(ch->label);
    free(ch->protocol);
    free(ch);
}

void dc_sctp_channels_free(dc_sctp_t *a)
{
    for (uint32_t sid = 0; sid < a->cfg.max_streams; sid++)
        channel_free(a, (uint16_t)sid);
}

static dc_channel_t *channel_new(dc_sctp_t *a, uint16_t sid,
                                 const void *label, size_t label_len,
                                 const void *protocol, size_t protocol_len)
{
    dc_channel_t *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->label = dup_bytes(label, label_len);
    ch->protocol = dup_bytes(protocol, protocol_len);
    if (!ch->label || !ch->protocol) {
        free(ch->label);
        free(ch->protocol);
        free(ch);
        return NULL;
    }
    ch->info.stream = sid;
    ch->info.label = ch->label;
    ch->info.protocol = ch->protocol;
    a->channels[sid] = ch;
    return ch;
}

/* Streams both directions can use: ids below what the peer accepted. */
static uint32_t stream_limit(const dc_sctp_t *a)
{
    uint32_t n = a->cfg.max_streams;
    if (a->in_streams < n) n = a->in_streams;
    if (a->out_streams < n) n = a->out_streams;
    return n;
}

static void report_open(dc_sctp_t *a, dc_channel_t *ch)
{
    if (a->cb.on_channel_open)
        a->cb.on_channel_open(a->cb.user, &ch->info);
}

static void report_close(dc_sctp_t *a, dc_channel_t *ch)
{
    if (ch->close_reported)
        return;
    ch->close_reported = true;
    if (a->cb.on_channel_close)
        a->cb.on_channel_close(a->cb.user, ch->info.stream);
}

/* Asks usrsctp to reset our outgoing stream; retried from drain on failure.
 * With the association down there is nothing left to reset. */
static void request_reset(dc_sctp_t *a, dc_channel_t *ch)
{
    ch->state = DC_CH_CLOSING;
    if (ch->out_reset_req || ch->out_reset_done)
        return;
    if (a->state != DC_ASSOC_OPEN) {
        ch->out_reset_done = true;
        return;
    }
    if (dc_sctp_reset_stream(a, ch->info.stream) == DC_OK)
        ch->out_reset_req = true;
    else
        a->need_retry = true;
}

static int send_ack(dc_sctp_t *a, dc_channel_t *ch)
{
    uint8_t ack[1];
    size_t len;
    dc_dcep_write_ack(ack, sizeof ack, &len);
    return dc_sctp_raw_send(a, ch->info.stream, DC_PPID_DCEP, ack, len, false,
                            DC_RELIABLE, 0);
}

/*
 * RFC 8832 §6: a bad OPEN (malformed, wrong parity, stream in use) closes
 * the stream and gets no ACK. A stream with no channel gets a silent stub so
 * the reset handshake completes and frees the id.
 */
static void reject_stream(dc_sctp_t *a, uint16_t sid)
{
    a->stats.dcep_errors++;
    if (sid >= a->cfg.max_streams)
        return;
    dc_channel_t *ch = a->channels[sid];
    if (!ch) {
        ch = channel_new(a, sid, "", 0, "", 0);
        if (!ch)
            return;
        ch->close_reported = true;
    }
    request_reset(a, ch);
}

static void on_dcep_open(dc_sctp_t *a, uint16_t sid, const uint8_t *buf, size_t len)
{
    dc_dcep_open_t o;
    if (dc_dcep_parse_open(buf, len, &o) < 0 ||
        dc_stream_id_check_remote(sid, a->cfg.dtls_server) != DC_OK ||
        o.label_len > DC_LABEL_MAX || o.protocol_len > DC_LABEL_MAX ||
        get(a, sid)) {
        reject_stream(a, sid);
        return;
    }
    dc_channel_t *ch = channel_new(a, sid, o.label, o.label_len, o.protocol,
                                   o.protocol_len);
    if (!ch) {
        reject_stream(a, sid);
        return;
    }
    ch->state = DC_CH_OPEN;
    ch->info.channel_type = o.channel_type;
    ch->info.priority = o.priority;
    ch->info.reliability = o.reliability;
    ch->info.remote = true;
    if (send_ack(a, ch) < 0) {
        ch->ack_pending = true; /* send buffer full: retried from drain */
        a->need_retry = true;
    }
    report_open(a, ch);
}

static void on_dcep_ack(dc_sctp_t *a, uint16_t sid, const uint8_t *buf, size_t len)
{
    dc_channel_t *ch = get(a, sid);
    if (dc_dcep_parse_ack(buf, len) < 0 || !ch || ch->state != DC_CH_OPENING) {
        a->stats.dcep_errors++;
        return;
    }
    ch->state = DC_CH_OPEN;
    report_open(a, ch);
}

static void on_dcep(dc_sctp_t *a, uint16_t sid, const uint8_t *buf, size_t len)
{
    switch (dc_dcep_message_type(buf, len)) {
    case DC_DCEP_OPEN: on_dcep_open(a, sid, buf, len); break;
    case DC_DCEP_ACK: on_dcep_ack(a, sid, buf, len); break;
    default: a->stats.dcep_errors++; break; /* unknown types are ignored */
    }
}

static bool take_discard(dc_sctp_t *a, uint16_t sid, bool eor)
{
    if (sid >= a->cfg.max_streams)
        return true;
    uint8_t bit = (uint8_t)(1u << (sid % 8));
    bool was = (a->discard[sid / 8] & bit) != 0;
    if (eor)
        a->discard[sid / 8] &= (uint8_t)~bit;
    else
        a->discard[sid / 8] |= bit;
    return was || !eor;
}

void dc_sctp_channel_on_data(dc_sctp_t *a, const struct sctp_rcvinfo *rcv,
                             const uint8_t *data, size_t len, bool eor)
{
    uint16_t sid = rcv->rcv_sid;
    dc_ppid_info_t pi;
    /* Only messages over max_message_size arrive in pieces (see configure):
     * drop every piece up to and including the one with EOR. */
    if (take_discard(a, sid, eor)) {
        if (eor)
            a->stats.dropped_messages++;
        return;
    }
    if (dc_ppid_classify(ntohl(rcv->rcv_ppid), &pi) < 0 || pi.partial ||
        len > a->cfg.max_message_size) {
        a->stats.dropped_messages++; /* 52/54 are deprecated: not supported */
        return;
    }
    if (pi.dcep) {
        on_dcep(a, sid, data, len);
        return;
    }
    dc_channel_t *ch = get(a, sid);
    if (!ch || ch->close_reported) {
        a->stats.dropped_messages++;
        return;
    }
    if (ch->state == DC_CH_OPENING) { /* RFC 8832 §6: implicit ACK */
        ch->state = DC_CH_OPEN;
        report_open(a, ch);
        if (a->dead || get(a, sid) != ch)
            return;
    }
    a->stats.messages_in++;
    a->stats.message_bytes_in += pi.empty ? 0 : len;
    if (a->cb.on_message)
        a->cb.on_message(a->cb.user, sid, pi.is_string, pi.empty ? NULL : data,
                         pi.empty ? 0 : len);
}

/* The peer reset its outgoing stream: the channel is closed. */
static void on_incoming_reset(dc_sctp_t *a, uint16_t sid)
{
    dc_channel_t *ch = get(a, sid);
    if (!ch)
        return;
    ch->in_reset_done = true;
    request_reset(a, ch); /* no-op if we started the close */
    report_close(a, ch);
    if (!a->dead && get(a, sid) == ch && ch->out_reset_done)
        channel_free(a, sid);
}

static void on_outgoing_reset(dc_sctp_t *a, uint16_t sid, bool failed)
{
    dc_channel_t *ch = get(a, sid);
    if (!ch || !ch->out_reset_req)
        return;
    ch->out_reset_req = false;
    if (failed && ++ch->reset_retries <= 5) {
        a->need_retry = true;
        return;
    }
    ch->out_reset_done = true;
    if (ch->in_reset_done)
        channel_free(a, sid);
}

void dc_sctp_channel_on_reset(dc_sctp_t *a,
                              const struct sctp_stream_reset_event *ev,
                              size_t len)
{
    size_t n = (len - sizeof *ev) / sizeof(uint16_t);
    size_t claimed = ev->strreset_length > sizeof *ev
                         ? (ev->strreset_length - sizeof *ev) / sizeof(uint16_t) : 0;
    if (claimed < n)
        n = claimed;
    bool all = n == 0; /* an empty list means every stream */
    size_t count = all ? a->cfg.max_streams : n;
    uint16_t flags = ev->strreset_flags;
    bool failed = (flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) != 0;
    for (size_t i = 0; i < count && !a->dead; i++) {
        uint16_t sid = all ? (uint16_t)i : ev->strreset_stream_list[i];
        if ((flags & SCTP_STREAM_RESET_INCOMING_SSN) && !failed)
            on_incoming_reset(a, sid);
        if (flags & SCTP_STREAM_RESET_OUTGOING_SSN)
            on_outgoing_reset(a, sid, failed);
    }
}

void dc_sctp_channel_retry(dc_sctp_t *a)
{
    a->need_retry = false;
    if (a->state != DC_ASSOC_OPEN)
        return; /* nothing can be sent any more */
    for (uint32_t sid = 0; sid < a->cfg.max_streams; sid++) {
        dc_channel_t *ch = a->channels[sid];
        if (!ch)
            continue;
        if (ch->ack_pending) {
            if (send_ack(a, ch) == DC_OK)
                ch->ack_pending = false;
            else
                a->need_retry = true;
        }
        if (ch->state == DC_CH_CLOSING)
            request_reset(a, ch);
    }
}

/* Lowest free stream id of our parity (RFC 8832 §6), or -1. */
static int pick_stream(const dc_sctp_t *a)
{
    uint32_t limit = stream_limit(a);
    for (uint32_t sid = a->cfg.dtls_server ? 1 : 0; sid < limit; sid += 2)
        if (!a->channels[sid])
            return (int)sid;
    return -1;
}

static int check_params(const dc_channel_params_t *p, size_t label_len,
                        size_t protocol_len)
{
    if (!dc_channel_type_valid(p->channel_type) ||
        label_len > DC_LABEL_MAX || protocol_len > DC_LABEL_MAX)
        return DC_EINVAL;
    if (!dc_utf8_valid((const uint8_t *)p->label, label_len) ||
        !dc_utf8_valid((const uint8_t *)p->protocol, protocol_len))
        return DC_EINVAL;
    return DC_OK;
}

static int send_open(dc_sctp_t *a, dc_channel_t *ch)
{
    dc_dcep_open_t o = {
        .channel_type = ch->info.channel_type, .priority = ch->info.priority,
        .reliability = ch->info.reliability,
        .label = (const uint8_t *)ch->label, .label_len = (uint16_t)strlen(ch->label),
        .protocol = (const uint8_t *)ch->protocol,
        .protocol_len = (uint16_t)strlen(ch->protocol),
    };
    uint8_t buf[DC_DCEP_OPEN_HEADER_LEN + 2 * DC_LABEL_MAX];
    size_t len;
    int rc = dc_dcep_write_open(&o, buf, sizeof buf, &len);
    if (rc == DC_OK) /* RFC 8832 §6: DCEP is ordered and reliable */
        rc = dc_sctp_raw_send(a, ch->info.stream, DC_PPID_DCEP, buf, len,
                              false, DC_RELIABLE, 0);
    return rc;
}

static int open_locked(dc_sctp_t *a, const dc_channel_params_t *p, uint16_t *out)
{
    const char *label = p->label ? p->label : "";
    const char *protocol = p->protocol ? p->protocol : "";
    size_t llen = strnlen(label, DC_LABEL_MAX + 1);
    size_t plen = strnlen(protocol, DC_LABEL_MAX + 1);
    int rc = check_params(p, llen, plen);
    if (rc < 0)
        return rc;
    if (a->dead || a->state != DC_ASSOC_OPEN)
        return DC_ESTATE;
    int sid = p->negotiated ? p->stream : pick_stream(a);
    if (sid < 0 || (uint32_t)sid >= stream_limit(a))
        return p->negotiated ? DC_EINVAL : DC_ENOSPC;
    if (a->channels[sid])
        return DC_EPROTO;
    dc_channel_t *ch = channel_new(a, (uint16_t)sid, label, llen, protocol, plen);
    if (!ch)
        return DC_ENOMEM;
    ch->info.channel_type = p->channel_type;
    ch->info.priority = p->priority ? p->priority : DC_PRIORITY_NORMAL;
    ch->info.reliability = dc_channel_type_reliability(p->channel_type) == DC_RELIABLE
                               ? 0 : p->reliability;
    ch->info.negotiated = p->negotiated;
    ch->state = p->negotiated ? DC_CH_OPEN : DC_CH_OPENING;
    if (!p->negotiated && (rc = send_open(a, ch)) < 0) {
        channel_free(a, (uint16_t)sid);
        return rc;
    }
    if (out)
        *out = (uint16_t)sid;
    return DC_OK;
}

int dc_sctp_open_channel(dc_sctp_t *a, const dc_channel_params_t *p,
                         uint16_t *stream_out)
{
    if (!a || !p)
        return DC_EINVAL;
    int rc = dc_sctp_stack_enter();
    if (rc < 0)
        return rc;
    rc = open_locked(a, p, stream_out);
    dc_sctp_stack_leave();
    return rc;
}

static int send_locked(dc_sctp_t *a, uint16_t sid, uint32_t ppid,
                       const uint8_t *data, size_t len)
{
    if (a->dead || a->state != DC_ASSOC_OPEN)
        return DC_ESTATE;
    dc_channel_t *ch = get(a, sid);
    if (!ch)
        return DC_ENOENT;
    if (ch->state == DC_CH_CLOSING)
        return DC_ESTATE;
    if (len > dc_sctp_max_send_size(a))
        return DC_ETOOBIG;
    static const uint8_t empty_payload[1] = {0};
    uint32_t wire_ppid = dc_ppid_for_message(ppid == DC_PPID_STRING, len);
    /* Until the ACK, messages go ordered so they cannot overtake the OPEN. */
    bool unordered = dc_channel_type_unordered(ch->info.channel_type) &&
                     ch->state == DC_CH_OPEN;
    int rc = dc_sctp_raw_send(a, sid, wire_ppid, len ? data : empty_payload,
                              len ? len : 1, unordered,
                              dc_channel_type_reliability(ch->info.channel_type),
                              ch->info.reliability);
    if (rc == DC_EAGAIN) {
        a->stats.send_would_block++;
    } else if (rc == DC_OK) {
        a->stats.messages_out++;
        a->stats.message_bytes_out += len;
    }
    return rc;
}

int dc_sctp_send(dc_sctp_t *a, uint16_t stream, uint32_t ppid,
                 const uint8_t *data, size_t len)
{
    if (!a || (!data && len) || (ppid != DC_PPID_STRING && ppid != DC_PPID_BINARY))
        return DC_EINVAL;
    int rc = dc_sctp_stack_enter();
    if (rc < 0)
        return rc;
    rc = send_locked(a, stream, ppid, data, len);
    dc_sctp_stack_leave();
    return rc;
}

int dc_sctp_close_channel(dc_sctp_t *a, uint16_t stream)
{
    if (!a)
        return DC_EINVAL;
    int rc = dc_sctp_stack_enter();
    if (rc < 0)
        return rc;
    dc_channel_t *ch = a->dead ? NULL : get(a, stream);
    if (!ch)
        rc = DC_ENOENT;
    else if (ch->state == DC_CH_CLOSING)
        rc = DC_ESTATE;
    else
        request_reset(a, ch);
    dc_sctp_stack_leave();
    return rc;
}

int dc_sctp_channel_info(const dc_sctp_t *a, uint16_t stream,
                         dc_channel_info_t *out)
{
    if (!a || !out || dc_sctp_stack_enter() < 0)
        return DC_EINVAL;
    const dc_channel_t *ch = a->dead ? NULL : get(a, stream);
    if (ch)
        *out = ch->info;
    dc_sctp_stack_leave();
    return ch ? DC_OK : DC_ENOENT;
}
