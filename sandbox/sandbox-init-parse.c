/*
 * greywalld's check of the events a sandbox's init reports about the
 * protected-path supervisor (INIT_MSG_EVENT). init runs as the user, so
 * its messages are checked like a client's. Pure: no I/O, no logging,
 * for the unit test and the fuzzer.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "sandbox.h"

/*
 * An INIT_MSG_EVENT from a sandbox's init, which runs as the user: its
 * kind and action in range, and its three strings (an absolute path, the
 * command name, the pid: one or more digits) each ending inside text.
 * Returns 0 with pointers into m, or -1 with errno EPROTO.
 */
int
init_event_parse(const struct init_msg *m, const char **path,
    const char **comm, const char **pid)
{
	const char	*end = m->text + sizeof(m->text), *p, *c, *d;

	if ((m->how != INIT_EV_PROTECTED && m->how != INIT_EV_READONLY) ||
	    m->code < 1 || m->code > INIT_EV_ACTION_MAX)
		goto bad;
	p = m->text;
	if ((c = memchr(p, '\0', end - p)) == NULL || ++c >= end ||
	    (d = memchr(c, '\0', end - c)) == NULL || ++d >= end ||
	    memchr(d, '\0', end - d) == NULL || p[0] != '/' ||
	    d[0] == '\0' || strspn(d, "0123456789") != strlen(d))
		goto bad;
	*path = p;
	*comm = c;
	*pid = d;
	return (0);
bad:
	errno = EPROTO;
	return (-1);
}
