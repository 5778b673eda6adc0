/*
 * Retransmission store. See nack_buffer.h.
 */
#include "rtp/nack_buffer.h"

#include <stdlib.h>
#include <string.h>

#include "rtp/rtp_packet.h"

typedef struct slot {
    int used;
    uint16_t seq;
    uint16_t len;
    int64_t stored_at;
} slot_t;

struct rtp_nack_buffer {
    size_t capacity;
    size_t slot_size;
    int64_t max_age_us;
    slot_t *slots;
    uint8_t *data;           /* capacity * slot_size bytes */
};

rtp_nack_buffer_t *rtp_nack_buffer_create(size_t capacity, size_t slot_size,
                                          int64_t max_age_us)
{
    if (capacity == 0 || capacity > 32768 || (capacity & (capacity - 1)) != 0)
        return NULL;
    if (slot_size == 0 || slot_size > 65535 || max_age_us <= 0)
        return NULL;
    rtp_nack_buffer_t *nb = calloc(1, sizeof *nb);
    if (!nb)
        return NULL;
    nb->capacity = capacity;
    nb->slot_size = slot_size;
    nb->max_age_us = max_age_us;
    nb->slots = calloc(capacity, sizeof *nb->slots);
    nb->data = malloc(capacity * slot_size);
    if (!nb->slots || !nb->data)
        goto fail;
    return nb;
fail:
    rtp_nack_buffer_destroy(nb);
    return NULL;
}

void rtp_nack_buffer_destroy(rtp_nack_buffer_t *nb)
{
    if (!nb)
        return;
    free(nb->slots);
    free(nb->data);
    free(nb);
}

void rtp_nack_buffer_clear(rtp_nack_buffer_t *nb)
{
    if (nb)
        memset(nb->slots, 0, nb->capacity * sizeof *nb->slots);
}

static int expired(const rtp_nack_buffer_t *nb, const slot_t *s, int64_t now_us)
{
    return now_us - s->stored_at > nb->max_age_us;
}

int rtp_nack_buffer_put(rtp_nack_buffer_t *nb, uint16_t seq, const uint8_t *bytes,
                        size_t len, int64_t now_us)
{
    if (!nb || !bytes || len == 0)
        return RTP_EINVAL;
    if (len > nb->slot_size)
        return RTP_ENOSPC;
    size_t i = seq & (nb->capacity - 1);
    slot_t *s = &nb->slots[i];
    if (s->used && !expired(nb, s, now_us) && rtp_seq_diff(seq, s->seq) < 0)
        return RTP_ESTALE;
    memcpy(nb->data + i * nb->slot_size, bytes, len);
    s->used = 1;
    s->seq = seq;
    s->len = (uint16_t)len;
    s->stored_at = now_us;
    return 0;
}

int rtp_nack_buffer_get(const rtp_nack_buffer_t *nb, uint16_t seq, int64_t now_us,
                        const uint8_t **bytes, size_t *len)
{
    if (!nb || !bytes || !len)
        return RTP_EINVAL;
    size_t i = seq & (nb->capacity - 1);
    const slot_t *s = &nb->slots[i];
    if (!s->used || s->seq != seq)
        return RTP_ENOENT;
    if (expired(nb, s, now_us))
        return RTP_ESTALE;
    *bytes = nb->data + i * nb->slot_size;
    *len = s->len;
    return 0;
}
