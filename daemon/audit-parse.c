/*
 * Kernel audit records as text: "audit(1795403149.539:100): key=value
 * key=value ...". Values never hold a space: the kernel prints a string
 * that could (a path, a command name) either in double quotes, when it
 * is plain printable ASCII without quotes or spaces, or else as hex.
 * Every record of the host arrives here, so nothing is assumed: a field
 * that does not parse is simply not found.
 * Pure: no I/O, no logging, for the unit test.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

/*
 * The record's serial number and where its fields start. Returns 0, or
 * -1 with errno EPROTO.
 */
int
audit_header(const char *text, uint64_t *serial, const char **fields)
{
	const char	*p, *colon;
	char		*end;

	if (strncmp(text, "audit(", 6) != 0 ||
	    (p = strchr(text, ')')) == NULL || p[1] != ':')
		goto bad;
	if ((colon = memchr(text + 6, ':', p - (text + 6))) == NULL)
		goto bad;
	errno = 0;
	*serial = strtoull(colon + 1, &end, 10);
	if (errno != 0 || end != p || end == colon + 1)
		goto bad;
	p += 2;
	while (*p == ' ')
		p++;
	*fields = p;
	return (0);
bad:
	errno = EPROTO;
	return (-1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* The raw value of key: a pointer into fields and its length, or NULL. */
static const char *
field_find(const char *fields, const char *key, size_t *vlen)
{
	const char	*p = fields, *tok, *eq;
	size_t		 klen = strlen(key), tlen;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		tok = p;
		tlen = strcspn(p, " ");
		p += tlen;
		if ((eq = memchr(tok, '=', tlen)) == NULL)
			continue;
		if ((size_t)(eq - tok) != klen || memcmp(tok, key, klen) != 0)
			continue;
		*vlen = tlen - klen - 1;
		return (eq + 1);
	}
	return (NULL);
}

/*
 * A numeric or keyword field (pid=12, arch=c000003e, blockers=fs.x),
 * copied as it is. Returns 0, or -1 if it is missing or too long.
 */
int
audit_field(const char *fields, const char *key, char *out, size_t len)
{
	const char	*v;
	size_t		 vlen;

	if ((v = field_find(fields, key, &vlen)) == NULL || vlen >= len ||
	    vlen == 0)
		return (-1);
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return (0);
}

/* A numeric field in base (10 or 16). Returns 0, or -1. */
int
audit_field_num(const char *fields, const char *key, int base,
    uint64_t *ret)
{
	char	 buf[32], *end;

	if (audit_field(fields, key, buf, sizeof(buf)) == -1)
		return (-1);
	if (base == 16 && strncmp(buf, "0x", 2) == 0)
		memmove(buf, buf + 2, strlen(buf + 2) + 1);
	if (buf[0] == '-' || buf[0] == '+' || buf[0] == '\0')
		return (-1);
	errno = 0;
	*ret = strtoull(buf, &end, base);
	if (errno != 0 || *end != '\0')
		return (-1);
	return (0);
}

/*
 * A string field: "quoted" or hex as the kernel encodes untrusted
 * strings. Decoded into out (NUL-terminated; a NUL inside ends it).
 * Returns 0, or -1 if it is missing, not a string or too long.
 */
int
audit_field_str(const char *fields, const char *key, char *out, size_t len)
{
	const char	*v;
	size_t		 vlen, i;
	int		 hi, lo;

	if ((v = field_find(fields, key, &vlen)) == NULL || vlen == 0)
		return (-1);
	if (v[0] == '"') {
		if (vlen < 2 || v[vlen - 1] != '"' || vlen - 2 >= len)
			return (-1);
		memcpy(out, v + 1, vlen - 2);
		out[vlen - 2] = '\0';
		return (0);
	}
	if (vlen % 2 != 0 || vlen / 2 >= len)
		return (-1);
	for (i = 0; i < vlen / 2; i++) {
		if ((hi = hexval(v[2 * i])) == -1 ||
		    (lo = hexval(v[2 * i + 1])) == -1)
			return (-1);
		out[i] = hi << 4 | lo;
	}
	out[i] = '\0';
	return (0);
}

/*
 * What a Landlock denial stopped, as a verb, from the first of its
 * blockers ("fs.read_dir,fs.execute"). Unknown ones give "access".
 */
const char *
audit_ll_action(const char *blockers)
{
	static const struct {
		const char	*blocker;
		const char	*action;
	} map[] = {
		{ "fs.execute", "execute" },
		{ "fs.write_file", "write" },
		{ "fs.read_file", "read" },
		{ "fs.read_dir", "list" },
		{ "fs.remove_dir", "remove" },
		{ "fs.remove_file", "remove" },
		{ "fs.make_char", "create" },
		{ "fs.make_dir", "create" },
		{ "fs.make_reg", "create" },
		{ "fs.make_sock", "create" },
		{ "fs.make_fifo", "create" },
		{ "fs.make_block", "create" },
		{ "fs.make_sym", "create" },
		{ "fs.refer", "rename" },
		{ "fs.truncate", "truncate" },
		{ "fs.ioctl_dev", "ioctl" },
		{ "fs.change_topology", "mount" },
		{ "net.bind_tcp", "bind" },
		{ "net.connect_tcp", "connect" },
		{ "scope.abstract_unix_socket", "connect" },
		{ "scope.signal", "signal" },
	};
	size_t	i, l;

	for (i = 0; i < nitems(map); i++) {
		l = strlen(map[i].blocker);
		if (strncmp(blockers, map[i].blocker, l) == 0 &&
		    (blockers[l] == ',' || blockers[l] == '\0'))
			return (map[i].action);
	}
	return ("access");
}
