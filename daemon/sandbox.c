/*
 * Sandbox lifecycle in the daemon: check a complete request, fork the
 * sandbox, watch its init through a pidfd, and report how it ended.
 *
 * Each sandbox is one pid namespace and one cgroup. Killing it writes
 * cgroup.kill and kills init, whose death makes the kernel kill whatever
 * else is left in the pid namespace: nothing started inside, however it
 * detached itself, outlives it.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include <linux/filter.h>

#include <event2/event.h>

#include "greywalld.h"

#define CMDLINE_MAX	1024
#define MARKS_SIZE	4096

struct sandboxlist	 sandboxes = TAILQ_HEAD_INITIALIZER(sandboxes);
static uint32_t		 next_id = 1;

static void	sandbox_free(struct sandbox *);

/*
 * greywalld --timing: one line per sandbox with the CLOCK_MONOTONIC ns
 * of each step (enum sandbox_mark order, 0 if not reached), for
 * bench/startup-profile.
 */
static void
sandbox_timing_log(struct sandbox *sb)
{
	char	buf[MARK__MAX * 24];
	size_t	len = 0;
	int	i;

	sandbox_mark(sb->marks, MARK_FREED);
	buf[0] = '\0';
	for (i = 0; i < MARK__MAX && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %llu",
		    (unsigned long long)sb->marks[i]);
	log_info("sandbox %u timing:%s", sb->id, buf);
	munmap(sb->marks, MARKS_SIZE);
	sb->marks = NULL;
}

/* A page init and the command child write their marks into. */
static uint64_t *
sandbox_timing_new(const struct conn *c)
{
	uint64_t	*m;

	if (!gw_conf.timing)
		return (NULL);
	m = mmap(NULL, MARKS_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return (NULL);
	control_times(c, &m[MARK_ACCEPT], &m[MARK_REQUEST]);
	return (m);
}

/* The live sandbox with this id, or NULL. */
struct sandbox *
sandbox_find(uint32_t id)
{
	struct sandbox	*sb;

	TAILQ_FOREACH(sb, &sandboxes, entry)
		if (sb->id == id)
			return (sb);
	return (NULL);
}

unsigned int
sandbox_count_uid(uid_t uid)
{
	struct sandbox	*sb;
	unsigned int	 n = 0;

	TAILQ_FOREACH(sb, &sandboxes, entry)
		if (sb->uid == uid)
			n++;
	return (n);
}

static char *
cmdline_join(char *const *argv)
{
	char	*s;
	size_t	 len = 0, l;

	if ((s = malloc(CMDLINE_MAX)) == NULL)
		return (NULL);
	s[0] = '\0';
	for (; *argv != NULL && len < CMDLINE_MAX - 1; argv++) {
		l = snprintf(s + len, CMDLINE_MAX - len, "%s%s",
		    len > 0 ? " " : "", *argv);
		len += l;
	}
	if (len >= CMDLINE_MAX - 1)
		memcpy(s + CMDLINE_MAX - 4, "...", 4);
	str_sanitize(s);
	return (s);
}

/* Whether filesystem.allow_cwd lists value (enum allow_cwd). */
static int
allow_cwd(const struct policy *pol, unsigned int value)
{
	const struct policy_entry	*e = &pol->e[PK_FS_ALLOW_CWD];
	size_t				 i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].num == value)
			return (1);
	return (0);
}

/*
 * Find the path of the client's cwd fd as the kernel names it, and refuse
 * places a sandbox must not get write access to: "/" and the home
 * directory itself unless filesystem.allow_cwd lists them, shared
 * world-writable directories such as /tmp (other users' files and
 * sockets) always, and directories that no longer exist.
 */
static int
sandbox_check_cwd(struct conn *c, int fd, const char *home,
    const struct policy *pol, char *path, size_t len)
{
	char		 proc[64];
	struct stat	 st, hst;
	ssize_t		 n;

	if (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		control_send_error(c, GW_ERR_SETUP, "the working directory"
		    " sent by gw is not a directory");
		return (-1);
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, path, len - 1)) == -1 || (size_t)n >= len - 1) {
		control_send_error(c, GW_ERR_SETUP, "cannot read the path of"
		    " the working directory");
		return (-1);
	}
	path[n] = '\0';
	if (path[0] != '/' || strstr(path, " (deleted)") != NULL) {
		control_send_error(c, GW_ERR_SETUP, "the working directory"
		    " '%s' is not reachable from the host root", path);
		return (-1);
	}
	if (strcmp(path, "/") == 0) {
		if (allow_cwd(pol, ALLOW_CWD_ROOT))
			return (0);
		control_send_error(c, GW_ERR_DENIED, "refusing to run with"
		    " '/' as the working directory (filesystem.allow_cwd does"
		    " not list 'root'): cd into a project directory first");
		return (-1);
	}
	if (st.st_mode & S_IWOTH) {
		control_send_error(c, GW_ERR_DENIED, "refusing to run in the"
		    " world-writable directory '%s' (other users' files would"
		    " be writable): cd into a project directory first", path);
		return (-1);
	}
	if (stat(home, &hst) == 0 && hst.st_dev == st.st_dev &&
	    hst.st_ino == st.st_ino && !allow_cwd(pol, ALLOW_CWD_HOME)) {
		control_send_error(c, GW_ERR_DENIED, "refusing to run with"
		    " the home directory '%s' as the working directory (it"
		    " would be writable, and filesystem.allow_cwd does not"
		    " list 'home'): cd into a project directory first", path);
		return (-1);
	}
	return (0);
}

static void
sandbox_report(struct sandbox *sb, int wstatus)
{
	struct conn	*c = sb->conn;

	if (sb->reported)
		return;
	/* Its ports close before gw hears of the end. */
	sandbox_inbound_close(sb);
	if (sb->failure == NULL && !sb->have_exit && WIFSIGNALED(wstatus)) {
		/* Killed from outside (gwctl kill, shutdown, a limit). */
		sb->exit.how = GW_EXIT_SIGNAL;
		sb->exit.code = WTERMSIG(wstatus);
		sb->have_exit = 1;
	}
	if (sb->have_exit && sb->exit.how == GW_EXIT_SIGNAL) {
		if (sb->wall_expired) {
			sb->exit.how = GW_EXIT_WALL_TIME;
			sb->exit.code = sb->wall_time;
		} else if (sb->exit.code == SIGKILL &&
		    sandbox_cgroup_oom_killed(&sb->cg)) {
			log_info("sandbox %u: out of memory (limits.memory),"
			    " killed by the kernel", sb->id);
			sb->exit.how = GW_EXIT_MEMORY;
		}
	}
	if (c == NULL)
		return;
	if (sb->failure != NULL) {
		control_send_error(c, GW_ERR_SETUP, "sandbox setup failed: %s",
		    sb->failure);
	} else if (sb->have_exit) {
		control_flush_dropped(c);
		control_send(c, GW_MSG_SANDBOX_EXITED, sb->id, &sb->exit,
		    sizeof(sb->exit), NULL, 0);
		sandbox_mark(sb->marks, MARK_REPORTED);
	} else {
		control_send_error(c, GW_ERR_INTERNAL, "sandbox init ended"
		    " with status %d without reporting",
		    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	}
	control_finish(c);
}


/*
 * Init reports the command's status only once everything else in the
 * sandbox is killed and reaped (sandbox-init.c): gw hears it now, and
 * init's own exit, the namespaces' teardown and the cgroup's removal
 * come after. The sandbox stays listed until its pidfd reports init's
 * end.
 */
static void
sandbox_report_early(struct sandbox *sb)
{
	struct conn	*c = sb->conn;

	if (c == NULL || sb->failure != NULL || !sb->have_exit)
		return;
	audit_sandbox_end(sb);
	sandbox_report(sb, 0);
	sb->reported = 1;
	control_attach(c, NULL);
	sb->conn = NULL;
}

/* Hand the pty master from init to gw; the daemon keeps no copy. */
static void
sandbox_pass_pty(struct sandbox *sb, int fd)
{
	if (!sb->want_pty || sb->pty_done || !sandbox_pty_is_master(fd)) {
		log_warnx("sandbox %u: unexpected pty from init, ignoring",
		    sb->id);
		close(fd);
		return;
	}
	/* One pty per sandbox. */
	sb->pty_done = 1;
	if (sb->conn == NULL) {
		close(fd);
		return;
	}
	control_send_fd(sb->conn, GW_MSG_SANDBOX_PTY, sb->id, NULL, 0, fd);
}

/*
 * Read what init reported, at most max messages; it runs as the user,
 * so check everything. Returns -1 once init has closed its end, else 0.
 */
static int
sandbox_read_status(struct sandbox *sb, int max)
{
	struct init_msg	m;
	int		fd, i, r;

	for (i = 0; i < max; i++) {
		r = init_msg_recv(sb->statusfd, &m, &fd, MSG_DONTWAIT);
		if (r == 0)
			return (-1);
		if (r == -1 && errno == EPROTO) {
			log_warnx("sandbox %u: bad status message, ignoring",
			    sb->id);
			continue;
		}
		if (r == -1)
			return (errno == EAGAIN || errno == EINTR ? 0 : -1);
		if (fd >= 0 && m.type != INIT_MSG_PTY &&
		    m.type != INIT_MSG_TUN) {
			close(fd);
			fd = -1;
		}
		m.text[sizeof(m.text) - 1] = '\0';
		switch (m.type) {
		case INIT_MSG_FAIL:
			if (sb->failure == NULL)
				sb->failure = strdup(m.text);
			log_warnx("sandbox %u (uid %u): setup failed: %s",
			    sb->id, (unsigned)sb->uid, m.text);
			break;
		case INIT_MSG_EXITED:
			if (m.how < GW_EXIT_CODE || m.how > GW_EXIT_EXEC)
				break;
			sandbox_mark(sb->marks, MARK_EXITED);
			sb->exit.how = m.how;
			sb->exit.code = m.code;
			sb->have_exit = 1;
			/*
			 * Init sends nothing after it. Its command's
			 * denials go out first: the ring is drained and the
			 * host checks answered (then sandbox_drained()).
			 */
			if (m.how != GW_EXIT_EXEC &&
			    denials_sandbox_drain(sb) == 0)
				sandbox_report_early(sb);
			break;
		case INIT_MSG_TUN:
			/* Once, from init while it is still root. */
			if (fd == -1 || sb->net == NULL || sb->tunfd != -1)
				break;
			sb->tunfd = fd;
			fd = -1;
			netstack_attach(sb);
			break;
		case INIT_MSG_PTY:
			if (fd >= 0)
				sandbox_pass_pty(sb, fd);
			fd = -1;
			break;
		case INIT_MSG_EVENT:
			events_from_init(sb, &m);
			break;
		default:
			break;
		}
		if (fd != -1)
			close(fd);
	}
	return (0);
}

/*
 * Init hands over its TUN and pty before exec, then sends the protected
 * paths' events while the command runs: a burst at a time, so that a
 * busy sandbox cannot hold up the rest.
 */
static void
sandbox_status_cb(int fd __unused, short ev __unused, void *arg)
{
	struct sandbox	*sb = arg;

	if (sandbox_read_status(sb, 64) == -1 && sb->ev_status != NULL) {
		event_free(sb->ev_status);
		sb->ev_status = NULL;
	}
}

static void
sandbox_pid_cb(int fd __unused, short ev __unused, void *arg)
{
	struct sandbox	*sb = arg;
	int		 wstatus = 0;
	pid_t		 r;

	r = waitpid(sb->pid, &wstatus, WNOHANG);
	if (r == 0)
		return;
	sandbox_mark(sb->marks, MARK_PIDFD);
	if (r == -1 && errno != ECHILD)
		log_warn("sandbox %u: waitpid", sb->id);
	sandbox_read_status(sb, INT_MAX);
	audit_sandbox_end(sb);
	sb->wstatus = wstatus;
	sb->reaped = 1;
	/* Every denial it raised goes out before its end does. */
	if (denials_sandbox_drain(sb) == 1)
		return;
	sandbox_ended(sb);
}

/*
 * The denials of sb's command are all out (denials.c): report its end,
 * early if init has said it but is not reaped yet.
 */
void
sandbox_drained(struct sandbox *sb)
{
	if (sb->reaped)
		sandbox_ended(sb);
	else
		sandbox_report_early(sb);
}

/* Report the end of a reaped sandbox and free it. */
void
sandbox_ended(struct sandbox *sb)
{
	log_debug("sandbox %u ended (status 0x%x)", sb->id, sb->wstatus);
	sandbox_report(sb, sb->wstatus);
	sandbox_free(sb);
}

/*
 * Everything a sandbox holds, whether it ran or its start failed halfway
 * (calloc'd, fds -1, not on the list).
 */
static void
sandbox_release(struct sandbox *sb)
{
	if (sb->ev_pid != NULL)
		event_free(sb->ev_pid);
	if (sb->ev_status != NULL)
		event_free(sb->ev_status);
	if (sb->ev_wall != NULL)
		event_free(sb->ev_wall);
	sandbox_cgroup_destroy(&sb->cg);
	if (sb->pidfd >= 0)
		close(sb->pidfd);
	if (sb->statusfd >= 0)
		close(sb->statusfd);
	sandbox_inbound_close(sb);
	netstack_detach(sb);
	/* Its last close is slow: not in the loop (closer.c). */
	closer_close(sb->tunfd);
	netstack_slot_put(sb->net_slot);
	events_sandbox_free(sb);
	free(sb->net);
	free(sb->user);
	free(sb->cmdline);
	free(sb->cwd);
	free(sb->failure);
	if (sb->marks != NULL)
		sandbox_timing_log(sb);
	free(sb);
}

static void
sandbox_free(struct sandbox *sb)
{
	TAILQ_REMOVE(&sandboxes, sb, entry);
	if (sb->conn != NULL)
		control_attach(sb->conn, NULL);
	sandbox_release(sb);
}

/* Narrow eff by one scalar value, as the gw exec flags ask. */
static int
policy_flag(struct policy *eff, enum policy_key k, const char *value,
    struct policy_error *err)
{
	struct policy	ov;
	struct policy_value v;
	char		msg[256];
	int		r;

	memset(&ov, 0, sizeof(ov));
	if (policy_value_parse(k, value, &v, msg, sizeof(msg)) == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
		return (-1);
	}
	v.src.file = "(gw exec flag)";
	v.src.line = v.src.col = 0;
	r = policy_add(&ov, k, &v);
	free(v.str);
	if (r == 0)
		r = policy_narrow(eff, &ov, err);
	policy_clear(&ov);
	return (r);
}

/*
 * Who a uid is (its passwd entry and group names), looked up once and
 * kept until the next policy reload (sandbox_ident_flush()): otherwise
 * every start reads /etc/passwd and /etc/group (or asks NSS) again. The
 * uid is the peer's, from SO_PEERCRED.
 */
#define IDENT_CACHE	64

struct ident {
	int		  used;
	uid_t		  uid;
	char		 *name;
	char		 *home;
	char		**groups;
	size_t		  ngroups;
};

static struct ident	ident_cache[IDENT_CACHE];
static size_t		ident_next;
static gid_t		tty_gid = (gid_t)-1;
static int		tty_gid_known;

static void
ident_clear(struct ident *id)
{
	size_t	i;

	for (i = 0; i < id->ngroups; i++)
		free(id->groups[i]);
	free(id->groups);
	free(id->name);
	free(id->home);
	memset(id, 0, sizeof(*id));
}

/* After a reload: users and groups are looked up afresh. */
void
sandbox_ident_flush(void)
{
	size_t	i;

	for (i = 0; i < IDENT_CACHE; i++)
		ident_clear(&ident_cache[i]);
	ident_next = 0;
	tty_gid_known = 0;
}

/* The group of terminals, for the sandbox's devpts, or (gid_t)-1. */
gid_t
sandbox_tty_gid(void)
{
	struct group	*gr;

	if (!tty_gid_known) {
		tty_gid = (gr = getgrnam("tty")) != NULL ? gr->gr_gid :
		    (gid_t)-1;
		tty_gid_known = 1;
	}
	return (tty_gid);
}

/* NULL with errno 0 if the uid has no passwd entry. */
static const struct ident *
sandbox_ident(uid_t uid)
{
	struct passwd	*pw;
	struct ident	*id;
	size_t		 i;

	for (i = 0; i < IDENT_CACHE; i++)
		if (ident_cache[i].used && ident_cache[i].uid == uid)
			return (&ident_cache[i]);
	errno = 0;
	if ((pw = getpwuid(uid)) == NULL)
		return (NULL);
	id = &ident_cache[ident_next];
	ident_next = (ident_next + 1) % IDENT_CACHE;
	ident_clear(id);
	id->uid = uid;
	/* pw points into getpw*()'s buffer, which the group lookup reuses. */
	if ((id->name = strdup(pw->pw_name)) == NULL ||
	    (id->home = strdup(pw->pw_dir)) == NULL ||
	    policy_user_groups(pw, &id->groups, &id->ngroups) == -1) {
		if (errno == 0)
			errno = ENOMEM;
		ident_clear(id);
		return (NULL);
	}
	id->used = 1;
	return (id);
}

/*
 * The policy for this request: the peer's effective policy from
 * policy.d, narrowed by the client's overlay and flags. Sends the error
 * and returns -1 if the client asked for more than it may have.
 */
static int
sandbox_policy(struct conn *c, const struct ident *id, struct request *r,
    struct policy *eff)
{
	struct policy		 ov;
	struct policy_error	 err;
	char			 buf[1024];
	int			 ret = -1;

	memset(&ov, 0, sizeof(ov));
	memset(&err, 0, sizeof(err));
	if (policyset_effective(&gw_policy, id->name, id->groups, id->ngroups,
	    eff) == -1) {
		log_warn("uid %u: effective policy",
		    (unsigned)control_peer(c)->uid);
		control_send_error(c, GW_ERR_INTERNAL, "cannot compute the"
		    " policy: %s", strerror(errno));
		goto out;
	}
	if (r->policy_text != NULL) {
		if (policy_parse(r->policy_name, r->policy_text,
		    strlen(r->policy_text), POLICY_PARSE_OVERLAY, &ov,
		    &err) == -1 || policy_narrow(eff, &ov, &err) == -1) {
			policy_error_format(&err, buf, sizeof(buf));
			log_info("uid %u: policy overlay refused: %s",
			    (unsigned)control_peer(c)->uid, buf);
			control_send_error(c, GW_ERR_DENIED, "%s", buf);
			goto fail;
		}
	}
	if (((r->flags & GW_OPEN_NO_NETWORK) && policy_flag(eff,
	    PK_NET_UPSTREAM, "none", &err) == -1) ||
	    ((r->flags & GW_OPEN_CWD_RO) && eff->e[PK_FS_CWD].one.num >
	    CWD_RO && policy_flag(eff, PK_FS_CWD, "ro", &err) == -1)) {
		control_send_error(c, GW_ERR_DENIED, "%s", err.msg);
		goto fail;
	}
	/* What greywalld -n and a reload check for every named peer. */
	if (policy_check(eff, id->home, &err) == -1) {
		policy_error_format(&err, buf, sizeof(buf));
		log_info("uid %u: policy refused: %s",
		    (unsigned)control_peer(c)->uid, buf);
		control_send_error(c, GW_ERR_SETUP, "%s", buf);
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	policy_clear(eff);
out:
	policy_clear(&ov);
	return (ret);
}

static void
paths_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
paths_freep(char ***v)
{
	paths_free(*v);
}

/*
 * Expand a policy path list for the mount tree: "~" with the peer's home,
 * relative paths against the cwd (globs never get here: the policy
 * parser refuses them). Sends the error and returns -1 on failure.
 */
static int
paths_expand(struct conn *c, const struct policy_entry *e, const char *key,
    const char *home, const char *cwd, char ***ret)
{
	char	**v, buf[PATH_MAX];
	size_t	  i;

	*ret = NULL;
	if ((v = calloc(e->n + 1, sizeof(*v))) == NULL) {
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		return (-1);
	}
	for (i = 0; i < e->n; i++) {
		if (policy_path_expand(e->v[i].str, home, cwd, buf,
		    sizeof(buf)) == -1 || (v[i] = strdup(buf)) == NULL) {
			control_send_error(c, GW_ERR_SETUP, "'%s' entry '%s':"
			    " %s", key, e->v[i].str, strerror(errno));
			goto fail;
		}
	}
	*ret = v;
	return (0);
fail:
	paths_free(v);
	return (-1);
}

static void
sandbox_wall_cb(int fd __unused, short ev __unused, void *arg)
{
	struct sandbox	*sb = arg;

	log_info("sandbox %u: limits.wall_time (%llus) exceeded, killing it",
	    sb->id, (unsigned long long)sb->wall_time);
	sb->wall_expired = 1;
	sandbox_kill(sb);
}

/* filesystem.mask as a NULL-terminated list of name patterns. */
static int
mask_list(struct conn *c, const struct policy_entry *e, char ***ret)
{
	char	**v;
	size_t	  i;

	if ((v = calloc(e->n + 1, sizeof(*v))) == NULL)
		goto oom;
	for (i = 0; i < e->n; i++)
		if ((v[i] = strdup(e->v[i].str)) == NULL) {
			paths_free(v);
			goto oom;
		}
	*ret = v;
	return (0);
oom:
	control_send_error(c, GW_ERR_INTERNAL, "out of memory");
	return (-1);
}

/* "file:line" of a policy value, for messages made in the sandbox. */
static char *
value_src(const struct policy_value *v)
{
	char	*s;

	if (v->src.line > 0) {
		if (asprintf(&s, "%s:%u", v->src.file, v->src.line) == -1)
			return (NULL);
		return (s);
	}
	return (strdup(v->src.file));
}

/*
 * The home's part of the spec: where each write path came from, the
 * caches (caches.paths below the home, minus those caches.real binds
 * from the real path, which become write paths), and the store. Sends
 * the error and returns -1 on failure.
 */
static int
sandbox_home_spec(struct conn *c, const struct policy *pol, const char *home,
    char ***wr, char ***wsrc, char ***caches, int *storefd, char *store,
    size_t storelen)
{
	const struct policy_entry	*we = &pol->e[PK_FS_WRITE];
	const struct policy_entry	*ce = &pol->e[PK_CACHES_PATHS];
	const struct policy_entry	*re = &pol->e[PK_CACHES_REAL];
	_cleanup_(paths_freep) char	**cv = NULL, **rv = NULL;
	char				**w, **s;
	size_t				  nw = 0, i, j, n = 0, l;

	*storefd = -1;
	while (*wr != NULL && (*wr)[nw] != NULL)
		nw++;
	if (paths_expand(c, ce, "caches.paths", home, home, &cv) == -1 ||
	    paths_expand(c, re, "caches.real", home, home, &rv) == -1)
		return (-1);
	if ((w = reallocarray(*wr, nw + re->n + 1, sizeof(*w))) == NULL)
		goto oom;
	*wr = w;
	if ((s = calloc(nw + re->n + 1, sizeof(*s))) == NULL)
		goto oom;
	*wsrc = s;
	for (i = 0; i < nw && i < we->n; i++)
		if ((s[i] = value_src(&we->v[i])) == NULL)
			goto oom;
	for (i = 0; i < re->n; i++) {
		w[nw + i] = TAKE_PTR(rv[i]);
		w[nw + i + 1] = NULL;
		if ((s[nw + i] = value_src(&re->v[i])) == NULL)
			goto oom;
	}
	l = strlen(home);
	for (i = 0; cv[i] != NULL; i++) {
		if (strncmp(cv[i], home, l) != 0 || cv[i][l] != '/' ||
		    strlen(home) < 2) {
			control_send_error(c, GW_ERR_SETUP, "caches.paths entry"
			    " '%s' (%s:%u) is not below the home directory",
			    ce->v[i].str, ce->v[i].src.file,
			    ce->v[i].src.line);
			return (-1);
		}
		for (j = 0; j < re->n; j++)
			if (strcmp(cv[i], w[nw + j]) == 0)
				break;
		if (j < re->n) {
			free(cv[i]);
			continue;
		}
		cv[n++] = cv[i];
	}
	cv[n] = NULL;
	if (n > 0 && pol->e[PK_CACHES_STORE].one.num == CACHES_PRIVATE &&
	    pol->e[PK_FS_HOME].one.num == HOME_PRIVATE) {
		*storefd = sandbox_home_store_open(gw_conf.state_dir,
		    control_peer(c)->uid, control_peer(c)->gid);
		if (*storefd == -1) {
			log_warn("uid %u: cache store in %s",
			    (unsigned)control_peer(c)->uid, gw_conf.state_dir);
			control_send_error(c, GW_ERR_SETUP, "caches.store:"
			    " cannot open the user's store in %s/users: %s",
			    gw_conf.state_dir, strerror(errno));
			return (-1);
		}
		snprintf(store, storelen, "%s/users/%u", gw_conf.state_dir,
		    (unsigned)control_peer(c)->uid);
		*caches = TAKE_PTR(cv);
	}
	return (0);
oom:
	control_send_error(c, GW_ERR_INTERNAL, "out of memory");
	return (-1);
}

/*
 * Whether this sandbox gets Landlock. Without it in the kernel,
 * hardening.landlock: required refuses the request (the error is sent,
 * -1 returned) and best-effort runs without it (0 is returned and
 * *without set, for the client to warn about).
 */
static int
sandbox_landlock_check(struct conn *c, const struct policy *pol, int *without)
{
	const struct policy_value	*v = &pol->e[PK_HARDENING_LANDLOCK].one;
	char				 where[300];

	*without = 0;
	if (sandbox_landlock_abi() > 0)
		return (0);
	if (v->num == LANDLOCK_BEST_EFFORT) {
		*without = 1;
		return (0);
	}
	/* "(file:line)", or "(built-in)" as the policy code names it. */
	if (v->src.line > 0)
		snprintf(where, sizeof(where), "(%s:%u)", v->src.file,
		    v->src.line);
	else
		snprintf(where, sizeof(where), v->src.file[0] == '(' ? "%s" :
		    "(%s)", v->src.file);
	log_warnx("uid %u: refusing a sandbox: no Landlock, and"
	    " hardening.landlock is 'required' %s",
	    (unsigned)control_peer(c)->uid, where);
	control_send_error(c, GW_ERR_SETUP, "sandbox setup failed: Landlock"
	    " is not available on this kernel, and 'hardening.landlock:"
	    " required' %s refuses to run without it", where);
	return (-1);
}

static char **
guard_list(const struct policy_entry *e)
{
	char	**v;
	size_t	  i;

	if ((v = calloc(e->n + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < e->n; i++)
		v[i] = e->v[i].str;
	return (v);
}

/*
 * The command guard (command-guard.c): an advisory check of argv against
 * command.deny, command.allow and the built-in list. A blocked command
 * never starts: the event goes out, the client gets the error (gw exits
 * 125). Returns 0 to go on, 1 if blocked, -1 on failure (error sent).
 */
static int
sandbox_guard(struct conn *c, struct sandbox *sb, const struct policy *pol,
    char *const *argv)
{
	const struct event_rule	*rule = NULL;
	struct guard_match	 m;
	_cleanup_free_ char	**deny = NULL, **allow = NULL;
	char			 where[300];
	int			 r;

	if ((deny = guard_list(&pol->e[PK_COMMAND_DENY])) == NULL ||
	    (allow = guard_list(&pol->e[PK_COMMAND_ALLOW])) == NULL) {
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		return (-1);
	}
	r = command_guard_check(argv, deny, allow,
	    pol->e[PK_COMMAND_DEFAULTS].one.num, &m);
	if (r == 0)
		return (0);
	if (m.limit) {
		/* Fail closed: what it cannot check might be denied. */
		sb->conn = c;
		events_emit(sb, &(struct event_spec){ .kind = GW_EV_COMMAND,
		    .action = "run", .target = m.command,
		    .key = "command.deny", .file = "(the guard's limits)",
		    .note = m.prefix });
		sb->conn = NULL;
		log_info("uid %u: command refused, too complex for the"
		    " command guard (%s)", (unsigned)sb->uid, m.prefix);
		control_send_error(c, GW_ERR_DENIED, "command refused: too"
		    " complex for the command.deny guard (%s), so it cannot"
		    " be checked; not run", m.prefix);
		return (1);
	}
	if (!m.builtin)
		rule = events_rule_find(sb, PK_COMMAND_DENY, m.prefix);
	if (rule != NULL)
		snprintf(where, sizeof(where), "command.deny '%s' in %s",
		    m.prefix, rule->file);
	else
		snprintf(where, sizeof(where), "the built-in command list"
		    " ('%s')", m.prefix);
	/* The event goes to this gw too: it is not attached yet. */
	sb->conn = c;
	if (rule != NULL)
		events_emit(sb, &(struct event_spec){ .kind = GW_EV_COMMAND,
		    .action = "run", .target = m.command, .rule = rule,
		    .note = "the command guard" });
	else
		events_emit(sb, &(struct event_spec){ .kind = GW_EV_COMMAND,
		    .action = "run", .target = m.command,
		    .key = "command.defaults", .file = "(built-in)",
		    .note = m.prefix });
	sb->conn = NULL;
	log_info("uid %u: command '%s' blocked by %s", (unsigned)sb->uid,
	    m.command, where);
	control_send_error(c, GW_ERR_DENIED, "command blocked: '%s' matches"
	    " %s (greywall's command guard, an advisory check; not run)",
	    m.command, where);
	return (1);
}

/*
 * What sandbox_decide() worked out for one request: who, where, and the
 * effective policy, expanded for the mount tree. Owned by
 * sandbox_start(), released by plan_free().
 */
struct plan {
	struct policy		 pol;
	int			 have_pol;
	char			*user;
	char			*home;
	char			 cwd[PATH_MAX];
	int			 cwdtree;	/* detached clone of the cwd */
	char			**rd, **wr, **dr, **dw, **mask;
	int			 cwd_mode;
	int			 no_landlock;
	int			 protect;
	struct sock_fprog	 scextra;	/* hardening.seccomp_deny */
	int			 netnsfd;	/* prepared (netns-pool.c) */
	int			 mntnsfd, ipcnsfd, utsnsfd;	/* same */
	char			 project[PATH_MAX]; /* the git work tree */
	int			 projfd;
	int			 home_mode;
	char			**wsrc;		/* file:line of each write path */
	char			**caches;
	int			 storefd;	/* the user's cache store */
	char			 store[PATH_MAX];
	int			 review;	/* filesystem.review */
	struct sandbox_review	 rv;
};

static void
plan_free(struct plan *p)
{
	if (p->have_pol)
		policy_clear(&p->pol);
	p->have_pol = 0;
	free(p->user);
	free(p->home);
	if (p->cwdtree >= 0)
		close(p->cwdtree);
	if (p->netnsfd >= 0)
		close(p->netnsfd);
	if (p->mntnsfd >= 0)
		close(p->mntnsfd);
	if (p->ipcnsfd >= 0)
		close(p->ipcnsfd);
	if (p->utsnsfd >= 0)
		close(p->utsnsfd);
	if (p->projfd >= 0)
		close(p->projfd);
	if (p->storefd >= 0)
		close(p->storefd);
	sandbox_review_close(&p->rv);
	paths_free(p->wsrc);
	paths_free(p->caches);
	paths_free(p->rd);
	paths_free(p->wr);
	paths_free(p->dr);
	paths_free(p->dw);
	paths_free(p->mask);
	free(p->scextra.filter);
}

/*
 * The per-user limit on running sandboxes: limits.sandboxes of the
 * peer's policy, else --max-sandboxes. Sends the error and returns -1
 * when the peer is at it.
 */
static int
sandbox_limit_check(struct conn *c, const struct policy *pol)
{
	const struct policy_entry	*e = &pol->e[PK_LIMITS_SANDBOXES];
	unsigned int			 max, n;
	char				 where[300];

	max = gw_conf.max_sandboxes_per_uid;
	snprintf(where, sizeof(where), "greywalld --max-sandboxes");
	if (e->set) {
		max = e->one.num;
		if (e->one.src.line > 0)
			snprintf(where, sizeof(where), "limits.sandboxes in"
			    " %s:%u", e->one.src.file, e->one.src.line);
		else
			snprintf(where, sizeof(where), "limits.sandboxes %s",
			    e->one.src.file);
	}
	if ((n = sandbox_count_uid(control_peer(c)->uid)) < max)
		return (0);
	log_info("uid %u has %u live sandboxes, refusing another (%s)",
	    (unsigned)control_peer(c)->uid, n, where);
	control_send_error(c, GW_ERR_LIMIT, "limit reached: uid %u already"
	    " has %u sandboxes running, the most %s allows",
	    (unsigned)control_peer(c)->uid, n, where);
	return (-1);
}

/*
 * Decide: the peer's identity and policy, its cwd, and the paths and
 * filters derived from them. Nothing is created yet but the detached
 * clone of the cwd mount. Sends the error and returns -1 on refusal.
 */
static int
sandbox_decide(struct conn *c, struct request *r, struct plan *p)
{
	const struct ident	*id;

	/* Identity is the peer's, from SO_PEERCRED: never the payload. */
	if ((id = sandbox_ident(control_peer(c)->uid)) == NULL) {
		if (errno != 0) {
			log_warn("uid %u: user and groups",
			    (unsigned)control_peer(c)->uid);
			control_send_error(c, GW_ERR_INTERNAL, "cannot look up"
			    " uid %u: %s", (unsigned)control_peer(c)->uid,
			    strerror(errno));
			return (-1);
		}
		log_warnx("uid %u has no passwd entry, refusing",
		    (unsigned)control_peer(c)->uid);
		control_send_error(c, GW_ERR_DENIED, "uid %u has no entry in"
		    " the password database", (unsigned)control_peer(c)->uid);
		return (-1);
	}
	if ((p->user = strdup(id->name)) == NULL ||
	    (p->home = strdup(id->home)) == NULL) {
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		return (-1);
	}
	if (sandbox_policy(c, id, r, &p->pol) == -1)
		return (-1);
	p->have_pol = 1;
	if (sandbox_limit_check(c, &p->pol) == -1)
		return (-1);
	if (sandbox_check_cwd(c, r->fds[GW_FD_CWD], p->home, &p->pol, p->cwd,
	    sizeof(p->cwd)) == -1)
		return (-1);
	if (sandbox_landlock_check(c, &p->pol, &p->no_landlock) == -1)
		return (-1);
	/* filesystem.project: worktree, the git work tree around the cwd. */
	snprintf(p->project, sizeof(p->project), "%s", p->cwd);
	if (p->pol.e[PK_FS_PROJECT].one.num == PROJECT_WORKTREE &&
	    p->pol.e[PK_FS_CWD].one.num != CWD_NONE &&
	    strcmp(p->cwd, "/") != 0)
		p->projfd = sandbox_home_project(r->fds[GW_FD_CWD],
		    control_peer(c)->uid, control_peer(c)->gid, p->home,
		    p->project, sizeof(p->project));
	if (p->projfd == -1)
		snprintf(p->project, sizeof(p->project), "%s", p->cwd);
	if ((p->cwdtree = sandbox_mount_cwd_tree(p->projfd != -1 ? p->projfd :
	    r->fds[GW_FD_CWD])) == -1) {
		log_warn("uid %u: cannot clone the mount of '%s'",
		    (unsigned)control_peer(c)->uid, p->cwd);
		control_send_error(c, GW_ERR_SETUP, "cannot bind the working"
		    " directory '%s' (%s): is gw running in another mount"
		    " namespace?", p->cwd, strerror(errno));
		return (-1);
	}
	if (paths_expand(c, &p->pol.e[PK_FS_READ], "filesystem.read",
	    p->home, p->cwd, &p->rd) == -1 ||
	    paths_expand(c, &p->pol.e[PK_FS_WRITE], "filesystem.write",
	    p->home, p->cwd, &p->wr) == -1 ||
	    paths_expand(c, &p->pol.e[PK_FS_DENY_READ],
	    "filesystem.deny_read", p->home, p->cwd, &p->dr) == -1 ||
	    paths_expand(c, &p->pol.e[PK_FS_DENY_WRITE],
	    "filesystem.deny_write", p->home, p->cwd, &p->dw) == -1)
		return (-1);
	if (sandbox_home_spec(c, &p->pol, p->home, &p->wr, &p->wsrc,
	    &p->caches, &p->storefd, p->store, sizeof(p->store)) == -1 ||
	    mask_list(c, &p->pol.e[PK_FS_MASK], &p->mask) == -1)
		return (-1);
	/*
	 * gw exec --review: after the store, before anything runs. Where
	 * only the policy asks for it, a project the sandbox cannot write
	 * (filesystem.cwd: ro or none, gw exec --ro) needs no review.
	 */
	p->review = review_wanted(&p->pol, r->flags);
	if (p->review && !(r->flags & GW_OPEN_REVIEW) &&
	    (p->pol.e[PK_FS_CWD].one.num != CWD_RW ||
	    strcmp(p->cwd, "/") == 0))
		p->review = 0;
	if (p->review &&
	    review_begin(c, &p->pol, p->pol.e[PK_FS_CWD].one.num, p->project,
	    p->projfd != -1 ? p->projfd : r->fds[GW_FD_CWD], p->cwd, r->argv,
	    p->wr, &p->storefd, p->store, sizeof(p->store), &p->rv) == -1)
		return (-1);
	p->protect = p->pol.e[PK_FS_PROTECTED].one.num == 0;
	if (sandbox_seccomp_extra(&p->pol.e[PK_HARDENING_SECCOMP_DENY],
	    &p->scextra) == -1) {
		p->scextra.filter = NULL;
		control_send_error(c, GW_ERR_SETUP, "hardening.seccomp_deny:"
		    " cannot build the filter: %s", strerror(errno));
		return (-1);
	}
	p->cwd_mode = p->pol.e[PK_FS_CWD].one.num;
	p->home_mode = p->pol.e[PK_FS_HOME].one.num;
	/*
	 * "/" (allowed by filesystem.allow_cwd: root) is never bound from
	 * the host: the command starts in the sandbox's own root.
	 */
	if (strcmp(p->cwd, "/") == 0)
		p->cwd_mode = CWD_NONE;
	return (0);
}

/*
 * Create: the sandbox's cgroup and limits (before anything of it runs),
 * its network settings and address slot, its inbound ports, environment
 * and events, the command guard's verdict, and the status socket. On
 * success *ret holds it (not on the list yet) and *child_end init's end
 * of the status socket. Sends the error and returns -1 on failure, with
 * everything created released.
 */
static int
sandbox_create(struct conn *c, struct request *r, struct plan *p,
    struct sandbox **ret, int *child_end)
{
	struct sandbox		*sb = NULL;
	struct sandbox_cgroup	 cg;
	_cleanup_free_ struct nsmsg *net = NULL;
	_cleanup_close_ int	 tunfd = -1;
	size_t			 netlen = 0;
	uint32_t		 id, i;
	int			 net_slot = 0, sp[2], saved_errno, refused = 0;
	int			 nsfd[PREP__MAX];
	int			 inbound[GW_PORTS_MAX];
	char			 msg[512], ucmsg[600];
	struct client_err	 cerr;
	struct debug_out	 dout;
	struct debug_fs		 dfs;
	enum uc_verdict		 uc;

	/* Its cgroup and limits exist before anything of it runs. */
	id = next_id++;
	if (sandbox_cgroup_create(&cg, id, &p->pol, msg, sizeof(msg)) == -1) {
		control_send_error(c, GW_ERR_SETUP, "%s", msg);
		return (-1);
	}
	if (sandbox_net_config(&p->pol, id, p->user, r->argv[0], &net,
	    &netlen, msg, sizeof(msg)) == -1) {
		control_send_error(c, GW_ERR_SETUP, "%s", msg);
		sandbox_cgroup_destroy(&cg);
		return (-1);
	}
	if (net != NULL && (uc = upstream_check_verdict(
	    p->pol.e[PK_NET_UPSTREAM_SOCKS5].one.str, ucmsg,
	    sizeof(ucmsg))) != UC_SAFE &&
	    p->pol.e[PK_NET_UPSTREAM_CHECK].one.num ==
	    UPSTREAM_CHECK_REQUIRED) {
		control_send_error(c, GW_ERR_SETUP, "network.upstream_check"
		    " is 'required' and the upstream %s %s: %s",
		    p->pol.e[PK_NET_UPSTREAM_SOCKS5].one.str,
		    uc == UC_UNSAFE ? "is unsafe" : "is not known to be safe",
		    ucmsg);
		sandbox_cgroup_destroy(&cg);
		return (-1);
	}
	/* Prepared namespaces if they fit, else init makes them. */
	if (net != NULL && netns_pool_take((net->flags & NS_IPV6) != 0,
	    &net_slot, &tunfd, nsfd) == 0) {
		net->slot = net_slot;
		p->netnsfd = nsfd[PREP_NET];
		p->mntnsfd = nsfd[PREP_MNT];
		p->ipcnsfd = nsfd[PREP_IPC];
		p->utsnsfd = nsfd[PREP_UTS];
	}
	else if (net != NULL) {
		if ((net_slot = netstack_slot_get()) == 0) {
			control_send_error(c, GW_ERR_SETUP, "too many sandboxes"
			    " with network (at most %d)", NET_SLOTS);
			sandbox_cgroup_destroy(&cg);
			return (-1);
		}
		net->slot = net_slot;
	}
	/* gw exec -p: bound now, so a busy port means nothing starts. */
	if (sandbox_inbound_bind(control_peer(c)->uid, &p->pol, net != NULL,
	    r, inbound, &cerr) == -1) {
		control_send_error(c, cerr.code, "%s", cerr.text);
		netstack_slot_put(net_slot);
		sandbox_cgroup_destroy(&cg);
		return (-1);
	}
	if ((sb = calloc(1, sizeof(*sb))) == NULL) {
		log_warn("%s", __func__);
		for (i = 0; i < r->nports; i++)
			close(inbound[i]);
		goto fail;
	}
	/* Before anything can fail: the fail path closes what is >= 0. */
	sb->pidfd = sb->statusfd = sb->netnsfd = -1;
	sb->tunfd = TAKE_FD(tunfd);
	sb->marks = sandbox_timing_new(c);
	for (i = 0; i < r->nports; i++) {
		sb->inbound_fd[i] = TAKE_FD(inbound[i]);
		sb->inbound_port[i] = r->ports[i];
	}
	sb->ninbound = r->nports;
	if ((sb->user = strdup(p->user)) == NULL ||
	    (sb->cmdline = cmdline_join(r->argv)) == NULL ||
	    (sb->cwd = strdup(p->cwd)) == NULL ||
	    events_sandbox_init(sb, &p->pol, p->home, r->argv, p->rd, p->dr,
	    p->dw) == -1 || events_sandbox_binds(sb, p->project[0] != '\0' ?
	    p->project : p->cwd, p->cwd_mode, p->rd, p->wr) == -1) {
		log_warn("%s", __func__);
		goto fail;
	}
	sb->id = id;
	sb->uid = control_peer(c)->uid;
	/* gw -m, where the administrator lets events go to the client. */
	sb->ev.stream = (r->flags & GW_OPEN_EVENTS) &&
	    p->pol.e[PK_MONITOR_STREAM].one.num;
	if (sandbox_guard(c, sb, &p->pol, r->argv) != 0) {
		refused = 1;
		goto fail;
	}
	sb->net = TAKE_PTR(net);
	sb->netlen = netlen;
	sb->net_slot = net_slot;
	net_slot = 0;
	if (r->flags & GW_OPEN_DEBUG) {
		dout.line = control_debug_line;
		dout.arg = c;
		dfs.home = p->home;
		dfs.project = p->project;
		dfs.caches = p->caches;
		dfs.store = p->store;
		sandbox_debug(&dout, sb, &p->pol, p->cwd, &dfs, r->envp,
		    r->nenv, p->no_landlock);
	}
	sandbox_mark(sb->marks, MARK_DECIDED);
	/* For logs and gwctl only; the mount uses the real path. */
	str_sanitize(sb->cwd);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("%s: socketpair", __func__);
		goto fail;
	}
	sb->statusfd = sp[0];
	*child_end = sp[1];
	sb->cg = cg;
	*ret = sb;
	return (0);

fail:
	saved_errno = errno;
	sandbox_cgroup_destroy(&cg);
	netstack_slot_put(net_slot);
	if (sb != NULL)
		sandbox_release(sb);
	if (!refused)
		control_send_error(c, GW_ERR_INTERNAL, "cannot create the"
		    " sandbox: %s", strerror(saved_errno));
	return (-1);
}

/*
 * Spawn: clone init into its namespaces and cgroup with everything it
 * needs in spec. Returns init's pid (its pidfd in *pidfd) or -1.
 */
static pid_t
sandbox_spawn(struct conn *c, struct request *r, struct plan *p,
    struct sandbox *sb, char **envp, int child_end, int *pidfd)
{
	struct sandbox_spec	 spec;
	int			 i;

	_Static_assert(nitems(spec.cgroup_v1) == CG__MAX,
	    "one v1 directory per controller");
	memset(&spec, 0, sizeof(spec));
	spec.argv = r->argv;
	spec.envp = envp;
	memcpy(spec.fds, r->fds, sizeof(spec.fds));
	spec.statusfd = child_end;
	spec.cwdtree = p->cwdtree;
	spec.uid = control_peer(c)->uid;
	spec.gid = control_peer(c)->gid;
	spec.groups = control_peer(c)->groups;
	spec.ngroups = control_peer(c)->ngroups;
	spec.cwd = p->cwd;
	spec.project = p->cwd_mode == CWD_NONE ? p->cwd : p->project;
	spec.cwd_mode = p->cwd_mode;
	spec.read = p->rd;
	spec.write = p->wr;
	spec.deny_read = p->dr;
	spec.deny_write = p->dw;
	spec.mask = p->mask;
	spec.protect = p->protect;
	spec.home = p->home;
	spec.home_mode = p->home_mode;
	spec.storefd = p->storefd;
	spec.store_path = p->store;
	spec.caches = p->caches;
	spec.review_upper = p->review ? p->rv.upper : -1;
	spec.review_work = p->review ? p->rv.work : -1;
	spec.review_lock = p->review ? p->rv.lock : -1;
	spec.review_id = p->rv.id;
	spec.write_src = p->wsrc;
	spec.policy_dir = gw_conf.policy_dir;
	spec.umask = r->umask;
	spec.seccomp_extra = p->scextra.filter != NULL ? &p->scextra : NULL;
	spec.net_slot = sb->net_slot;
	spec.netnsfd = p->netnsfd;
	spec.net_prepared = p->netnsfd >= 0;
	spec.mntnsfd = p->mntnsfd;
	spec.ipcnsfd = p->ipcnsfd;
	spec.utsnsfd = p->utsnsfd;
	spec.net_ipv6 = sb->net != NULL && (sb->net->flags & NS_IPV6) != 0;
	spec.landlock = !p->no_landlock;
	spec.tty_gid = sandbox_tty_gid();
	spec.pty = (r->flags & GW_OPEN_PTY) != 0;
	spec.pty_utf8 = (r->flags & GW_OPEN_PTY_UTF8) != 0;
	spec.winsize = r->winsize;
	spec.cgroupfd = sb->cg.fd[0];
	spec.cgroup_hold = sandbox_cgroup_hold(&sb->cg);
	for (i = 0; i < CG__MAX; i++)
		spec.cgroup_v1[i] = sb->cg.fd[1 + i];
	spec.marks = sb->marks;
	sandbox_mark(sb->marks, MARK_CREATED);
	sb->want_pty = spec.pty;
	/* Its denials are watched from its first system call. */
	if (denials_sandbox_start(sb, sb->cg.fd[0], control_peer(c)) == -1)
		return (-1);
	return (sandbox_ns_spawn(&spec, pidfd));
}

/*
 * Register: the running init on the list, its pidfd and status socket
 * watched, placed into its v1 cgroups, its wall-time timer armed, and gw
 * told. Returns -1 (init killed and reaped, error sent) if any fails.
 */
static int
sandbox_register(struct conn *c, struct request *r, struct plan *p,
    struct sandbox *sb, pid_t pid, int pidfd)
{
	struct gw_sandbox_started st;
	struct timeval		 tv;
	const char		*why;
	uint32_t		 i;

	sb->pid = pid;
	sb->pidfd = pidfd;
	denials_sandbox_init(sb);
	sb->start_time = time(NULL);
	sb->conn = c;
	sb->wall_time = p->pol.e[PK_LIMITS_WALL_TIME].set ?
	    p->pol.e[PK_LIMITS_WALL_TIME].one.num : 0;
	control_attach(c, sb);
	TAILQ_INSERT_TAIL(&sandboxes, sb, entry);

	/* Anything that fails now means it must not run. */
	why = "cannot watch its pidfd";
	sb->ev_pid = event_new(gw_base, pidfd, EV_READ, sandbox_pid_cb, sb);
	/* Init's TUN device, pty master and events. */
	sb->ev_status = event_new(gw_base, sb->statusfd,
	    EV_READ | EV_PERSIST, sandbox_status_cb, sb);
	if (sb->ev_pid == NULL || event_add(sb->ev_pid, NULL) == -1 ||
	    sb->ev_status == NULL || event_add(sb->ev_status, NULL) == -1)
		goto kill;
	/* A prepared namespace's TUN goes to the helper now. */
	if (sb->tunfd >= 0)
		netstack_attach(sb);
	why = "cannot arm its limits.wall_time timer";
	if (sb->wall_time > 0) {
		tv.tv_sec = sb->wall_time;
		tv.tv_usec = 0;
		if ((sb->ev_wall = evtimer_new(gw_base, sandbox_wall_cb,
		    sb)) == NULL || evtimer_add(sb->ev_wall, &tv) == -1)
			goto kill;
	}

	log_info("sandbox %u: uid %u (%s) pid %d cwd '%s'%s: %s", sb->id,
	    (unsigned)sb->uid, sb->user, (int)pid, sb->cwd,
	    p->no_landlock ? " without Landlock" : "", sb->cmdline);
	for (i = 0; i < sb->ninbound; i++)
		log_info("sandbox %u: port %u on 127.0.0.1 goes to it", sb->id,
		    sb->inbound_port[i]);
	if (p->review) {
		const char	*rid[1] = { p->rv.id };

		log_info("sandbox %u: the project '%s' under review %s",
		    sb->id, p->project, p->rv.id);
		control_send(c, GW_MSG_SANDBOX_REVIEW, sb->id, NULL, 0, rid,
		    1);
	}
	memset(&st, 0, sizeof(st));
	st.id = sb->id;
	st.pid = pid;
	if (p->no_landlock)
		st.flags |= GW_STARTED_NO_LANDLOCK;
	if ((r->flags & GW_OPEN_EVENTS) && !sb->ev.stream)
		st.flags |= GW_STARTED_NO_EVENTS;
	control_send(c, GW_MSG_SANDBOX_STARTED, sb->id, &st, sizeof(st),
	    NULL, 0);
	sandbox_mark(sb->marks, MARK_REGISTERED);
	return (0);

kill:
	log_warnx("sandbox %u: %s, killing it", sb->id, why);
	sandbox_kill(sb);
	waitpid(pid, NULL, 0);
	control_attach(c, NULL);
	sandbox_free(sb);
	control_send_error(c, GW_ERR_INTERNAL, "cannot start the sandbox: %s",
	    why);
	return (-1);
}

/*
 * Start a sandbox for a complete request: decide, create, spawn,
 * register. On failure the error has been sent to the client and -1 is
 * returned; the request stays the caller's.
 */
int
sandbox_start(struct conn *c, struct request *r)
{
	struct plan		 p;
	struct sandbox		*sb = NULL;
	_cleanup_free_ char	**envp = NULL;
	_cleanup_close_ int	 child_end = -1;
	int			 pidfd = -1, saved_errno;
	pid_t			 pid;

	memset(&p, 0, sizeof(p));
	p.cwdtree = p.netnsfd = p.projfd = p.storefd = -1;
	p.mntnsfd = p.ipcnsfd = p.utsnsfd = -1;
	p.rv.dir = p.rv.upper = p.rv.work = p.rv.meta = p.rv.lock = -1;
	if (sandbox_decide(c, r, &p) == -1) {
		plan_free(&p);
		return (-1);
	}
	if ((envp = sandbox_env_build(r->envp, r->nenv,
	    &p.pol.e[PK_ENV_STRIP])) == NULL) {
		saved_errno = errno;
		log_warn("%s", __func__);
		plan_free(&p);
		control_send_error(c, GW_ERR_INTERNAL, "cannot create the"
		    " sandbox: %s", strerror(saved_errno));
		return (-1);
	}
	if (sandbox_create(c, r, &p, &sb, &child_end) == -1) {
		plan_free(&p);
		return (-1);
	}
	if ((pid = sandbox_spawn(c, r, &p, sb, envp, child_end,
	    &pidfd)) == -1) {
		saved_errno = errno;
		log_warn("%s: clone", __func__);
		sandbox_release(sb);
		plan_free(&p);
		control_send_error(c, GW_ERR_INTERNAL, "cannot create the"
		    " sandbox: %s", strerror(saved_errno));
		return (-1);
	}
	sandbox_mark(sb->marks, MARK_CLONED);
	if (sandbox_register(c, r, &p, sb, pid, pidfd) == -1) {
		plan_free(&p);
		return (-1);
	}
	plan_free(&p);
	return (0);
}

void
sandbox_signal(struct sandbox *sb, int sig)
{
	if (pidfd_send_signal(sb->pidfd, sig, NULL, 0) == -1 &&
	    errno != ESRCH)
		log_warn("sandbox %u: signal %d", sb->id, sig);
}

/* Everything in the sandbox, at once; the pidfd then reports the end. */
void
sandbox_kill(struct sandbox *sb)
{
	sandbox_cgroup_kill(&sb->cg);
	sandbox_signal(sb, SIGKILL);
}

int
sandbox_kill_id(uint32_t id)
{
	struct sandbox	*sb;

	TAILQ_FOREACH(sb, &sandboxes, entry) {
		if (sb->id == id) {
			sandbox_kill(sb);
			return (0);
		}
	}
	errno = ESRCH;
	return (-1);
}

/* The client went away: the sandbox must not outlive it. */
void
sandbox_detach(struct sandbox *sb)
{
	sb->conn = NULL;
	log_info("sandbox %u: client closed the connection, killing it",
	    sb->id);
	sandbox_kill(sb);
}

/* At shutdown: kill every sandbox and wait until each is gone. */
void
sandbox_kill_all(void)
{
	struct sandbox	*sb;

	int		 wstatus;

	TAILQ_FOREACH(sb, &sandboxes, entry)
		sandbox_kill(sb);
	while ((sb = TAILQ_FIRST(&sandboxes)) != NULL) {
		wstatus = 0;
		if (waitpid(sb->pid, &wstatus, 0) == -1 && errno != ECHILD)
			log_warn("sandbox %u: waitpid", sb->id);
		/* Best effort: tell the client how its command ended. */
		sandbox_report(sb, wstatus);
		sandbox_free(sb);
	}
}
