/*
 * Cgroups: one per sandbox, created before its init runs anything, with
 * the policy's pids, memory and cpu limits, read for gwctl list, and
 * killed and removed at teardown.
 *
 * Two layouts are supported, chosen once at startup:
 *
 * - v2: the unified hierarchy has the controllers. greywalld moves itself
 *   into a "supervisor" leaf of its own (delegated) cgroup, so that cgroup
 *   has no processes and may enable controllers for its children, and
 *   creates one child per sandbox. Started by hand in a cgroup shared
 *   with other processes, it uses a "greywall" child of its cgroup, or of
 *   the root, instead.
 * - hybrid: the controllers are on v1 hierarchies (as on hosts that boot
 *   with systemd.unified_cgroup_hierarchy=0). Limits go to a per-sandbox
 *   cgroup in each v1 controller hierarchy; the unified hierarchy, which
 *   has no controllers there, still tracks membership and has
 *   cgroup.kill.
 *
 * The unified cgroup is entered atomically with clone3(CLONE_INTO_CGROUP).
 * v1 cgroups cannot be entered that way: init, first thing, writes
 * itself into each of them through the directory fds it inherits (see
 * sandbox_cgroup_hold()).
 *
 * Writing cgroup files needs no capability: they are owned by uid 0 and
 * greywalld is uid 0. Nothing here may fatal(): a cgroup that cannot be
 * made fails that sandbox, with a message for its user.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "greywalld.h"

/* cpu.max and cpu.cfs_period_us: quotas are per 100 ms. */
#define CPU_PERIOD_US		100000
/* How long a removed sandbox's cgroup may stay busy before we give up. */
#define RMDIR_RETRY_MS		100
#define RMDIR_TRIES		50

enum cg_mode {
	CG_MODE_NONE,		/* no usable cgroup hierarchy */
	CG_MODE_V2,		/* controllers on the unified hierarchy */
	CG_MODE_HYBRID,		/* controllers on v1, membership on v2 */
};

/* One hierarchy's directory under which sandbox cgroups are made. */
struct cg_hier {
	char	 path[PATH_MAX];
	int	 fd;		/* the base directory, or -1 */
	int	 created;	/* made by us: removed at shutdown */
};

/* A sandbox cgroup whose rmdir said EBUSY: tried again on a timer. */
struct cg_pending {
	TAILQ_ENTRY(cg_pending)	 entry;
	int			 hier;
	int			 tries;
	char			 name[48];
};
TAILQ_HEAD(cg_pendinglist, cg_pending);

static const char *const ctrl_names[CG__MAX] = { "pids", "memory", "cpu" };

static enum cg_mode		 cg_mode = CG_MODE_NONE;
/* hier[0]: unified; hier[1 + c]: v1 controller c (hybrid only). */
static struct cg_hier		 hier[1 + CG__MAX];
/* Controllers usable for limits, as a bit mask of 1 << enum cg_ctrl. */
static unsigned int		 cg_ctrls;
static struct cg_pendinglist	 pending = TAILQ_HEAD_INITIALIZER(pending);
static struct event		*ev_pending;

static int
cg_write(int dirfd, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write one value to a cgroup file; -1 with errno on failure. */
static int
cg_write(int dirfd, const char *file, const char *fmt, ...)
{
	_cleanup_close_ int	 fd = -1;
	char			 buf[128];
	va_list			 ap;
	ssize_t			 n;
	int			 len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		errno = EINVAL;
		return (-1);
	}
	if ((fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((n = write(fd, buf, len)) == -1)
		return (-1);
	if (n != len) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/* Read a small cgroup file as a string; -1 with errno on failure. */
static int
cg_read(int dirfd, const char *file, char *buf, size_t len)
{
	_cleanup_close_ int	 fd = -1;
	ssize_t			 n;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((n = read(fd, buf, len - 1)) == -1)
		return (-1);
	buf[n] = '\0';
	return (0);
}

static int
cg_read_u64(int dirfd, const char *file, uint64_t *ret)
{
	char			 buf[64], *end;
	unsigned long long	 v;

	if (cg_read(dirfd, file, buf, sizeof(buf)) == -1)
		return (-1);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0')) {
		errno = EINVAL;
		return (-1);
	}
	*ret = v;
	return (0);
}

/* The value of "key N" in a flat keyed file such as memory.events. */
static int
cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	char	 buf[4096], *line, *save = NULL;
	size_t	 klen = strlen(key);

	if (cg_read(dirfd, file, buf, sizeof(buf)) == -1)
		return (-1);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*ret = strtoull(line + klen + 1, NULL, 10);
			return (0);
		}
	}
	errno = ENOENT;
	return (-1);
}

/* Whether a space-separated list (cgroup.controllers) has word. */
static int
word_in(const char *list, const char *word)
{
	size_t	 n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[n] == '\0' || isspace((unsigned char)p[n]) ||
		    p[n] == ','))
			return (1);
	return (0);
}

/*
 * Where the first cgroup2 hierarchy, and the v1 hierarchy of each
 * controller, are mounted, from /proc/self/mountinfo. Mount points with
 * escaped characters are skipped: cgroup mounts never have them.
 */
static void
cg_find_mounts(char *unified, char v1[CG__MAX][PATH_MAX])
{
	FILE	*f;
	char	*line = NULL, *fld[10], *p, *sep, *fstype, *opts, *tok;
	char	*save;
	size_t	 cap = 0;
	int	 n, c;

	unified[0] = '\0';
	for (c = 0; c < CG__MAX; c++)
		v1[c][0] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL) {
		log_warn("cgroups: /proc/self/mountinfo");
		return;
	}
	while (getline(&line, &cap, f) != -1) {
		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		*sep = '\0';
		for (n = 0, p = strtok_r(line, " ", &save); p != NULL &&
		    n < (int)nitems(fld); p = strtok_r(NULL, " ", &save))
			fld[n++] = p;
		if (n < 5 || strchr(fld[4], '\\') != NULL ||
		    strlen(fld[4]) >= PATH_MAX)
			continue;
		fstype = strtok_r(sep + 3, " ", &save);
		if (fstype == NULL || strtok_r(NULL, " ", &save) == NULL ||
		    (opts = strtok_r(NULL, " \n", &save)) == NULL)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			if (unified[0] == '\0')
				strcpy(unified, fld[4]);
			continue;
		}
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		for (tok = strtok_r(opts, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			for (c = 0; c < CG__MAX; c++)
				if (strcmp(tok, ctrl_names[c]) == 0 &&
				    v1[c][0] == '\0')
					strcpy(v1[c], fld[4]);
	}
	free(line);
	fclose(f);
}

/*
 * Our own cgroup path in the unified hierarchy (ctrl NULL) or in the v1
 * hierarchy of ctrl, from /proc/self/cgroup.
 */
static int
cg_own_path(const char *ctrl, char *buf, size_t len)
{
	FILE	*f;
	char	*line = NULL, *a, *b, *tok, *save;
	size_t	 cap = 0;
	int	 found = 0;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return (-1);
	while (!found && getline(&line, &cap, f) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if ((a = strchr(line, ':')) == NULL ||
		    (b = strchr(a + 1, ':')) == NULL)
			continue;
		*a = *b = '\0';
		if (ctrl == NULL) {
			if (strcmp(line, "0") != 0 || a[1] != '\0')
				continue;
		} else {
			for (tok = strtok_r(a + 1, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save))
				if (strcmp(tok, ctrl) == 0)
					break;
			if (tok == NULL)
				continue;
		}
		if ((size_t)snprintf(buf, len, "%s", b + 1) < len)
			found = 1;
	}
	free(line);
	fclose(f);
	if (!found) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

/* mnt + own, without a trailing "/" for the root. */
static int
cg_join(char *buf, size_t len, const char *mnt, const char *own,
    const char *sub)
{
	int	n;

	n = snprintf(buf, len, "%s%s%s%s", mnt, strcmp(own, "/") == 0 ?
	    "" : own, sub != NULL ? "/" : "", sub != NULL ? sub : "");
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* Make (or reuse) a base directory and open it. */
static int
cg_hier_open(struct cg_hier *h, const char *path)
{
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->created = 0;
	if (mkdir(path, 0755) == 0)
		h->created = 1;
	else if (errno != EEXIST)
		return (-1);
	if ((h->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	return (0);
}

static void
cg_hier_close(struct cg_hier *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	/*
	 * Another greywalld may still use a shared base (EBUSY), and one
	 * made at the root of a hierarchy before capabilities were dropped
	 * cannot be removed now (EACCES): it is reused next time.
	 */
	if (h->created && rmdir(h->path) == -1) {
		if (errno == EACCES)
			log_info("cgroups: leaving the empty %s, reused next"
			    " time (no CAP_DAC_OVERRIDE to remove it)",
			    h->path);
		else if (errno != EBUSY && errno != ENOTEMPTY &&
		    errno != ENOENT)
			log_warn("cgroups: rmdir %s", h->path);
	}
	h->created = 0;
}

/* Whether we are the only process in the cgroup at dir. */
static int
cg_alone(const char *dir)
{
	_cleanup_close_ int	 fd = -1;
	char			 buf[256], self[32];

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    cg_read(fd, "cgroup.procs", buf, sizeof(buf)) == -1)
		return (0);
	snprintf(self, sizeof(self), "%d\n", (int)getpid());
	return (strcmp(buf, self) == 0);
}

/*
 * Enable the controllers in want (a mask) for the children of the
 * cgroup at dirfd, one at a time so one refusal does not stop the rest.
 * Returns the mask now enabled there.
 */
static unsigned int
cg2_enable(int dirfd, unsigned int want)
{
	char		 buf[512];
	unsigned int	 have = 0;
	int		 c;

	for (c = 0; c < CG__MAX; c++)
		if (want & (1U << c))
			cg_write(dirfd, "cgroup.subtree_control", "+%s",
			    ctrl_names[c]);
	if (cg_read(dirfd, "cgroup.subtree_control", buf, sizeof(buf)) == -1)
		return (0);
	for (c = 0; c < CG__MAX; c++)
		if (word_in(buf, ctrl_names[c]))
			have |= 1U << c;
	return (have);
}

/* The controllers among ours that a cgroup offers to its children. */
static unsigned int
cg2_offered(const char *dir)
{
	_cleanup_close_ int	 fd = -1;
	char			 buf[512];
	unsigned int		 have = 0;
	int			 c;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    cg_read(fd, "cgroup.controllers", buf, sizeof(buf)) == -1)
		return (0);
	for (c = 0; c < CG__MAX; c++)
		if (word_in(buf, ctrl_names[c]))
			have |= 1U << c;
	return (have);
}

/*
 * Pure v2: find a base cgroup whose children get the controllers the
 * root offers. Our own cgroup if we are alone in it (systemd's Delegate=
 * gives us one): we move into its "supervisor" leaf, since a cgroup that
 * enables controllers for its children may not hold processes itself.
 * Else a "greywall" child of our cgroup or, failing that, of the root.
 */
static int
cg2_setup(const char *mnt, const char *own, unsigned int want)
{
	char	 dir[PATH_MAX], sup[PATH_MAX];
	int	 fd;

	if (cg_join(dir, sizeof(dir), mnt, own, NULL) == -1)
		return (-1);
	if (strcmp(own, "/") != 0 && cg_alone(dir)) {
		if (cg_join(sup, sizeof(sup), mnt, own, "supervisor") == -1 ||
		    (mkdir(sup, 0755) == -1 && errno != EEXIST))
			return (-1);
		if ((fd = open(sup, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			return (-1);
		if (cg_write(fd, "cgroup.procs", "%d", (int)getpid()) == -1) {
			close(fd);
			return (-1);
		}
		close(fd);
		if (cg_hier_open(&hier[0], dir) == -1)
			return (-1);
		if ((cg_ctrls = cg2_enable(hier[0].fd, want)) == want) {
			log_info("cgroups: v2, greywalld moved into %s", sup);
			return (0);
		}
		log_info("cgroups: v2, greywalld moved into %s, but %s does"
		    " not offer all of pids, memory and cpu", sup, dir);
		return (0);
	}
	if (cg_join(dir, sizeof(dir), mnt, own, "greywall") == -1 ||
	    cg_hier_open(&hier[0], dir) == -1)
		return (-1);
	if ((cg_ctrls = cg2_enable(hier[0].fd, cg2_offered(dir) & want)) ==
	    want || strcmp(own, "/") == 0)
		return (0);
	/* Our cgroup holds other processes, so it cannot offer them. */
	cg_hier_close(&hier[0]);
	if (cg_join(dir, sizeof(dir), mnt, "/", "greywall") == -1)
		return (-1);
	if ((fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		cg2_enable(fd, want);
		close(fd);
	}
	if (cg_hier_open(&hier[0], dir) == -1)
		return (-1);
	cg_ctrls = cg2_enable(hier[0].fd, cg2_offered(dir) & want);
	return (0);
}

static void
cg_warn_open(const char *what, const char *dir)
{
	int	saved_errno = errno;

	log_warn("cgroups: cannot use %s: %s", what, dir);
	/* Why mkdir in our own cgroup may fail though we are uid 0. */
	if (saved_errno == EACCES)
		log_warnx("cgroups: the root of a hierarchy is read-only"
		    " without CAP_DAC_OVERRIDE: start greywalld in a cgroup"
		    " of its own, as its systemd unit does");
}

/* Hybrid: a "greywall" base under our own cgroup in each hierarchy. */
static void
cg_hybrid_setup(const char *mnt, char v1[CG__MAX][PATH_MAX])
{
	char	 own[PATH_MAX], dir[PATH_MAX], what[64];
	int	 c;

	snprintf(dir, sizeof(dir), "%s", mnt);
	if (mnt[0] != '\0' && (cg_own_path(NULL, own, sizeof(own)) == -1 ||
	    cg_join(dir, sizeof(dir), mnt, own, "greywall") == -1 ||
	    cg_hier_open(&hier[0], dir) == -1)) {
		cg_warn_open("the unified hierarchy", dir);
		log_warnx("cgroups: teardown relies on the pid namespace"
		    " alone");
		hier[0].fd = -1;
	}
	for (c = 0; c < CG__MAX; c++) {
		if (v1[c][0] == '\0')
			continue;
		snprintf(dir, sizeof(dir), "%.*s", PATH_MAX - 1, v1[c]);
		if (cg_own_path(ctrl_names[c], own, sizeof(own)) == -1 ||
		    cg_join(dir, sizeof(dir), v1[c], own, "greywall") == -1 ||
		    cg_hier_open(&hier[1 + c], dir) == -1) {
			snprintf(what, sizeof(what), "the v1 %s controller",
			    ctrl_names[c]);
			cg_warn_open(what, dir);
			hier[1 + c].fd = -1;
			continue;
		}
		cg_ctrls |= 1U << c;
	}
}

/* Detect the layout once, make the base directories, say what we use. */
void
sandbox_cgroup_init(void)
{
	char		 mnt[PATH_MAX], own[PATH_MAX];
	char		 v1[CG__MAX][PATH_MAX];
	char		 list[64] = "";
	unsigned int	 want = 0;
	int		 c, i;

	for (i = 0; i < (int)nitems(hier); i++)
		hier[i].fd = -1;
	cg_find_mounts(mnt, v1);
	if (mnt[0] != '\0') {
		want = cg2_offered(mnt);
		if (want != 0) {
			cg_mode = CG_MODE_V2;
			if (cg_own_path(NULL, own, sizeof(own)) == -1 ||
			    cg2_setup(mnt, own, want) == -1) {
				log_warn("cgroups: cannot set up a cgroup v2"
				    " subtree under %s", mnt);
				cg_hier_close(&hier[0]);
				cg_mode = CG_MODE_NONE;
				cg_ctrls = 0;
			}
		}
	}
	if (cg_mode == CG_MODE_NONE && want == 0) {
		cg_hybrid_setup(mnt, v1);
		if (hier[0].fd >= 0 || cg_ctrls != 0)
			cg_mode = CG_MODE_HYBRID;
	}
	for (c = 0; c < CG__MAX; c++)
		if (cg_ctrls & (1U << c))
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), " %s", ctrl_names[c]);
	switch (cg_mode) {
	case CG_MODE_V2:
		log_info("cgroups: v2, sandboxes under %s, controllers:%s",
		    hier[0].path, list[0] != '\0' ? list : " none");
		break;
	case CG_MODE_HYBRID:
		log_info("cgroups: hybrid, sandboxes under %s (membership and"
		    " cgroup.kill), v1 controllers:%s", hier[0].fd >= 0 ?
		    hier[0].path : "(no unified hierarchy)",
		    list[0] != '\0' ? list : " none");
		for (c = 0; c < CG__MAX; c++)
			if (hier[1 + c].fd >= 0)
				log_debug("cgroups: v1 %s under %s",
				    ctrl_names[c], hier[1 + c].path);
		break;
	default:
		log_warnx("cgroups: none usable: sandboxes run without their"
		    " own cgroup and limits.pids, memory and cpu cannot be"
		    " enforced (sandboxes asking for them are refused)");
		break;
	}
	for (c = 0; c < CG__MAX; c++)
		if (!(cg_ctrls & (1U << c)))
			log_warnx("cgroups: no %s controller: sandboxes whose"
			    " policy sets limits.%s will be refused",
			    ctrl_names[c], c == CG_PIDS ? "pids" :
			    c == CG_MEMORY ? "memory" : "cpu");
}

/*
 * For gwctl status: "v2", "hybrid" or NULL (none usable), and in buf the
 * controllers used for limits.
 */
const char *
sandbox_cgroup_mode(char *buf, size_t len)
{
	int	c;

	buf[0] = '\0';
	for (c = 0; c < CG__MAX; c++)
		if (cg_ctrls & (1U << c))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? " " : "", ctrl_names[c]);
	switch (cg_mode) {
	case CG_MODE_V2:
		return ("v2");
	case CG_MODE_HYBRID:
		return ("hybrid");
	default:
		return (NULL);
	}
}

/* The directory of a sandbox cgroup that holds controller c's files. */
static int
cg_ctrl_fd(const struct sandbox_cgroup *cg, int c)
{
	if (!(cg_ctrls & (1U << c)))
		return (-1);
	return (cg_mode == CG_MODE_V2 ? cg->fd[0] : cg->fd[1 + c]);
}

/*
 * Try the busy removals again. Returns whether some are still busy;
 * after RMDIR_TRIES attempts one is given up with a warning.
 */
static int
pending_retry(void)
{
	struct cg_pending	*p, *next;

	for (p = TAILQ_FIRST(&pending); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (unlinkat(hier[p->hier].fd, p->name, AT_REMOVEDIR) == -1 &&
		    errno == EBUSY && ++p->tries < RMDIR_TRIES)
			continue;
		if (p->tries >= RMDIR_TRIES)
			log_warnx("cgroups: %s/%s is still busy, leaving it",
			    hier[p->hier].path, p->name);
		TAILQ_REMOVE(&pending, p, entry);
		free(p);
	}
	return (!TAILQ_EMPTY(&pending));
}

static void
pending_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	struct timeval	tv = { 0, RMDIR_RETRY_MS * 1000 };

	if (pending_retry())
		evtimer_add(ev_pending, &tv);
}

/*
 * Remove a sandbox cgroup. Its last tasks may still be on their way out
 * of it for a moment after init was reaped (EBUSY): try again later.
 */
static void
cg_remove(int h, const char *name)
{
	struct cg_pending	*p;
	struct timeval		 tv = { 0, RMDIR_RETRY_MS * 1000 };

	if (unlinkat(hier[h].fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return;
	if (errno != EBUSY) {
		log_warn("cgroups: rmdir %s/%s", hier[h].path, name);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("cgroups: %s/%s busy", hier[h].path, name);
		return;
	}
	p->hier = h;
	snprintf(p->name, sizeof(p->name), "%s", name);
	TAILQ_INSERT_TAIL(&pending, p, entry);
	if (ev_pending == NULL &&
	    (ev_pending = evtimer_new(gw_base, pending_cb, NULL)) == NULL)
		return;
	if (!evtimer_pending(ev_pending, NULL))
		evtimer_add(ev_pending, &tv);
}

static int
cg_limit_fail(char *err, size_t errlen, const char *key, const char *val,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
cg_limit_fail(char *err, size_t errlen, const char *key, const char *val,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(err, errlen, "%s (%s): ", key, val);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* Write the policy's limits into the new cgroup; err says what failed. */
static int
cg_limits(const struct sandbox_cgroup *cg, const struct policy *pol,
    char *err, size_t errlen)
{
	const struct policy_value	*v;
	uint64_t			 x;
	int				 fd, r;

	if (pol->e[PK_LIMITS_PIDS].set) {
		v = &pol->e[PK_LIMITS_PIDS].one;
		if ((fd = cg_ctrl_fd(cg, CG_PIDS)) == -1)
			return (cg_limit_fail(err, errlen, "limits.pids",
			    v->str, "this machine offers greywalld no pids"
			    " cgroup controller; refusing to run without the"
			    " limit"));
		if (cg_write(fd, "pids.max", "%llu",
		    (unsigned long long)v->num) == -1)
			return (cg_limit_fail(err, errlen, "limits.pids",
			    v->str, "cannot write pids.max: %s",
			    strerror(errno)));
	}
	if (pol->e[PK_LIMITS_MEMORY].set) {
		v = &pol->e[PK_LIMITS_MEMORY].one;
		if ((fd = cg_ctrl_fd(cg, CG_MEMORY)) == -1)
			return (cg_limit_fail(err, errlen, "limits.memory",
			    v->str, "this machine offers greywalld no memory"
			    " cgroup controller; refusing to run without the"
			    " limit"));
		x = v->num;
		if (cg_mode == CG_MODE_V2) {
			if (cg_write(fd, "memory.max", "%llu",
			    (unsigned long long)x) == -1)
				return (cg_limit_fail(err, errlen,
				    "limits.memory", v->str, "cannot write"
				    " memory.max: %s", strerror(errno)));
			/* Swapping out would get around the limit. */
			if (cg_write(fd, "memory.swap.max", "0") == -1 &&
			    errno != ENOENT)
				return (cg_limit_fail(err, errlen,
				    "limits.memory", v->str, "cannot write"
				    " memory.swap.max: %s", strerror(errno)));
		} else {
			if (cg_write(fd, "memory.limit_in_bytes", "%llu",
			    (unsigned long long)x) == -1)
				return (cg_limit_fail(err, errlen,
				    "limits.memory", v->str, "cannot write"
				    " memory.limit_in_bytes: %s",
				    strerror(errno)));
			/* Memory plus swap, where swap is accounted. */
			if (cg_write(fd, "memory.memsw.limit_in_bytes", "%llu",
			    (unsigned long long)x) == -1 && errno != ENOENT)
				return (cg_limit_fail(err, errlen,
				    "limits.memory", v->str, "cannot write"
				    " memory.memsw.limit_in_bytes: %s",
				    strerror(errno)));
		}
	}
	if (pol->e[PK_LIMITS_CPU].set) {
		v = &pol->e[PK_LIMITS_CPU].one;
		if ((fd = cg_ctrl_fd(cg, CG_CPU)) == -1)
			return (cg_limit_fail(err, errlen, "limits.cpu",
			    v->str, "this machine offers greywalld no cpu"
			    " cgroup controller; refusing to run without the"
			    " limit"));
		x = v->num & ~POLICY_CPU_WEIGHT;
		if (v->num & POLICY_CPU_WEIGHT) {
			/* v1 shares: 1024 is the default, as weight 100. */
			if (cg_mode == CG_MODE_V2)
				r = cg_write(fd, "cpu.weight", "%llu",
				    (unsigned long long)x);
			else
				r = cg_write(fd, "cpu.shares", "%llu",
				    (unsigned long long)(x * 1024 / 100 < 2 ?
				    2 : x * 1024 / 100));
		} else if (cg_mode == CG_MODE_V2)
			r = cg_write(fd, "cpu.max", "%llu %u",
			    (unsigned long long)x * CPU_PERIOD_US / 100,
			    CPU_PERIOD_US);
		else
			r = cg_write(fd, "cpu.cfs_period_us", "%u",
			    CPU_PERIOD_US) == -1 ? -1 :
			    cg_write(fd, "cpu.cfs_quota_us", "%llu",
			    (unsigned long long)x * CPU_PERIOD_US / 100);
		if (r == -1)
			return (cg_limit_fail(err, errlen, "limits.cpu",
			    v->str, "cannot set it: %s", strerror(errno)));
	}
	return (0);
}

/*
 * Make the sandbox's cgroups and write its limits, before it is cloned.
 * On failure nothing is left behind and err has a message for the user.
 */
int
sandbox_cgroup_create(struct sandbox_cgroup *cg, uint32_t id,
    const struct policy *pol, char *err, size_t errlen)
{
	int	h;

	memset(cg, 0, sizeof(*cg));
	for (h = 0; h < (int)nitems(cg->fd); h++)
		cg->fd[h] = -1;
	/* Named after the daemon too: another greywalld may share a base. */
	snprintf(cg->name, sizeof(cg->name), "sandbox-%d-%u", (int)getpid(),
	    id);
	for (h = 0; h < (int)nitems(hier); h++) {
		if (hier[h].fd < 0)
			continue;
		if (mkdirat(hier[h].fd, cg->name, 0755) == -1 ||
		    (cg->fd[h] = openat(hier[h].fd, cg->name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "cannot create the cgroup"
			    " %s/%s: %s", hier[h].path, cg->name,
			    strerror(errno));
			log_warnx("sandbox %u: %s", id, err);
			goto fail;
		}
	}
	if (cg_limits(cg, pol, err, errlen) == -1) {
		log_warnx("sandbox %u: %s", id, err);
		goto fail;
	}
	return (0);
fail:
	sandbox_cgroup_destroy(cg);
	return (-1);
}

/*
 * Whether init must wait to be placed: v1 cgroups can only be entered by
 * writing the pid, after clone.
 */
int
sandbox_cgroup_hold(const struct sandbox_cgroup *cg)
{
	int	c;

	for (c = 0; c < CG__MAX; c++)
		if (cg->fd[1 + c] >= 0)
			return (1);
	return (0);
}

/*
 * Kill everything in the sandbox at once. cgroup.kill reaches processes
 * whatever they did to their session or parent; the caller also kills
 * init, whose death takes down the pid namespace where cgroup.kill is
 * missing (Linux before 5.14).
 */
void
sandbox_cgroup_kill(const struct sandbox_cgroup *cg)
{
	if (cg->fd[0] < 0)
		return;
	if (cg_write(cg->fd[0], "cgroup.kill", "1") == -1 && errno != ENOENT)
		log_warn("cgroups: %s/%s/cgroup.kill", hier[0].path,
		    cg->name);
}

/* Memory in bytes and number of tasks, UINT64_MAX/UINT32_MAX if unknown. */
void
sandbox_cgroup_stats(const struct sandbox_cgroup *cg, uint64_t *mem,
    uint32_t *pids)
{
	char		 buf[4096], *p;
	uint64_t	 x;
	uint32_t	 n = 0;
	int		 fd;

	*mem = UINT64_MAX;
	*pids = UINT32_MAX;
	if ((fd = cg_ctrl_fd(cg, CG_MEMORY)) >= 0 &&
	    cg_read_u64(fd, cg_mode == CG_MODE_V2 ? "memory.current" :
	    "memory.usage_in_bytes", &x) == 0)
		*mem = x;
	if ((fd = cg_ctrl_fd(cg, CG_PIDS)) >= 0 &&
	    cg_read_u64(fd, "pids.current", &x) == 0)
		*pids = x > UINT32_MAX - 1 ? UINT32_MAX - 1 : x;
	else if (cg->fd[0] >= 0 &&
	    cg_read(cg->fd[0], "cgroup.threads", buf, sizeof(buf)) == 0 &&
	    strlen(buf) < sizeof(buf) - 1) {
		/* No pids controller: count what the unified cgroup has. */
		for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
			n++;
		*pids = n;
	}
}

/* Whether the kernel's OOM killer has killed anything in the sandbox. */
int
sandbox_cgroup_oom_killed(const struct sandbox_cgroup *cg)
{
	uint64_t	n;
	int		fd;

	if ((fd = cg_ctrl_fd(cg, CG_MEMORY)) == -1)
		return (0);
	if (cg_read_key(fd, cg_mode == CG_MODE_V2 ? "memory.events" :
	    "memory.oom_control", "oom_kill", &n) == -1)
		return (0);
	return (n > 0);
}

/* Kill what is left, close and remove the sandbox's cgroups. */
void
sandbox_cgroup_destroy(struct sandbox_cgroup *cg)
{
	int	h;

	if (cg->name[0] == '\0')
		return;
	sandbox_cgroup_kill(cg);
	for (h = 0; h < (int)nitems(cg->fd); h++) {
		if (cg->fd[h] < 0)
			continue;
		close(cg->fd[h]);
		cg->fd[h] = -1;
		cg_remove(h, cg->name);
	}
	cg->name[0] = '\0';
}

/* At exit, after every sandbox is gone: remove what we made. */
void
sandbox_cgroup_shutdown(void)
{
	int	i;

	while (pending_retry())
		usleep(RMDIR_RETRY_MS * 1000);
	if (ev_pending != NULL)
		event_free(ev_pending);
	ev_pending = NULL;
	for (i = 0; i < (int)nitems(hier); i++)
		cg_hier_close(&hier[i]);
}
