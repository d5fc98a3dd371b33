/*
 * gw exec --learn: the denials of one run, turned into the smallest
 * policy fragment that would allow them. Only what the events name as
 * allowable by filesystem.read, filesystem.write or
 * network.domains.allow goes in; a denial by deny_read, deny_write,
 * mask, protected paths, seccomp or the command guard is listed as a
 * comment for the administrator, never as an entry. Paths are collapsed
 * the way a person writes them: ~/.cache/APP, ~/.npm, a directory for
 * three files or more in it.
 *
 * Runs in gw, as the user; the events come from greywalld, which
 * sanitized them.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* LK_DOMAIN and LK_PORT go only in the administrator's file. */
enum learn_kind { LK_READ, LK_WRITE, LK_DOMAIN, LK_PORT, LK_ADMIN };

/*
 * Files that hold credentials: never learned, whatever the policy says
 * of them (most are on the shipped deny_read list anyway).
 */
static const char *const credentials[] = {
	"~/.ssh", "~/.gnupg", "~/.aws", "~/.azure", "~/.netrc", "~/.npmrc",
	"~/.pypirc", "~/.git-credentials", "~/.docker/config.json",
	"~/.kube/config", "~/.cargo/credentials", "~/.cargo/credentials.toml",
	"~/.config/gh", "~/.config/gcloud", "~/.password-store",
	"~/.local/share/keyrings",
};

struct learn_entry {
	int	 kind;		/* enum learn_kind */
	char	*value;		/* the path or name, as the event said */
	char	*why;		/* "cat: read ~/.x" */
	int	 dead;		/* folded into another entry */
	int	 lookup;	/* only looked up (stat): see learn_finish */
	int	 seeded;	/* from --policy: an earlier run */
};

static struct learn_entry	*ents;
static size_t			 nents;

static int
learn_add(int kind, const char *value, const char *why)
{
	struct learn_entry	*e;
	size_t			 i;

	for (i = 0; i < nents; i++)
		if (ents[i].kind == kind && strcmp(ents[i].value, value) == 0)
			return (0);
	if ((e = reallocarray(ents, nents + 1, sizeof(*e))) == NULL)
		return (-1);
	ents = e;
	e = &ents[nents];
	e->kind = kind;
	e->dead = 0;
	e->lookup = 0;
	e->seeded = 0;
	e->value = strdup(value);
	e->why = strdup(why);
	if (e->value == NULL || e->why == NULL)
		return (-1);
	nents++;
	return (0);
}

/* The value after 'allow with KEY: ["' (or '[' for a number) in a note. */
static int
allow_value(const char *note, const char *key, char *buf, size_t len)
{
	char		 pfx[64];
	const char	*p, *end;

	snprintf(pfx, sizeof(pfx), "allow with %s: [", key);
	if ((p = strstr(note, pfx)) == NULL)
		return (-1);
	p += strlen(pfx);
	if (*p == '"')
		end = strstr(++p, "\"]");
	else if ((end = strchr(p, ']')) != NULL &&
	    (size_t)(end - p) != strspn(p, "0123456789"))
		end = NULL;
	if (end == NULL || end == p || (size_t)(end - p) >= len)
		return (-1);
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return (0);
}

static int	below(const char *, const char *);

/*
 * A read entry. One only looked up (stat) is marked: most programs look
 * for files they can do without (pip's ~/.cache), so it is learned only
 * when nothing else explains a failed run (learn_finish).
 */
static void
lookup_add(const char *val, const char *why, int lookup)
{
	size_t	i;

	for (i = 0; i < nents; i++)
		if (ents[i].kind == LK_READ && strcmp(ents[i].value,
		    val) == 0) {
			if (!lookup)
				ents[i].lookup = 0;
			return;
		}
	if (learn_add(LK_READ, val, why) == 0 && nents > 0 &&
	    strcmp(ents[nents - 1].value, val) == 0)
		ents[nents - 1].lookup = lookup;
}

/* Is path, as the event names it, a credential file or below one? */
static int
credential(const char *path)
{
	size_t	i;

	for (i = 0; i < nitems(credentials); i++)
		if (below(path, credentials[i]))
			return (1);
	return (0);
}

/* One event of the run (s: comm, action, target, rule, file, note). */
void
learn_event(uint32_t kind, const char *const *s)
{
	char	why[600], val[PATH_MAX];

	snprintf(why, sizeof(why), "%s: %s %s", s[0], s[1], s[2]);
	if (kind == GW_EV_FS && credential(s[2]) &&
	    (strcmp(s[3], "filesystem.read") == 0 ||
	    strcmp(s[3], "filesystem.write") == 0)) {
		snprintf(why, sizeof(why), "%s: %s %s (a credential file:"
		    " never learned)", s[0], s[1], s[2]);
		learn_add(LK_ADMIN, s[2], why);
		return;
	}
	/* The whole home or tree is never learned: too broad to review. */
	if (strcmp(s[2], "~") == 0 || strcmp(s[2], "/") == 0) {
		snprintf(why, sizeof(why), "%s: %s %s (too broad to learn;"
		    " name what it needs inside)", s[0], s[1], s[2]);
		learn_add(LK_ADMIN, s[2], why);
		return;
	}
	switch (kind) {
	case GW_EV_FS:
		/*
		 * The hint names the key to add to, whichever rule decided
		 * (a write below a read path is named by the read entry).
		 */
		if ((strcmp(s[3], "filesystem.read") == 0 ||
		    strcmp(s[3], "filesystem.write") == 0) &&
		    allow_value(s[5], "filesystem.write", val,
		    sizeof(val)) == 0) {
			learn_add(LK_WRITE, val, why);
			return;
		}
		if (strcmp(s[3], "filesystem.read") == 0 &&
		    allow_value(s[5], s[3], val, sizeof(val)) == 0) {
			lookup_add(val, why, strcmp(s[1], "stat") == 0);
			return;
		}
		break;
	case GW_EV_DNS:
	case GW_EV_CONNECT:
		/* A port of the host's own services not allowed. */
		if (strcmp(s[3], "default") == 0 && allow_value(s[5],
		    "network.host_loopback.allow_ports", val,
		    sizeof(val)) == 0) {
			learn_add(LK_PORT, val, why);
			return;
		}
		/* A name no allowance matched; a deny entry is the admin's. */
		if (strcmp(s[3], "default") == 0 && strchr(s[2], '/') == NULL) {
			snprintf(val, sizeof(val), "%s", s[2]);
			val[strcspn(val, ":")] = '\0';
			if (strspn(val, "0123456789.") != strlen(val)) {
				learn_add(LK_DOMAIN, val, why);
				return;
			}
		}
		break;
	}
	snprintf(why, sizeof(why), "%s: %s %s, by %s%s%s", s[0], s[1], s[2],
	    s[3], s[4][0] != '\0' ? " in " : "", s[4]);
	learn_add(LK_ADMIN, s[2], why);
}

/*
 * gw exec --learn --policy FILE: FILE's entries stay in what is learned,
 * so each run adds to the last. Reads the list items of a learned file
 * (or any overlay written in block style) under filesystem.read,
 * filesystem.write and network.domains.allow.
 */
void
learn_seed(const char *text)
{
	const char	*line, *nl, *q;
	char		 buf[PATH_MAX], val[PATH_MAX];
	int		 kind = -1;
	size_t		 len;

	for (line = text; line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if (nl != NULL)
			nl++;
		if (len >= sizeof(buf))
			continue;
		memcpy(buf, line, len);
		buf[len] = '\0';
		q = buf + strspn(buf, " ");
		if (strncmp(q, "read:", 5) == 0)
			kind = LK_READ;
		else if (strncmp(q, "write:", 6) == 0)
			kind = LK_WRITE;
		else if (strncmp(q, "allow:", 6) == 0)
			kind = LK_DOMAIN;
		else if (strncmp(q, "- \"", 3) == 0 && kind != -1 &&
		    sscanf(q + 3, "%4095[^\"]", val) == 1) {
			if (learn_add(kind, val, "an earlier run (--policy)") ==
			    0 && nents > 0 && strcmp(ents[nents - 1].value,
			    val) == 0)
				ents[nents - 1].seeded = 1;
		}
		else if (*q != '#' && *q != '\0' && q == buf)
			kind = -1;
	}
}

/* Is path at or below dir? */
static int
below(const char *path, const char *dir)
{
	size_t	l = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return (path[0] == '/');
	return (strncmp(path, dir, l) == 0 &&
	    (path[l] == '/' || path[l] == '\0'));
}

/*
 * The entry a person would write for path: ~/.cache/APP, ~/.config/APP,
 * ~/.local/share/APP, a dot directory of the home (~/.npm); else path.
 */
static void
collapse(const char *path, char *buf, size_t len)
{
	static const char *const apps[] = { "~/.cache/", "~/.config/",
	    "~/.local/share/", "~/.local/state/" };
	const char	*p, *slash;
	size_t		 i;

	snprintf(buf, len, "%s", path);
	for (i = 0; i < nitems(apps); i++)
		if (strncmp(path, apps[i], strlen(apps[i])) == 0) {
			p = path + strlen(apps[i]);
			if ((slash = strchr(p, '/')) != NULL)
				buf[slash - path] = '\0';
			return;
		}
	if (strncmp(path, "~/.", 3) == 0 && (slash = strchr(path + 2,
	    '/')) != NULL && strncmp(path, "~/.local/", 9) != 0)
		buf[slash - path] = '\0';
}

/* Directories that hold many unrelated things: never learned whole. */
static int
generic_dir(const char *dir)
{
	static const char *const dirs[] = { "~", "~/.config", "~/.cache",
	    "~/.local", "~/.local/share", "~/.local/state", "~/.local/bin",
	    "/", "/home", "/tmp", "/var", "/var/tmp", "/srv", "/mnt",
	    "/media", "/opt", "/usr", "/etc" };
	size_t	i;

	if (dir[0] != '~' && dir[0] != '/')
		return (1);
	for (i = 0; i < nitems(dirs); i++)
		if (strcmp(dir, dirs[i]) == 0)
			return (1);
	return (0);
}

static void
learn_collapse(void)
{
	char	c[PATH_MAX], dir[PATH_MAX], *s;
	size_t	i, j, n;

	for (i = 0; i < nents; i++) {
		if (ents[i].kind != LK_READ && ents[i].kind != LK_WRITE)
			continue;
		collapse(ents[i].value, c, sizeof(c));
		if (strcmp(c, ents[i].value) != 0 &&
		    (s = strdup(c)) != NULL) {
			free(ents[i].value);
			ents[i].value = s;
		}
	}
	/* Three or more files of one directory: the directory. */
	for (i = 0; i < nents; i++) {
		if (ents[i].dead || ents[i].kind > LK_WRITE)
			continue;
		snprintf(dir, sizeof(dir), "%s", ents[i].value);
		if ((s = strrchr(dir, '/')) == NULL || s == dir ||
		    strcmp(dir, "~") == 0)
			continue;
		*s = '\0';
		if (strcmp(dir, "~") == 0)
			continue;
		for (n = 0, j = 0; j < nents; j++)
			if (!ents[j].dead && ents[j].kind == ents[i].kind &&
			    below(ents[j].value, dir))
				n++;
		if (n >= 3 && (s = strdup(dir)) != NULL) {
			free(ents[i].value);
			ents[i].value = s;
		}
	}
	/*
	 * A file, and another below a subdirectory of its directory
	 * (Cargo.toml and src/lib.rs): that directory, the project a
	 * person would name. Never a directory that holds unrelated
	 * things: the home, ~/.config and the like, the root.
	 */
	for (i = 0; i < nents; i++) {
		if (ents[i].dead || ents[i].kind > LK_WRITE)
			continue;
		snprintf(dir, sizeof(dir), "%s", ents[i].value);
		if ((s = strrchr(dir, '/')) == NULL || s == dir)
			continue;
		*s = '\0';
		if (generic_dir(dir))
			continue;
		for (j = 0; j < nents; j++) {
			if (j == i || ents[j].dead || ents[j].kind !=
			    ents[i].kind || !below(ents[j].value, dir) ||
			    strchr(ents[j].value + strlen(dir) + 1, '/') ==
			    NULL)
				continue;
			if ((s = strdup(dir)) != NULL) {
				free(ents[i].value);
				ents[i].value = s;
			}
			break;
		}
	}
	/* Covered by another entry: a write covers reads too. */
	for (i = 0; i < nents; i++)
		for (j = 0; j < nents && !ents[i].dead; j++) {
			if (i == j || ents[j].dead || ents[i].kind > LK_WRITE ||
			    ents[j].kind > LK_WRITE ||
			    (ents[j].kind == LK_READ &&
			    ents[i].kind == LK_WRITE))
				continue;
			if (below(ents[i].value, ents[j].value) &&
			    (strcmp(ents[i].value, ents[j].value) != 0 ||
			    ents[i].kind != ents[j].kind || i > j))
				ents[i].dead = 1;
		}
}

static void
yaml_list(FILE *f, int kind, const char *key, const char *indent)
{
	size_t	i;
	int	any = 0;

	for (i = 0; i < nents; i++) {
		if (ents[i].kind != kind || ents[i].dead)
			continue;
		if (!any)
			fprintf(f, "%s%s:\n", indent, key);
		any = 1;
		if (kind == LK_PORT)
			fprintf(f, "%s  - %s\t# %s\n", indent, ents[i].value,
			    ents[i].why);
		else
			fprintf(f, "%s  - \"%s\"\t# %s\n", indent,
			    ents[i].value, ents[i].why);
	}
}

static int
has(int kind)
{
	size_t	i;

	for (i = 0; i < nents; i++)
		if (ents[i].kind == kind && !ents[i].dead)
			return (1);
	return (0);
}

static void
learn_yaml(FILE *f, const char *user, const char *cmdline, int admin)
{
	size_t	i;
	int	first;

	fprintf(f, "# Learned by gw exec --learn for: %s\n", cmdline);
	if (admin)
		fprintf(f, "# For the administrator: install as /etc/greywall/"
		    "policy.d/60-learned-%s.yaml\n# (it selects only user"
		    " %s), then gwctl reload.\nusers: [%s]\n", user, user,
		    user);
	else
		fprintf(f, "# Review, then: gw exec --policy THIS_FILE --"
		    " COMMAND. Adding paths needs\n# client_may.add_read or"
		    " add_write from the administrator, and an overlay's\n"
		    "# list replaces yours: keep your own entries in it.\n");
	if (has(LK_READ) || has(LK_WRITE)) {
		fprintf(f, "filesystem:\n");
		yaml_list(f, LK_READ, "read", "  ");
		yaml_list(f, LK_WRITE, "write", "  ");
	}
	/* A client overlay cannot add destinations: the admin's file. */
	if (admin && (has(LK_DOMAIN) || has(LK_PORT)))
		fprintf(f, "network:\n");
	if (admin && has(LK_DOMAIN)) {
		fprintf(f, "  domains:\n");
		yaml_list(f, LK_DOMAIN, "allow", "    ");
	}
	if (admin && has(LK_PORT)) {
		fprintf(f, "  host_loopback:\n");
		yaml_list(f, LK_PORT, "allow_ports", "    ");
	}
	if (!has(LK_READ) && !has(LK_WRITE) && (!admin ||
	    (!has(LK_DOMAIN) && !has(LK_PORT))))
		fprintf(f, "# Nothing to allow: no denial a policy entry of"
		    " yours could lift.\n");
	first = 1;
	for (i = 0; i < nents; i++) {
		if (ents[i].kind != LK_ADMIN && (admin || ents[i].dead ||
		    (ents[i].kind != LK_DOMAIN && ents[i].kind != LK_PORT)))
			continue;
		if (first)
			fprintf(f, "# Not learned (only the administrator can"
			    " allow these, or not needed%s):\n", admin ? "" :
			    "; the .policy.d.yaml file has the destinations");
		first = 0;
		fprintf(f, "#   %s\n", ents[i].why);
	}
}

static int
mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			*p = '/';
			return (-1);
		}
		*p = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

static int
save(const char *path, const char *user, const char *cmdline, int admin)
{
	FILE	*f;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		warn("%s", path);
		if (fd != -1)
			close(fd);
		return (-1);
	}
	learn_yaml(f, user, cmdline, admin);
	if (fclose(f) == EOF) {
		warn("%s", path);
		return (-1);
	}
	return (0);
}

/*
 * At the end of the run: print the fragment and save it, with the
 * administrator's file, as out (or ~/.config/greywall/learned/NAME.yaml)
 * and NAME.policy.d.yaml. Returns 0 or -1.
 */
int
learn_finish(const char *out, const char *cmd, const char *cmdline,
    int failed)
{
	struct client_pw pw;
	const char	*home, *base;
	char		 dir[PATH_MAX], user_path[PATH_MAX + 128],
			 admin_path[PATH_MAX + 128], name[64], *dot, *w;
	size_t		 i;
	int		 other = 0;

	snprintf(name, sizeof(name), "%u", (unsigned)getuid());
	if (client_passwd(name, &pw) == -1) {
		warn("--learn: who am I? getent passwd %s", name);
		return (-1);
	}
	/*
	 * Paths only looked up: learned when the run failed and nothing
	 * else new was learned; else a comment (a later run that still
	 * fails learns them).
	 */
	for (i = 0; i < nents; i++)
		if (!ents[i].seeded && !ents[i].lookup &&
		    ents[i].kind != LK_ADMIN)
			other = 1;
	for (i = 0; i < nents; i++) {
		if (!ents[i].lookup || ents[i].seeded || (failed && !other))
			continue;
		if (asprintf(&w, "%s (only looked up, and the command did"
		    " %s: not learned)", ents[i].why, failed ? "fail for"
		    " other reasons" : "not fail") == -1)
			continue;
		free(ents[i].why);
		ents[i].why = w;
		ents[i].kind = LK_ADMIN;
	}
	learn_collapse();
	fprintf(stderr, "[greywall] learned policy:\n");
	learn_yaml(stderr, pw.name, cmdline, 0);
	base = strrchr(cmd, '/') != NULL ? strrchr(cmd, '/') + 1 : cmd;
	snprintf(name, sizeof(name), "%s", base);
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			name[i] = '_';
	if (out != NULL) {
		snprintf(user_path, sizeof(user_path), "%s", out);
		snprintf(admin_path, sizeof(admin_path), "%s", out);
		if ((dot = strrchr(admin_path, '.')) != NULL &&
		    strchr(dot, '/') == NULL)
			*dot = '\0';
		strncat(admin_path, ".policy.d.yaml",
		    sizeof(admin_path) - strlen(admin_path) - 1);
	} else {
		if ((home = getenv("HOME")) == NULL || home[0] != '/')
			home = pw.dir;
		if ((size_t)snprintf(dir, sizeof(dir),
		    "%s/.config/greywall/learned", home) >= sizeof(dir)) {
			warnx("--learn: %s: the home directory's path is too"
			    " long", home);
			return (-1);
		}
		if (mkdirs(dir) == -1) {
			warn("%s", dir);
			return (-1);
		}
		snprintf(user_path, sizeof(user_path), "%s/%s.yaml", dir,
		    name);
		snprintf(admin_path, sizeof(admin_path),
		    "%s/%s.policy.d.yaml", dir, name);
	}
	if (save(user_path, pw.name, cmdline, 0) == -1 ||
	    save(admin_path, pw.name, cmdline, 1) == -1)
		return (-1);
	fprintf(stderr, "[greywall] saved: %s (gw exec --policy) and %s"
	    " (for the administrator's policy.d)\n", user_path, admin_path);
	return (0);
}
