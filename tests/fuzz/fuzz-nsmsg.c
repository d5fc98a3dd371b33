/*
 * libFuzzer target for what greywalld accepts from the netstack helper:
 * arbitrary bytes as one datagram through frame_parse() and
 * nsmsg_in_parse(), and again as a payload in the frame the helper would
 * build. Whatever it accepts must have the exact size of its type, the
 * frame's type and id, and strings that end inside their arrays with no
 * control characters left.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-protocol.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_str(const char *s, size_t size)
{
	size_t	i;

	if (memchr(s, '\0', size) == NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void
parse(const struct frame_hdr *hdr, const uint8_t *payload)
{
	union nsmsg_in	out;
	size_t		size = hdr->len;

	switch (nsmsg_in_parse(hdr, payload, &out)) {
	case -1:
		break;
	case NSMSG_EVENT:
		if (size != sizeof(out.ev) || out.ev.kind < GW_EV_DNS ||
		    out.ev.kind > GW_EV_ICMP || out.ev.target[0] == '\0' ||
		    hdr->type != NSMSG_EVENT || out.ev.id != hdr->id)
			abort();
		check_str(out.ev.target, sizeof(out.ev.target));
		check_str(out.ev.rule, sizeof(out.ev.rule));
		check_str(out.ev.note, sizeof(out.ev.note));
		break;
	case NSMSG_COUNTERS:
		if (size != sizeof(out.cnt) || out.cnt.reserved != 0 ||
		    hdr->type != NSMSG_COUNTERS || out.cnt.id != hdr->id)
			abort();
		break;
	case NSMSG_INBOUND:
		if (size != sizeof(out.in) || out.in.reserved != 0 ||
		    out.in.port == 0 || out.in.port > 65535 ||
		    hdr->type != NSMSG_INBOUND || out.in.id != hdr->id)
			abort();
		break;
	default:
		abort();
	}
}

/*
 * The input twice: as a whole datagram (frame header included, through
 * frame_parse), and as a payload in the frame the helper would build for
 * it (type and id its first two words), so the corpus of payloads still
 * reaches the message checks.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_hdr	 hdr;
	uint32_t		 w[2] = { 0, 0 };
	uint8_t			*buf;

	if (frame_parse(data, size, &hdr) == 0)
		parse(&hdr, data + sizeof(hdr));
	if ((buf = malloc(sizeof(hdr) + size + 1)) == NULL)
		return (0);
	memcpy(w, data, size < sizeof(w) ? size : sizeof(w));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = w[0];
	hdr.id = w[1];
	hdr.len = size;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), data, size);
	if (frame_parse(buf, sizeof(hdr) + size, &hdr) != 0)
		abort();
	parse(&hdr, buf + sizeof(hdr));
	free(buf);
	return (0);
}
