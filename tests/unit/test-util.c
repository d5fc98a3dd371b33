/*
 * Tests for common/util.c's parsers: port_parse(), as gw exec -p reads
 * its argument. Everything but a plain decimal port from 1 to 65535 is
 * EINVAL and leaves the result alone.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "tap.h"

static const struct {
	const char	*in;
	int		 port;		/* -1: refused */
} cases[] = {
	{ "1", 1 },
	{ "80", 80 },
	{ "3000", 3000 },
	{ "65535", 65535 },
	{ "0", -1 },
	{ "65536", -1 },
	{ "99999", -1 },
	{ "100000", -1 },
	{ "4294967297", -1 },	/* 2^32 + 1: no wrap-around */
	{ "", -1 },
	{ "080", -1 },		/* as the policy: no leading zero */
	{ "00", -1 },
	{ "+80", -1 },
	{ "-1", -1 },
	{ " 80", -1 },
	{ "80 ", -1 },
	{ "80\n", -1 },
	{ "0x50", -1 },
	{ "8O", -1 },
	{ "http", -1 },
	{ "3000:3000", -1 },
	{ "127.0.0.1:3000", -1 },
};

/* The input as the TAP line can show it. */
static const char *
shown(const char *s)
{
	static char	buf[64];

	str_display(buf, sizeof(buf), s, strlen(s));
	return (buf);
}

int
main(void)
{
	uint16_t	port;
	size_t		i;
	int		r;

	plan((int)nitems(cases));
	for (i = 0; i < nitems(cases); i++) {
		port = 4242;
		errno = 0;
		r = port_parse(cases[i].in, &port);
		if (cases[i].port == -1)
			ok(r == -1 && errno == EINVAL && port == 4242,
			    "'%s' is refused with EINVAL", shown(cases[i].in));
		else
			ok(r == 0 && port == cases[i].port, "'%s' is port %d",
			    cases[i].in, cases[i].port);
	}
	return (done_testing());
}
