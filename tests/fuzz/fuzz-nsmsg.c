/*
 * libFuzzer target for what greywalld accepts from the netstack helper:
 * arbitrary bytes as one message through nsmsg_in_parse(). Whatever it
 * accepts must have the exact size of its type and strings that end
 * inside their arrays with no control characters left.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union nsmsg_in	out;

	switch (nsmsg_in_parse(data, size, &out)) {
	case -1:
		break;
	case NSMSG_EVENT:
		if (size != sizeof(out.ev) || out.ev.kind < GW_EV_DNS ||
		    out.ev.kind > GW_EV_ICMP || out.ev.target[0] == '\0')
			abort();
		check_str(out.ev.target, sizeof(out.ev.target));
		check_str(out.ev.rule, sizeof(out.ev.rule));
		check_str(out.ev.note, sizeof(out.ev.note));
		break;
	case NSMSG_COUNTERS:
		if (size != sizeof(out.cnt) || out.cnt.reserved != 0)
			abort();
		break;
	default:
		abort();
	}
	return (0);
}
