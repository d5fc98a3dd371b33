/*
 * Messages from the netstack helper to greywalld. The helper runs lwIP
 * on packets the sandboxes write, so it is treated like any client: a
 * message must have the exact size of its type, a known event kind, and
 * strings that end inside their arrays; anything else is refused whole.
 * Pure: no I/O, no logging, for the unit test and the fuzzer.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "gw-protocol.h"

/* A fixed array holds a C string: a NUL inside it. Printable from here. */
static int
field_ok(char *s, size_t len)
{
	if (memchr(s, '\0', len) == NULL)
		return (0);
	str_sanitize(s);
	return (1);
}

/*
 * Copy and check one message: the frame's header (checked by
 * frame_parse) and its payload, hdr->len bytes at buf. The frame's type
 * and id must be the payload's. Returns its NSMSG_* type, or -1 with
 * errno EPROTO.
 */
int
nsmsg_in_parse(const struct frame_hdr *hdr, const void *buf,
    union nsmsg_in *out)
{
	size_t		len = hdr->len;
	uint32_t	word[2];

	if (len < sizeof(word))
		goto bad;
	memcpy(word, buf, sizeof(word));
	if (word[0] != hdr->type || word[1] != hdr->id)
		goto bad;
	switch (hdr->type) {
	case NSMSG_EVENT:
		if (len != sizeof(out->ev))
			goto bad;
		memcpy(&out->ev, buf, len);
		switch (out->ev.kind) {
		case GW_EV_DNS:
		case GW_EV_CONNECT:
		case GW_EV_UPSTREAM:
		case GW_EV_UDP:
		case GW_EV_ICMP:
			break;
		default:
			goto bad;
		}
		if (!field_ok(out->ev.target, sizeof(out->ev.target)) ||
		    !field_ok(out->ev.rule, sizeof(out->ev.rule)) ||
		    !field_ok(out->ev.note, sizeof(out->ev.note)) ||
		    out->ev.target[0] == '\0' || out->ev.rule[0] == '\0')
			goto bad;
		return (NSMSG_EVENT);
	case NSMSG_COUNTERS:
		if (len != sizeof(out->cnt))
			goto bad;
		memcpy(&out->cnt, buf, len);
		if (out->cnt.reserved != 0)
			goto bad;
		return (NSMSG_COUNTERS);
	case NSMSG_INBOUND:
		if (len != sizeof(out->in))
			goto bad;
		memcpy(&out->in, buf, len);
		if (out->in.port == 0 || out->in.port > 65535 ||
		    out->in.reserved != 0)
			goto bad;
		return (NSMSG_INBOUND);
	default:
		goto bad;
	}
bad:
	errno = EPROTO;
	return (-1);
}
