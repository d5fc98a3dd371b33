/*
 * Denials without kernel audit: an eBPF program (denials.bpf.c) reports
 * the failed path calls and refused system calls of sandboxed processes
 * through a ring buffer; this file turns them into events.
 *
 * - EROFS, EPERM and EACCES on a write: the sandbox refused it (a
 *   read-only bind, Landlock, a protected name, seccomp); an event at
 *   once, naming the rule that makes the path read-only.
 * - ENOENT, and EACCES on a read: only a denial if the user could have
 *   done it on the host. That is checked by a helper process (forked at
 *   start-up, root with CAP_SETUID/SETGID only) that switches its file
 *   system identity and groups to the user's for each check, so a path
 *   the user cannot reach on the host is never named by an event. The
 *   main loop never waits for it: requests and answers are messages.
 *
 * When a sandbox ends, the ring buffer is drained and its checks are
 * answered before its end is reported (denials_sandbox_drain()), so
 * every denial reaches gw -m before the exit status does.
 *
 * Runs in greywalld main, root; the helper as described above.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/fsuid.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <event2/event.h>
#include <seccomp.h>

#include "greywalld.h"
#include "denials-bpf.h"
#include "denials.skel.h"

/* Host checks waiting for an answer, per sandbox and in all. */
#define CHECKS_PER_SANDBOX	1024
#define CHECKS_MAX		8192
/* How long a sandbox's end waits for its checks, at most. */
#define DRAIN_TIMEOUT_MS	2000
/* Distinct (path, access) pairs remembered per sandbox. */
#define SEEN_MAX		65536
#define CHECK_GROUPS		64

enum check_how {
	CHECK_READ = 1,		/* faccessat2(R_OK), as the user */
	CHECK_EXEC,		/* X_OK */
	CHECK_LIST,		/* R_OK | X_OK on a directory */
	CHECK_EXISTS,		/* fstatat */
	CHECK_PARENT_WRITE,	/* its directory exists, W_OK | X_OK */
};

struct check_req {
	uint64_t	token;
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	how;		/* enum check_how */
	uint32_t	ngroups;
	uint32_t	groups[CHECK_GROUPS];
	char		path[PATH_MAX];
};

struct check_rep {
	uint64_t	token;
	uint32_t	visible;
};

/* A denial waiting for its host check. */
struct check {
	TAILQ_ENTRY(check)	 entry;
	uint64_t		 token;
	uint32_t		 sandbox;
	pid_t			 pid;
	int			 err;
	int			 op;
	char			 comm[DENIALS_COMM_MAX];
	char			*path;		/* absolute, in the sandbox */
	uint32_t		 how;		/* enum check_how */
};
TAILQ_HEAD(checklist, check);

static struct denials_bpf	*skel;
/*
 * The sys_exit tracepoint puts every task of the host on the slow system
 * call path while a program is attached to it (about 130 ns more per
 * call on the test machine, sandboxed or not): attached only while
 * sandboxes run, detached DETACH_SEC after the last one ends.
 */
#define DETACH_SEC		2
static struct bpf_link		*link_exit;
static struct event		*ev_detach;
static unsigned int		 watched;
static struct ring_buffer	*ring;
static struct event		*ev_ring, *ev_check, *ev_check_w;
static int			 check_fd = -1;
static pid_t			 check_pid = -1;
static struct checklist		 checks = TAILQ_HEAD_INITIALIZER(checks);
static struct check		*check_unsent;	/* the first of them */
static size_t			 nchecks;
static uint64_t			 next_token;
static char			 why_not[160] = "not started";
static uint64_t			 st_records, st_events, st_hidden_checked,
				 st_dropped, st_unresolved,
				 st_skipped;

static const char *const op_names[DENIALS_OP__MAX] = {
	"?", "read", "write", "create", "stat", "execute", "list", "delete",
	"rename", "call",
};

/* Is it the kind of access that filesystem.write allows? */
static int
op_is_write(int op)
{
	return (op == DENIALS_OP_WRITE || op == DENIALS_OP_CREATE ||
	    op == DENIALS_OP_DELETE || op == DENIALS_OP_RENAME);
}

const char *
denials_status(int *on)
{
	*on = skel != NULL;
	return (skel != NULL ? "" : why_not);
}

void
denials_counters(uint64_t *records, uint64_t *events, uint64_t *dropped,
    uint64_t *unresolved, uint64_t *skipped)
{
	*skipped = st_skipped;
	*records = st_records;
	*events = st_events;
	*dropped = st_dropped;
	*unresolved = st_unresolved;
}

/*
 * The helper: root, but every check runs with the user's file system
 * identity and groups. It reads only what greywalld sends.
 */
static int
check_one(struct check_req *q)
{
	struct stat	 st;
	char		*slash;
	int		 r = -1;
	gid_t		 gids[CHECK_GROUPS];
	uint32_t	 i;

	q->path[sizeof(q->path) - 1] = '\0';
	if (q->path[0] != '/' || q->ngroups > CHECK_GROUPS || q->uid == 0)
		return (0);
	for (i = 0; i < q->ngroups; i++)
		gids[i] = q->groups[i];
	if (setgroups(q->ngroups, gids) == -1)
		return (0);
	setfsgid(q->gid);
	setfsuid(q->uid);
	if ((uid_t)setfsuid(-1) != q->uid || (gid_t)setfsgid(-1) != q->gid)
		goto out;
	switch (q->how) {
	case CHECK_READ:
		r = syscall(SYS_faccessat2, AT_FDCWD, q->path, R_OK,
		    AT_EACCESS);
		break;
	case CHECK_EXEC:
		r = syscall(SYS_faccessat2, AT_FDCWD, q->path, X_OK,
		    AT_EACCESS);
		break;
	case CHECK_LIST:
		if (stat(q->path, &st) == 0 && S_ISDIR(st.st_mode))
			r = syscall(SYS_faccessat2, AT_FDCWD, q->path,
			    R_OK | X_OK, AT_EACCESS);
		break;
	case CHECK_EXISTS:
		r = fstatat(AT_FDCWD, q->path, &st, AT_SYMLINK_NOFOLLOW);
		break;
	case CHECK_PARENT_WRITE:
		if ((slash = strrchr(q->path, '/')) == NULL)
			break;
		if (slash == q->path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(q->path, &st) == 0 && S_ISDIR(st.st_mode))
			r = syscall(SYS_faccessat2, AT_FDCWD, q->path,
			    W_OK | X_OK, AT_EACCESS);
		break;
	}
out:
	setfsuid(0);
	setfsgid(0);
	if ((uid_t)setfsuid(-1) != 0 || (gid_t)setfsgid(-1) != 0 ||
	    setgroups(0, NULL) == -1)
		_exit(1);	/* never check the next one as someone else */
	return (r == 0);
}

static void __attribute__((noreturn))
check_main(int fd)
{
	struct check_req	q;
	struct check_rep	a;
	ssize_t			n;
	int			keep[2] = { 2, fd };

	signal(SIGPIPE, SIG_IGN);
	if (fd_close_except(keep, nitems(keep)) == -1)
		_exit(1);
	/* greywalld died before child_fork() asked for the signal. */
	if (getppid() == 1)
		_exit(1);
	for (;;) {
		n = recv(fd, &q, sizeof(q), 0);
		if (n == 0)
			_exit(0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(q))
			_exit(1);
		a.token = q.token;
		a.visible = check_one(&q);
		if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) != sizeof(a))
			_exit(1);
	}
}

static struct sandbox *
sandbox_by_cgid(uint64_t cgid)
{
	struct sandbox	*sb;

	TAILQ_FOREACH(sb, &sandboxes, entry)
		if (sb->ev.cgid == cgid && cgid != 0)
			return (sb);
	return (NULL);
}

/* Count a denial not reported; sent in one message per loop turn. */
static void
drop(struct sandbox *sb, uint64_t n)
{
	sb->ev.dn_drops += n;
	st_dropped += n;
}

static void
drops_flush(void)
{
	struct sandbox	*sb;

	TAILQ_FOREACH(sb, &sandboxes, entry)
		if (sb->ev.dn_drops > 0) {
			events_dropped(sb, sb->ev.dn_drops > UINT32_MAX ?
			    UINT32_MAX : (uint32_t)sb->ev.dn_drops);
			sb->ev.dn_drops = 0;
		}
}

/* FNV-1a over the access and the path. */
static uint64_t
seen_hash(const char *access, const char *path)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *access != '\0'; access++)
		h = (h ^ (unsigned char)*access) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (; *path != '\0'; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3ULL;
	return (h != 0 ? h : 1);
}

/*
 * Mark (class, path) seen in this sandbox; 1 if it was new, 0 if seen
 * before or the table is full (then counted as dropped).
 */
int
denials_seen_add(struct sandbox *sb, const char *access, const char *path)
{
	struct sandbox_events	*e = &sb->ev;
	uint64_t		 h = seen_hash(access, path), *n;
	size_t			 i, size, j;

	if (e->seen_n * 2 >= e->seen_size) {
		if (e->seen_size >= SEEN_MAX * 2) {
			drop(sb, 1);
			return (0);
		}
		size = e->seen_size == 0 ? 256 : e->seen_size * 2;
		if ((n = calloc(size, sizeof(*n))) == NULL)
			return (1);
		for (i = 0; i < e->seen_size; i++) {
			if (e->seen[i] == 0)
				continue;
			for (j = e->seen[i] % size; n[j] != 0;
			    j = (j + 1) % size)
				;
			n[j] = e->seen[i];
		}
		free(e->seen);
		e->seen = n;
		e->seen_size = size;
	}
	for (i = h % e->seen_size; e->seen[i] != 0;
	    i = (i + 1) % e->seen_size)
		if (e->seen[i] == h)
			return (0);
	e->seen[i] = h;
	e->seen_n++;
	return (1);
}

/* Collapse "//", "/./" and "/../" in place; path is absolute. */
static void
path_clean(char *path)
{
	char	*r = path, *w = path;

	while (*r != '\0') {
		if (r[0] == '/' && r[1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' ||
		    r[2] == '\0')) {
			r += 2;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && r[2] == '.' &&
		    (r[3] == '/' || r[3] == '\0')) {
			r += 3;
			while (w > path && *--w != '/')
				;
			continue;
		}
		*w++ = *r++;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

/*
 * The absolute path in the sandbox's tree: relative ones against the
 * process's working directory or dfd, as /proc shows them from its own
 * root. NULL if that is gone (counted as dropped by the caller).
 */
static char *
path_absolute(const struct denials_rec *rec)
{
	char	link[64], base[PATH_MAX], *out;
	ssize_t	n;

	if (rec->path[0] == '/') {
		out = strdup(rec->path);
	} else {
		if (rec->dfd == -100)
			snprintf(link, sizeof(link), "/proc/%u/cwd",
			    rec->tgid);
		else
			snprintf(link, sizeof(link), "/proc/%u/fd/%d",
			    rec->tgid, rec->dfd);
		/*
		 * Never a guess: a process that is gone (or changed its
		 * directory since) may have meant another one.
		 */
		n = readlink(link, base, sizeof(base) - 1);
		if (n <= 0 || base[0] != '/')
			return (NULL);
		base[n] = '\0';
		if (asprintf(&out, "%s/%s", base, rec->path) == -1)
			out = NULL;
	}
	if (out != NULL)
		path_clean(out);
	return (out);
}

/* The path as the user knows it: ~/x under the home directory. */
void
denials_display(const struct sandbox *sb, const char *path, char *buf,
    size_t len)
{
	const char	*home = sb->ev.home;
	size_t		 hl = home != NULL ? strlen(home) : 0;

	if (hl > 1 && strncmp(path, home, hl) == 0 && (path[hl] == '/' ||
	    path[hl] == '\0'))
		snprintf(buf, len, "~%s", path + hl);
	else
		snprintf(buf, len, "%s", path);
}

/* The directory of path, in buf. */
static void
dir_of(const char *path, char *buf, size_t len)
{
	const char	*s;

	snprintf(buf, len, "%s", path);
	if ((s = strrchr(buf, '/')) != NULL && s != buf)
		buf[s - buf] = '\0';
	else if (s == buf)
		buf[1] = '\0';
}

/* Emit the event for a denial the sandbox caused. */
static void
denial_emit(struct sandbox *sb, pid_t pid, const char *comm, int op,
    int err, const char *path)
{
	const struct event_rule	*rule = NULL;
	const char		*key = NULL, *how;
	char			 shown[PATH_MAX], allow[PATH_MAX], dir[PATH_MAX];
	char			 note[PATH_MAX + 256];
	int			 write = op_is_write(op);

	denials_display(sb, path, shown, sizeof(shown));
	if (!denials_seen_add(sb, op_names[op], shown))
		return;
	how = err == ENOENT ? "not in the sandbox" : err == EROFS ?
	    "read-only in the sandbox" : err == EPERM ? "refused" :
	    "refused by Landlock";
	/* Creating, removing and renaming need the directory writable. */
	/*
	 * Never the home or the root itself: a new name right there asks
	 * for itself (mkdir ~/.cache: "~/.cache").
	 */
	dir_of(path, dir, sizeof(dir));
	if ((op == DENIALS_OP_CREATE || op == DENIALS_OP_DELETE ||
	    op == DENIALS_OP_RENAME) && strcmp(dir, "/") != 0 &&
	    (sb->ev.home == NULL || strcmp(dir, sb->ev.home) != 0))
		denials_display(sb, dir, allow, sizeof(allow));
	else
		snprintf(allow, sizeof(allow), "%s", shown);
	if (write)
		rule = events_rule_readonly(sb, path);
	else if ((rule = events_rule_path(sb, path)) != NULL &&
	    rule->key != PK_FS_DENY_READ)
		rule = NULL;
	if (rule != NULL && (rule->key == PK_FS_DENY_READ ||
	    rule->key == PK_FS_DENY_WRITE || rule->key == PK_FS_MASK)) {
		snprintf(note, sizeof(note), "%s (%s, %s): only the"
		    " administrator can allow this", how, strerror(err),
		    policy_keys[rule->key].name);
	} else if (rule != NULL && rule->key == PK_FS_READ && write) {
		/* Named by the read entry that makes it read-only. */
		snprintf(note, sizeof(note), "%s (%s); allow with %s:"
		    " [\"%s\"]", how, strerror(err),
		    policy_keys[PK_FS_WRITE].name, allow);
	} else {
		rule = NULL;
		key = write ? policy_keys[PK_FS_WRITE].name :
		    policy_keys[PK_FS_READ].name;
		snprintf(note, sizeof(note), "%s (%s); allow with %s:"
		    " [\"%s\"]", how, strerror(err), key, allow);
	}
	st_events++;
	events_emit(sb, &(struct event_spec){ .kind = GW_EV_FS, .pid = pid,
	    .deduped = 1, .comm = comm, .action = op_names[op], .target = shown,
	    .rule = rule, .key = key, .file = "", .note = note });
}

/*
 * A write the protected paths' supervisor in init saw fail read-only:
 * explained like the program's own, once per path and access.
 */
void
denials_from_init(struct sandbox *sb, const char *comm, const char *action,
    const char *path)
{
	static const char *const names[] = { "create", "write", "truncate",
	    "rename", "link" };
	static const int ops[] = { DENIALS_OP_CREATE, DENIALS_OP_WRITE,
	    DENIALS_OP_WRITE, DENIALS_OP_RENAME, DENIALS_OP_CREATE };
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		if (strcmp(action, names[i]) == 0) {
			denial_emit(sb, 0, comm, ops[i], EROFS, path);
			return;
		}
}

/* Its last check is answered, or the time for them is up. */
static void
drain_done(struct sandbox *sb)
{
	if (sb->ev.drain_timer != NULL)
		event_free(sb->ev.drain_timer);
	sb->ev.drain_timer = NULL;
	sandbox_drained(sb);
}

static void
check_done(struct check *ck, int visible)
{
	struct sandbox	*sb;

	if (check_unsent == ck)
		check_unsent = TAILQ_NEXT(ck, entry);
	TAILQ_REMOVE(&checks, ck, entry);
	nchecks--;
	if ((sb = sandbox_find(ck->sandbox)) != NULL) {
		sb->ev.checks--;
		if (visible)
			denial_emit(sb, ck->pid, ck->comm, ck->op, ck->err,
			    ck->path);
		if (sb->ev.checks == 0 && sb->ev.draining)
			drain_done(sb);
	}
	free(ck->path);
	free(ck);
}

/*
 * Send the checks not sent yet, in order. The helper's socket holds only
 * a few (net.unix.max_dgram_qlen): the rest wait here, within
 * CHECKS_MAX, and go when it is writable again.
 */
static void
check_flush(void)
{
	struct check_req	 q;
	struct check		*ck;
	struct sandbox		*sb;
	ssize_t			 n;
	int			 i;

	while ((ck = check_unsent) != NULL) {
		/* Its sandbox is gone: nothing to ask. */
		if ((sb = sandbox_find(ck->sandbox)) == NULL) {
			check_done(ck, 0);
			continue;
		}
		memset(&q, 0, sizeof(q));
		q.token = ck->token;
		q.uid = sb->uid;
		q.gid = sb->ev.gid;
		for (i = 0; i < sb->ev.ngroups && i < CHECK_GROUPS; i++)
			q.groups[i] = sb->ev.groups[i];
		q.ngroups = (uint32_t)i;
		q.how = ck->how;
		snprintf(q.path, sizeof(q.path), "%s", ck->path);
		n = send(check_fd, &q, sizeof(q), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (event_add(ev_check_w, NULL) == -1)
				log_warn("denials: wait for the check helper");
			return;
		}
		check_unsent = TAILQ_NEXT(ck, entry);
		if (n != (ssize_t)sizeof(q)) {
			/* Its end comes through check_read_cb. */
			log_warn("denials: send a path check");
			return;
		}
	}
}

static void
check_write_cb(int fd __unused, short what __unused, void *arg __unused)
{
	if (check_fd != -1)
		check_flush();
}

static void
check_read_cb(int fd, short what __unused, void *arg __unused)
{
	struct check_rep	 a;
	struct check		*ck;
	ssize_t			 n;

	for (;;) {
		n = recv(fd, &a, sizeof(a), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n != (ssize_t)sizeof(a)) {
			log_warnx("denials: the path check helper ended;"
			    " hidden paths are no longer reported");
			event_del(ev_check);
			event_del(ev_check_w);
			close(check_fd);
			check_fd = -1;
			while ((ck = TAILQ_FIRST(&checks)) != NULL)
				check_done(ck, 0);
			return;
		}
		TAILQ_FOREACH(ck, &checks, entry)
			if (ck->token == a.token)
				break;
		if (ck != NULL)
			check_done(ck, a.visible == 1);
	}
}

static void
check_send(struct sandbox *sb, const struct denials_rec *rec, char *path)
{
	struct check		*ck;

	if (check_fd == -1 || nchecks >= CHECKS_MAX ||
	    sb->ev.checks >= CHECKS_PER_SANDBOX) {
		drop(sb, 1);
		free(path);
		return;
	}
	if ((ck = calloc(1, sizeof(*ck))) == NULL) {
		drop(sb, 1);
		free(path);
		return;
	}
	ck->token = ++next_token;
	if (rec->err == ENOENT && rec->op == DENIALS_OP_CREATE)
		ck->how = CHECK_PARENT_WRITE;
	else if (op_is_write(rec->op) || rec->op == DENIALS_OP_STAT)
		ck->how = CHECK_EXISTS;
	else if (rec->op == DENIALS_OP_EXEC)
		ck->how = CHECK_EXEC;
	else if (rec->op == DENIALS_OP_LIST)
		ck->how = CHECK_LIST;
	else
		ck->how = CHECK_READ;
	ck->sandbox = sb->id;
	ck->pid = (pid_t)rec->tgid;
	ck->err = rec->err;
	ck->op = (int)rec->op;
	memcpy(ck->comm, rec->comm, sizeof(ck->comm));
	ck->comm[sizeof(ck->comm) - 1] = '\0';
	ck->path = path;
	TAILQ_INSERT_TAIL(&checks, ck, entry);
	if (check_unsent == NULL)
		check_unsent = ck;
	nchecks++;
	sb->ev.checks++;
	st_hidden_checked++;
	check_flush();
}

/* Paths whose ENOENT says nothing about the policy. */
static int
path_ignored(const char *path)
{
	static const char *const pfx[] = { "/proc", "/sys", "/dev" };
	size_t	i, l;

	for (i = 0; i < nitems(pfx); i++) {
		l = strlen(pfx[i]);
		if (strncmp(path, pfx[i], l) == 0 &&
		    (path[l] == '/' || path[l] == '\0'))
			return (1);
	}
	return (0);
}

static void
record_syscall(struct sandbox *sb, const struct denials_rec *rec)
{
	char	*name, num[32], note[128];

	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, rec->nr);
	snprintf(num, sizeof(num), "syscall %d", rec->nr);
	if (denials_seen_add(sb, "call", name != NULL ? name : num)) {
		snprintf(note, sizeof(note), "refused by the seccomp filter"
		    " (EPERM): only the administrator can allow this");
		st_events++;
		events_emit(sb, &(struct event_spec){
		    .kind = GW_EV_SYSCALL, .pid = (pid_t)rec->tgid,
		    .deduped = 1,
		    .comm = rec->comm, .action = "call",
		    .target = name != NULL ? name : num,
		    .rule = events_rule_find(sb, PK_HARDENING_SECCOMP, NULL),
		    .note = note });
	}
	free(name);
}

static int
ring_cb(void *ctx __unused, void *data, size_t len)
{
	struct denials_rec	 rec;
	struct sandbox		*sb;
	char			*path, shown[PATH_MAX], check_key[32];

	if (len < sizeof(rec))
		return (0);
	memcpy(&rec, data, sizeof(rec));
	rec.comm[sizeof(rec.comm) - 1] = '\0';
	rec.path[sizeof(rec.path) - 1] = '\0';
	str_sanitize(rec.comm);
	st_records++;
	if ((sb = sandbox_by_cgid(rec.cgid)) == NULL || sb->ev.draining)
		return (0);
	if (rec.dropped > sb->ev.bpf_dropped) {
		drop(sb, rec.dropped - sb->ev.bpf_dropped);
		sb->ev.bpf_dropped = rec.dropped;
	}
	/* Init's own setup and supervision are not the command's. */
	if ((pid_t)rec.tgid == sb->pid)
		return (0);
	if (rec.op == DENIALS_OP_CALL) {
		record_syscall(sb, &rec);
		return (0);
	}
	if (rec.op == DENIALS_OP_NONE || rec.op >= DENIALS_OP__MAX ||
	    rec.path[0] == '\0' || rec.truncated)
		return (0);
	/*
	 * A relative path of a process that is gone: which directory it
	 * meant is unknown, so it is never reported. Not a denial known to
	 * be lost either: ENOENT of a short-lived process's relative lookup
	 * (a linker's library search, "rustc" beside the cwd) is almost
	 * always a name that exists nowhere. Counted for gwctl status.
	 */
	if ((path = path_absolute(&rec)) == NULL) {
		st_unresolved++;
		return (0);
	}
	if (rec.err == EROFS || rec.err == EPERM ||
	    (rec.err == EACCES && op_is_write((int)rec.op))) {
		denial_emit(sb, (pid_t)rec.tgid, rec.comm, (int)rec.op,
		    rec.err, path);
		free(path);
		return (0);
	}
	/*
	 * Not found where the sandbox shows the host's own tree: not found
	 * on the host either (when it was looked up: checking later could
	 * find what the command itself made since).
	 */
	if (path_ignored(path) || (rec.err == ENOENT &&
	    events_host_view(sb, path))) {
		free(path);
		return (0);
	}
	/*
	 * Checked on the host, as the user, once per path and access:
	 * mark it seen now so a loop of the same call asks only once.
	 */
	denials_display(sb, path, shown, sizeof(shown));
	snprintf(check_key, sizeof(check_key), "?%d:%s", rec.err,
	    op_names[rec.op]);
	if (!denials_seen_add(sb, check_key, shown)) {
		free(path);
		return (0);
	}
	check_send(sb, &rec, path);
	return (0);
}

static void
ring_read_cb(int fd __unused, short what __unused, void *arg __unused)
{
	if (ring_buffer__consume(ring) < 0)
		log_debug("denials: ring buffer: %s", strerror(errno));
	drops_flush();
}

/* libbpf's messages, to the debug log; its format is its own. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char	buf[512];

	if (level == LIBBPF_DEBUG)
		return (0);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("libbpf: %s", buf);
	return (0);
}
#pragma GCC diagnostic pop

static int
check_start(void)
{
	if ((check_pid = child_fork(check_main, NULL, &check_fd)) == -1)
		return (-1);
	ev_check = event_new(gw_base, check_fd, EV_READ | EV_PERSIST,
	    check_read_cb, NULL);
	ev_check_w = event_new(gw_base, check_fd, EV_WRITE, check_write_cb,
	    NULL);
	if (ev_check == NULL || ev_check_w == NULL ||
	    event_add(ev_check, NULL) == -1)
		return (-1);
	return (0);
}

static int
denials_attach(void)
{
	if (link_exit != NULL)
		return (0);
	if ((link_exit = bpf_program__attach(skel->progs.denials_exit)) ==
	    NULL)
		return (-1);
	return (0);
}

static void
detach_cb(int fd __unused, short what __unused, void *arg __unused)
{
	if (watched == 0 && link_exit != NULL) {
		bpf_link__destroy(link_exit);
		link_exit = NULL;
	}
}

static void
denials_detach_later(void)
{
	struct timeval	tv = { DETACH_SEC, 0 };

	if (watched == 0 && ev_detach != NULL)
		evtimer_add(ev_detach, &tv);
}

/*
 * The ring buffer's pages are mapped into greywalld (8 MiB, every user's
 * denials) as a mixed map, whose page tables fork copies: every init
 * and helper child would get a read-only copy of the ring, and pay for
 * its page tables at clone and exit. Marked so that no child inherits any
 * BPF map mapping.
 */
static int
denials_dontfork(void)
{
	FILE		*f;
	char		 line[512];
	unsigned long	 lo, hi;
	int		 n = 0, err = ENOENT;

	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, " anon_inode:bpf-map") == NULL)
			continue;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= lo) {
			err = EINVAL;
			n = -1;
			break;
		}
		if (madvise((void *)lo, hi - lo, MADV_DONTFORK) == -1) {
			err = errno;
			n = -1;
			break;
		}
		n++;
	}
	fclose(f);
	/* The ring was just mapped: none listed is an error too. */
	if (n <= 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

/*
 * Load and attach the program. Without it (no BPF, no BTF, an older
 * kernel) greywalld runs on and reports why in gwctl status and gw
 * doctor; events then come from kernel audit and init alone.
 */
int
denials_init(void)
{
	uint32_t	one = 1, nr;
	int		i, r;

	libbpf_set_print(libbpf_log);
	if ((skel = denials_bpf__open_and_load()) == NULL) {
		snprintf(why_not, sizeof(why_not), "cannot load the BPF"
		    " program: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; (r = sandbox_seccomp_denied((size_t)i)) != -1; i++) {
		nr = (uint32_t)r;
		if (nr < 512)
			bpf_map_update_elem(bpf_map__fd(skel->maps.seccomp_nrs),
			    &nr, &one, BPF_ANY);
	}
	/* Attached once to know it can be; detached when idle. */
	if ((ev_detach = evtimer_new(gw_base, detach_cb, NULL)) == NULL ||
	    denials_attach() == -1) {
		snprintf(why_not, sizeof(why_not), "cannot attach to the"
		    " sys_exit tracepoint: %s", strerror(errno));
		goto fail;
	}
	denials_detach_later();
	if ((ring = ring_buffer__new(bpf_map__fd(skel->maps.ring), ring_cb,
	    NULL, NULL)) == NULL) {
		snprintf(why_not, sizeof(why_not), "ring buffer: %s",
		    strerror(errno));
		goto fail;
	}
	if (denials_dontfork() == -1) {
		snprintf(why_not, sizeof(why_not), "cannot keep the ring"
		    " buffer out of child processes (/proc/self/maps): %s",
		    strerror(errno));
		goto fail;
	}
	ev_ring = event_new(gw_base, ring_buffer__epoll_fd(ring),
	    EV_READ | EV_PERSIST, ring_read_cb, NULL);
	if (ev_ring == NULL || event_add(ev_ring, NULL) == -1) {
		snprintf(why_not, sizeof(why_not), "cannot watch the ring"
		    " buffer");
		goto fail;
	}
	if (check_start() == -1) {
		snprintf(why_not, sizeof(why_not), "cannot start the path"
		    " check helper: %s", strerror(errno));
		goto fail;
	}
	why_not[0] = '\0';
	log_info("denials: eBPF on sys_exit while sandboxes run (no kernel"
	    " audit needed)");
	return (0);
fail:
	log_warnx("denials: %s; hidden paths are not reported, denials"
	    " only through kernel audit", why_not);
	denials_shutdown();
	return (-1);
}

void
denials_shutdown(void)
{
	struct check	*ck;

	while ((ck = TAILQ_FIRST(&checks)) != NULL) {
		TAILQ_REMOVE(&checks, ck, entry);
		free(ck->path);
		free(ck);
	}
	check_unsent = NULL;
	nchecks = 0;
	if (ev_check != NULL)
		event_free(ev_check);
	if (ev_check_w != NULL)
		event_free(ev_check_w);
	ev_check = ev_check_w = NULL;
	if (check_fd != -1)
		close(check_fd);
	check_fd = -1;
	if (check_pid > 0) {
		kill(check_pid, SIGKILL);
		waitpid(check_pid, NULL, 0);
	}
	check_pid = -1;
	if (ev_ring != NULL)
		event_free(ev_ring);
	ev_ring = NULL;
	ring_buffer__free(ring);
	ring = NULL;
	if (ev_detach != NULL)
		event_free(ev_detach);
	ev_detach = NULL;
	bpf_link__destroy(link_exit);
	link_exit = NULL;
	watched = 0;
	denials_bpf__destroy(skel);
	skel = NULL;
}

/* Before anything of the sandbox runs: watch its cgroup. */
/* a is b or below it, as text. */
static int
path_under(const char *a, const char *b)
{
	size_t	l = strlen(b);

	while (l > 1 && b[l - 1] == '/')
		l--;
	return (strncmp(a, b, l) == 0 && (a[l] == '/' || a[l] == '\0' ||
	    (l == 1 && b[0] == '/')));
}

/*
 * The system directories whose ENOENT the program may leave out
 * (denials-bpf.h): each a host bind in every sandbox. None at all when a
 * deny entry lies at, above or below any of them, or another bind (the
 * project, where masks apply; a read or write path) below one: /bin and
 * /lib may be links into /usr, so one such entry concerns them all.
 */
static unsigned int
sys_skip_bits(const struct sandbox *sb)
{
	static const char	 sysp[DENIALS_SYS_N][DENIALS_SYS_LEN] =
	    DENIALS_SYS_PATHS;
	char			 dir[DENIALS_SYS_LEN];
	const char		*s, *b, *v;
	unsigned int		 bits = 0;
	size_t			 i, j, k;
	int			 sys;

	for (i = 0; (s = sandbox_mount_system_path(i)) != NULL; i++) {
		for (j = 0; sb->ev.binds != NULL &&
		    (b = sb->ev.binds[j]) != NULL; j++) {
			for (sys = 0, k = 0;
			    sandbox_mount_system_path(k) != NULL; k++)
				if (strcmp(sandbox_mount_system_path(k), b) == 0)
					sys = 1;
			if (!sys && path_under(b, s))
				return (0);
		}
		for (j = 0; j < sb->ev.nrules; j++) {
			v = sb->ev.rules[j].value;
			if ((sb->ev.rules[j].key == PK_FS_DENY_READ ||
			    sb->ev.rules[j].key == PK_FS_DENY_WRITE) &&
			    (path_under(v, s) || path_under(s, v)))
				return (0);
		}
	}
	for (i = 0; i < DENIALS_SYS_N; i++) {
		/* Without its '/'. */
		memcpy(dir, sysp[i], sizeof(dir));
		dir[strnlen(dir, sizeof(dir) - 1) - 1] = '\0';
		for (j = 0; (s = sandbox_mount_system_path(j)) != NULL; j++)
			if (strcmp(s, dir) == 0)
				bits |= 1U << i;
	}
	return (bits);
}

int
denials_sandbox_start(struct sandbox *sb, int cgfd, const struct peer *p)
{
	struct denials_cg	 v;
	struct stat		 st;
	int			 i;

	sb->ev.gid = p->gid;
	sb->ev.ngroups = 0;
	for (i = 0; i < p->ngroups && i < (int)nitems(sb->ev.groups); i++)
		sb->ev.groups[sb->ev.ngroups++] = p->groups[i];
	if (skel == NULL)
		return (0);
	if (cgfd < 0 || fstat(cgfd, &st) == -1)
		return (0);
	sb->ev.cgid = (uint64_t)st.st_ino;
	memset(&v, 0, sizeof(v));
	v.sandbox = sb->id;
	v.sys_skip = sys_skip_bits(sb);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.sandboxes),
	    &sb->ev.cgid, &v, BPF_ANY) != 0) {
		log_warn("sandbox %u: denials: watch its cgroup", sb->id);
		sb->ev.cgid = 0;
		return (-1);
	}
	if (denials_attach() == -1) {
		log_warn("sandbox %u: denials: attach to sys_exit", sb->id);
		bpf_map_delete_elem(bpf_map__fd(skel->maps.sandboxes),
		    &sb->ev.cgid);
		sb->ev.cgid = 0;
		return (-1);
	}
	watched++;
	if (ev_detach != NULL)
		evtimer_del(ev_detach);
	return (0);
}

/*
 * Init runs (sb->pid): the kernel leaves its failed calls out from now
 * on. Those before this are dropped by ring_cb's check.
 */
void
denials_sandbox_init(struct sandbox *sb)
{
	uint32_t	tgid = (uint32_t)sb->pid;

	if (skel != NULL && sb->ev.cgid != 0 &&
	    bpf_map_update_elem(bpf_map__fd(skel->maps.inits), &sb->ev.cgid,
	    &tgid, BPF_ANY) != 0)
		log_debug("sandbox %u: denials: init's pid: %s", sb->id,
		    strerror(errno));
}

void
denials_sandbox_end(struct sandbox *sb)
{
	struct check	*ck;

	TAILQ_FOREACH(ck, &checks, entry)
		if (ck->sandbox == sb->id)
			ck->sandbox = 0;
	if (skel != NULL && sb->ev.cgid != 0) {
		bpf_map_delete_elem(bpf_map__fd(skel->maps.sandboxes),
		    &sb->ev.cgid);
		bpf_map_delete_elem(bpf_map__fd(skel->maps.inits),
		    &sb->ev.cgid);
		if (watched > 0)
			watched--;
		denials_detach_later();
	}
	sb->ev.cgid = 0;
	if (sb->ev.drain_timer != NULL)
		event_free(sb->ev.drain_timer);
	sb->ev.drain_timer = NULL;
	free(sb->ev.seen);
	sb->ev.seen = NULL;
	sb->ev.seen_n = sb->ev.seen_size = 0;
}

/* Records the kernel dropped with no later record to say so. */
static void
denials_sandbox_dropped(struct sandbox *sb)
{
	struct denials_cg	v;

	if (skel == NULL || sb->ev.cgid == 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.sandboxes),
	    &sb->ev.cgid, &v) != 0)
		return;
	if (v.dropped > sb->ev.bpf_dropped) {
		drop(sb, v.dropped - sb->ev.bpf_dropped);
		sb->ev.bpf_dropped = v.dropped;
	}
	if (v.skipped > sb->ev.bpf_skipped) {
		st_skipped += v.skipped - sb->ev.bpf_skipped;
		sb->ev.bpf_skipped = v.skipped;
	}
}

static void
drain_timeout_cb(int fd __unused, short what __unused, void *arg)
{
	struct sandbox	*sb = arg;

	log_warnx("sandbox %u: %u path checks unanswered after %d ms;"
	    " reporting its end", sb->id, sb->ev.checks, DRAIN_TIMEOUT_MS);
	sb->ev.checks = 0;
	drain_done(sb);
}

/*
 * Its command has ended (init said so, or init has been reaped): take
 * every record it left in the ring buffer. Returns 1 if host checks are
 * still out (sandbox_drained() is called when they are answered or time
 * out), else 0. Called at most twice per sandbox: one timer.
 */
int
denials_sandbox_drain(struct sandbox *sb)
{
	struct timeval	tv = { DRAIN_TIMEOUT_MS / 1000,
			    (DRAIN_TIMEOUT_MS % 1000) * 1000 };

	if (ring != NULL)
		ring_buffer__consume(ring);
	denials_sandbox_dropped(sb);
	drops_flush();
	sb->ev.draining = 1;
	if (sb->ev.checks == 0)
		return (0);
	if (sb->ev.drain_timer != NULL)
		return (1);
	if ((sb->ev.drain_timer = evtimer_new(gw_base, drain_timeout_cb,
	    sb)) == NULL || evtimer_add(sb->ev.drain_timer, &tv) == -1)
		return (0);
	return (1);
}
