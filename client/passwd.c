/*
 * The password database for the clients, through getent(1). gw and gwctl
 * are linked statically when the system allows it (client/meson.build
 * says why), and a static program cannot load the NSS modules (sssd,
 * LDAP, systemd's) that getpwnam needs; getent is the system's own, with
 * all of them. Only rare paths look a user up: gwctl -u NAME and the end
 * of gw exec --learn.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#define GETENT_PATH	"/usr/bin/getent"

/* Split "name:pw:uid:gid:gecos:dir:shell" into pw. Returns 0 or -1. */
int
client_passwd_parse(char *line, struct client_pw *pw)
{
	char		*f[7], *end;
	unsigned long	 uid, gid;
	int		 i;

	line[strcspn(line, "\n")] = '\0';
	for (i = 0; i < 6; i++) {
		f[i] = line;
		if ((line = strchr(line, ':')) == NULL)
			return (-1);
		*line++ = '\0';
	}
	f[6] = line;
	if (strchr(f[6], ':') != NULL || f[0][0] == '\0')
		return (-1);
	errno = 0;
	uid = strtoul(f[2], &end, 10);
	if (f[2][0] < '0' || f[2][0] > '9' || *end != '\0' || errno != 0 ||
	    uid >= (uid_t)-1)
		return (-1);
	gid = strtoul(f[3], &end, 10);
	if (f[3][0] < '0' || f[3][0] > '9' || *end != '\0' || errno != 0 ||
	    gid >= (gid_t)-1)
		return (-1);
	if (strlen(f[0]) >= sizeof(pw->name) || strlen(f[5]) >=
	    sizeof(pw->dir))
		return (-1);
	strcpy(pw->name, f[0]);
	strcpy(pw->dir, f[5]);
	pw->uid = uid;
	pw->gid = gid;
	return (0);
}

/*
 * Look up key (a login name or a decimal uid) as getent passwd does.
 * Returns 0, or -1 with errno: ENOENT when there is no such user, EIO
 * when getent failed or printed what is not a passwd line.
 */
int
client_passwd(const char *key, struct client_pw *pw)
{
	posix_spawn_file_actions_t	 fa;
	char *const	 argv[] = { "getent", "passwd", "--", (char *)key, NULL };
	char		 buf[2 * PATH_MAX];
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status, r;

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) != 0 ||
	    (r = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
	    (r = posix_spawn(&pid, GETENT_PATH, &fa, NULL, argv,
	    environ)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		/* Not "no such user": getent itself is missing or failed. */
		errno = r == ENOENT ? EIO : r;
		return (-1);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	/* One entry is far shorter; more makes the parse fail. */
	while (len < sizeof(buf) - 1) {
		n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	buf[len] = '\0';
	/* getent: 2 is "no such key"; anything else is its failure. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		errno = ENOENT;
		return (-1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    client_passwd_parse(buf, pw) == -1) {
		errno = EIO;
		return (-1);
	}
	return (0);
}
