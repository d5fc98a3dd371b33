/*
 * libFuzzer target for the status messages a sandbox's init sends to
 * greywalld (struct init_msg): init runs as the user, next to the
 * command. sandbox.c takes a message only at its exact size and ends its
 * text with a NUL; the input fills the struct (zero-padded, or cut),
 * first as it arrives, then with that NUL, and an INIT_MSG_EVENT goes
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct init_msg	*m;

	/* On the heap at its exact size: a read past it is a report. */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (0);
	memcpy(m, data, size < sizeof(*m) ? size : sizeof(*m));
	check(m);
	m->text[sizeof(m->text) - 1] = '\0';
	check(m);
	free(m);
	return (0);
}
