/*
 * Tests for proto/nsmsg.c: what greywalld accepts from the netstack
 * helper, through the common framing (proto/frame.c). Every message
 * must have the exact size of its type, the frame's type and id, a
 * network event kind, and strings that end inside their arrays; anything
 * else is refused with EPROTO, and random bytes never get through
 * malformed.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"
#include "tap.h"

static uint8_t	buf[sizeof(union nsmsg_in) + 64];
static uint8_t	frame[sizeof(struct frame_hdr) + sizeof(buf)];

/*
 * buf's first len bytes as the helper sends them: a frame whose type and
 * id are the payload's first two words (0 where it has none).
 */
static int
frame_in(size_t len, union nsmsg_in *out)
{
	struct frame_hdr	h;
	uint32_t		w[2] = { 0, 0 };

	memcpy(w, buf, len < sizeof(w) ? len : sizeof(w));
	memset(&h, 0, sizeof(h));
	h.type = w[0];
	h.id = w[1];
	h.len = len;
	memcpy(frame, &h, sizeof(h));
	memcpy(frame + sizeof(h), buf, len);
	errno = 0;
	if (frame_parse(frame, sizeof(h) + len, &h) == -1)
		return (-1);
	return (nsmsg_in_parse(&h, frame + sizeof(h), out));
}

static struct nsevent
good_event(void)
{
	struct nsevent	e;

	memset(&e, 0, sizeof(e));
	e.type = NSMSG_EVENT;
	e.id = 7;
	e.kind = GW_EV_DNS;
	e.dropped = 3;
	strcpy(e.target, "www.evil.test");
	strcpy(e.rule, "*.evil.test");
	return (e);
}

static int
parse(const void *m, size_t len, union nsmsg_in *out)
{
	memcpy(buf, m, len);
	return (frame_in(len, out));
}

static int
refused(const void *m, size_t len)
{
	union nsmsg_in	out;

	return (parse(m, len, &out) == -1 && errno == EPROTO);
}

int
main(void)
{
	struct nsevent		e;
	struct nscounters	c;
	union nsmsg_in		out;
	size_t			i, n, len, bad = 0;
	uint32_t		kinds[] = { 0, GW_EV_FS, GW_EV_SYSCALL,
				    GW_EV_COMMAND, 99, UINT32_MAX };

	plan(37);

	e = good_event();
	ok(parse(&e, sizeof(e), &out) == NSMSG_EVENT && out.ev.id == 7 &&
	    out.ev.kind == GW_EV_DNS && out.ev.dropped == 3 &&
	    strcmp(out.ev.target, "www.evil.test") == 0 &&
	    strcmp(out.ev.rule, "*.evil.test") == 0 && out.ev.note[0] == '\0',
	    "a good event parses with every field");
	ok(refused(&e, sizeof(e) - 1), "one byte short is refused");
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &e, sizeof(e));
	ok(frame_in(sizeof(e) + 1, &out) == -1 && errno == EPROTO,
	    "one byte long is refused");
	ok(refused(&e, 3), "less than a type is refused");
	ok(refused(&e, 0), "nothing is refused");
	for (i = 0; i < nitems(kinds); i++) {
		e = good_event();
		e.kind = kinds[i];
		ok(refused(&e, sizeof(e)), "kind %u is not the netstack's",
		    kinds[i]);
	}
	e = good_event();
	memset(e.target, 'a', sizeof(e.target));
	ok(refused(&e, sizeof(e)), "a target without its NUL is refused");
	e = good_event();
	memset(e.rule, 'a', sizeof(e.rule));
	ok(refused(&e, sizeof(e)), "a rule without its NUL is refused");
	e = good_event();
	memset(e.note, 'a', sizeof(e.note));
	ok(refused(&e, sizeof(e)), "a note without its NUL is refused");
	e = good_event();
	e.target[0] = '\0';
	ok(refused(&e, sizeof(e)), "an empty target is refused");
	e = good_event();
	strcpy(e.target, "a\033[2Jb\nc");
	ok(parse(&e, sizeof(e), &out) == NSMSG_EVENT &&
	    strcmp(out.ev.target, "a?[2Jb?c") == 0,
	    "control characters arrive as '?'");
	e = good_event();
	e.type = 99;
	ok(refused(&e, sizeof(e)), "an unknown type is refused");
	e = good_event();
	e.type = NSMSG_ATTACH;
	ok(refused(&e, sizeof(e)), "main's own message types are refused");

	/* The frame around it: its type and id are the payload's. */
	{
		struct frame_hdr	h;

		e = good_event();
		memset(&h, 0, sizeof(h));
		h.type = NSMSG_COUNTERS;
		h.id = e.id;
		h.len = sizeof(e);
		errno = 0;
		ok(nsmsg_in_parse(&h, &e, &out) == -1 && errno == EPROTO,
		    "a frame type other than the payload's is refused");
		h.type = NSMSG_EVENT;
		h.id = e.id + 1;
		errno = 0;
		ok(nsmsg_in_parse(&h, &e, &out) == -1 && errno == EPROTO,
		    "a frame id other than the payload's is refused");
		h.id = e.id;
		h.reserved = 1;
		memcpy(frame, &h, sizeof(h));
		memcpy(frame + sizeof(h), &e, sizeof(e));
		errno = 0;
		ok(frame_parse(frame, sizeof(h) + sizeof(e), &h) == -1 &&
		    errno == EPROTO, "a frame with reserved set is refused");
		h.reserved = 0;
		h.len = sizeof(e) + 1;
		memcpy(frame, &h, sizeof(h));
		errno = 0;
		ok(frame_parse(frame, sizeof(h) + sizeof(e), &h) == -1 &&
		    errno == EPROTO, "a frame longer than what arrived is"
		    " refused");
	}

	memset(&c, 0, sizeof(c));
	c.type = NSMSG_COUNTERS;
	c.id = 9;
	c.dropped = 5;
	c.bytes_out = 1000;
	c.bytes_in = 2000;
	ok(parse(&c, sizeof(c), &out) == NSMSG_COUNTERS && out.cnt.id == 9 &&
	    out.cnt.bytes_out == 1000 && out.cnt.bytes_in == 2000 &&
	    out.cnt.dropped == 5 && out.ev.dropped == 5,
	    "counters parse, dropped where an event has it");
	memcpy(buf, &c, sizeof(c));
	ok(frame_in(sizeof(c) + 1, &out) == -1 && errno == EPROTO,
	    "long counters are refused");
	c.reserved = 1;
	ok(refused(&c, sizeof(c)), "counters with reserved set are refused");

	/* A host connection's request for its other end (gw exec -p). */
	{
		struct nsinbound	in;

		memset(&in, 0, sizeof(in));
		in.type = NSMSG_INBOUND;
		in.id = 4;
		in.port = 8000;
		ok(parse(&in, sizeof(in), &out) == NSMSG_INBOUND &&
		    out.in.id == 4 && out.in.port == 8000 &&
		    out.ev.dropped == 0, "an inbound request parses, with"
		    " no drops where an event has them");
		ok(refused(&in, sizeof(in) - 1), "a short one is refused");
		in.port = 0;
		ok(refused(&in, sizeof(in)), "port 0 is refused");
		in.port = 65536;
		ok(refused(&in, sizeof(in)), "port 65536 is refused");
		in.port = 8000;
		in.reserved = 1;
		ok(refused(&in, sizeof(in)), "reserved set is refused");
	}

	/* Random messages: refused, or well-formed in every field. */
	srandom(1);
	for (n = 0; n < 200000; n++) {
		len = random() % (sizeof(union nsmsg_in) + 8);
		for (i = 0; i < len; i++)
			buf[i] = random();
		if (n % 2 == 0 && len >= 4) {
			buf[0] = n % 4 == 0 ? NSMSG_EVENT : n % 8 == 2 ?
			    NSMSG_COUNTERS : NSMSG_INBOUND;
			buf[1] = buf[2] = buf[3] = 0;
			len = n % 4 == 0 ? sizeof(struct nsevent) :
			    n % 8 == 2 ? sizeof(struct nscounters) :
			    sizeof(struct nsinbound);
			buf[8] = GW_EV_DNS + n % 5;
			buf[9] = buf[10] = buf[11] = 0;
			buf[16 + n % 200] = '\0';
			buf[16 + 272 + n % 100] = '\0';
			buf[16 + 544 + n % 50] = '\0';
		}
		switch (frame_in(len, &out)) {
		case -1:
			break;
		case NSMSG_EVENT:
			if (len != sizeof(struct nsevent) ||
			    strlen(out.ev.target) >= sizeof(out.ev.target) ||
			    strlen(out.ev.rule) >= sizeof(out.ev.rule) ||
			    strlen(out.ev.note) >= sizeof(out.ev.note) ||
			    strpbrk(out.ev.target, "\n\r\t\033") != NULL)
				bad++;
			break;
		case NSMSG_COUNTERS:
			if (len != sizeof(struct nscounters))
				bad++;
			break;
		case NSMSG_INBOUND:
			if (len != sizeof(struct nsinbound) ||
			    out.in.port == 0 || out.in.port > 65535 ||
			    out.in.reserved != 0)
				bad++;
			break;
		default:
			bad++;
		}
	}
	ok(bad == 0, "200000 random messages: none accepted malformed");

	/* An event from a sandbox's init (init_event_parse). */
	{
		struct init_msg	 im;
		const char	*path, *comm, *pid;

		memset(&im, 0, sizeof(im));
		im.type = INIT_MSG_EVENT;
		im.how = INIT_EV_PROTECTED;
		im.code = INIT_EV_RENAME;
		memcpy(im.text, "/r/.git\0mv\0" "12", 13);
		ok(init_event_parse(&im, &path, &comm, &pid) == 0 &&
		    strcmp(path, "/r/.git") == 0 && strcmp(comm, "mv") == 0 &&
		    strcmp(pid, "12") == 0, "init event: its three strings");
		im.code = INIT_EV_ACTION_MAX + 1;
		ok(init_event_parse(&im, &path, &comm, &pid) == -1,
		    "init event: an action out of range is refused");
		im.code = INIT_EV_RENAME;
		memcpy(im.text, "/r/.git\0mv\0" "1x", 13);
		ok(init_event_parse(&im, &path, &comm, &pid) == -1,
		    "init event: a pid not in digits is refused");
		memset(im.text, 'a', sizeof(im.text));
		im.text[0] = '/';
		ok(init_event_parse(&im, &path, &comm, &pid) == -1,
		    "init event: a path without its NUL is refused");
		memset(im.text, 0, sizeof(im.text));
		memset(im.text, 'a', sizeof(im.text) - 2);
		im.text[0] = '/';
		ok(init_event_parse(&im, &path, &comm, &pid) == -1,
		    "init event: no room for the pid is refused");
		im.text[sizeof(im.text) - 3] = '\0';
		ok(init_event_parse(&im, &path, &comm, &pid) == -1,
		    "init event: an empty pid is refused");
	}
	return (done_testing());
}
