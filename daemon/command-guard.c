/*
 * The command guard: refuse to start a sandbox whose command matches a
 * command.deny prefix (or the built-in list of machine-wrecking commands)
 * unless a command.allow prefix matches first. It is a guard against
 * mistakes, not a boundary: it sees the argv and the shell strings in it
 * before anything runs, never what a script decides to run later.
 *
 * Within that scope it tries not to be fooled by the usual spellings:
 * full paths, "sh -c" strings split into their commands (";", "&", "&&",
 * "||", "|", newlines, subshells, $(...) and backquotes), nested shells,
 * VAR=value prefixes, wrappers (env, command, exec, nohup, nice, time,
 * timeout, xargs, stdbuf, setsid, busybox) and git's global options.
 * Pure: strings in, a verdict out, for the unit test and the fuzzer.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

#define GUARD_DEPTH	8	/* nested shells */
#define GUARD_TOKENS	256	/* words per command looked at */

/* The peers' list, with "dd if=" and the docker entries made to match. */
static const char *const guard_defaults[] = {
	"shutdown", "reboot", "halt", "poweroff", "init 0", "init 6",
	"systemctl poweroff", "systemctl reboot", "systemctl halt",
	"insmod", "rmmod", "modprobe", "kexec", "mkfs", "mkfs.ext2",
	"mkfs.ext3", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "mkfs.vfat",
	"mkfs.ntfs", "fdisk", "parted", "dd if=", "docker run -v /:/",
	"docker run --privileged", "chroot", "unshare", "nsenter", NULL
};

struct guard {
	char *const	 *deny;
	char *const	 *allow;
	int		  defaults;
	struct guard_match *m;
	int		  depth;
};

static int	guard_string(struct guard *, const char *);

static const char *
base(const char *s)
{
	const char	*p = strrchr(s, '/');

	return (p != NULL && p[1] != '\0' ? p + 1 : s);
}

static int
is_shell(const char *w)
{
	static const char *const shells[] = { "sh", "bash", "dash", "zsh",
	    "ksh", "mksh", "ash", "fish", "busybox", NULL };
	size_t	i;

	for (i = 0; shells[i] != NULL; i++)
		if (strcmp(w, shells[i]) == 0)
			return (1);
	return (0);
}

static int
is_assignment(const char *w)
{
	const char	*p = w;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    *p == '_'))
		return (0);
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= '0' && *p <= '9') || *p == '_')
		p++;
	return (*p == '=');
}

/*
 * Does the prefix "w1 w2 ..." match words v[0..n)? Words compare whole,
 * except a last prefix word ending in '=', ':' or '/', which matches the
 * start of a word ("dd if=" matches "dd if=/dev/sda").
 */
static int
prefix_match(const char *prefix, char **v, size_t n)
{
	char		 buf[1024], *save = NULL, *w;
	size_t		 i = 0, len;

	if (snprintf(buf, sizeof(buf), "%s", prefix) >= (int)sizeof(buf))
		return (0);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save), i++) {
		if (i >= n)
			return (0);
		len = strlen(w);
		if (i == 0) {
			if (strcmp(base(w), v[0]) != 0)
				return (0);
			continue;
		}
		if (strcmp(w, v[i]) == 0)
			continue;
		if (len > 0 && strchr("=:/", w[len - 1]) != NULL &&
		    strncmp(w, v[i], len) == 0 && save != NULL &&
		    *save == '\0')
			continue;
		return (0);
	}
	return (i > 0);
}

static const char *
list_match(char *const *list, char **v, size_t n)
{
	size_t	i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (prefix_match(list[i], v, n))
			return (list[i]);
	return (NULL);
}

/* Skip a wrapper's own options; returns the index of its command. */
static size_t
skip_wrapper(const char *w, char **v, size_t i, size_t n)
{
	/* Options of these wrappers that take a separate value. */
	static const char *const valued[] = {
		"env:-u", "env:-C", "env:-S", "nice:-n", "timeout:-s",
		"timeout:-k", "xargs:-I", "xargs:-n", "xargs:-L", "xargs:-P",
		"xargs:-d", "xargs:-E", "xargs:-s", "xargs:-a", "stdbuf:-i",
		"stdbuf:-o", "stdbuf:-e", "time:-f", "time:-o", NULL
	};
	char	key[64];
	size_t	k;
	int	dur = strcmp(w, "timeout") == 0;

	for (i++; i < n; i++) {
		if (strcmp(v[i], "--") == 0)
			return (i + 1);
		if (strcmp(w, "env") == 0 && (is_assignment(v[i]) ||
		    strcmp(v[i], "-") == 0))
			continue;
		if (v[i][0] != '-' || v[i][1] == '\0') {
			/* timeout's first operand is the duration. */
			if (dur) {
				dur = 0;
				continue;
			}
			return (i);
		}
		snprintf(key, sizeof(key), "%s:%s", w, v[i]);
		for (k = 0; valued[k] != NULL; k++)
			if (strcmp(valued[k], key) == 0) {
				i++;
				break;
			}
	}
	return (n);
}

/*
 * One simple command, as words (modified in place). Peel assignments
 * and wrappers, look into shells' -c strings, then match the rest.
 * Returns 1 if blocked.
 */
static int
guard_words(struct guard *g, char **v, size_t n)
{
	static const char *const keywords[] = { "if", "then", "else", "elif",
	    "fi", "do", "done", "while", "until", "!", "{", "}", "time",
	    "exec", "command", "builtin", "nohup", "setsid", NULL };
	static const char *const wrappers[] = { "env", "nice", "timeout",
	    "xargs", "stdbuf", "ionice", "chrt", "doas", "sudo", NULL };
	const char	*hit, *w;
	size_t		 i = 0, k, j;

	for (;;) {
		while (i < n && is_assignment(v[i]))
			i++;
		if (i >= n)
			return (0);
		w = base(v[i]);
		for (k = 0; keywords[k] != NULL; k++)
			if (strcmp(w, keywords[k]) == 0)
				break;
		if (keywords[k] != NULL) {
			/* command -v/-V only looks a command up. */
			if (strcmp(w, "command") == 0 && i + 1 < n &&
			    (strcmp(v[i + 1], "-v") == 0 ||
			    strcmp(v[i + 1], "-V") == 0))
				return (0);
			i++;
			while (i < n && strcmp(w, "command") == 0 &&
			    strcmp(v[i], "-p") == 0)
				i++;
			continue;
		}
		for (k = 0; wrappers[k] != NULL; k++)
			if (strcmp(w, wrappers[k]) == 0)
				break;
		if (wrappers[k] != NULL) {
			i = skip_wrapper(w, v, i, n);
			continue;
		}
		if (strcmp(w, "busybox") == 0 && i + 1 < n &&
		    !is_shell(base(v[i + 1]))) {
			i++;
			continue;
		}
		break;
	}
	v += i;
	n -= i;
	v[0] = (char *)base(v[0]);

	/* A shell's -c string is commands too: both are checked. */
	if (is_shell(v[0])) {
		for (k = 1; k < n; k++) {
			if (v[k][0] != '-' || v[k][1] == '-')
				continue;
			if (strchr(v[k], 'c') == NULL)
				continue;
			for (j = k + 1; j < n && v[j][0] == '-'; j++)
				;
			if (j < n && guard_string(g, v[j]))
				return (1);
			break;
		}
	}
	/* git's global options come before the subcommand. */
	if (strcmp(v[0], "git") == 0) {
		for (k = 1; k < n && v[k][0] == '-'; ) {
			if (strcmp(v[k], "-C") == 0 || strcmp(v[k], "-c") == 0 ||
			    strcmp(v[k], "--git-dir") == 0 ||
			    strcmp(v[k], "--work-tree") == 0 ||
			    strcmp(v[k], "--namespace") == 0)
				k += 2;
			else
				k++;
		}
		if (k > 1 && k < n) {
			memmove(v + 1, v + k, (n - k) * sizeof(*v));
			n -= k - 1;
		}
	}
	if (list_match(g->allow, v, n) != NULL)
		return (0);
	if ((hit = list_match(g->deny, v, n)) == NULL && g->defaults &&
	    (hit = list_match((char *const *)guard_defaults, v, n)) != NULL)
		g->m->builtin = 1;
	if (hit == NULL)
		return (0);
	g->m->prefix = hit;
	for (k = 0, j = 0; k < n && j + 1 < sizeof(g->m->command); k++)
		j += snprintf(g->m->command + j, sizeof(g->m->command) - j,
		    "%s%s", k > 0 ? " " : "", v[k]);
	return (1);
}

/*
 * Split a shell string into simple commands and check each. Quotes and
 * backslashes group words; ; & | ( ) ` newlines and "$(" separate
 * commands. Anything stranger (here-documents, expansions) stays a word:
 * a guard, not a shell.
 */
static int
guard_string(struct guard *g, const char *s)
{
	char		*buf, *o, *v[GUARD_TOKENS];
	size_t		 n = 0, len = strlen(s);
	int		 inword = 0, r = 0;
	char		 q = 0;

	if (++g->depth > GUARD_DEPTH) {
		/* Deeper than any honest command: refuse. */
		g->m->prefix = "(shells nested too deep to check)";
		g->m->builtin = 1;
		snprintf(g->m->command, sizeof(g->m->command), "%.200s", s);
		return (1);
	}
	if ((buf = malloc(2 * len + 2)) == NULL) {
		g->m->prefix = "(out of memory)";
		g->m->builtin = 1;
		return (1);
	}
	for (o = buf; ; s++) {
		if (q == '\'') {
			if (*s == '\0')
				break;
			if (*s == '\'')
				q = 0;
			else
				*o++ = *s;
			continue;
		}
		if (q == '"') {
			if (*s == '\0')
				break;
			if (*s == '"')
				q = 0;
			else if (*s == '\\' && s[1] != '\0' &&
			    strchr("\"\\$`", s[1]) != NULL)
				*o++ = *++s;
			else if (*s == '`' || (*s == '$' && s[1] == '(')) {
				/* A command inside the quotes: read on as one. */
				q = 0;
				goto sep;
			} else
				*o++ = *s;
			continue;
		}
		if (*s == '\'' || *s == '"') {
			q = *s;
			if (!inword) {
				v[n++] = o;
				inword = 1;
			}
			continue;
		}
		if (*s == '\\' && s[1] != '\0') {
			if (!inword) {
				v[n++] = o;
				inword = 1;
			}
			s++;
			if (*s != '\n')
				*o++ = *s;
			continue;
		}
		if (*s == '\0' || strchr(";&|()`\n", *s) != NULL ||
		    (*s == '$' && s[1] == '(')) {
sep:
			if (inword)
				*o++ = '\0';
			inword = 0;
			if (n > 0 && guard_words(g, v, n)) {
				r = 1;
				break;
			}
			n = 0;
			o = buf;
			if (*s == '\0')
				break;
			if (*s == '$')
				s++;
			continue;
		}
		if (*s == ' ' || *s == '\t') {
			if (inword)
				*o++ = '\0';
			inword = 0;
			continue;
		}
		if (!inword) {
			if (n == GUARD_TOKENS - 1) {
				/* Long tails do not change the verdict. */
				*o++ = '\0';
				inword = 0;
				continue;
			}
			v[n++] = o;
			inword = 1;
		}
		*o++ = *s;
	}
	if (r == 0 && n > 0 && q != 0) {
		/* An unterminated quote: check what there is. */
		*o = '\0';
		r = guard_words(g, v, n);
	}
	free(buf);
	g->depth--;
	return (r);
}

/*
 * Check argv against deny and allow (NULL-terminated prefix lists, or
 * NULL) and, with defaults, the built-in list. Returns 1 and fills m if
 * the command is blocked, 0 if it may run.
 */
int
command_guard_check(char *const *argv, char *const *deny,
    char *const *allow, int defaults, struct guard_match *m)
{
	struct guard	 g;
	char		*v[GUARD_TOKENS], *own[GUARD_TOKENS];
	size_t		 n = 0, k;
	int		 r = 0;

	memset(m, 0, sizeof(*m));
	memset(&g, 0, sizeof(g));
	g.deny = deny;
	g.allow = allow;
	g.defaults = defaults;
	g.m = m;
	for (n = 0; argv[n] != NULL && n < GUARD_TOKENS - 1; n++)
		if ((own[n] = v[n] = strdup(argv[n])) == NULL) {
			m->prefix = "(out of memory)";
			m->builtin = 1;
			r = 1;
			break;
		}
	if (r == 0 && n > 0)
		r = guard_words(&g, v, n);
	for (k = 0; k < n && own[k] != NULL; k++)
		free(own[k]);
	return (r);
}
