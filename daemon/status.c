/*
 * gwctl status and gw doctor: what greywalld and this kernel provide,
 * one item per layer, each with a level; GW_STATUS_FAIL means a layer
 * the policy requires is missing. gwctl status (admins only) shows the
 * daemon's side: pids, every sandbox, the audit counters. gw doctor
 * shows any user what applies to them: the same layers, their own
 * sandboxes and which policy files select them.
 *
 * The last item, whether the SOCKS5 upstream answers, is a TCP connect
 * made without blocking: the list ends (GW_MSG_OK) when it connects,
 * fails or times out.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "greywalld.h"

#define PROBE_TIMEOUT_MS	1000
#define PROBES_MAX		32	/* connects under way, in all */

/* A connect to the upstream for one waiting client. */
struct probe {
	TAILQ_ENTRY(probe)	 entry;
	struct status_out	 out;		/* the waiting client */
	int			 fd;
	struct event		*ev;
	struct timespec		 t0;
	char			 addr[300];
};
TAILQ_HEAD(probelist, probe);

static struct probelist	 probes = TAILQ_HEAD_INITIALIZER(probes);
static unsigned int	 nprobes;
static time_t		 started;

void
status_init(void)
{
	started = time(NULL);
}

static void item(const struct status_out *, int, const char *,
    const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
item(const struct status_out *c, int level, const char *name,
    const char *fmt, ...)
{
	char			 value[1024];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	c->item(c->arg, level, name, value);
}

static void
probe_free(struct probe *p)
{
	TAILQ_REMOVE(&probes, p, entry);
	nprobes--;
	if (p->ev != NULL)
		event_free(p->ev);
	close(p->fd);
	free(p);
}

/* The client (out->arg) went away: its probe, if any, with it. */
void
status_gone(const void *arg)
{
	struct probe	*p, *next;

	for (p = TAILQ_FIRST(&probes); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->out.arg == arg)
			probe_free(p);
	}
}

static void
probe_cb(int fd, short what, void *arg)
{
	struct probe	*p = arg;
	struct timespec	 now;
	socklen_t	 len = sizeof(int);
	int		 err = 0;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - p->t0.tv_sec) * 1000 +
	    (now.tv_nsec - p->t0.tv_nsec) / 1000000;
	if (what & EV_TIMEOUT)
		item(&p->out, GW_STATUS_WARN, "upstream", "%s: no answer in"
		    " %d ms: sandboxes' connections will fail", p->addr,
		    PROBE_TIMEOUT_MS);
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0)
		item(&p->out, GW_STATUS_WARN, "upstream", "%s: %s: sandboxes'"
		    " connections will fail", p->addr,
		    strerror(err != 0 ? err : errno));
	else
		item(&p->out, GW_STATUS_OK, "upstream", "%s: accepts"
		    " connections (%ld ms)", p->addr, ms);
	p->out.end(p->out.arg);
	probe_free(p);
}

/*
 * Whether the upstream takes connections to the host itself (the last
 * round of upstream-check.c): an unsafe one is a failure whatever the
 * mode, since the netstack alone cannot hold a name that changes. One
 * not known either way is only an item when it stops sandboxes: the
 * upstream item already says whether it answers.
 */
static void
status_upstream_check(const struct status_out *c, const struct policy *pol)
{
	const char	*addr = pol->e[PK_NET_UPSTREAM_SOCKS5].one.str;
	uint64_t	 mode = pol->e[PK_NET_UPSTREAM_CHECK].one.num;
	char		 msg[600];
	int		 required = mode == UPSTREAM_CHECK_REQUIRED;

	if (pol->e[PK_NET_UPSTREAM].one.num == 0 || addr == NULL)
		return;
	if (mode == UPSTREAM_CHECK_OFF) {
		item(c, GW_STATUS_INFO, "upstream check", "off"
		    " (network.upstream_check: off)");
		return;
	}
	switch (upstream_check_verdict(addr, msg, sizeof(msg))) {
	case UC_SAFE:
		item(c, GW_STATUS_OK, "upstream check", "%s: %s", addr, msg);
		break;
	case UC_UNSAFE:
		item(c, GW_STATUS_FAIL, "upstream check", "%s is UNSAFE: %s;"
		    " a sandbox can reach host services through it%s", addr,
		    msg, required ? ", so sandboxes are refused" : "");
		break;
	default:
		/* Unreachable or no SOCKS5: the upstream item says so. */
		if (!required)
			break;
		item(c, GW_STATUS_FAIL, "upstream check", "%s: %s;"
		    " network.upstream_check is 'required': sandboxes are"
		    " refused until it is known to be safe", addr, msg);
		break;
	}
}

/* The upstream item, and the end of the list, now or once it answers. */
static void
status_upstream(const struct status_out *c, const struct policy *pol)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { PROBE_TIMEOUT_MS / 1000,
				     (PROBE_TIMEOUT_MS % 1000) * 1000 };
	struct probe		*p;
	const char		*addr;
	socklen_t		 sl;

	addr = pol->e[PK_NET_UPSTREAM_SOCKS5].one.str;
	if (pol->e[PK_NET_UPSTREAM].one.num == 0) {
		item(c, GW_STATUS_INFO, "upstream", "none (network.upstream:"
		    " none): sandboxes have no network");
		goto done;
	}
	if (addr == NULL || sandbox_net_addr(addr, &ss) == -1) {
		item(c, GW_STATUS_WARN, "upstream", "'%s' is not a numeric"
		    " address and port", addr != NULL ? addr : "");
		goto done;
	}
	if (nprobes >= PROBES_MAX) {
		item(c, GW_STATUS_INFO, "upstream", "%s: not tested now (too"
		    " many status requests at once)", addr);
		goto done;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto fail;
	p->out = *c;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	sl = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		free(p);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&probes, p, entry);
	nprobes++;
	if (connect(p->fd, (struct sockaddr *)&ss, sl) == 0) {
		probe_cb(p->fd, EV_WRITE, p);
		return;
	}
	if (errno != EINPROGRESS) {
		/* Refused at once (loopback): the error is this one. */
		item(c, GW_STATUS_WARN, "upstream", "%s: %s: sandboxes'"
		    " connections will fail", addr, strerror(errno));
		probe_free(p);
		goto done;
	}
	if ((p->ev = event_new(gw_base, p->fd, EV_WRITE, probe_cb,
	    p)) == NULL || event_add(p->ev, &tv) == -1) {
		probe_free(p);
		goto fail;
	}
	return;
fail:
	item(c, GW_STATUS_WARN, "upstream", "%s: cannot test: %s", addr,
	    strerror(errno));
done:
	c->end(c->arg);
}

/* Whether kernel.seccomp.actions_logged lists errno. */
static int
seccomp_logs_errno(void)
{
	char	buf[256];
	int	fd;
	ssize_t	n;

	if ((fd = open("/proc/sys/kernel/seccomp/actions_logged",
	    O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return (strstr(buf, "errno") != NULL);
}

/*
 * Landlock, kernel audit and the event sources: the same for admins and
 * users, but only admins see pids and counters.
 */
static void
status_layers(const struct status_out *c, const struct policy *pol, int admin)
{
	struct audit_info	 ai;
	const char		*cg;
	char			 ctrls[64], src[512];
	int			 abi = sandbox_landlock_abi(), logs;
	int			 fs_audit, sc_audit, audit_on, bpf;
	const char		*why;
	uint64_t		 rec, evs, drop, unres, skip;

	if (abi > 0)
		item(c, GW_STATUS_OK, "landlock", "ABI %d", abi);
	else if (pol->e[PK_HARDENING_LANDLOCK].one.num == LANDLOCK_REQUIRED)
		item(c, GW_STATUS_FAIL, "landlock", "not available in this"
		    " kernel, and hardening.landlock is 'required': sandboxes"
		    " are refused");
	else
		item(c, GW_STATUS_WARN, "landlock", "not available in this"
		    " kernel: sandboxes run without it (best-effort)");
	item(c, GW_STATUS_OK, "seccomp", "filter built, loaded by every"
	    " sandbox");
	if ((cg = sandbox_cgroup_mode(ctrls, sizeof(ctrls))) != NULL)
		item(c, GW_STATUS_OK, "cgroup", "%s, controllers: %s", cg,
		    ctrls[0] != '\0' ? ctrls : "none");
	else
		item(c, GW_STATUS_WARN, "cgroup", "none usable: no per-sandbox"
		    " limits, sandboxes that ask for them are refused");

	audit_info(&ai);
	audit_on = ai.enabled >= 1;
	if (ai.mode == AUDIT_MODE_OFF)
		item(c, GW_STATUS_INFO, "kernel audit", "not read (greywalld"
		    " --audit off)");
	else if (!ai.reading)
		item(c, GW_STATUS_WARN, "kernel audit", "not read: %s", ai.why);
	else if (ai.enabled == -1)
		item(c, GW_STATUS_WARN, "kernel audit", "read, but its state"
		    " is unknown");
	else if (!audit_on)
		item(c, GW_STATUS_WARN, "kernel audit", "disabled: no Landlock"
		    " or seccomp events (greywalld --audit enable turns it"
		    " on)");
	else if (ai.enabled_by_us)
		item(c, GW_STATUS_OK, "kernel audit", "enabled by greywalld"
		    " (--audit enable), disabled again when it stops");
	else if (ai.auditd != 0 && admin)
		item(c, GW_STATUS_OK, "kernel audit", "enabled, audit daemon"
		    " pid %u%s", ai.auditd, ai.enabled == 2 ? ", locked" : "");
	else
		item(c, GW_STATUS_OK, "kernel audit", "enabled%s",
		    ai.enabled == 2 ? ", locked" : "");
	logs = seccomp_logs_errno();
	fs_audit = ai.reading && audit_on && abi >= 7;
	sc_audit = ai.reading && audit_on && logs;
	if (abi > 0 && abi < 7)
		item(c, GW_STATUS_INFO, "landlock audit", "Landlock ABI %d"
		    " logs no denials (ABI 7 does)", abi);
	if (!logs)
		item(c, GW_STATUS_INFO, "seccomp audit", "kernel.seccomp."
		    "actions_logged does not list errno: no system call"
		    " events");
	why = denials_status(&bpf);
	if (bpf)
		item(c, GW_STATUS_OK, "denials (eBPF)", "hidden paths, read-only"
		    " and Landlock denials, seccomp refusals: without kernel"
		    " audit");
	else
		item(c, GW_STATUS_WARN, "denials (eBPF)", "off: %s; hidden"
		    " paths are not reported", why);
	snprintf(src, sizeof(src), "netstack, command guard, protected and"
	    " read-only paths (supervisor)%s%s%s",
	    bpf ? ", hidden, read-only and refused paths, seccomp (eBPF)" :
	    "", fs_audit ? ", Landlock (kernel audit)" : "",
	    sc_audit ? ", seccomp (kernel audit)" : "");
	item(c, GW_STATUS_OK, "event sources", "%s", src);
	if (!bpf && (!fs_audit || !sc_audit))
		item(c, GW_STATUS_INFO, "events missing", "%s%s%s",
		    fs_audit ? "" : "Landlock denials (paths outside the"
		    " tree's grants)", !fs_audit && !sc_audit ? ", " : "",
		    sc_audit ? "" : "seccomp denials (system calls)");
	if (admin && bpf) {
		denials_counters(&rec, &evs, &drop, &unres, &skip);
		item(c, GW_STATUS_INFO, "denial records", "%llu read, %llu"
		    " events, %llu dropped (rate limit, full queues), %llu"
		    " relative paths of processes gone before they were"
		    " read, %llu left out by the kernel (not found below a"
		    " system directory)", (unsigned long long)rec,
		    (unsigned long long)evs, (unsigned long long)drop,
		    (unsigned long long)unres, (unsigned long long)skip);
	}
	if (admin && ai.reading)
		item(c, GW_STATUS_INFO, "audit records", "%llu read, %llu"
		    " events, %llu of no sandbox, %llu times lost (read too"
		    " slowly)", (unsigned long long)ai.records,
		    (unsigned long long)ai.events,
		    (unsigned long long)ai.unattributed,
		    (unsigned long long)ai.lost);
}

/* gw doctor: which policy files select this user. */
static void
status_policy(const struct status_out *c, const char *user, char **groups,
    size_t ngroups)
{
	char		 files[1024] = "";
	const char	*slash, *b;
	size_t		 i;
	int		 n = 0;

	for (i = 0; i < gw_policy.n; i++) {
		if (!policy_selects(&gw_policy.v[i].pol, user, groups,
		    ngroups))
			continue;
		b = (slash = strrchr(gw_policy.v[i].path, '/')) != NULL ?
		    slash + 1 : gw_policy.v[i].path;
		snprintf(files + strlen(files), sizeof(files) - strlen(files),
		    "%s%s", n++ > 0 ? " " : "", b);
	}
	if (n > 0)
		item(c, GW_STATUS_OK, "policy", "%s selects you (gw policy"
		    " prints the result)", files);
	else
		item(c, GW_STATUS_WARN, "policy", "no file in policy.d selects"
		    " you: the built-in defaults apply");
}

/*
 * gw doctor: filesystem.write paths that do not exist. One in the home
 * is made when a sandbox starts; one elsewhere stops every sandbox of
 * this user, which is a failure. Looked up as the user.
 */
static void
status_write_paths(const struct status_out *c, const struct policy *pol, const char *home)
{
	const struct policy_entry	*e = &pol->e[PK_FS_WRITE];
	char				 path[PATH_MAX];
	size_t				 i, l = strlen(home);
	int				 r, bad = 0;

	for (i = 0; i < e->n; i++) {
		/* Relative to the working directory: not known here. */
		if (policy_path_expand(e->v[i].str, home, "/", path,
		    sizeof(path)) == -1 || (e->v[i].str[0] != '/' &&
		    e->v[i].str[0] != '~'))
			continue;
		if ((r = sandbox_home_exists(path, c->uid,
		    c->gid)) == 1)
			continue;
		if (r == 0 && l > 1 && strncmp(path, home, l) == 0 &&
		    path[l] == '/') {
			item(c, GW_STATUS_INFO, "filesystem.write", "'%s' (%s:%u)"
			    " does not exist: made (0700) when a sandbox"
			    " starts", path, e->v[i].src.file,
			    e->v[i].src.line);
			continue;
		}
		item(c, GW_STATUS_FAIL, "filesystem.write", "'%s' (%s:%u) %s:"
		    " your sandboxes cannot start", path, e->v[i].src.file,
		    e->v[i].src.line, r == 0 ? "does not exist" :
		    strerror(errno));
		bad = 1;
	}
	if (!bad && e->n > 0)
		item(c, GW_STATUS_OK, "filesystem.write", "%zu paths there",
		    e->n);
}

void
status_send(const struct status_out *c, int admin)
{
	struct passwd	*pw;
	struct policy	 pol;
	struct sandbox	*sb;
	char		**groups = NULL, *user = NULL, *home = NULL;
	size_t		 ngroups = 0, i;
	unsigned int	 n = 0, restarts;
	pid_t		 nspid;
	time_t		 up = time(NULL) - started;
	struct probe	*p;
	char		 buf[128];

	TAILQ_FOREACH(p, &probes, entry)
		if (p->out.arg == c->arg) {
			c->error(c->arg, GW_ERR_LIMIT, "a status request is"
			    " under way on this connection");
			return;
		}
	/* gwctl: the policy of users no file names; gw: the user's own. */
	if (!admin) {
		if ((pw = getpwuid(c->uid)) == NULL) {
			snprintf(buf, sizeof(buf), "uid %u has no entry in the"
			    " password database", (unsigned)c->uid);
			c->error(c->arg, GW_ERR_DENIED, buf);
			return;
		}
		if ((user = strdup(pw->pw_name)) == NULL ||
		    (home = strdup(pw->pw_dir)) == NULL ||
		    policy_user_groups(pw, &groups, &ngroups) == -1)
			goto oom;
	}
	if (policyset_effective(&gw_policy, user != NULL ? user : "", groups,
	    ngroups, &pol) == -1)
		goto oom;

	item(c, GW_STATUS_OK, "version", "greywalld %s (protocol %u)",
	    GW_VERSION, GW_PROTO_VERSION);
	if (admin)
		item(c, GW_STATUS_INFO, "uptime", "%lldd %02lld:%02lld:%02lld",
		    (long long)up / 86400, (long long)up / 3600 % 24,
		    (long long)up / 60 % 60, (long long)up % 60);
	TAILQ_FOREACH(sb, &sandboxes, entry)
		if (admin || sb->uid == c->uid)
			n++;
	if (admin)
		item(c, GW_STATUS_INFO, "sandboxes", "%u running", n);
	else
		item(c, GW_STATUS_INFO, "sandboxes", "%u of yours running (at"
		    " most %u)", n, gw_conf.max_sandboxes_per_uid);
	netstack_status(&nspid, &restarts);
	if (nspid <= 0)
		item(c, GW_STATUS_FAIL, "netstack", "not running (restarted"
		    " %u times, then given up): sandboxes get no network",
		    restarts);
	else if (admin)
		item(c, restarts > 0 ? GW_STATUS_WARN : GW_STATUS_OK,
		    "netstack", "pid %d, restarted %u times", (int)nspid,
		    restarts);
	else
		item(c, restarts > 0 ? GW_STATUS_WARN : GW_STATUS_OK,
		    "netstack", "running%s", restarts > 0 ? " (restarted"
		    " after a failure)" : "");
	status_layers(c, &pol, admin);
	if (!admin) {
		status_policy(c, user, groups, ngroups);
		status_write_paths(c, &pol, home);
	}
	status_upstream_check(c, &pol);
	status_upstream(c, &pol);
	policy_clear(&pol);
	goto out;
oom:
	log_warn("%s", __func__);
	c->error(c->arg, GW_ERR_INTERNAL, "cannot compute the status");
out:
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
	free(user);
	free(home);
}
