/*
 * SDP <-> media objects. See media_sdp.h.
 */
#include "sfu/media_sdp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sfu/codecs.h"
#include "sfu/ice_agent.h"

/* One of our candidate lines ("candidate:...") as an SDP candidate. */
static int candidate_from_line(const char *line, sdp_candidate_t *out)
{
    sfu_ice_candidate_t c;
    if (sfu_ice_parse_candidate(line, &c) != 0)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    snprintf(out->foundation, sizeof out->foundation, "%s", c.foundation);
    out->component = (uint16_t)c.component;
    out->tcp = c.tcp != 0;
    out->priority = c.priority;
    snprintf(out->addr, sizeof out->addr, "%s", c.address);
    out->port = c.port;
    out->type = (sdp_cand_type_t)c.type;
    snprintf(out->raddr, sizeof out->raddr, "%s", c.raddr);
    out->rport = c.rport;
    return 0;
}

int sfu_media_sdp_local(const sfu_transport_t *t, uint64_t session_id, uint64_t version,
                        sdp_local_t *out)
{
    memset(out, 0, sizeof *out);
    out->session_id = session_id;
    out->session_version = version;
    snprintf(out->ice_ufrag, sizeof out->ice_ufrag, "%s", sfu_transport_ice_ufrag(t));
    snprintf(out->ice_pwd, sizeof out->ice_pwd, "%s", sfu_transport_ice_pwd(t));
    if (sdp_fingerprint_from_hex(&out->fingerprint, "sha-256", sfu_transport_fingerprint(t)) != 0)
        return -EINVAL;
    size_t n = sfu_transport_local_candidate_count(t);
    for (size_t i = 0; i < n && out->candidate_count < SDP_MAX_CANDIDATES; i++) {
        const char *line = sfu_transport_local_candidate(t, i);
        if (line && candidate_from_line(line, &out->candidates[out->candidate_count]) == 0)
            out->candidate_count++;
    }
    return 0;
}

const sdp_media_t *sfu_media_sdp_bundle_media(const sdp_session_t *s)
{
    for (size_t i = 0; i < s->media_count; i++)
        if (s->media[i].port != 0 && sdp_in_bundle(s, s->media[i].mid))
            return &s->media[i];
    return NULL;
}

/* "sha-256 AB:CD:..." from parsed bytes. */
static void fingerprint_string(const sdp_fingerprint_t *fp, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s ", fp->algo);
    for (size_t i = 0; i < fp->len && n + 3 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, i ? ":%02X" : "%02X", fp->bytes[i]);
}

int sfu_media_sdp_apply_remote(sfu_transport_t *t, const sdp_session_t *s, int is_answer)
{
    char fp[16 + 3 * SDP_FP_MAX + 1];
    const sdp_media_t *m = sfu_media_sdp_bundle_media(s);
    if (!m)
        return -EINVAL;
    const char *ufrag = sdp_media_ice_ufrag(s, m), *pwd = sdp_media_ice_pwd(s, m);
    const sdp_fingerprint_t *f = sdp_media_fingerprint(s, m);
    if (!ufrag || !pwd || !f)
        return -EINVAL;
    if (is_answer) {
        sdp_setup_t setup = sdp_media_setup(s, m);
        if (setup != SDP_SETUP_ACTIVE && setup != SDP_SETUP_PASSIVE)
            return -EINVAL; /* RFC 8842 §5.3: an answer picks a side */
        sfu_dtls_role_t role = setup == SDP_SETUP_PASSIVE ? SFU_DTLS_CLIENT : SFU_DTLS_SERVER;
        if (sfu_transport_set_dtls_role(t, role) != 0)
            return -EINVAL;
    }
    fingerprint_string(f, fp, sizeof fp);
    return sfu_transport_set_remote(t, ufrag, pwd, fp) == 0 ? 0 : -EINVAL;
}

uint8_t sfu_media_sdp_ext_id(const sdp_media_t *m, const char *uri)
{
    const sdp_extmap_t *e = sdp_find_extmap(m, uri);
    return e ? e->id : 0;
}

/* Media SSRC, RTX SSRC and cname from the offer's a=ssrc / a=ssrc-group. */
static void producer_ssrcs(const sdp_media_t *om, sfu_producer_params_t *out)
{
    const sdp_ssrc_group_t *fid = sdp_find_ssrc_group(om, "FID");
    if (fid && fid->count >= 2) {
        out->ssrc = fid->ssrcs[0];
        out->rtx_ssrc = fid->ssrcs[1];
    } else if (om->ssrc_count > 0) {
        out->ssrc = om->ssrcs[0].ssrc;
    }
    for (size_t i = 0; i < om->ssrc_count; i++)
        if (om->ssrcs[i].ssrc == out->ssrc)
            snprintf(out->cname, sizeof out->cname, "%s", om->ssrcs[i].cname);
}

int sfu_media_sdp_producer(const sdp_media_t *om, const sdp_media_t *am,
                           sfu_producer_params_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = am->kind;
    snprintf(out->mid, sizeof out->mid, "%s", am->mid);
    /* The offerer sends with the first codec of the answer (RFC 3264 §5.1). */
    const sdp_codec_t *codec = NULL;
    for (size_t i = 0; i < am->codec_count && !codec; i++)
        if (!sdp_codec_is_rtx(&am->codecs[i]))
            codec = &am->codecs[i];
    if (!codec || codec->clock_rate == 0)
        return -EINVAL;
    out->codec = *codec;
    for (size_t i = 0; i < am->codec_count; i++)
        if (sdp_codec_is_rtx(&am->codecs[i]) && am->codecs[i].apt == codec->pt)
            out->rtx_pt = am->codecs[i].pt;
    for (int k = 0; k < SFU_EXT_COUNT; k++)
        out->ext_ids[k] = sfu_media_sdp_ext_id(am, sfu_ext_uri((sfu_ext_t)k));
    producer_ssrcs(om, out);
    if (!out->rtx_pt)
        out->rtx_ssrc = 0;
    return 0;
}

void sfu_media_sdp_offer_ext_ids(sdp_media_kind_t kind, uint8_t ids[SFU_EXT_COUNT])
{
    sdp_extmap_t ext[SDP_MAX_EXTMAPS];
    size_t n = sdp_offer_extmaps(kind, ext, SDP_MAX_EXTMAPS);
    for (int k = 0; k < SFU_EXT_COUNT; k++) {
        ids[k] = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(ext[i].uri, sfu_ext_uri((sfu_ext_t)k)) == 0)
                ids[k] = ext[i].id;
    }
}
