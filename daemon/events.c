/*
 * Violation events: what a sandbox was denied and which rule denied it.
 * Every source (the netstack helper, kernel audit records, the command
 * guard) ends in events_emit(), which numbers the event, hands it to the
 * subscribers (control.c queues it, bounded per subscriber) and writes a
 * journal record, rate-limited per sandbox.
 *
 * The rules an event can name are copied out of the effective policy
 * when the sandbox starts, so a policy reload cannot leave an event
 * pointing at freed memory, and events name what the sandbox ran under.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "greywalld.h"

/* The journal catalog entries (systemd/greywall.catalog). */
#define MSGID_EVENT		"473785438bcc4240ab2e134ca3b6c722"
#define MSGID_SUPPRESSED	"f11cd549717a45e68b076b9162417285"

/* At most this many journal records per sandbox per window. */
#define JOURNAL_BURST		50
#define JOURNAL_WINDOW		10	/* seconds */


/* The keys an event can name, and only those, are kept per sandbox. */
/* control.c's: every subscriber's queue (set by events_sink). */
static void	(*sink_event)(struct sandbox *, const struct gw_event *,
		    const char *const *);
static void	(*sink_dropped)(struct sandbox *, uint32_t);

void
events_sink(void (*ev)(struct sandbox *, const struct gw_event *,
    const char *const *), void (*dropped)(struct sandbox *, uint32_t))
{
	sink_event = ev;
	sink_dropped = dropped;
}

/* n of the sandbox's events were lost before they reached greywalld. */
void
events_dropped(struct sandbox *sb, uint32_t n)
{
	if (sink_dropped != NULL)
		sink_dropped(sb, n);
}

static const int rule_keys[] = {
	PK_NET_UPSTREAM, PK_NET_UPSTREAM_SOCKS5, PK_NET_DOMAINS_DENY,
	PK_NET_HOST_LOOPBACK_PORTS, PK_FS_DENY_READ, PK_FS_DENY_WRITE,
	PK_FS_READ, PK_FS_MASK, PK_FS_PROTECTED,
	PK_HARDENING_SECCOMP, PK_COMMAND_DENY, PK_COMMAND_ALLOW,
};

/* Events from the sandbox's init, per sandbox and second, at most. */
#define INIT_EVENTS_RATE	500

const char *
events_kind_name(uint32_t kind)
{
	return (gw_event_kindname(kind));
}

static const char *
base_name(const char *path)
{
	const char	*slash;

	if (path[0] == '(')
		return (path);
	if ((slash = strrchr(path, '/')) != NULL && slash[1] != '\0')
		return (slash + 1);
	return (path);
}

static int
rule_add(struct sandbox_events *e, int key, const char *value,
    const char *file)
{
	struct event_rule	*r;

	r = reallocarray(e->rules, e->nrules + 1, sizeof(*r));
	if (r == NULL)
		return (-1);
	e->rules = r;
	r = &e->rules[e->nrules];
	r->key = key;
	r->value = strdup(value);
	r->file = strdup(base_name(file));
	if (r->value == NULL || r->file == NULL) {
		free(r->value);
		free(r->file);
		return (-1);
	}
	e->nrules++;
	return (0);
}

/* Add file to the space-separated list unless it is there already. */
static int
files_add(struct sandbox_events *e, const char *file)
{
	const char	*b = base_name(file), *p;
	size_t		 len = strlen(b), old;
	char		*n;

	if (b[0] == '(')
		return (0);
	for (p = e->files; p != NULL && (p = strstr(p, b)) != NULL; p++)
		if ((p == e->files || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return (0);
	old = e->files != NULL ? strlen(e->files) : 0;
	if ((n = realloc(e->files, old + len + 2)) == NULL)
		return (-1);
	if (old > 0)
		n[old++] = ' ';
	memcpy(n + old, b, len + 1);
	e->files = n;
	return (0);
}

/*
 * Copy what events of this sandbox need: the command name, the policy
 * files that shaped its policy, and the rules events can name. dr and dw
 * are deny_read and deny_write expanded (NULL-terminated, in the order
 * of the policy's lists), so a denied path can be matched to its entry;
 * rd is filesystem.read, expanded the same way.
 */
int
events_sandbox_init(struct sandbox *sb, const struct policy *pol,
    const char *home, char *const *argv, char *const *rd, char *const *dr,
    char *const *dw)
{
	struct sandbox_events		*e = &sb->ev;
	const struct policy_entry	*pe;
	const char			*v;
	size_t				 i, k;
	int				 key;

	if ((e->comm = strdup(base_name(argv[0]))) == NULL ||
	    (e->home = strdup(home)) == NULL)
		return (-1);
	str_sanitize(e->comm);
	for (k = 0; k < PK__MAX; k++) {
		pe = &pol->e[k];
		if (!pe->set)
			continue;
		if (!policy_keys[k].list) {
			if (files_add(e, pe->one.src.file) == -1)
				return (-1);
			continue;
		}
		for (i = 0; i < pe->n; i++)
			if (files_add(e, pe->v[i].src.file) == -1)
				return (-1);
	}
	for (k = 0; k < nitems(rule_keys); k++) {
		key = rule_keys[k];
		pe = &pol->e[key];
		if (!pe->set)
			continue;
		if (!policy_keys[key].list) {
			if (rule_add(e, key, pe->one.str,
			    pe->one.src.file) == -1)
				return (-1);
			continue;
		}
		for (i = 0; i < pe->n; i++) {
			v = pe->v[i].str;
			if (key == PK_FS_DENY_READ && dr != NULL)
				v = dr[i];
			else if (key == PK_FS_DENY_WRITE && dw != NULL)
				v = dw[i];
			else if (key == PK_FS_READ && rd != NULL)
				v = rd[i];
			if (rule_add(e, key, v, pe->v[i].src.file) == -1)
				return (-1);
		}
	}
	return (0);
}

static int
binds_add(struct sandbox_events *e, size_t *n, const char *path)
{
	char	**v;

	if ((v = reallocarray(e->binds, *n + 2, sizeof(*v))) == NULL)
		return (-1);
	e->binds = v;
	if ((v[*n] = strdup(path)) == NULL)
		return (-1);
	v[++*n] = NULL;
	return (0);
}

/*
 * Where the sandbox's tree shows the host's own directories: the system
 * directories, the working directory (or work tree) unless cwd is none,
 * and the read and write paths. A lookup that fails there with ENOENT
 * failed on the host too, at that moment: nothing was hidden.
 */
int
events_sandbox_binds(struct sandbox *sb, const char *project, int cwd_mode,
    char *const *rd, char *const *wr)
{
	struct sandbox_events	*e = &sb->ev;
	const char		*p;
	size_t			 n = 0, i;

	for (i = 0; (p = sandbox_mount_system_path(i)) != NULL; i++)
		if (binds_add(e, &n, p) == -1)
			return (-1);
	if (cwd_mode != CWD_NONE && project != NULL &&
	    strcmp(project, "/") != 0 && binds_add(e, &n, project) == -1)
		return (-1);
	for (i = 0; rd != NULL && rd[i] != NULL; i++)
		if (binds_add(e, &n, rd[i]) == -1)
			return (-1);
	for (i = 0; wr != NULL && wr[i] != NULL; i++)
		if (binds_add(e, &n, wr[i]) == -1)
			return (-1);
	return (0);
}

/*
 * Does the sandbox see the host's own entry at path: below a bind, and
 * neither a deny entry nor a mask pattern in the way?
 */
int
events_host_view(const struct sandbox *sb, const char *path)
{
	char	*const *b = sb->ev.binds;
	char	 buf[PATH_MAX], *c, *save = NULL;
	char	*pat[2] = { NULL, NULL };
	size_t	 i, l;
	int	 under = 0;

	for (; b != NULL && *b != NULL && !under; b++) {
		l = strlen(*b);
		under = strncmp(path, *b, l) == 0 && (path[l] == '/' ||
		    path[l] == '\0');
	}
	if (!under || events_rule_path(sb, path) != NULL)
		return (0);
	snprintf(buf, sizeof(buf), "%s", path);
	for (c = strtok_r(buf, "/", &save); c != NULL;
	    c = strtok_r(NULL, "/", &save))
		for (i = 0; i < sb->ev.nrules; i++) {
			if (sb->ev.rules[i].key != PK_FS_MASK)
				continue;
			pat[0] = sb->ev.rules[i].value;
			if (sandbox_protect_masked(pat, c))
				return (0);
		}
	return (1);
}

static void
journal_suppressed(struct sandbox *sb)
{
	struct sandbox_events	*e = &sb->ev;
	int			 r;

	if (e->jsuppressed == 0)
		return;
	r = sd_journal_send("MESSAGE=sandbox %u: %llu more violation events"
	    " not logged (rate limit)", sb->id,
	    (unsigned long long)e->jsuppressed,
	    "MESSAGE_ID=" MSGID_SUPPRESSED,
	    "PRIORITY=%d", LOG_NOTICE,
	    "GREYWALL_UID=%u", (unsigned)sb->uid,
	    "GREYWALL_SANDBOX=%u", sb->id,
	    "GREYWALL_SUPPRESSED=%llu", (unsigned long long)e->jsuppressed,
	    NULL);
	if (r < 0)
		log_debug("journal: %s", strerror(-r));
	e->jsuppressed = 0;
}

void
events_sandbox_free(struct sandbox *sb)
{
	struct sandbox_events	*e = &sb->ev;
	size_t			 i;

	journal_suppressed(sb);
	denials_sandbox_end(sb);
	free(e->home);
	for (i = 0; e->binds != NULL && e->binds[i] != NULL; i++)
		free(e->binds[i]);
	free(e->binds);
	for (i = 0; i < e->nrules; i++) {
		free(e->rules[i].value);
		free(e->rules[i].file);
	}
	free(e->rules);
	free(e->comm);
	free(e->files);
	memset(e, 0, sizeof(*e));
}

/* The first rule of key with this value; any of key's if value is NULL. */
const struct event_rule *
events_rule_find(const struct sandbox *sb, int key, const char *value)
{
	size_t	i;

	for (i = 0; i < sb->ev.nrules; i++)
		if (sb->ev.rules[i].key == key && (value == NULL ||
		    strcmp(sb->ev.rules[i].value, value) == 0))
			return (&sb->ev.rules[i]);
	return (NULL);
}

/* The entry of key at or above path, the longest. */
static const struct event_rule *
rule_path(const struct sandbox *sb, const char *path, int key, int key2)
{
	const struct event_rule	*r, *best = NULL;
	size_t			 i, len;

	for (i = 0; i < sb->ev.nrules; i++) {
		r = &sb->ev.rules[i];
		if (r->key != key && r->key != key2)
			continue;
		len = strlen(r->value);
		if (strncmp(path, r->value, len) != 0 ||
		    (path[len] != '\0' && path[len] != '/'))
			continue;
		if (best == NULL || len > strlen(best->value))
			best = r;
	}
	return (best);
}

/* The deny_read or deny_write entry at or above path, the longest. */
const struct event_rule *
events_rule_path(const struct sandbox *sb, const char *path)
{
	return (rule_path(sb, path, PK_FS_DENY_READ, PK_FS_DENY_WRITE));
}

/*
 * Why path is read-only in the sandbox: a deny entry above it, a mask
 * pattern its name matches, a read path above it; NULL for the rest of
 * the tree (system paths, the sandbox's root).
 */
const struct event_rule *
events_rule_readonly(const struct sandbox *sb, const char *path)
{
	const struct event_rule	*r;
	const char		*name = strrchr(path, '/');
	char			*pat[2] = { NULL, NULL };
	size_t			 i;

	if ((r = events_rule_path(sb, path)) != NULL)
		return (r);
	for (i = 0; name != NULL && i < sb->ev.nrules; i++) {
		if (sb->ev.rules[i].key != PK_FS_MASK)
			continue;
		pat[0] = sb->ev.rules[i].value;
		if (sandbox_protect_masked(pat, name + 1))
			return (&sb->ev.rules[i]);
	}
	return (rule_path(sb, path, PK_FS_READ, PK_FS_READ));
}

static void
journal_event(struct sandbox *sb, const struct gw_event *ev,
    const char *const *s)
{
	struct sandbox_events	*e = &sb->ev;
	time_t			 now = time(NULL);
	int			 r;

	if (now - e->jwindow >= JOURNAL_WINDOW) {
		journal_suppressed(sb);
		e->jwindow = now;
		e->jcount = 0;
	}
	if (e->jcount >= JOURNAL_BURST) {
		e->jsuppressed++;
		return;
	}
	e->jcount++;
	r = sd_journal_send("MESSAGE=sandbox %u (uid %u): denied %s %s (%s,"
	    " pid %u) by %s%s%s%s%s", sb->id, (unsigned)sb->uid, s[1], s[2],
	    s[0], ev->pid, s[3], s[4][0] != '\0' ? " in " : "", s[4],
	    s[5][0] != '\0' ? ": " : "", s[5],
	    "MESSAGE_ID=" MSGID_EVENT,
	    "PRIORITY=%d", LOG_WARNING,
	    "GREYWALL_UID=%u", (unsigned)sb->uid,
	    "GREYWALL_SANDBOX=%u", sb->id,
	    "GREYWALL_KIND=%s", events_kind_name(ev->kind),
	    "GREYWALL_ACTION=%s", s[1],
	    "GREYWALL_TARGET=%s", s[2],
	    "GREYWALL_RULE=%s", s[3],
	    "GREYWALL_RULE_FILE=%s", s[4],
	    "GREYWALL_PID=%u", ev->pid,
	    "GREYWALL_COMM=%s", s[0],
	    NULL);
	if (r < 0)
		log_debug("journal: %s", strerror(-r));
}

/*
 * The last events of every sandbox, for gw why SANDBOX.SEQ after the
 * sandbox is gone. A ring of copies: what the event said, never a
 * pointer into a sandbox.
 */
#define HISTORY_MAX	1024

static struct event_past {
	int		 used;
	struct gw_event	 ev;
	char		*s[6];
} history[HISTORY_MAX];
static size_t	history_next;

static void
history_add(const struct gw_event *ev, const char *const *s)
{
	struct event_past	*h = &history[history_next];
	size_t			 i;

	history_next = (history_next + 1) % HISTORY_MAX;
	for (i = 0; i < 6; i++) {
		free(h->s[i]);
		h->s[i] = NULL;
	}
	h->used = 0;
	for (i = 0; i < 6; i++)
		if ((h->s[i] = strdup(s[i])) == NULL)
			return;		/* not kept: gw why says so */
	h->ev = *ev;
	h->used = 1;
}

/*
 * Event seq of sandbox id, if it belongs to uid and is still kept: its
 * numbers, and its strings in s (comm, action, target, rule key, rule
 * file, note). Returns 0, or -1.
 */
int
events_history_find(uid_t uid, uint32_t id, uint64_t seq,
    struct gw_event *ev, const char **s)
{
	size_t	i, k, j;

	/* Newest first: sandbox ids start again at 1 with greywalld. */
	for (k = 0; k < HISTORY_MAX; k++) {
		i = (history_next + HISTORY_MAX - 1 - k) % HISTORY_MAX;
		if (!history[i].used || history[i].ev.sandbox != id ||
		    history[i].ev.seq != seq || history[i].ev.uid != uid)
			continue;
		*ev = history[i].ev;
		for (j = 0; j < 6; j++)
			s[j] = history[i].s[j];
		return (0);
	}
	return (-1);
}

void
events_history_free(void)
{
	size_t	i, j;

	for (i = 0; i < HISTORY_MAX; i++)
		for (j = 0; j < 6; j++) {
			free(history[i].s[j]);
			history[i].s[j] = NULL;
		}
}

/* Bound a string for the wire; events are never longer than this. */
static void
field_copy(char *dst, const char *src)
{
	snprintf(dst, GW_EVENT_STR_MAX, "%s", src != NULL ? src : "");
	str_sanitize(dst);
}

/*
 * One event: numbered, sent to the subscribers and the journal. Every
 * string is bounded and sanitized here. A file system or system call
 * denial is sent once per sandbox, path (as the user knows it: ~/x) and
 * access, whichever source saw it first.
 */
void
events_emit(struct sandbox *sb, const struct event_spec *es)
{
	static char		 f[6][GW_EVENT_STR_MAX];
	const char		*strs[6], *key = es->key, *file = es->file;
	const char		*target = es->target;
	char			 shown[GW_EVENT_STR_MAX];
	struct gw_event		 ev;
	struct timespec		 ts;
	size_t			 i;

	if (es->kind == GW_EV_FS && target != NULL && target[0] == '/') {
		denials_display(sb, target, shown, sizeof(shown));
		target = shown;
	}
	if (!es->deduped && (es->kind == GW_EV_FS ||
	    es->kind == GW_EV_SYSCALL) && target != NULL &&
	    !denials_seen_add(sb, es->action != NULL ? es->action : "",
	    target))
		return;

	if (es->rule != NULL) {
		key = policy_keys[es->rule->key].name;
		file = es->rule->file;
	} else if (key == NULL) {
		key = "default";
		file = "";
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&ev, 0, sizeof(ev));
	ev.kind = es->kind;
	ev.sandbox = sb->id;
	ev.uid = sb->uid;
	ev.pid = es->pid > 0 ? (uint32_t)es->pid : 0;
	ev.time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	ev.seq = ++sb->ev.count;
	field_copy(f[0], es->comm != NULL && *es->comm != '\0' ? es->comm :
	    sb->ev.comm);
	field_copy(f[1], es->action);
	field_copy(f[2], target);
	field_copy(f[3], key);
	field_copy(f[4], file);
	field_copy(f[5], es->note);
	for (i = 0; i < 6; i++)
		strs[i] = f[i];
	log_debug("sandbox %u: event %llu: %s %s %s by %s %s", sb->id,
	    (unsigned long long)ev.seq, events_kind_name(ev.kind), f[1], f[2],
	    f[3], f[4]);
	history_add(&ev, strs);
	if (sink_event != NULL)
		sink_event(sb, &ev, strs);
	journal_event(sb, &ev, strs);
}

/*
 * A destination no entry allowed: the netstack's reason, and the entry
 * that would allow it (only in a policy.d file: a client overlay cannot
 * add destinations). Names get a domains.allow entry, addresses a
 * cidrs.allow one, the host's own ports an allow_ports one.
 */
static const char *
net_allow_hint(const struct nsevent *ne, char *buf, size_t len)
{
	char		 host[sizeof(ne->target)], a[16];
	const char	*colon, *port = NULL;

	snprintf(host, sizeof(host), "%s", ne->target);
	if (host[0] == '[' && (colon = strstr(host, "]:")) != NULL) {
		port = colon + 2;
		memmove(host, host + 1, colon - host - 1);
		host[colon - host - 1] = '\0';
	} else if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(host, ':') == colon) {
		port = colon + 1;
		host[colon - host] = '\0';
	}
	if (strstr(ne->note, "host_loopback") != NULL && port != NULL)
		snprintf(buf, len, "%s; allow with"
		    " network.host_loopback.allow_ports: [%s] (policy.d)",
		    ne->note, port);
	else if (ne->note[0] != '\0' && strncmp(ne->note, "not in ", 7) != 0)
		return (ne->note);
	else if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1)
		snprintf(buf, len, "%s; allow with network.cidrs.allow:"
		    " [\"%s/%d\"] (policy.d)", ne->note[0] != '\0' ? ne->note :
		    "not in network.cidrs.allow", host,
		    strchr(host, ':') != NULL ? 128 : 32);
	else
		snprintf(buf, len, "%s; allow with network.domains.allow:"
		    " [\"%s\"] (policy.d)", ne->note[0] != '\0' ? ne->note :
		    "not in network.domains.allow", host);
	return (buf);
}

/* A denial the netstack saw; the helper's strings are checked already. */
void
events_from_net(struct sandbox *sb, const struct nsevent *ne)
{
	const struct event_rule	*rule = NULL;
	const char		*action = "connect", *note = ne->note;
	char			 buf[1024];

	switch (ne->kind) {
	case GW_EV_DNS:
		action = "resolve";
		/* FALLTHROUGH */
	case GW_EV_CONNECT:
		if (strcmp(ne->rule, "default") == 0) {
			note = net_allow_hint(ne, buf, sizeof(buf));
			break;
		}
		rule = events_rule_find(sb, PK_NET_DOMAINS_DENY, ne->rule);
		if (rule != NULL) {
			if (note[0] == '\0') {
				snprintf(buf, sizeof(buf), "matches '%s'",
				    ne->rule);
				note = buf;
			}
			break;
		}
		/* reserved, link-local, invalid: never allowed. */
		if (note[0] == '\0') {
			snprintf(buf, sizeof(buf), "a %s destination",
			    ne->rule);
			note = buf;
		}
		events_emit(sb, &(struct event_spec){ .kind = ne->kind,
		    .action = action, .target = ne->target,
		    .key = "built-in", .file = "", .note = note });
		return;
	case GW_EV_UPSTREAM:
		rule = events_rule_find(sb, PK_NET_UPSTREAM_SOCKS5, NULL);
		break;
	case GW_EV_UDP:
	case GW_EV_ICMP:
		action = "send";
		break;
	}
	events_emit(sb, &(struct event_spec){ .kind = ne->kind,
	    .action = action, .target = ne->target, .rule = rule,
	    .note = note });
}

/*
 * What the protected paths' supervisor in the sandbox's init refused or
 * saw fail read-only. Init runs as the user, next to the command: the
 * message is checked like any client's, and limited per second.
 */
void
events_from_init(struct sandbox *sb, const struct init_msg *m)
{
	static const char *const actions[] = {
		NULL, "create", "write", "truncate", "rename", "link",
	};
	const struct event_rule	*rule;
	const char		*path, *comm, *pid;
	char			 note[96];
	time_t			 now = time(NULL);
	int			 watched;

	/*
	 * With the eBPF program watching, the kernel reports the caller's
	 * failed call too (and counts what it drops): what init could not
	 * send or the limit below refuses is not lost, only its note.
	 */
	watched = sb->ev.cgid != 0;
	if (m->dropped > 0 && !watched)
		events_dropped(sb, m->dropped);
	if (init_event_parse(m, &path, &comm, &pid) == -1)
		goto bad;
	if (now != sb->ev.iwindow) {
		sb->ev.iwindow = now;
		sb->ev.icount = 0;
	}
	if (++sb->ev.icount > INIT_EVENTS_RATE) {
		if (!watched)
			events_dropped(sb, 1);
		return;
	}
	if (m->how == INIT_EV_PROTECTED) {
		rule = events_rule_find(sb, PK_FS_PROTECTED, NULL);
		snprintf(note, sizeof(note), "a protected name (pid %s in the"
		    " sandbox)", pid);
		events_emit(sb, &(struct event_spec){ .kind = GW_EV_FS,
		    .comm = comm, .action = actions[m->code], .target = path,
		    .key = policy_keys[PK_FS_PROTECTED].name,
		    .file = rule != NULL ? rule->file : "", .note = note });
		return;
	}
	rule = events_rule_readonly(sb, path);
	if (rule == NULL) {
		/* Explained with the key that would allow it. */
		denials_from_init(sb, comm, actions[m->code], path);
		return;
	}
	snprintf(note, sizeof(note), "read-only in the sandbox (pid %s in"
	    " the sandbox)", pid);
	events_emit(sb, &(struct event_spec){ .kind = GW_EV_FS, .comm = comm,
	    .action = actions[m->code], .target = path, .rule = rule,
	    .note = note });
	return;
bad:
	log_warnx("sandbox %u: bad event from init, ignoring", sb->id);
}
