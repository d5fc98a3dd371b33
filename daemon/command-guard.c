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
 * timeout, xargs, stdbuf, setsid, ionice, chrt, sudo, doas, busybox) with
 * their options, and git's global options.
 * Pure: strings in, a verdict out, for the unit test and the fuzzer.
 *
 * The input is any user's (gw exec -c STRING) and this runs in the root
 * daemon, so it is written to hold for any bytes: every write into an
 * array goes through text_put() or words_add(), which check the bound,
 * and the arrays are sized from the input with the explicit caps below.
 * Past a cap the command is refused as too complex to check (fail
 * closed, greywall-policy(5)), never truncated into a pass.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

#define GUARD_DEPTH	8		/* nested shells' -c strings */
#define GUARD_WORDS	16384		/* words in one simple command */
#define GUARD_BYTES	(4 * 1024 * 1024) /* the argv's strings together */

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

/* A byte buffer of cap bytes: every write into it is text_put's. */
struct text {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* An array of cap word pointers: every store into it is words_add's. */
struct words {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static int	guard_string(struct guard *, const char *);

static int
text_put(struct text *t, char c)
{
	if (t->len >= t->cap) {
		errno = E2BIG;
		return (-1);
	}
	t->p[t->len++] = c;
	return (0);
}

/* Append s, keeping the last reserve bytes free; -1 if s was cut. */
static int
text_cat(struct text *t, const char *s, size_t reserve)
{
	for (; *s != '\0'; s++)
		if (t->len + reserve >= t->cap || text_put(t, *s) == -1)
			return (-1);
	return (0);
}

static int
words_add(struct words *w, char *p)
{
	if (w->n >= w->cap) {
		errno = E2BIG;
		return (-1);
	}
	w->v[w->n++] = p;
	return (0);
}

/*
 * m->command: the string s, or else words v[0..n) joined by spaces. Cut
 * to fit, and a cut is marked "...".
 */
static void
guard_describe(struct guard_match *m, const char *s, char *const *v,
    size_t n)
{
	struct text	t = { m->command, 0, sizeof(m->command) };
	size_t		k;
	int		cut = 0;

	if (s != NULL)
		cut = text_cat(&t, s, 4) == -1;
	for (k = 0; s == NULL && k < n && !cut; k++)
		cut = (k > 0 && text_cat(&t, " ", 4) == -1) ||
		    text_cat(&t, v[k], 4) == -1;
	if (cut)
		(void)text_cat(&t, "...", 1);
	(void)text_put(&t, '\0');
}

/*
 * Refuse what the guard cannot check, whatever it is: past a limit, or
 * out of memory. why says which, for the client.
 */
static int
guard_limit(struct guard *g, const char *why, const char *s)
{
	g->m->prefix = why;
	g->m->builtin = 1;
	g->m->limit = 1;
	guard_describe(g->m, s, NULL, 0);
	return (1);
}

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

/* Is word v the len bytes at w? */
static int
word_is(const char *v, const char *w, size_t len)
{
	return (strncmp(v, w, len) == 0 && v[len] == '\0');
}

/*
 * Does the prefix "w1 w2 ..." match words v[0..n)? Words compare whole,
 * except a last prefix word ending in '=', ':' or '/', which matches the
 * start of a word ("dd if=" matches "dd if=/dev/sda"). The first prefix
 * word compares without its directory, as v[0] comes. The prefix is read
 * in place, whatever its length.
 */
static int
prefix_match(const char *prefix, char *const *v, size_t n)
{
	const char	*w = prefix, *e, *b;
	size_t		 i, len;
	char		 c;

	for (i = 0; ; i++, w = e) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		for (e = w; *e != '\0' && *e != ' '; e++)
			;
		len = e - w;
		if (i >= n)
			return (0);
		if (i == 0) {
			/* base(): after the last '/', unless it ends it. */
			for (b = e - 1; b > w && *b != '/'; b--)
				;
			if (*b == '/' && b + 1 < e)
				w = b + 1;
			if (!word_is(v[0], w, e - w))
				return (0);
			continue;
		}
		if (word_is(v[i], w, len))
			continue;
		c = w[len - 1];
		for (b = e; *b == ' '; b++)
			;
		if ((c == '=' || c == ':' || c == '/') && *b == '\0' &&
		    strncmp(w, v[i], len) == 0)
			continue;
		return (0);
	}
	return (i > 0);
}

static const char *
list_match(char *const *list, char *const *v, size_t n)
{
	size_t	i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (prefix_match(list[i], v, n))
			return (list[i]);
	return (NULL);
}

/* Skip a wrapper's own options; returns the index of its command. */
static size_t
skip_wrapper(const char *w, char *const *v, size_t i, size_t n)
{
	/* Options of these wrappers that take a separate value. */
	static const struct {
		const char	*cmd;
		const char	*opt;
	} valued[] = {
		{ "env", "-u" }, { "env", "-C" }, { "env", "-S" },
		{ "nice", "-n" }, { "timeout", "-s" }, { "timeout", "-k" },
		{ "xargs", "-I" }, { "xargs", "-n" }, { "xargs", "-L" },
		{ "xargs", "-P" }, { "xargs", "-d" }, { "xargs", "-E" },
		{ "xargs", "-s" }, { "xargs", "-a" }, { "stdbuf", "-i" },
		{ "stdbuf", "-o" }, { "stdbuf", "-e" }, { "time", "-f" },
		{ "time", "-o" }, { "ionice", "-c" }, { "ionice", "-n" },
		{ "sudo", "-u" }, { "sudo", "-g" }, { "sudo", "-C" },
		{ "sudo", "-D" }, { "sudo", "-p" }, { "sudo", "-r" },
		{ "sudo", "-t" }, { "sudo", "-U" }, { "sudo", "-T" },
		{ "doas", "-u" }, { "doas", "-C" }, { NULL, NULL }
	};
	size_t	k;
	/* timeout's first operand is a duration, chrt's a priority. */
	int	dur = strcmp(w, "timeout") == 0 || strcmp(w, "chrt") == 0;

	for (i++; i < n; i++) {
		if (strcmp(v[i], "--") == 0)
			return (i + 1);
		if (strcmp(w, "env") == 0 && (is_assignment(v[i]) ||
		    strcmp(v[i], "-") == 0))
			continue;
		if (v[i][0] != '-' || v[i][1] == '\0') {
			if (dur) {
				dur = 0;
				continue;
			}
			return (i);
		}
		for (k = 0; valued[k].cmd != NULL; k++)
			if (strcmp(valued[k].cmd, w) == 0 &&
			    strcmp(valued[k].opt, v[i]) == 0) {
				i++;
				break;
			}
	}
	return (n);
}

/*
 * One simple command, as words v[0..n), n > 0 (the array is modified in
 * place, within its n). Peel assignments and wrappers, look into shells'
 * -c strings, then match the rest. Returns 1 if blocked.
 */
static int
guard_words(struct guard *g, char **v, size_t n)
{
	static const char *const keywords[] = { "if", "then", "else", "elif",
	    "fi", "do", "done", "while", "until", "!", "{", "}",
	    "exec", "command", "builtin", "nohup", "setsid", NULL };
	/* time is the shell's keyword and /usr/bin/time: options either way. */
	static const char *const wrappers[] = { "env", "nice", "timeout",
	    "xargs", "stdbuf", "ionice", "chrt", "doas", "sudo", "time",
	    NULL };
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
	/* Here i < n: the command's words are v[0..n) from now on. */
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
			if (strcmp(v[k], "-C") == 0 ||
			    strcmp(v[k], "-c") == 0 ||
			    strcmp(v[k], "--git-dir") == 0 ||
			    strcmp(v[k], "--work-tree") == 0 ||
			    strcmp(v[k], "--namespace") == 0)
				k += 2;
			else
				k++;
		}
		/* Within the array: 1 < k < n, n - k words move down. */
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
	guard_describe(g->m, NULL, v, n);
	return (1);
}

/* Start a word at the end of t, unless one is open. */
static int
guard_word(struct text *t, struct words *w, int *inword)
{
	if (*inword)
		return (0);
	*inword = 1;
	return (words_add(w, t->p + t->len));
}

/*
 * Split a shell string into simple commands and check each. Quotes and
 * backslashes group words; ; & | ( ) ` newlines and "$(" separate
 * commands. Anything stranger (here-documents, expansions) stays a word:
 * a guard, not a shell.
 *
 * Each input byte yields at most one byte of words (a character or the
 * NUL ending a word) and the end of s one more, so t has strlen(s) + 1
 * bytes; a word takes at least one byte and a separator, so the words
 * never outnumber the bytes. Both are checked anyway, and words past
 * GUARD_WORDS are refused: the rest of a command can be where its
 * wrappers end and the command begins.
 */
static int
guard_string(struct guard *g, const char *s)
{
	struct text	 t = { NULL, 0, 0 };
	struct words	 w = { NULL, 0, 0 };
	const char	*s0 = s;
	size_t		 len = strlen(s);
	int		 inword = 0, r = 0;
	char		 q = 0;

	if (g->depth >= GUARD_DEPTH)
		return (guard_limit(g, "shells nested more than 8 deep", s));
	t.cap = len + 1;
	w.cap = len + 1 < GUARD_WORDS ? len + 1 : GUARD_WORDS;
	if ((t.p = malloc(t.cap)) == NULL ||
	    (w.v = calloc(w.cap, sizeof(*w.v))) == NULL) {
		free(t.p);
		return (guard_limit(g, "out of memory", s));
	}
	g->depth++;
	for (; ; s++) {
		if (q == '\'') {
			if (*s == '\0')
				break;
			if (*s == '\'')
				q = 0;
			else if (text_put(&t, *s) == -1)
				goto limit;
			continue;
		}
		if (q == '"') {
			if (*s == '\0')
				break;
			if (*s == '"')
				q = 0;
			else if (*s == '\\' && s[1] != '\0' &&
			    strchr("\"\\$`", s[1]) != NULL) {
				if (text_put(&t, *++s) == -1)
					goto limit;
			} else if (*s == '`' || (*s == '$' && s[1] == '(')) {
				/* A command inside quotes: read on as one. */
				q = 0;
				goto sep;
			} else if (text_put(&t, *s) == -1)
				goto limit;
			continue;
		}
		if (*s == '\'' || *s == '"') {
			q = *s;
			if (guard_word(&t, &w, &inword) == -1)
				goto limit;
			continue;
		}
		if (*s == '\\' && s[1] != '\0') {
			if (guard_word(&t, &w, &inword) == -1)
				goto limit;
			s++;
			if (*s != '\n' && text_put(&t, *s) == -1)
				goto limit;
			continue;
		}
		if (*s == '\0' || strchr(";&|()`\n", *s) != NULL ||
		    (*s == '$' && s[1] == '(')) {
sep:
			if (inword && text_put(&t, '\0') == -1)
				goto limit;
			inword = 0;
			if (w.n > 0 && guard_words(g, w.v, w.n)) {
				r = 1;
				break;
			}
			w.n = 0;
			t.len = 0;
			if (*s == '\0')
				break;
			if (*s == '$')
				s++;
			continue;
		}
		if (*s == ' ' || *s == '\t') {
			if (inword && text_put(&t, '\0') == -1)
				goto limit;
			inword = 0;
			continue;
		}
		if (guard_word(&t, &w, &inword) == -1 ||
		    text_put(&t, *s) == -1)
			goto limit;
	}
	if (r == 0 && w.n > 0 && q != 0) {
		/* An unterminated quote: check what there is. */
		if (text_put(&t, '\0') == -1)
			goto limit;
		r = guard_words(g, w.v, w.n);
	}
	goto out;
limit:
	r = guard_limit(g, w.n >= GUARD_WORDS ?
	    "more than 16384 words in one command" :
	    "a command longer than the guard's buffer", s0);
out:
	free(w.v);
	free(t.p);
	g->depth--;
	return (r);
}

/*
 * Check argv against deny and allow (NULL-terminated prefix lists, or
 * NULL) and, with defaults, the built-in list. Returns 1 and fills m if
 * the command is blocked or past the guard's limits (m->limit), 0 if it
 * may run. With no deny entry and no defaults nothing is refused, and
 * nothing is looked at.
 */
int
command_guard_check(char *const *argv, char *const *deny,
    char *const *allow, int defaults, struct guard_match *m)
{
	struct guard	 g;
	struct words	 w = { NULL, 0, 0 };
	char		**own = NULL;
	size_t		 argc, bytes = 0, k;
	int		 r = 0;

	memset(m, 0, sizeof(*m));
	memset(&g, 0, sizeof(g));
	g.deny = deny;
	g.allow = allow;
	g.defaults = defaults;
	g.m = m;
	if ((deny == NULL || deny[0] == NULL) && !defaults)
		return (0);
	for (argc = 0; argv[argc] != NULL; argc++) {
		bytes += strlen(argv[argc]) + 1;
		if (argc >= GUARD_WORDS)
			return (guard_limit(&g, "more than 16384 arguments",
			    argv[0]));
		if (bytes > GUARD_BYTES)
			return (guard_limit(&g, "more than 4 MiB of arguments",
			    argv[0]));
	}
	if (argc == 0)
		return (0);
	/* Copies: guard_words() modifies its words. */
	w.cap = argc;
	if ((w.v = calloc(argc, sizeof(*w.v))) == NULL ||
	    (own = calloc(argc, sizeof(*own))) == NULL) {
		free(w.v);
		return (guard_limit(&g, "out of memory", argv[0]));
	}
	for (k = 0; k < argc; k++)
		if ((own[k] = strdup(argv[k])) == NULL ||
		    words_add(&w, own[k]) == -1) {
			r = guard_limit(&g, "out of memory", argv[0]);
			break;
		}
	if (r == 0)
		r = guard_words(&g, w.v, w.n);
	for (k = 0; k < argc; k++)
		free(own[k]);
	free(own);
	free(w.v);
	return (r);
}
