/*
 * One SCTP association over usrsctp (AF_CONN, one-to-one socket): creation
 * and socket options, inbound packets, the event queue, association-level
 * notifications and the raw send path. Channels live in sctp_channel.c,
 * process-wide usrsctp state in sctp_stack.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/sctp_internal.h"

static int apply_defaults(const dc_sctp_config_t *in, dc_sctp_config_t *c)
{
    static const dc_sctp_config_t zero;
    *c = in ? *in : zero;
    if (!c->local_port) c->local_port = DC_SCTP_DEFAULT_PORT;
    if (!c->remote_port) c->remote_port = DC_SCTP_DEFAULT_PORT;
    if (!c->max_streams) c->max_streams = DC_SCTP_DEFAULT_MAX_STREAMS;
    if (!c->max_message_size) c->max_message_size = DC_SCTP_DEFAULT_MAX_MESSAGE_SIZE;
    if (!c->remote_max_message_size)
        c->remote_max_message_size = DC_SCTP_REMOTE_MAX_MESSAGE_SIZE_DEFAULT;
    if (!c->send_buffer) c->send_buffer = DC_SCTP_DEFAULT_BUFFER;
    if (!c->recv_buffer) c->recv_buffer = DC_SCTP_DEFAULT_BUFFER;
    if (!c->mtu) c->mtu = DC_SCTP_DEFAULT_MTU;
    if (c->max_streams < 2 || c->mtu < 512 || c->max_message_size > (1u << 30))
        return DC_EINVAL;
    /* Messages up to max_message_size must arrive whole (see configure). */
    if (c->recv_buffer < 2 * c->max_message_size)
        c->recv_buffer = 2 * c->max_message_size;
    return DC_OK;
}

static int setopt(dc_sctp_t *a, int level, int name, const void *v, socklen_t len)
{
    return usrsctp_setsockopt(a->sock, level, name, v, len) == 0 ? DC_OK : DC_EIO;
}

static int subscribe_events(dc_sctp_t *a)
{
    static const uint16_t types[] = {
        SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SENDER_DRY_EVENT,
        SCTP_PARTIAL_DELIVERY_EVENT, SCTP_STREAM_CHANGE_EVENT,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_on = 1,
                                .se_type = types[i]};
        if (setopt(a, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev) < 0)
            return DC_EIO;
    }
    return DC_OK;
}

/*
 * Socket options for a WebRTC association. The receive buffer is at least
 * twice max_message_size and the partial delivery point is max_message_size,
 * so usrsctp only hands us pieces of messages larger than we accept (which
 * we drop) and never needs a reassembly buffer on our side.
 */
static int configure(dc_sctp_t *a)
{
    const dc_sctp_config_t *c = &a->cfg;
    struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close = ABORT */
    struct sctp_assoc_value reset = {.assoc_id = SCTP_FUTURE_ASSOC,
                                     .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ};
    struct sctp_assoc_value rr = {.assoc_id = SCTP_FUTURE_ASSOC,
                                  .assoc_value = SCTP_SS_ROUND_ROBIN};
    struct sctp_initmsg init = {.sinit_num_ostreams = c->max_streams,
                                .sinit_max_instreams = c->max_streams};
    struct sctp_paddrparams pp;
    int one = 1, sndbuf = (int)c->send_buffer, rcvbuf = (int)c->recv_buffer;
    uint32_t pd_point = c->max_message_size;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_flags = SPP_PMTUD_DISABLE;
    /* With AF_CONN, usrsctp 0.9.5 lets some packets reach path MTU + 12
     * (the common header; measured 1212 bytes at MTU 1200), so ask for 12
     * less to keep every packet within cfg.mtu. */
    pp.spp_pathmtu = c->mtu - 12u;
    if (usrsctp_set_non_blocking(a->sock, 1) < 0 ||
        setopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0 ||
        setopt(a, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0 ||
        setopt(a, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd_point,
               sizeof pd_point) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &rr, sizeof rr) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) < 0 ||
        setopt(a, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp) < 0)
        return DC_EIO;
    int got = 0;
    socklen_t len = sizeof got;
    if (usrsctp_getsockopt(a->sock, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0 || got <= 0)
        return DC_EIO;
    a->sndbuf = (uint32_t)got;
    return subscribe_events(a);
}

static int bind_local(dc_sctp_t *a)
{
    struct sockaddr_conn sconn;
    memset(&sconn, 0, sizeof sconn);
    sconn.sconn_family = AF_CONN;
    sconn.sconn_port = htons(a->cfg.local_port);
    sconn.sconn_addr = a->handle;
    return usrsctp_bind(a->sock, (struct sockaddr *)&sconn, sizeof sconn) == 0
               ? DC_OK : DC_EIO;
}

static dc_sctp_t *alloc_assoc(const dc_sctp_config_t *cfg,
                              const dc_sctp_callbacks_t *cb)
{
    dc_sctp_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cfg = *cfg;
    a->cb = *cb;
    a->output_ok = true;
    a->low_threshold = cfg->buffered_amount_low_threshold;
    a->channels = calloc(cfg->max_streams, sizeof *a->channels);
    a->discard = calloc((cfg->max_streams + 7u) / 8u, 1);
    if (!a->channels || !a->discard) {
        dc_sctp_free(a);
        return NULL;
    }
    return a;
}

int dc_sctp_create(const dc_sctp_config_t *cfg_in, const dc_sctp_callbacks_t *cb,
                   dc_sctp_t **out)
{
    dc_sctp_config_t cfg;
    if (!cb || !cb->on_output || !out || apply_defaults(cfg_in, &cfg) < 0)
        return DC_EINVAL;
    *out = NULL;
    dc_sctp_t *a = alloc_assoc(&cfg, cb);
    if (!a)
        return DC_ENOMEM;
    int rc = dc_sctp_stack_enter();
    if (rc < 0) {
        dc_sctp_free(a);
        return rc;
    }
    rc = dc_sctp_stack_attach(a);
    if (rc < 0) {
        dc_sctp_stack_leave();
        dc_sctp_free(a);
        return rc;
    }
    a->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP,
                             dc_sctp_stack_receive_cb, dc_sctp_stack_send_cb,
                             0, a->handle);
    rc = a->sock ? configure(a) : DC_EIO;
    if (rc == DC_OK)
        rc = bind_local(a);
    if (rc < 0) {
        a->output_ok = false;
        dc_sctp_close_socket(a); /* freed by leave() */
    } else {
        *out = a;
    }
    dc_sctp_stack_leave();
    return rc;
}

void dc_sctp_close_socket(dc_sctp_t *a)
{
    a->dead = true;
    if (a->sock) {
        usrsctp_close(a->sock);
        a->sock = NULL;
    }
    a->output_ok = false;
    dc_sctp_stack_detach(a);
}

void dc_sctp_destroy(dc_sctp_t *a)
{
    if (!a)
        return;
    if (dc_sctp_stack_enter() < 0) {
        /* Called from on_output: usrsctp is mid-call, so close later
         * (silently: no callback may run after destroy returns). */
        a->dead = true;
        a->output_ok = false;
        dc_sctp_stack_mark_pending(a);
        return;
    }
    dc_sctp_close_socket(a);
    dc_sctp_stack_leave();
}

void dc_sctp_free(dc_sctp_t *a)
{
    if (!a)
        return;
    while (a->ev_head) {
        dc_sctp_event_t *ev = a->ev_head;
        a->ev_head = ev->next;
        free(ev->data);
        free(ev);
    }
    if (a->channels)
        dc_sctp_channels_free(a);
    free(a->channels);
    free(a->discard);
    free(a);
}

/* Both WebRTC peers connect; SCTP resolves the INIT collision. */
static int start_connect(dc_sctp_t *a)
{
    struct sockaddr_conn sconn;
    memset(&sconn, 0, sizeof sconn);
    sconn.sconn_family = AF_CONN;
    sconn.sconn_port = htons(a->cfg.remote_port);
    sconn.sconn_addr = a->handle;
    if (usrsctp_connect(a->sock, (struct sockaddr *)&sconn, sizeof sconn) < 0 &&
        errno != EINPROGRESS)
        return DC_EIO;
    a->state = DC_ASSOC_CONNECTING;
    return DC_OK;
}

int dc_sctp_connect(dc_sctp_t *a)
{
    if (!a)
        return DC_EINVAL;
    int rc = dc_sctp_stack_enter();
    if (rc < 0)
        return rc;
    rc = a->dead || a->state != DC_ASSOC_NEW ? DC_ESTATE : start_connect(a);
    dc_sctp_stack_leave();
    return rc;
}

/*
 * A packet before dc_sctp_connect means DTLS is up and the peer has started:
 * connect first, or usrsctp would answer the peer's INIT on an unconnected
 * one-to-one socket with an ABORT.
 */
int dc_sctp_handle_packet(dc_sctp_t *a, const uint8_t *pkt, size_t len)
{
    if (!a || !pkt || len == 0 || len > 65535)
        return DC_EINVAL;
    int rc = dc_sctp_stack_enter();
    if (rc < 0)
        return rc;
    if (a->dead)
        rc = DC_ESTATE;
    else if (a->state == DC_ASSOC_NEW)
        rc = start_connect(a);
    if (rc == DC_OK) {
        a->stats.packets_in++;
        a->stats.bytes_in += len;
        usrsctp_conninput(a->handle, pkt, len, 0);
    }
    dc_sctp_stack_leave();
    return rc;
}

int dc_sctp_raw_send(dc_sctp_t *a, uint16_t sid, uint32_t ppid,
                     const void *data, size_t len, bool unordered,
                     dc_reliability_t pr, uint32_t pr_value)
{
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof spa);
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = sid;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
    if (pr != DC_RELIABLE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = pr == DC_REXMIT ? SCTP_PR_SCTP_RTX
                                                     : SCTP_PR_SCTP_TTL;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    if (usrsctp_sendv(a->sock, data, len, NULL, 0, &spa, sizeof spa,
                      SCTP_SENDV_SPA, 0) < 0) {
        if (errno == EWOULDBLOCK || errno == EAGAIN)
            return DC_EAGAIN;
        return errno == EMSGSIZE ? DC_ETOOBIG : DC_EIO;
    }
    a->buffered += len;
    if (a->buffered > a->low_threshold)
        a->above_low = true;
    return DC_OK;
}

int dc_sctp_reset_stream(dc_sctp_t *a, uint16_t sid)
{
    size_t size = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
    struct sctp_reset_streams *r = calloc(1, size);
    if (!r)
        return DC_ENOMEM;
    r->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    r->srs_number_streams = 1;
    r->srs_stream_list[0] = sid;
    int rc = setopt(a, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)size);
    free(r);
    return rc;
}

/* Association gone: close every channel for the user, then the association. */
static void report_closed(dc_sctp_t *a, dc_sctp_close_reason_t reason)
{
    if (a->state == DC_ASSOC_CLOSED)
        return;
    a->state = DC_ASSOC_CLOSED;
    for (uint32_t sid = 0; sid < a->cfg.max_streams && !a->dead; sid++) {
        dc_channel_t *ch = a->channels[sid];
        if (!ch)
            continue;
        bool report = !ch->close_reported;
        ch->close_reported = true;
        if (report && a->cb.on_channel_close)
            a->cb.on_channel_close(a->cb.user, (uint16_t)sid);
    }
    if (!a->dead && a->cb.on_closed)
        a->cb.on_closed(a->cb.user, reason);
}

static void on_assoc_change(dc_sctp_t *a, const struct sctp_assoc_change *c)
{
    switch (c->sac_state) {
    case SCTP_COMM_UP:
    case SCTP_RESTART:
        a->in_streams = c->sac_inbound_streams;
        a->out_streams = c->sac_outbound_streams;
        if (a->state == DC_ASSOC_OPEN || a->state == DC_ASSOC_CLOSED)
            return;
        a->state = DC_ASSOC_OPEN;
        if (a->cb.on_connected)
            a->cb.on_connected(a->cb.user);
        return;
    case SCTP_COMM_LOST: report_closed(a, DC_SCTP_CLOSED_LOST); return;
    case SCTP_SHUTDOWN_COMP: report_closed(a, DC_SCTP_CLOSED_SHUTDOWN); return;
    case SCTP_CANT_STR_ASSOC: report_closed(a, DC_SCTP_CLOSED_FAILED); return;
    default: return;
    }
}

static void stream_clear_discard(dc_sctp_t *a, uint32_t sid)
{
    if (sid < a->cfg.max_streams)
        a->discard[sid / 8] &= (uint8_t)~(1u << (sid % 8));
}

static void on_notification(dc_sctp_t *a, const uint8_t *buf, size_t len)
{
    const union sctp_notification *n = (const union sctp_notification *)buf;
    if (len < sizeof n->sn_header)
        return;
    switch (n->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        if (len >= sizeof n->sn_assoc_change)
            on_assoc_change(a, &n->sn_assoc_change);
        break;
    case SCTP_STREAM_RESET_EVENT:
        if (len >= sizeof n->sn_strreset_event)
            dc_sctp_channel_on_reset(a, &n->sn_strreset_event, len);
        break;
    case SCTP_SENDER_DRY_EVENT:
        a->buffered = 0;
        break;
    case SCTP_PARTIAL_DELIVERY_EVENT:
        /* An aborted partial message never gets its EOR. */
        if (len >= sizeof n->sn_pdapi_event)
            stream_clear_discard(a, n->sn_pdapi_event.pdapi_stream);
        break;
    case SCTP_STREAM_CHANGE_EVENT:
        if (len >= sizeof n->sn_strchange_event &&
            !(n->sn_strchange_event.strchange_flags & SCTP_STREAM_CHANGED_DENIED)) {
            a->in_streams = n->sn_strchange_event.strchange_instrms;
            a->out_streams = n->sn_strchange_event.strchange_outstrms;
        }
        break;
    default:
        break;
    }
}

static void handle_event(dc_sctp_t *a, const dc_sctp_event_t *ev)
{
    if (!ev->data)
        report_closed(a, DC_SCTP_CLOSED_SHUTDOWN); /* usrsctp's EOF */
    else if (ev->flags & MSG_NOTIFICATION)
        on_notification(a, ev->data, ev->len);
    else
        dc_sctp_channel_on_data(a, &ev->rcv, ev->data, ev->len,
                                (ev->flags & MSG_EOR) != 0);
}

void dc_sctp_drain(dc_sctp_t *a)
{
    dc_sctp_event_t *ev;
    while (!a->dead && (ev = a->ev_head) != NULL) {
        a->ev_head = ev->next;
        if (!a->ev_head)
            a->ev_tail = NULL;
        handle_event(a, ev);
        free(ev->data);
        free(ev);
    }
    if (!a->dead && a->need_retry)
        dc_sctp_channel_retry(a);
    if (!a->dead && a->above_low && a->buffered <= a->low_threshold) {
        a->above_low = false;
        if (a->cb.on_buffered_amount_low)
            a->cb.on_buffered_amount_low(a->cb.user);
    }
}

size_t dc_sctp_buffered_amount(const dc_sctp_t *a)
{
    if (!a || dc_sctp_stack_enter() < 0)
        return 0;
    size_t n = a->buffered;
    dc_sctp_stack_leave();
    return n;
}

void dc_sctp_set_buffered_amount_low_threshold(dc_sctp_t *a, size_t bytes)
{
    if (!a || dc_sctp_stack_enter() < 0)
        return;
    a->low_threshold = bytes;
    a->above_low = a->buffered > bytes;
    dc_sctp_stack_leave();
}

size_t dc_sctp_max_send_size(const dc_sctp_t *a)
{
    if (!a)
        return 0;
    uint32_t m = a->cfg.remote_max_message_size;
    return m < a->sndbuf ? m : a->sndbuf;
}

bool dc_sctp_is_connected(const dc_sctp_t *a)
{
    if (!a || dc_sctp_stack_enter() < 0)
        return false;
    bool up = a->state == DC_ASSOC_OPEN && !a->dead;
    dc_sctp_stack_leave();
    return up;
}

void dc_sctp_get_stats(const dc_sctp_t *a, dc_sctp_stats_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!a || dc_sctp_stack_enter() < 0)
        return;
    *out = a->stats;
    dc_sctp_stack_leave();
}
