/*
 * libFuzzer target for the status messages a sandbox's init sends to
 * greywalld (struct init_msg in the common framing): init runs as the
 * user, next to the command. The input goes through frame_parse() and
 * init_msg_parse() as a whole datagram, and again as a payload framed as
 * init would (zero-padded, or cut, to the message's size); what passes is
 * checked as it arrives, then with text's last byte a NUL (as sandbox.c
 * does), and an INIT_MSG_EVENT goes
 * through init_event_parse() as events_from_init() does. What it accepts
 * must be three strings inside text, an absolute path and a pid in
 * digits, with the kind and action in range.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct init_msg *m)
{
	const char	*path, *comm, *pid, *end = m->text + sizeof(m->text);
	const char	*s[3];
	size_t		 i;

	if (init_event_parse(m, &path, &comm, &pid) == -1)
		return;
	s[0] = path;
	s[1] = comm;
	s[2] = pid;
	for (i = 0; i < 3; i++)
		if (s[i] < m->text || s[i] >= end ||
		    memchr(s[i], '\0', end - s[i]) == NULL)
			abort();
	if (path[0] != '/' || comm != path + strlen(path) + 1 ||
	    pid != comm + strlen(comm) + 1 || pid[0] == '\0' ||
	    strspn(pid, "0123456789") != strlen(pid) ||
	    (m->how != INIT_EV_PROTECTED && m->how != INIT_EV_READONLY) ||
	    m->code < 1 || m->code > INIT_EV_ACTION_MAX)
		abort();
}

/* An init_msg that passed the framing, at its exact size on the heap. */
static void
check_frame(const struct frame_hdr *hdr, const uint8_t *payload)
{
	struct init_msg	*m;

	/* On the heap at its exact size: a read past it is a report. */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	if (init_msg_parse(hdr, payload, m) == 0) {
		if (hdr->len != sizeof(*m) || m->type != hdr->type ||
		    hdr->id != 0)
			abort();
		check(m);
		m->text[sizeof(m->text) - 1] = '\0';
		check(m);
	}
	free(m);
}

/*
 * The input as a whole datagram on the status socket (frame header
 * included), and as the payload init would frame (type its first word,
 * cut or padded to the message's size) so payload seeds reach the checks.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_hdr	 hdr;
	uint8_t			*buf;
	uint32_t		 type = 0;
	size_t			 n = sizeof(struct init_msg);

	if (frame_parse(data, size, &hdr) == 0)
		check_frame(&hdr, data + sizeof(hdr));
	if ((buf = calloc(1, sizeof(hdr) + n)) == NULL)
		return (0);
	memcpy(&type, data, size < sizeof(type) ? size : sizeof(type));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = n;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), data, size < n ? size : n);
	if (frame_parse(buf, sizeof(hdr) + n, &hdr) != 0)
		abort();
	check_frame(&hdr, buf + sizeof(hdr));
	free(buf);
	return (0);
}
