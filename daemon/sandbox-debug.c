/*
 * gw exec -d: what greywalld made of a request, sent to the client as
 * SANDBOX_DEBUG lines before the sandbox starts (through c->line, which is
 * control.c's). Which policy files
 * apply, the file system the command will see, the environment variables
 * removed and why, the network path, the hardening and the limits: enough
 * to see why something will be blocked without reading the daemon's log.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "greywalld.h"

#define LINE_MAX_DEBUG	2048

static void __attribute__((format(printf, 3, 4)))
debug_send(const struct debug_out *c, uint32_t id, const char *fmt, ...)
{
	char		 buf[LINE_MAX_DEBUG];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	str_sanitize(buf);
	c->line(c->arg, id, buf);
}

/* A list key as "a, b, c", or "(none)". */
static const char *
join(const struct policy_entry *e, char *buf, size_t len)
{
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	if (e->n == 0)
		return ("(none)");
	for (i = 0; i < e->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		    e->v[i].str);
		if (n < 0)
			break;
		off += n;
	}
	return (buf);
}

/* Which variables of the client's environment the sandbox will not get. */
static void
debug_env(const struct debug_out *c, uint32_t id, char *const *env, size_t n,
    const struct policy_entry *strip)
{
	char	buf[LINE_MAX_DEBUG], name[128];
	size_t	i, j, off = 0, len;
	int	w;

	buf[0] = '\0';
	for (i = 0; i < n && off < sizeof(buf) - 1; i++) {
		len = strcspn(env[i], "=");
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, env[i], len);
		name[len] = '\0';
		w = 0;
		if (!sandbox_env_allowed(env[i]))
			w = snprintf(buf + off, sizeof(buf) - off, "%s%s"
			    " (built-in)", off > 0 ? ", " : "", name);
		else
			for (j = 0; j < strip->n; j++)
				if (fnmatch(strip->v[j].str, name, 0) == 0) {
					w = snprintf(buf + off,
					    sizeof(buf) - off, "%s%s (env.strip"
					    " '%s')", off > 0 ? ", " : "",
					    name, strip->v[j].str);
					break;
				}
		if (w > 0)
			off += w;
	}
	debug_send(c, id, "environment: removed %s; added GREYWALL_SANDBOX=1,"
	    " TMPDIR=/tmp", off > 0 ? buf : "nothing");
}

/* A NULL-terminated list as "a, b, c" (home-relative as ~/), or "(none)". */
static const char *
join_paths(char *const *v, const char *home, char *buf, size_t len)
{
	size_t	off = 0, l = strlen(home);
	int	n;

	buf[0] = '\0';
	if (v == NULL || v[0] == NULL)
		return ("(none)");
	for (; *v != NULL && off < len; v++) {
		if (l > 1 && strncmp(*v, home, l) == 0 && (*v)[l] == '/')
			n = snprintf(buf + off, len - off, "%s~%s",
			    off > 0 ? ", " : "", *v + l);
		else
			n = snprintf(buf + off, len - off, "%s%s",
			    off > 0 ? ", " : "", *v);
		if (n < 0)
			break;
		off += n;
	}
	return (buf);
}

/* The home (filesystem.home), the project and the cache store. */
static void
debug_home(const struct debug_out *c, uint32_t id, const struct policy *pol,
    const char *cwd, const struct debug_fs *fs)
{
	const struct policy_entry *e = pol->e;
	char		 a[LINE_MAX_DEBUG / 2], b[LINE_MAX_DEBUG / 2];
	const char	*f;
	size_t		 i, off = 0;

	if (e[PK_FS_PROJECT].one.num == PROJECT_WORKTREE &&
	    strcmp(fs->project, cwd) != 0)
		debug_send(c, id, "project: the git work tree '%s' around the"
		    " working directory, with its mode (filesystem.project:"
		    " worktree)", fs->project);
	else
		debug_send(c, id, "project: the working directory only"
		    " (filesystem.project: %s)", e[PK_FS_PROJECT].one.str);
	switch (e[PK_FS_HOME].one.num) {
	case HOME_PRIVATE:
		a[0] = '\0';
		for (i = 0; (f = sandbox_mount_home_file(i)) != NULL &&
		    off < sizeof(a); i++)
			off += snprintf(a + off, sizeof(a) - off, "%s~/%s",
			    i > 0 ? ", " : "", f);
		debug_send(c, id, "home: '%s' is a private writable tmpfs,"
		    " discarded at exit (filesystem.home: private); bound"
		    " read-only into it where they exist and are not on"
		    " deny_read: %s", fs->home, a);
		break;
	case HOME_READONLY:
		debug_send(c, id, "home: '%s' is an empty read-only directory"
		    " (filesystem.home: readonly)", fs->home);
		break;
	default:
		debug_send(c, id, "home: nothing at '%s' but what the policy"
		    " lists (filesystem.home: none)", fs->home);
		break;
	}
	if (fs->caches != NULL && fs->caches[0] != NULL)
		debug_send(c, id, "caches: %s kept in the store '%s', not the"
		    " real ones (caches.store: private)",
		    join_paths(fs->caches, fs->home, a, sizeof(a)), fs->store);
	else
		debug_send(c, id, "caches: no store (caches.store: %s%s)",
		    e[PK_CACHES_STORE].one.str,
		    e[PK_FS_HOME].one.num != HOME_PRIVATE &&
		    e[PK_CACHES_STORE].one.num == CACHES_PRIVATE ?
		    ", which needs filesystem.home: private" : "");
	if (e[PK_CACHES_REAL].n > 0)
		debug_send(c, id, "caches.real: %s, the real directories,"
		    " writable", join(&e[PK_CACHES_REAL], b, sizeof(b)));
}

void
sandbox_debug(const struct debug_out *c, const struct sandbox *sb,
    const struct policy *pol, const char *cwd, const struct debug_fs *fs,
    char *const *env, size_t nenv, int no_landlock)
{
	static const char *const cwd_modes[] = { "none", "ro", "rw" };
	char		 a[LINE_MAX_DEBUG / 2], b[LINE_MAX_DEBUG / 2];
	char		 addr[INET6_ADDRSTRLEN];
	struct in_addr	 a4;
	const struct policy_entry *e = pol->e;
	uint32_t	 id = sb->id;

	debug_send(c, id, "policy files: %s", sb->ev.files != NULL &&
	    sb->ev.files[0] != '\0' ? sb->ev.files : "(built-in defaults)");
	debug_send(c, id, "working directory: '%s' (filesystem.cwd: %s)", cwd,
	    cwd_modes[e[PK_FS_CWD].one.num % nitems(cwd_modes)]);
	debug_send(c, id, "filesystem.read: %s; filesystem.write: %s",
	    join(&e[PK_FS_READ], a, sizeof(a)),
	    join(&e[PK_FS_WRITE], b, sizeof(b)));
	debug_send(c, id, "filesystem.deny_read: %s; filesystem.deny_write: %s",
	    join(&e[PK_FS_DENY_READ], a, sizeof(a)),
	    join(&e[PK_FS_DENY_WRITE], b, sizeof(b)));
	debug_send(c, id, "filesystem.mask: %s; filesystem.protected: %s",
	    join(&e[PK_FS_MASK], a, sizeof(a)), e[PK_FS_PROTECTED].one.str);
	debug_home(c, id, pol, cwd, fs);
	debug_env(c, id, env, nenv, &e[PK_ENV_STRIP]);
	if (sb->net == NULL)
		debug_send(c, id, "network: none (only a loopback interface)");
	else {
		net_addr_sandbox4(sb->net_slot, &a4);
		inet_ntop(AF_INET, &a4, addr, sizeof(addr));
		debug_send(c, id, "network: %s %s, to SOCKS5 %s; DNS %s%s%s;"
		    " IPv6 %s", NET_TUN_NAME, addr,
		    e[PK_NET_UPSTREAM_SOCKS5].one.str,
		    e[PK_NET_DNS_MODE].one.str,
		    e[PK_NET_DNS_SERVER].set ? " " : "",
		    e[PK_NET_DNS_SERVER].set ? e[PK_NET_DNS_SERVER].one.str : "",
		    e[PK_NET_IPV6].one.num ? "on" : "off");
		debug_send(c, id, "network.domains.allow: %s; deny: %s",
		    join(&e[PK_NET_DOMAINS_ALLOW], a, sizeof(a)),
		    join(&e[PK_NET_DOMAINS_DENY], b, sizeof(b)));
		debug_send(c, id, "network.cidrs.allow: %s;"
		    " host_loopback.allow_ports: %s",
		    join(&e[PK_NET_CIDRS_ALLOW], a, sizeof(a)),
		    join(&e[PK_NET_HOST_LOOPBACK_PORTS], b, sizeof(b)));
	}
	if (no_landlock)
		debug_send(c, id, "landlock: not available, running without"
		    " it (hardening.landlock: best-effort)");
	else
		debug_send(c, id, "landlock: ABI %d (hardening.landlock: %s)",
		    sandbox_landlock_abi(), e[PK_HARDENING_LANDLOCK].one.str);
	debug_send(c, id, "seccomp: the built-in filter, and"
	    " hardening.seccomp_deny: %s",
	    join(&e[PK_HARDENING_SECCOMP_DENY], a, sizeof(a)));
	debug_send(c, id, "limits: pids %s, memory %s, cpu %s, wall_time %s",
	    e[PK_LIMITS_PIDS].set ? e[PK_LIMITS_PIDS].one.str : "-",
	    e[PK_LIMITS_MEMORY].set ? e[PK_LIMITS_MEMORY].one.str : "-",
	    e[PK_LIMITS_CPU].set ? e[PK_LIMITS_CPU].one.str : "-",
	    e[PK_LIMITS_WALL_TIME].set ? e[PK_LIMITS_WALL_TIME].one.str : "-");
}
