/*
 * Tests for client/passwd.c: the getent passwd line parser, and a real
 * lookup of root by name and by uid, and of a user that does not exist.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "tap.h"

static const struct {
	const char	*line;
	int		 ok;
	const char	*name, *dir;
	unsigned	 uid, gid;
} lines[] = {
	{ "root:x:0:0:root:/root:/bin/bash\n", 1, "root", "/root", 0, 0 },
	{ "a:x:1000:100::/home/a:", 1, "a", "/home/a", 1000, 100 },
	{ "a:x:4294967294:1:g:/h:/s", 1, "a", "/h", 4294967294u, 1 },
	{ "a:x:4294967295:1:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x:1000:100:g:/h", 0, NULL, NULL, 0, 0 },
	{ "a:x:1000:100:g:/h:/s:extra", 0, NULL, NULL, 0, 0 },
	{ ":x:1000:100:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x::100:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x:-1:100:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x:+1:100:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x:1x:100:g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "a:x:1:1 :g:/h:/s", 0, NULL, NULL, 0, 0 },
	{ "", 0, NULL, NULL, 0, 0 },
};

int
main(void)
{
	struct client_pw pw;
	char		 buf[512];
	size_t		 i;
	int		 r;

	plan((int)nitems(lines) + 5);
	for (i = 0; i < nitems(lines); i++) {
		snprintf(buf, sizeof(buf), "%s", lines[i].line);
		memset(&pw, 0, sizeof(pw));
		r = client_passwd_parse(buf, &pw);
		if (!lines[i].ok)
			ok(r == -1, "refused: '%.*s'", (int)strcspn(lines[i].line,
			    "\n"), lines[i].line);
		else
			ok(r == 0 && strcmp(pw.name, lines[i].name) == 0 &&
			    strcmp(pw.dir, lines[i].dir) == 0 &&
			    pw.uid == lines[i].uid && pw.gid == lines[i].gid,
			    "parsed: '%.*s'", (int)strcspn(lines[i].line, "\n"),
			    lines[i].line);
	}
	r = client_passwd("root", &pw);
	ok(r == 0 && pw.uid == 0 && strcmp(pw.name, "root") == 0,
	    "getent: root by name");
	r = client_passwd("0", &pw);
	ok(r == 0 && pw.uid == 0 && strcmp(pw.name, "root") == 0,
	    "getent: root by uid");
	errno = 0;
	r = client_passwd("nosuchuser-gw-test", &pw);
	ok(r == -1 && errno == ENOENT, "getent: no such user is ENOENT");
	errno = 0;
	r = client_passwd("--help", &pw);
	ok(r == -1 && errno == ENOENT, "getent: a key like an option is a key");
	r = client_passwd("", &pw);
	ok(r == -1, "getent: the empty key finds nobody");
	return (done_testing());
}
