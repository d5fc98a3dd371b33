/*
 * gw why: whether the caller's policy allows a path, a destination or
 * what one of the caller's events was denied; the rule and the file and
 * line that decide; and the YAML that would change it, for gw exec
 * --policy where client_may allows it, else for the administrator.
 *
 * It reasons from the policy the way the sandbox is built from it
 * (sandbox-mount.c: system directories, private tmpfs mounts, the home,
 * the working directory, read and write paths, deepest first; then
 * deny_write, masks, protected names and deny_read on top) and the way
 * the netstack judges a destination (lib/net-rules.c). It never opens,
 * resolves or stats a path: the question and the working directory are
 * text from the client, compared with the policy's text only, so it
 * tells nothing about the host that the caller could not see.
 *
 * Runs in greywalld main, root, for the peer's own policy only.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "greywalld.h"

/* What makes a path visible in the sandbox; a higher rank wins a tie. */
enum why_mount {
	WM_NONE = 0,		/* not in the sandbox's tree */
	WM_SYSTEM,		/* /usr, /etc, ...: read-only */
	WM_PRIVATE,		/* /tmp, /var/tmp, /run, /dev/shm: empty */
	WM_OWN,			/* /dev, /proc, /sys: the sandbox's own */
	WM_HOME,		/* filesystem.home: private or readonly */
	WM_CACHE,		/* caches.paths, in the store */
	WM_WRITE,		/* filesystem.write, caches.real */
	WM_CWD,			/* filesystem.cwd */
	WM_READ,		/* filesystem.read */
};

/* One answer for one access. */
struct why_res {
	int			 allowed;
	int			 admin;		/* only the admin can change it */
	int			 key;		/* the deciding key, or -1 */
	const struct policy_value *val;		/* its entry, or NULL */
	int			 fixkey;	/* the key that would allow it */
	char			 fixval[PATH_MAX];
	char			 text[PATH_MAX + 512];
};

struct why {
	struct policy	 pol;
	const char	*user;
	const char	*home;
	const char	*cwd;		/* "" if the client has none */
	FILE		*out;
};

static const char *const system_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/opt",
};
static const char *const private_dirs[] = {
	"/tmp", "/var/tmp", "/run", "/dev/shm",
};
static const char *const own_dirs[] = { "/dev", "/proc", "/sys" };

/* In a git directory: what the sandbox cannot change (Git repositories). */
static const char *const git_held[] = {
	"config", "config.worktree", "hooks", "commondir", "gitdir",
	"remotes", "branches",
};

/* "file:line" of a value, or the file ("(built-in)") without a line. */
static const char *
src_text(const struct policy_value *v, char *buf, size_t len)
{
	if (v == NULL)
		snprintf(buf, len, "(built-in)");
	else if (v->src.line > 0)
		snprintf(buf, len, "%s:%u", v->src.file, v->src.line);
	else
		snprintf(buf, len, "%s", v->src.file);
	return (buf);
}

/* Whether path is prefix or below it. */
static int
path_under(const char *path, const char *prefix)
{
	size_t	len = strlen(prefix);

	if (strcmp(prefix, "/") == 0)
		return (path[0] == '/');
	return (strncmp(path, prefix, len) == 0 && (path[len] == '\0' ||
	    path[len] == '/'));
}

/*
 * Make path absolute and plain, as text only: "." and empty components
 * dropped, ".." taking one back. Never looked up.
 */
static int
path_normal(const char *in, const char *home, const char *cwd, char *out,
    size_t len)
{
	char	 buf[PATH_MAX], *p, *save = NULL;
	size_t	 o = 0, l;

	if (strcmp(in, "~") == 0 || strncmp(in, "~/", 2) == 0)
		l = snprintf(buf, sizeof(buf), "%s/%s", home, in + 1);
	else if (in[0] == '/')
		l = snprintf(buf, sizeof(buf), "%s", in);
	else if (cwd[0] == '/')
		l = snprintf(buf, sizeof(buf), "%s/%s", cwd, in);
	else {
		errno = EINVAL;
		return (-1);
	}
	if (l >= sizeof(buf) || len < 2) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	out[0] = '\0';
	for (p = strtok_r(buf, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		l = strlen(p);
		if (o + l + 2 > len) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		out[o++] = '/';
		memcpy(out + o, p, l + 1);
		o += l;
	}
	if (o == 0)
		snprintf(out, len, "/");
	return (0);
}

/* The path as the user writes it: ~/x below the home. */
static const char *
shown(const struct why *w, const char *path, char *buf, size_t len)
{
	size_t	hl = strlen(w->home);

	if (hl > 1 && strncmp(path, w->home, hl) == 0 && (path[hl] == '/' ||
	    path[hl] == '\0'))
		snprintf(buf, len, "~%s", path + hl);
	else
		snprintf(buf, len, "%s", path);
	return (buf);
}

/* A policy path entry, expanded against the home and working directory. */
static int
entry_path(const struct why *w, const struct policy_value *v, char *buf,
    size_t len)
{
	if (v->str[0] != '/' && v->str[0] != '~' && w->cwd[0] != '/')
		return (-1);
	return (path_normal(v->str, w->home, w->cwd, buf, len));
}

/* The deepest entry of key at or above path. */
static const struct policy_value *
entry_above(const struct why *w, int key, const char *path, size_t *depth)
{
	const struct policy_entry	*e = &w->pol.e[key];
	const struct policy_value	*best = NULL;
	char				 exp[PATH_MAX];
	size_t				 i, bl = 0;

	for (i = 0; i < e->n; i++) {
		if (entry_path(w, &e->v[i], exp, sizeof(exp)) == -1 ||
		    !path_under(path, exp))
			continue;
		if (best == NULL || strlen(exp) > bl) {
			best = &e->v[i];
			bl = strlen(exp);
		}
	}
	if (depth != NULL)
		*depth = bl;
	return (best);
}

/* Whether the list key holds a value (canonical text). */
static const struct policy_value *
entry_find(const struct policy *pol, int key, const char *value)
{
	const struct policy_entry	*e = &pol->e[key];
	size_t				 i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i].str, value) == 0)
			return (&e->v[i]);
	return (NULL);
}

struct mount_pick {
	enum why_mount			 kind;
	size_t				 len;
	const struct policy_value	*val;
	char				 root[PATH_MAX];
};

static void
mount_offer(struct mount_pick *m, const char *path, const char *root,
    enum why_mount kind, const struct policy_value *val)
{
	size_t	len = strlen(root);

	if (!path_under(path, root))
		return;
	if (m->kind != WM_NONE && (len < m->len || (len == m->len &&
	    kind < m->kind)))
		return;
	m->kind = kind;
	m->len = len;
	m->val = val;
	snprintf(m->root, sizeof(m->root), "%s", root);
}

/* Which mount of the sandbox's tree shows path, as sandbox-mount.c. */
static void
mount_find(const struct why *w, const char *path, struct mount_pick *m)
{
	const struct policy		*pol = &w->pol;
	const struct policy_entry	*e;
	char				 exp[PATH_MAX];
	size_t				 i;
	int				 home = pol->e[PK_FS_HOME].one.num;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < nitems(system_dirs); i++)
		mount_offer(m, path, system_dirs[i], WM_SYSTEM, NULL);
	for (i = 0; i < nitems(private_dirs); i++)
		mount_offer(m, path, private_dirs[i], WM_PRIVATE, NULL);
	for (i = 0; i < nitems(own_dirs); i++)
		mount_offer(m, path, own_dirs[i], WM_OWN, NULL);
	if (home != HOME_NONE && strcmp(w->home, "/") != 0)
		mount_offer(m, path, w->home, WM_HOME,
		    &pol->e[PK_FS_HOME].one);
	e = &pol->e[PK_CACHES_PATHS];
	for (i = 0; home == HOME_PRIVATE && i < e->n; i++) {
		if (entry_path(w, &e->v[i], exp, sizeof(exp)) == -1)
			continue;
		if (entry_find(pol, PK_CACHES_REAL, e->v[i].str) != NULL)
			mount_offer(m, path, exp, WM_WRITE, entry_find(pol,
			    PK_CACHES_REAL, e->v[i].str));
		else
			mount_offer(m, path, exp, WM_CACHE, &e->v[i]);
	}
	e = &pol->e[PK_FS_WRITE];
	for (i = 0; i < e->n; i++)
		if (entry_path(w, &e->v[i], exp, sizeof(exp)) == 0)
			mount_offer(m, path, exp, WM_WRITE, &e->v[i]);
	if (pol->e[PK_FS_CWD].one.num != CWD_NONE && w->cwd[0] == '/' &&
	    strcmp(w->cwd, "/") != 0)
		mount_offer(m, path, w->cwd, WM_CWD, &pol->e[PK_FS_CWD].one);
	e = &pol->e[PK_FS_READ];
	for (i = 0; i < e->n; i++)
		if (entry_path(w, &e->v[i], exp, sizeof(exp)) == 0)
			mount_offer(m, path, exp, WM_READ, &e->v[i]);
}

/* A masked name on the way from the mount's root to path, or NULL. */
static const struct policy_value *
masked(const struct why *w, const char *path, const char *root)
{
	const struct policy_entry	*e = &w->pol.e[PK_FS_MASK];
	char				 buf[PATH_MAX], *p, *save = NULL;
	char				*pat[2] = { NULL, NULL };
	size_t				 i;

	if (strlen(path) <= strlen(root))
		return (NULL);
	snprintf(buf, sizeof(buf), "%s", path + strlen(root));
	for (p = strtok_r(buf, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		/* The walk does not look into these (Masks). */
		if (strcmp(p, "node_modules") == 0)
			return (NULL);
		for (i = 0; i < e->n; i++) {
			pat[0] = e->v[i].str;
			if (sandbox_protect_masked(pat, p))
				return (&e->v[i]);
		}
	}
	return (NULL);
}

/* Whether a write to path is refused as a protected name. */
static const char *
protected_name(const struct why *w, const char *path)
{
	char		 dir[PATH_MAX];
	const char	*base, *g, *next;
	size_t		 i;

	if (w->pol.e[PK_FS_PROTECTED].one.num != 0)	/* none */
		return (NULL);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((base = strrchr(path, '/')) == NULL)
		return (NULL);
	dir[base - path] = '\0';
	base++;
	if (strcmp(dir, w->home) == 0 || (w->cwd[0] == '/' &&
	    strcmp(dir, w->cwd) == 0))
		for (i = 0; i < sandbox_protect_nroot; i++)
			if (strcmp(base, sandbox_protect_root_names[i]) == 0)
				return ("a protected name in the working or"
				    " home directory");
	for (g = path; (g = strstr(g, "/.git")) != NULL; g += 5) {
		if (g[5] == '\0')
			return ("a git repository's .git");
		if (g[5] != '/')
			continue;
		next = g + 6;
		for (i = 0; i < nitems(git_held); i++)
			if (path_under(next, git_held[i]))
				return ("a git repository's configuration or"
				    " hooks");
	}
	return (NULL);
}

static void __attribute__((format(printf, 2, 3)))
res_text(struct why_res *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

/* The answer for one access (write or read) to path. */
static void
why_access(const struct why *w, const char *path, int write, int parent_fix,
    struct why_res *r)
{
	const struct policy_value	*v;
	struct mount_pick		 m;
	const char			*why;
	char				 src[PATH_MAX + 16], disp[PATH_MAX];
	char				 dir[PATH_MAX], *s;

	memset(r, 0, sizeof(*r));
	r->key = r->fixkey = -1;
	shown(w, path, disp, sizeof(disp));
	/* What would allow it: the path, or its directory for a new name. */
	snprintf(dir, sizeof(dir), "%s", path);
	if (parent_fix && (s = strrchr(dir, '/')) != NULL && s != dir) {
		*s = '\0';
		if (strcmp(dir, w->home) != 0)
			shown(w, dir, r->fixval, sizeof(r->fixval));
		else
			snprintf(r->fixval, sizeof(r->fixval), "%s", disp);
	} else
		snprintf(r->fixval, sizeof(r->fixval), "%s", disp);

	if (path_under(path, gw_conf.policy_dir)) {
		r->admin = 1;
		res_text(r, "the policy directory %s is never in a sandbox",
		    gw_conf.policy_dir);
		return;
	}
	if ((v = entry_above(w, PK_FS_DENY_READ, path, NULL)) != NULL) {
		r->admin = 1;
		r->key = PK_FS_DENY_READ;
		r->val = v;
		res_text(r, "hidden by filesystem.deny_read '%s' in %s", v->str,
		    src_text(v, src, sizeof(src)));
		return;
	}
	if (write && (v = entry_above(w, PK_FS_DENY_WRITE, path, NULL)) !=
	    NULL) {
		r->admin = 1;
		r->key = PK_FS_DENY_WRITE;
		r->val = v;
		res_text(r, "read-only by filesystem.deny_write '%s' in %s",
		    v->str, src_text(v, src, sizeof(src)));
		return;
	}
	mount_find(w, path, &m);
	if ((m.kind == WM_CWD || m.kind == WM_READ || m.kind == WM_WRITE) &&
	    (v = masked(w, path, m.root)) != NULL) {
		r->admin = 1;
		r->key = PK_FS_MASK;
		r->val = v;
		res_text(r, "masked by filesystem.mask '%s' in %s (%s)",
		    v->str, src_text(v, src, sizeof(src)), write ?
		    "read-only" : "the sandbox sees it empty");
		return;
	}
	if (write && m.kind != WM_NONE && (why = protected_name(w, path)) !=
	    NULL) {
		v = &w->pol.e[PK_FS_PROTECTED].one;
		r->admin = 1;
		r->key = PK_FS_PROTECTED;
		r->val = v;
		res_text(r, "%s, by filesystem.protected: %s in %s", why,
		    v->str, src_text(v, src, sizeof(src)));
		return;
	}
	r->val = m.val;
	switch (m.kind) {
	case WM_NONE:
		r->fixkey = write ? PK_FS_WRITE : PK_FS_READ;
		res_text(r, "not in the sandbox: no filesystem.read or"
		    " filesystem.write entry, working directory or system"
		    " directory holds it");
		return;
	case WM_SYSTEM:
		if (!write) {
			r->allowed = 1;
			res_text(r, "a system directory (%s), read-only in"
			    " every sandbox", m.root);
			return;
		}
		r->admin = 1;
		r->fixkey = PK_FS_WRITE;
		res_text(r, "a system directory (%s), read-only in every"
		    " sandbox", m.root);
		return;
	case WM_PRIVATE:
		if (write) {
			r->allowed = 1;
			res_text(r, "in the sandbox's own empty %s, discarded"
			    " at exit (the host's is not visible)", m.root);
			return;
		}
		r->fixkey = PK_FS_READ;
		res_text(r, "the sandbox has its own empty %s: the host's %s"
		    " is not visible", m.root, disp);
		return;
	case WM_OWN:
		r->allowed = !write || strcmp(m.root, "/dev") == 0;
		r->admin = 1;
		res_text(r, "the sandbox's own %s", m.root);
		return;
	case WM_HOME:
		r->key = PK_FS_HOME;
		src_text(m.val, src, sizeof(src));
		if (w->pol.e[PK_FS_HOME].one.num == HOME_READONLY) {
			r->fixkey = write ? PK_FS_WRITE : PK_FS_READ;
			res_text(r, "the home is an empty read-only directory"
			    " (filesystem.home: readonly in %s)", src);
			return;
		}
		if (write) {
			r->allowed = 1;
			r->fixkey = PK_FS_WRITE;
			res_text(r, "written to the sandbox's private home,"
			    " discarded at exit (filesystem.home: private in"
			    " %s); the host's %s is not changed", src, disp);
			return;
		}
		r->fixkey = PK_FS_READ;
		res_text(r, "the home is private and starts empty"
		    " (filesystem.home: private in %s): the host's %s is not"
		    " in it", src, disp);
		return;
	case WM_CACHE:
		r->allowed = 1;
		r->key = PK_CACHES_PATHS;
		res_text(r, "a package cache in greywall's store, by"
		    " caches.paths '%s' in %s (not the host's %s)",
		    m.val->str, src_text(m.val, src, sizeof(src)), disp);
		return;
	case WM_WRITE:
		r->allowed = 1;
		r->key = entry_find(&w->pol, PK_CACHES_REAL, m.val->str) ==
		    m.val ? PK_CACHES_REAL : PK_FS_WRITE;
		res_text(r, "%s '%s' in %s", policy_keys[r->key].name,
		    m.val->str, src_text(m.val, src, sizeof(src)));
		return;
	case WM_CWD:
		r->key = PK_FS_CWD;
		src_text(m.val, src, sizeof(src));
		if (!write || w->pol.e[PK_FS_CWD].one.num == CWD_RW) {
			r->allowed = 1;
			res_text(r, "the working directory %s, by"
			    " filesystem.cwd: %s in %s", m.root, m.val->str,
			    src);
			return;
		}
		r->admin = 1;
		res_text(r, "the working directory is read-only, by"
		    " filesystem.cwd: %s in %s", m.val->str, src);
		return;
	case WM_READ:
		r->key = PK_FS_READ;
		src_text(m.val, src, sizeof(src));
		if (!write) {
			r->allowed = 1;
			res_text(r, "filesystem.read '%s' in %s", m.val->str,
			    src);
			return;
		}
		r->fixkey = PK_FS_WRITE;
		res_text(r, "read-only: filesystem.read '%s' in %s",
		    m.val->str, src);
		return;
	}
}

/* A YAML flow list of the key's effective entries and one more. */
static void
yaml_list(FILE *f, const struct policy_entry *e, const char *add)
{
	size_t	i;

	fputc('[', f);
	for (i = 0; e != NULL && i < e->n; i++)
		fprintf(f, "\"%s\", ", e->v[i].str);
	fprintf(f, "\"%s\"]", add);
}

/* The YAML that would allow a denied access, and who may apply it. */
static void
why_fix(const struct why *w, const struct why_res *r)
{
	const struct policy_value	*may;
	const char			*leaf;
	char				 src[PATH_MAX + 16];
	int				 pk;

	if (r->allowed)
		return;
	if (r->fixkey < 0) {
		if (r->val != NULL && (r->key == PK_FS_DENY_READ ||
		    r->key == PK_FS_DENY_WRITE || r->key == PK_FS_MASK))
			fprintf(w->out, "only the administrator can allow"
			    " this: the entry '%s' of %s in %s\n", r->val->str,
			    policy_keys[r->key].name, src_text(r->val, src,
			    sizeof(src)));
		else
			fprintf(w->out, "only the administrator can allow"
			    " this\n");
		return;
	}
	leaf = r->fixkey == PK_FS_WRITE ? "write" : "read";
	pk = r->fixkey == PK_FS_WRITE ? PK_CLIENT_MAY_ADD_WRITE :
	    PK_CLIENT_MAY_ADD_READ;
	may = &w->pol.e[pk].one;
	if (!r->admin && may->num) {
		fprintf(w->out, "to allow it, run gw exec --policy FILE, FILE"
		    " holding (%s is true in %s; the list replaces yours, so"
		    " it repeats its entries):\n", policy_keys[pk].name,
		    src_text(may, src, sizeof(src)));
		fprintf(w->out, "  filesystem:\n    %s: ", leaf);
		yaml_list(w->out, &w->pol.e[r->fixkey], r->fixval);
		fputc('\n', w->out);
		return;
	}
	if (r->admin)
		fprintf(w->out, "only the administrator can allow this, with"
		    " a policy.d file such as:\n");
	else
		fprintf(w->out, "only the administrator can allow this (%s is"
		    " false in %s), with a policy.d file such as:\n",
		    policy_keys[pk].name, src_text(may, src, sizeof(src)));
	fprintf(w->out, "  users: [%s]\n  filesystem:\n    %s: [\"%s\"]\n",
	    w->user, leaf, r->fixval);
}

static int
why_path(struct why *w, const char *q, int write, int parent_fix)
{
	struct why_res	 rd, wr;
	char		 path[PATH_MAX], disp[PATH_MAX];
	int		 asked;

	if (path_normal(q, w->home, w->cwd, path, sizeof(path)) == -1) {
		fprintf(w->out, "'%s': %s\n", q, errno == EINVAL ? "a relative"
		    " path, but gw sent no working directory" :
		    strerror(errno));
		return (GW_WHY_DENIED);
	}
	why_access(w, path, 0, 0, &rd);
	why_access(w, path, 1, parent_fix, &wr);
	fprintf(w->out, "%s\n  read: %s: %s\n  write: %s: %s\n",
	    shown(w, path, disp, sizeof(disp)),
	    rd.allowed ? "allowed" : "denied", rd.text,
	    wr.allowed ? "allowed" : "denied", wr.text);
	asked = write ? wr.allowed : rd.allowed;
	why_fix(w, write ? &wr : &rd);
	return (asked ? GW_WHY_ALLOWED : GW_WHY_DENIED);
}

/* A NULL-terminated array of a list key's values (pointers into pol). */
static char **
values(const struct policy *pol, int key)
{
	const struct policy_entry	*e = &pol->e[key];
	char				**v;
	size_t				  i;

	if ((v = calloc(e->n + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < e->n; i++)
		v[i] = e->v[i].str;
	return (v);
}

/* Split HOST[:PORT], [V6]:PORT or a bare IPv6 address. */
static int
host_split(const char *q, char *host, size_t len, long *port)
{
	const char	*colon, *end;
	char		*ep;

	*port = -1;
	if (q[0] == '[') {
		if ((end = strchr(q, ']')) == NULL ||
		    (size_t)(end - q - 1) >= len)
			return (-1);
		memcpy(host, q + 1, end - q - 1);
		host[end - q - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return (-1);
	} else if ((colon = strchr(q, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		if ((size_t)(colon - q) >= len)
			return (-1);
		memcpy(host, q, colon - q);
		host[colon - q] = '\0';
	} else {
		colon = NULL;
		if (strlen(q) >= len)
			return (-1);
		snprintf(host, len, "%s", q);
	}
	if (colon != NULL) {
		errno = 0;
		*port = strtol(colon + 1, &ep, 10);
		if (errno != 0 || *ep != '\0' || colon[1] == '\0' ||
		    *port < 1 || *port > 65535)
			return (-1);
	}
	return (host[0] != '\0' ? 0 : -1);
}

/* The host's services: only network.host_loopback.allow_ports. */
static int
why_host_port(struct why *w, const char *what, long port)
{
	const struct policy_entry	*e =
	    &w->pol.e[PK_NET_HOST_LOOPBACK_PORTS];
	const struct policy_value	*v = NULL;
	char				 src[PATH_MAX + 16], pbuf[24];
	size_t				 i;

	for (i = 0; port > 0 && i < e->n; i++)
		if (e->v[i].num == (uint64_t)port)
			v = &e->v[i];
	if (v != NULL) {
		fprintf(w->out, "%s:%ld\n  connect: allowed:"
		    " network.host_loopback.allow_ports %s in %s (the host's"
		    " 127.0.0.1:%ld, as %s:%ld)\n", what, port, v->str,
		    src_text(v, src, sizeof(src)), port, SANDBOX_HOST_NAME,
		    port);
		return (GW_WHY_ALLOWED);
	}
	snprintf(pbuf, sizeof(pbuf), "%ld", port);
	fprintf(w->out, "%s%s%s\n  connect: denied: the host's own services"
	    " are reached only as %s on a port of"
	    " network.host_loopback.allow_ports, which %s\n", what,
	    port > 0 ? ":" : "", port > 0 ? pbuf : "", SANDBOX_HOST_NAME,
	    port > 0 ? "does not list it" : "needs a port (HOST:PORT)");
	if (port > 0)
		fprintf(w->out, "only the administrator can allow this, with"
		    " a policy.d file such as:\n  users: [%s]\n  network:\n"
		    "    host_loopback:\n      allow_ports: [%ld]\n", w->user,
		    port);
	return (GW_WHY_DENIED);
}

static int
why_host(struct why *w, const char *q)
{
	const struct policy_value	*up = &w->pol.e[PK_NET_UPSTREAM].one;
	const struct policy_value	*v;
	struct net_rules		*nr = NULL;
	char				**al = NULL, **dn = NULL, **ci = NULL;
	char				 host[DNS_NAME_MAX + 8], *err = NULL;
	char				 src[PATH_MAX + 16], pbuf[24];
	const char			*rule = NULL;
	uint8_t				 addr[16];
	long				 port;
	int				 fam = 0, ok, ret = GW_WHY_DENIED;

	if (host_split(q, host, sizeof(host), &port) == -1) {
		fprintf(w->out, "'%s': not a path (/..., ~/..., ./...), an"
		    " event id (SANDBOX.SEQ) or HOST[:PORT]\n", q);
		return (GW_WHY_DENIED);
	}
	pbuf[0] = '\0';
	if (port > 0)
		snprintf(pbuf, sizeof(pbuf), ":%ld", port);
	if (up->num == 0) {		/* none */
		fprintf(w->out, "%s%s\n  connect: denied: no network, by"
		    " network.upstream: none in %s\nonly the administrator"
		    " can allow this\n", host, pbuf,
		    src_text(up, src, sizeof(src)));
		return (GW_WHY_DENIED);
	}
	if (strcasecmp(host, SANDBOX_HOST_NAME) == 0)
		return (why_host_port(w, host, port));
	if (inet_pton(AF_INET, host, addr) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		fam = AF_INET6;
	if ((al = values(&w->pol, PK_NET_DOMAINS_ALLOW)) == NULL ||
	    (dn = values(&w->pol, PK_NET_DOMAINS_DENY)) == NULL ||
	    (ci = values(&w->pol, PK_NET_CIDRS_ALLOW)) == NULL ||
	    (nr = net_rules_new(al, dn, ci, &err)) == NULL) {
		fprintf(w->out, "%s: cannot judge: %s\n", host, err != NULL ?
		    err : strerror(errno));
		goto out;
	}
	if (fam != 0) {
		ok = net_rules_addr(nr, fam, addr, &rule);
		if (!ok && rule != NULL && strcmp(rule, "loopback") == 0) {
			ret = why_host_port(w, host, port);
			goto out;
		}
		if (ok) {
			v = entry_find(&w->pol, PK_NET_CIDRS_ALLOW, rule);
			fprintf(w->out, "%s%s\n  connect: allowed:"
			    " network.cidrs.allow '%s' in %s (unless it is an"
			    " address of this host)\n", host, pbuf, rule,
			    src_text(v, src, sizeof(src)));
			ret = GW_WHY_ALLOWED;
			goto out;
		}
		if (rule != NULL && strcmp(rule, "default") != 0) {
			fprintf(w->out, "%s%s\n  connect: denied: a %s address,"
			    " never a destination\nnothing can allow this\n",
			    host, pbuf, rule);
			goto out;
		}
		fprintf(w->out, "%s%s\n  connect: denied: no"
		    " network.cidrs.allow entry holds it\nonly the"
		    " administrator can allow this, with a policy.d file such"
		    " as:\n  users: [%s]\n  network:\n    cidrs:\n"
		    "      allow: [\"%s/%d\"]\n", host, pbuf, w->user, host,
		    fam == AF_INET ? 32 : 128);
		goto out;
	}
	ok = net_rules_name(nr, host, &rule);
	if (ok) {
		v = entry_find(&w->pol, PK_NET_DOMAINS_ALLOW, rule);
		fprintf(w->out, "%s%s\n  connect: allowed:"
		    " network.domains.allow '%s' in %s (any port; refused"
		    " still if this host resolves it to one of its own"
		    " addresses)\n", host, pbuf, rule,
		    src_text(v, src, sizeof(src)));
		ret = GW_WHY_ALLOWED;
		goto out;
	}
	if (rule != NULL && (v = entry_find(&w->pol, PK_NET_DOMAINS_DENY,
	    rule)) != NULL) {
		fprintf(w->out, "%s%s\n  connect: denied by"
		    " network.domains.deny '%s' in %s\nonly the administrator"
		    " can allow this: the entry '%s' of network.domains.deny"
		    " in %s\n", host, pbuf, rule, src_text(v, src,
		    sizeof(src)), rule, src);
		goto out;
	}
	if (rule != NULL && strcmp(rule, "default") != 0) {
		fprintf(w->out, "%s%s\n  connect: denied: a %s name, never"
		    " a destination (host services: %s on"
		    " network.host_loopback.allow_ports)\nnothing can allow"
		    " this\n", host, pbuf, rule, SANDBOX_HOST_NAME);
		goto out;
	}
	fprintf(w->out, "%s%s\n  connect: denied: not in"
	    " network.domains.allow\nonly the administrator can allow this,"
	    " with a policy.d file such as:\n  users: [%s]\n  network:\n"
	    "    domains:\n      allow: [\"%s\"]\n", host, pbuf, w->user,
	    host);
out:
	net_rules_free(nr);
	free(err);
	free(al);
	free(dn);
	free(ci);
	return (ret);
}

/* An event of the caller's, then what the policy says now. */
static int
why_event(struct why *w, uid_t uid, const char *q, int *found)
{
	static const char *const writes[] = { "write", "create", "delete",
	    "rename", "truncate", "link" };
	struct gw_event	 ev;
	const char	*s[6];
	char		*ep, path[PATH_MAX];
	unsigned long	 id;
	unsigned long long seq;
	size_t		 i;
	int		 write = 0;

	*found = 0;
	errno = 0;
	id = strtoul(q, &ep, 10);
	if (errno != 0 || *ep != '.' || id > UINT32_MAX)
		return (GW_WHY_DENIED);
	seq = strtoull(ep + 1, &ep, 10);
	if (errno != 0 || *ep != '\0' ||
	    events_history_find(uid, id, seq, &ev, s) == -1)
		return (GW_WHY_DENIED);
	*found = 1;
	fprintf(w->out, "event %lu.%llu: denied %s %s (%s, pid %u) by %s%s%s"
	    "%s%s\n", id, seq, s[1], s[2], s[0], ev.pid, s[3],
	    s[4][0] != '\0' ? " in " : "", s[4], s[5][0] != '\0' ? ": " : "",
	    s[5]);
	fprintf(w->out, "your policy now:\n");
	switch (ev.kind) {
	case GW_EV_FS:
		for (i = 0; i < nitems(writes); i++)
			if (strcmp(s[1], writes[i]) == 0)
				write = 1;
		if (snprintf(path, sizeof(path), "%s", s[2]) >=
		    (int)sizeof(path))
			return (GW_WHY_DENIED);
		return (why_path(w, path, write, write && strcmp(s[1],
		    "write") != 0 && strcmp(s[1], "truncate") != 0));
	case GW_EV_DNS:
	case GW_EV_CONNECT:
		return (why_host(w, s[2]));
	case GW_EV_SYSCALL:
		fprintf(w->out, "  the system call is refused by the"
		    " sandbox's seccomp filter (hardening.seccomp and"
		    " hardening.seccomp_deny)\nonly the administrator can"
		    " allow this\n");
		return (GW_WHY_DENIED);
	case GW_EV_COMMAND:
		fprintf(w->out, "  the command guard refused it by %s%s%s\n"
		    "only the administrator can allow this\n", s[3],
		    s[4][0] != '\0' ? " in " : "", s[4]);
		return (GW_WHY_DENIED);
	case GW_EV_UPSTREAM:
		fprintf(w->out, "  the SOCKS5 proxy (network.upstream.socks5)"
		    " refused it or is down; see gw doctor\nonly the"
		    " administrator can change this\n");
		return (GW_WHY_DENIED);
	default:
		fprintf(w->out, "  only TCP and DNS leave a sandbox: nothing"
		    " can allow this\n");
		return (GW_WHY_DENIED);
	}
}

/* Whether q looks like an event id: digits, a dot, digits. */
static int
is_event_id(const char *q)
{
	size_t	a = strspn(q, "0123456789"), b;

	if (a == 0 || q[a] != '.')
		return (0);
	b = strspn(q + a + 1, "0123456789");
	return (b > 0 && q[a + 1 + b] == '\0');
}

/*
 * GW_MSG_WHY from a gw: answer with GW_MSG_WHY_ANSWER or an error. The
 * identity is the peer's; the policy is its effective one, narrowed by
 * the overlay if one came, as gw exec --policy would be.
 */
void
why_answer(struct conn *c, const struct gw_msg *m)
{
	const struct peer	*peer = control_peer(c);
	struct gw_why		 q;
	struct gw_why_answer	 a;
	struct why		 w;
	struct policy		 ov;
	struct policy_error	 err;
	struct passwd		*pw;
	char			**groups = NULL, *text = NULL, buf[1024];
	char			*user = NULL, *home = NULL;
	const char		*strs[1];
	size_t			 ngroups = 0, len = 0, i;
	int			 found, have = 0;

	memcpy(&q, m->data, sizeof(q));
	memset(&w, 0, sizeof(w));
	memset(&ov, 0, sizeof(ov));
	memset(&a, 0, sizeof(a));
	if ((q.flags & ~GW_WHY_FLAGS) != 0 || q.reserved != 0 ||
	    m->str[0][0] == '\0' || strlen(m->str[0]) >= PATH_MAX ||
	    strlen(m->str[1]) >= PATH_MAX ||
	    strlen(m->str[3]) > GW_POLICY_MAX) {
		control_send_error(c, GW_ERR_PROTOCOL, "bad why request");
		return;
	}
	if ((pw = getpwuid(peer->uid)) == NULL) {
		control_send_error(c, GW_ERR_DENIED, "uid %u has no entry in"
		    " the password database", (unsigned)peer->uid);
		return;
	}
	if ((user = strdup(pw->pw_name)) == NULL ||
	    (home = strdup(pw->pw_dir)) == NULL ||
	    policy_user_groups(pw, &groups, &ngroups) == -1 ||
	    policyset_effective(&gw_policy, user, groups, ngroups,
	    &w.pol) == -1) {
		log_warn("%s: effective policy for uid %u", __func__,
		    (unsigned)peer->uid);
		control_send_error(c, GW_ERR_INTERNAL, "cannot compute the"
		    " policy");
		goto out;
	}
	have = 1;
	if (m->str[3][0] != '\0') {
		memset(&err, 0, sizeof(err));
		if (policy_parse(m->str[2][0] != '\0' ? m->str[2] :
		    "(overlay)", m->str[3], strlen(m->str[3]),
		    POLICY_PARSE_OVERLAY, &ov, &err) == -1 ||
		    policy_narrow(&w.pol, &ov, &err) == -1) {
			policy_error_format(&err, buf, sizeof(buf));
			control_send_error(c, GW_ERR_DENIED, "%s", buf);
			goto out;
		}
	}
	w.user = user;
	w.home = home;
	w.cwd = m->str[1][0] == '/' ? m->str[1] : "";
	if ((w.out = open_memstream(&text, &len)) == NULL) {
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (is_event_id(m->str[0])) {
		a.verdict = why_event(&w, peer->uid, m->str[0], &found);
		if (!found) {
			fclose(w.out);
			w.out = NULL;
			control_send_error(c, GW_ERR_NOTFOUND, "no event %s of"
			    " yours: greywalld keeps the last %d events since"
			    " it started", m->str[0], 1024);
			goto out;
		}
	} else if (m->str[0][0] == '/' || m->str[0][0] == '~' ||
	    m->str[0][0] == '.' || strchr(m->str[0], '/') != NULL)
		a.verdict = why_path(&w, m->str[0], q.flags & GW_WHY_WRITE,
		    0);
	else
		a.verdict = why_host(&w, m->str[0]);
	if (fclose(w.out) != 0) {
		w.out = NULL;
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		goto out;
	}
	w.out = NULL;
	if (len >= GW_STR_MAX)
		text[GW_STR_MAX - 1] = '\0';
	strs[0] = text;
	control_send(c, GW_MSG_WHY_ANSWER, 0, &a, sizeof(a), strs, 1);
out:
	if (have)
		policy_clear(&w.pol);
	policy_clear(&ov);
	free(text);
	free(user);
	free(home);
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
}
