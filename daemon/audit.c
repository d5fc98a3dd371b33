/*
 * Filesystem and system call events from the kernel's audit records.
 *
 * greywalld joins the audit netlink socket's read-only multicast group
 * (AUDIT_NLGRP_READLOG, CAP_AUDIT_READ), which receives a copy of every
 * record the kernel emits, whether or not an audit daemon runs, but
 * only while kernel audit is enabled. Two kinds matter here:
 *
 *  - Landlock denials (ABI 7): a LANDLOCK_ACCESS record (domain, what
 *    was blocked, the path), LANDLOCK_DOMAIN once per domain on its
 *    first denial (it names the pid that created the domain: a
 *    sandbox's init), and the SYSCALL record of the same event, with the
 *    denied process's pid and command name. The records of one event
 *    share a serial number and are joined here.
 *  - seccomp denials: the sandbox filter is loaded with
 *    SECCOMP_FILTER_FLAG_LOG, so each EPERM it returns is a SECCOMP
 *    record (if kernel.seccomp.actions_logged lists errno).
 *
 * A record is matched to its sandbox by the Landlock domain, else by
 * the audit session (each sandbox's init sets its loginuid, which gives
 * everything in it a session of its own), else by the cgroup of the pid
 * it names. Every other record of the host is dropped unread.
 *
 * Kernel audit is left as it is found (--audit auto), unless the
 * administrator asks greywalld to enable it (--audit enable): then it is
 * enabled at start if it is off and no audit daemon owns it, and
 * disabled again at exit if it is still greywalld's.
 *
 * Bounded: one read callback handles at most AUDIT_READ_BURST records;
 * what the kernel could not queue for us (ENOBUFS) is counted as lost;
 * at most PEND_MAX Landlock events wait for their SYSCALL record.
 */

#include <sys/types.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <seccomp.h>

#include "greywalld.h"

/* Newer than Debian 12's <linux/audit.h>. */
#ifndef AUDIT_LANDLOCK_ACCESS
#define AUDIT_LANDLOCK_ACCESS	1423
#endif
#ifndef AUDIT_LANDLOCK_DOMAIN
#define AUDIT_LANDLOCK_DOMAIN	1424
#endif

#define AUDIT_READ_BURST	256
#define AUDIT_RCVBUF		(4 * 1024 * 1024)
#define AUDIT_TEXT_MAX		8970	/* MAX_AUDIT_MESSAGE_LENGTH */
#define PEND_MAX		64
#define PEND_MS			200
#define SES_UNSET		4294967295U

/* A Landlock denial waiting for its SYSCALL record. */
struct pending {
	int		 used;
	uint64_t	 serial;
	uint64_t	 domain;
	struct timespec	 since;
	char		 blockers[128];
	char		 target[GW_EVENT_STR_MAX];
};

static struct {
	int		 mode;		/* enum audit_mode */
	int		 fd;		/* the multicast group, or -1 */
	struct event	*ev;
	struct event	*timer;
	int		 enabled_by_us;
	uint32_t	 own_ses;
	uint64_t	 records, lost, unattributed, events;
	char		 why[160];	/* why nothing is read */
} au = { .fd = -1 };

static struct pending	pend[PEND_MAX];
static char		text[AUDIT_TEXT_MAX + 1];

/*
 * One request to the kernel's audit (AUDIT_GET, or AUDIT_SET with st),
 * answered with its status in st. Needs CAP_AUDIT_CONTROL. Returns 0,
 * or -1 with errno.
 */
static int
audit_request(uint16_t type, struct audit_status *st)
{
	_cleanup_close_ int	 fd = -1;
	struct {
		struct nlmsghdr		h;
		struct audit_status	s;
	}			 req;
	struct timeval		 tv = { 1, 0 };
	struct nlmsghdr		*h;
	struct nlmsgerr		 e;
	char			 buf[8192];
	ssize_t			 n;
	int			 acked = 0, got = type != AUDIT_GET;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd == -1)
		return (-1);
	/* The kernel answers at once; never wait long in the event loop. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return (-1);
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(type == AUDIT_GET ? 0 : sizeof(*st));
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	if (type != AUDIT_GET)
		req.s = *st;
	if (send(fd, &req, req.h.nlmsg_len, 0) == -1)
		return (-1);
	while (!acked || !got) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1)
			return (-1);
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e)))
					goto bad;
				memcpy(&e, NLMSG_DATA(h), sizeof(e));
				if (e.error != 0) {
					errno = -e.error;
					return (-1);
				}
				acked = 1;
			} else if (h->nlmsg_type == AUDIT_GET) {
				/* Older kernels send a shorter status. */
				memset(st, 0, sizeof(*st));
				memcpy(st, NLMSG_DATA(h), MIN(sizeof(*st),
				    h->nlmsg_len - NLMSG_HDRLEN));
				got = 1;
			}
		}
	}
	return (0);
bad:
	errno = EPROTO;
	return (-1);
}

static int
audit_set_enabled(uint32_t on)
{
	struct audit_status	st;

	memset(&st, 0, sizeof(st));
	st.mask = AUDIT_STATUS_ENABLED;
	st.enabled = on;
	return (audit_request(AUDIT_SET, &st));
}

/* The audit session of this process, or SES_UNSET. */
static uint32_t
session_of(pid_t pid)
{
	_cleanup_close_ int	 fd = -1;
	char			 path[64], buf[16], *end;
	unsigned long		 v;
	ssize_t			 n;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/sessionid");
	else
		snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return (SES_UNSET);
	buf[n] = '\0';
	v = strtoul(buf, &end, 10);
	if (end == buf || v > SES_UNSET)
		return (SES_UNSET);
	return (v);
}

/*
 * The session of sandbox sb: learned from its init the first time it is
 * needed, once init has one of its own (not greywalld's).
 */
static uint32_t
sandbox_session(struct sandbox *sb)
{
	uint32_t	ses;

	if (sb->ev.audit_ses != 0)
		return (sb->ev.audit_ses);
	ses = session_of(sb->pid);
	if (ses == SES_UNSET || ses == au.own_ses)
		return (SES_UNSET);
	sb->ev.audit_ses = ses;
	return (ses);
}

/* The sandbox whose cgroup holds pid, from the host's /proc. */
static struct sandbox *
sandbox_by_cgroup(pid_t pid)
{
	_cleanup_close_ int	 fd = -1;
	struct sandbox		*sb;
	char			 path[64], buf[4096], *line, *p;
	size_t			 l;
	ssize_t			 n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return (NULL);
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = p) {
		if ((p = strchr(line, '\n')) != NULL)
			*p++ = '\0';
		if (strncmp(line, "0::", 3) != 0)
			continue;
		TAILQ_FOREACH(sb, &sandboxes, entry) {
			if ((l = strlen(sb->cg.name)) == 0)
				continue;
			/* A path component, at any depth below it. */
			for (p = line + 3; (p = strstr(p, sb->cg.name)) !=
			    NULL; p += l)
				if (p[-1] == '/' && (p[l] == '/' ||
				    p[l] == '\0'))
					return (sb);
		}
		break;
	}
	return (NULL);
}

/* Which sandbox a record is about; NULL if none of greywalld's. */
static struct sandbox *
audit_sandbox(uint64_t domain, uint64_t ses, pid_t pid)
{
	struct sandbox	*sb;

	if (domain != 0)
		TAILQ_FOREACH(sb, &sandboxes, entry)
			if (sb->ev.ll_domain == domain)
				return (sb);
	if (ses != SES_UNSET && ses != au.own_ses)
		TAILQ_FOREACH(sb, &sandboxes, entry)
			if (sandbox_session(sb) == ses)
				return (sb);
	if (pid > 0)
		return (sandbox_by_cgroup(pid));
	return (NULL);
}

/* A Landlock domain's first denial names the pid that made it. */
static void
ll_domain(const char *f)
{
	struct sandbox	*sb;
	char		 status[32];
	uint64_t	 domain, pid;

	if (audit_field(f, "status", status, sizeof(status)) == -1 ||
	    strcmp(status, "allocated") != 0 ||
	    audit_field_num(f, "domain", 16, &domain) == -1 ||
	    audit_field_num(f, "pid", 10, &pid) == -1)
		return;
	TAILQ_FOREACH(sb, &sandboxes, entry)
		if ((uint64_t)sb->pid == pid) {
			sb->ev.ll_domain = domain;
			return;
		}
}

static void
pend_emit(struct pending *p, const char *sysf)
{
	const struct event_rule	*rule = NULL;
	struct sandbox		*sb;
	uint64_t		 pid = 0, ses = SES_UNSET;
	char			 comm[64] = "", note[160];

	p->used = 0;
	if (sysf != NULL) {
		audit_field_num(sysf, "pid", 10, &pid);
		audit_field_num(sysf, "ses", 10, &ses);
		if (audit_field_str(sysf, "comm", comm, sizeof(comm)) == -1)
			comm[0] = '\0';
	}
	if (pid > INT32_MAX)
		pid = 0;
	if ((sb = audit_sandbox(p->domain, ses, pid)) == NULL) {
		au.unattributed++;
		return;
	}
	/*
	 * Init denied while making a call for the command (the protected
	 * paths' supervisor, sandbox-protect-supervise.c): name the command.
	 */
	if ((pid_t)pid == sb->pid) {
		pid = 0;
		comm[0] = '\0';
	}
	if (p->target[0] == '/')
		rule = events_rule_path(sb, p->target);
	snprintf(note, sizeof(note), "Landlock: %s", p->blockers);
	au.events++;
	events_emit(sb, &(struct event_spec){ .kind = GW_EV_FS,
	    .pid = (pid_t)pid, .comm = comm,
	    .action = audit_ll_action(p->blockers), .target = p->target,
	    .rule = rule, .note = note });
}

static struct pending *
pend_find(uint64_t serial)
{
	size_t	i;

	for (i = 0; i < PEND_MAX; i++)
		if (pend[i].used && pend[i].serial == serial)
			return (&pend[i]);
	return (NULL);
}

static void
pend_timer_arm(void)
{
	struct timeval	tv = { 0, PEND_MS * 1000 };

	if (au.timer != NULL && !evtimer_pending(au.timer, NULL))
		evtimer_add(au.timer, &tv);
}

/* What a Landlock record blocked: a path, a signal's target, a port. */
static void
ll_target(const char *f, char *buf, size_t len)
{
	char		 s[GW_EVENT_STR_MAX];
	uint64_t	 v;

	if (audit_field_str(f, "path", s, sizeof(s)) == 0 ||
	    audit_field_str(f, "name", s, sizeof(s)) == 0)
		snprintf(buf, len, "%s", s);
	else if (audit_field_num(f, "opid", 10, &v) == 0) {
		if (audit_field_str(f, "ocomm", s, 64) == -1)
			snprintf(s, sizeof(s), "?");
		snprintf(buf, len, "pid %llu (%.64s)", (unsigned long long)v,
		    s);
	} else if (audit_field_num(f, "dest", 10, &v) == 0)
		snprintf(buf, len, "port %llu", (unsigned long long)v);
	else
		snprintf(buf, len, "?");
}

static void
ll_access(uint64_t serial, const char *f)
{
	struct pending	*p = NULL, *oldest = NULL;
	size_t		 i;

	/* One event per call: a rename's second path adds nothing new. */
	if (pend_find(serial) != NULL)
		return;
	for (i = 0; i < PEND_MAX && p == NULL; i++) {
		if (!pend[i].used)
			p = &pend[i];
		else if (oldest == NULL || pend[i].serial < oldest->serial)
			oldest = &pend[i];
	}
	if (p == NULL) {
		pend_emit(oldest, NULL);
		p = oldest;
	}
	memset(p, 0, sizeof(*p));
	if (audit_field_num(f, "domain", 16, &p->domain) == -1 ||
	    audit_field(f, "blockers", p->blockers,
	    sizeof(p->blockers)) == -1)
		return;
	ll_target(f, p->target, sizeof(p->target));
	p->serial = serial;
	clock_gettime(CLOCK_MONOTONIC, &p->since);
	p->used = 1;
	pend_timer_arm();
}

/* Landlock events whose SYSCALL record never came (kernel threads). */
static void
pend_timer_cb(int fd __unused, short ev __unused, void *arg __unused)
{
	struct timespec	now;
	size_t		i;
	int		left = 0;
	int64_t		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < PEND_MAX; i++) {
		if (!pend[i].used)
			continue;
		ms = (now.tv_sec - pend[i].since.tv_sec) * 1000 +
		    (now.tv_nsec - pend[i].since.tv_nsec) / 1000000;
		if (ms >= PEND_MS)
			pend_emit(&pend[i], NULL);
		else
			left = 1;
	}
	if (left)
		pend_timer_arm();
}

/* A SECCOMP record: a call the sandbox filter denied, or a kill. */
static void
seccomp_record(const char *f)
{
	struct sandbox	*sb;
	uint64_t	 pid = 0, ses = SES_UNSET, arch, nr, code;
	char		 comm[64] = "", note[96], num[32];
	char		*name;
	uint32_t	 action;

	if (audit_field_num(f, "arch", 16, &arch) == -1 ||
	    audit_field_num(f, "syscall", 10, &nr) == -1 ||
	    audit_field_num(f, "code", 16, &code) == -1)
		return;
	audit_field_num(f, "pid", 10, &pid);
	audit_field_num(f, "ses", 10, &ses);
	if (audit_field_str(f, "comm", comm, sizeof(comm)) == -1)
		comm[0] = '\0';
	if (pid > INT32_MAX)
		pid = 0;
	if ((sb = audit_sandbox(0, ses, pid)) == NULL) {
		au.unattributed++;
		return;
	}
	action = code & SECCOMP_RET_ACTION_FULL;
	/*
	 * The record has the action, not its errno: every errno the
	 * logged filter returns is EPERM (sandbox-seccomp.c).
	 */
	if (action == SECCOMP_RET_ERRNO) {
		snprintf(note, sizeof(note), "EPERM");
	} else if (action == SECCOMP_RET_KILL_PROCESS ||
	    action == SECCOMP_RET_KILL_THREAD)
		snprintf(note, sizeof(note), "killed%s", arch !=
		    (uint64_t)seccomp_arch_native() ? " (a foreign ABI)" : "");
	else
		snprintf(note, sizeof(note), "action 0x%llx",
		    (unsigned long long)action);
	name = seccomp_syscall_resolve_num_arch(arch, nr);
	snprintf(num, sizeof(num), "syscall %llu", (unsigned long long)nr);
	au.events++;
	events_emit(sb, &(struct event_spec){ .kind = GW_EV_SYSCALL,
	    .pid = (pid_t)pid, .comm = comm, .action = "call",
	    .target = name != NULL ? name : num,
	    .rule = events_rule_find(sb, PK_HARDENING_SECCOMP, NULL),
	    .note = note });
	free(name);
}

static void
audit_record(uint16_t type, const char *msg)
{
	struct pending	*p;
	const char	*f;
	uint64_t	 serial;

	switch (type) {
	case AUDIT_LANDLOCK_ACCESS:
	case AUDIT_LANDLOCK_DOMAIN:
	case AUDIT_SECCOMP:
		break;
	case AUDIT_SYSCALL:
	case AUDIT_EOE:
		/* Only those that close a waiting Landlock event. */
		for (p = pend; p < pend + PEND_MAX; p++)
			if (p->used)
				break;
		if (p == pend + PEND_MAX)
			return;
		break;
	default:
		return;
	}
	if (audit_header(msg, &serial, &f) == -1)
		return;
	au.records++;
	switch (type) {
	case AUDIT_LANDLOCK_DOMAIN:
		ll_domain(f);
		break;
	case AUDIT_LANDLOCK_ACCESS:
		ll_access(serial, f);
		break;
	case AUDIT_SYSCALL:
	case AUDIT_EOE:
		if ((p = pend_find(serial)) != NULL)
			pend_emit(p, type == AUDIT_SYSCALL ? f : NULL);
		break;
	case AUDIT_SECCOMP:
		seccomp_record(f);
		break;
	}
}

static void
audit_read(int fd, int max)
{
	static char		 buf[NLMSG_HDRLEN + AUDIT_TEXT_MAX + 64];
	static time_t		 warned;
	struct nlmsghdr		 h;
	size_t			 len;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < max; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1) {
			if (errno == ENOBUFS) {
				/* The kernel dropped some for us: go on. */
				au.lost++;
				if (time(NULL) - warned >= 60) {
					warned = time(NULL);
					log_warnx("audit: records lost (read"
					    " too slowly); events are"
					    " missing");
				}
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("audit: read");
			return;
		}
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		/*
		 * One record per message; its text runs to the end of
		 * the datagram (audit's nlmsg_len is not to be trusted).
		 */
		memcpy(&h, buf, sizeof(h));
		len = MIN((size_t)n - NLMSG_HDRLEN, AUDIT_TEXT_MAX);
		memcpy(text, buf + NLMSG_HDRLEN, len);
		text[len] = '\0';
		audit_record(h.nlmsg_type, text);
	}
}

static void
audit_read_cb(int fd, short ev __unused, void *arg __unused)
{
	audit_read(fd, AUDIT_READ_BURST);
}

/*
 * Sandbox sb has ended: take in what the kernel has sent about it, so
 * that its last denials still reach its gw, and emit its Landlock events
 * that wait for a record that may come too late.
 */
void
audit_sandbox_end(struct sandbox *sb)
{
	size_t	i;

	if (au.fd == -1)
		return;
	audit_read(au.fd, AUDIT_READ_BURST * 16);
	for (i = 0; i < PEND_MAX; i++)
		if (pend[i].used && pend[i].domain != 0 &&
		    pend[i].domain == sb->ev.ll_domain)
			pend_emit(&pend[i], NULL);
}

/*
 * Start reading audit records as mode says. Never fatal: without them
 * there are no filesystem or system call events, and status says why.
 */
void
audit_init(int mode)
{
	struct sockaddr_nl	 sa;
	struct audit_status	 st;
	int			 fd, size = AUDIT_RCVBUF;

	au.mode = mode;
	au.own_ses = session_of(0);
	if (mode == AUDIT_MODE_OFF) {
		snprintf(au.why, sizeof(au.why), "turned off (greywalld"
		    " --audit off)");
		return;
	}
	if (audit_request(AUDIT_GET, &st) == -1) {
		log_warn("audit: cannot read the kernel's audit status");
		memset(&st, 0, sizeof(st));
	} else if (mode == AUDIT_MODE_ENABLE && st.enabled == 0 &&
	    st.pid == 0) {
		if (audit_set_enabled(1) == -1)
			log_warn("audit: cannot enable kernel audit");
		else {
			au.enabled_by_us = st.enabled = 1;
			log_info("audit: kernel audit enabled (--audit"
			    " enable); it is disabled again at exit");
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_AUDIT);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(au.why, sizeof(au.why), "cannot join the audit"
		    " multicast group: %s", strerror(errno));
		log_warnx("audit: %s; no filesystem or system call events",
		    au.why);
		if (fd != -1)
			close(fd);
		return;
	}
	/* Room for bursts; NET_ADMIN lets it pass net.core.rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	au.ev = event_new(gw_base, fd, EV_READ | EV_PERSIST, audit_read_cb,
	    NULL);
	au.timer = evtimer_new(gw_base, pend_timer_cb, NULL);
	if (au.ev == NULL || au.timer == NULL || event_add(au.ev,
	    NULL) == -1) {
		snprintf(au.why, sizeof(au.why), "cannot watch the audit"
		    " socket");
		log_warnx("audit: %s", au.why);
		close(fd);
		return;
	}
	au.fd = fd;
	log_info("audit: reading kernel audit records (kernel audit %s%s)",
	    st.enabled ? "enabled" : "disabled: no events until it is"
	    " enabled", st.pid != 0 ? ", an audit daemon runs" : "");
}

/* Put kernel audit back as greywalld found it, if it is still ours. */
void
audit_shutdown(void)
{
	struct audit_status	st;

	if (au.ev != NULL)
		event_free(au.ev);
	if (au.timer != NULL)
		event_free(au.timer);
	au.ev = au.timer = NULL;
	if (au.fd != -1)
		close(au.fd);
	au.fd = -1;
	if (!au.enabled_by_us)
		return;
	if (audit_request(AUDIT_GET, &st) == -1) {
		log_warn("audit: cannot read the kernel's audit status");
		return;
	}
	if (st.enabled != 1 || st.pid != 0) {
		log_info("audit: kernel audit is no longer greywalld's to"
		    " disable; left as it is");
		return;
	}
	if (audit_set_enabled(0) == -1)
		log_warn("audit: cannot disable kernel audit again");
	else
		log_info("audit: kernel audit disabled again");
}

/* For gwctl status and gw doctor. */
void
audit_info(struct audit_info *ai)
{
	struct audit_status	st;

	memset(ai, 0, sizeof(*ai));
	ai->mode = au.mode;
	ai->reading = au.fd != -1;
	ai->enabled_by_us = au.enabled_by_us;
	ai->records = au.records;
	ai->lost = au.lost;
	ai->unattributed = au.unattributed;
	ai->events = au.events;
	ai->why = au.why;
	ai->enabled = -1;
	if (audit_request(AUDIT_GET, &st) == 0) {
		ai->enabled = st.enabled;
		ai->auditd = st.pid;
		ai->kernel_lost = st.lost;
	}
}
