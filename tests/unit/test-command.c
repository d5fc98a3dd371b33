/*
 * Tests for the command guard (command-guard.c): the peers' command test
 * cases (research/peers-greywall-fence.md 2.5) and the bypasses of their
 * weakness 4 that a guard on argv can catch. Each case is a shell string
 * run as "sh -c STRING" (how gw exec -c sends it) and, where it is one
 * simple command, also as plain argv.
 *
 * Then the guard's limits (issue 12): the inputs the fuzzer found that
 * wrote past its word array, read from the fuzz corpus (argv[1]), and
 * their neighbours: past 256 words of every kind, wrappers whose command
 * comes after 256 words, nesting at and past the limit, long words, more
 * words than the guard looks at (refused, not passed), long prefixes.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"
#include "tap.h"

static char *deny[] = { "git push", "rm -rf", "npm publish", NULL };
static char *allow_docs[] = { "git push origin docs", NULL };

static int
check_sh(const char *s, char **d, char **a, int defaults,
    struct guard_match *m)
{
	char	*argv[] = { "/bin/sh", "-c", (char *)s, NULL };

	return (command_guard_check(argv, d, a, defaults, m));
}

/* s for a TAP description: newlines shown as \n. */
static const char *
desc(const char *s)
{
	static char	buf[80];
	size_t		i, j;

	for (i = 0, j = 0; s[i] != '\0' && j + 3 < sizeof(buf); i++) {
		if (s[i] == '\n') {
			buf[j++] = '\\';
			buf[j++] = 'n';
		} else
			buf[j++] = s[i];
	}
	buf[j] = '\0';
	return (buf);
}

static void	blocked(const char *);
static void	allowed(const char *);

/* A file of the fuzz corpus, as a string. */
static char *
corpus(const char *dir, const char *name)
{
	static char	buf[65536];
	char		path[4096];
	FILE		*f;
	size_t		n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

/* The verdict has a string that ends inside m.command. */
static int
sane(int r, const struct guard_match *m)
{
	return ((r == 0 || r == 1) && (r == 0 || m->prefix != NULL) &&
	    memchr(m->command, '\0', sizeof(m->command)) != NULL);
}

/* n copies of word (with a space after each) and then tail, in buf. */
static char *
repeat(char *buf, size_t len, const char *head, const char *word, size_t n,
    const char *tail)
{
	size_t	i, o;

	o = snprintf(buf, len, "%s", head);
	for (i = 0; i < n && o < len; i++)
		o += snprintf(buf + o, len - o, "%s ", word);
	if (o < len)
		snprintf(buf + o, len - o, "%s", tail);
	return (buf);
}

static void
limits(const char *dir)
{
	static const char *const issue[] = { "issue12-overflow",
	    "issue12-overflow-min", NULL };
	static char	 buf[1 << 20], big[4096];
	static char	*argv[20000];
	static char	*deny_long[] = { big, NULL };
	struct guard_match m;
	char		*s;
	size_t		 i, k;
	int		 r;

	/* The fuzzer's finds: no write past anything, and a verdict. */
	for (i = 0; issue[i] != NULL; i++) {
		s = corpus(dir, issue[i]);
		r = check_sh(s, deny, NULL, 1, &m);
		ok(sane(r, &m) && r == 0 && !m.limit,
		    "%s: checked, nothing denied in it", issue[i]);
		/* The same bytes as argv, split at spaces. */
		for (k = 0, argv[0] = s; *s != '\0' && k + 2 < 20000; s++)
			if (*s == ' ') {
				*s = '\0';
				argv[++k] = s + 1;
			}
		argv[++k] = NULL;
		r = command_guard_check(argv, deny, NULL, 1, &m);
		ok(sane(r, &m) && !m.limit, "%s as %zu argv words: checked",
		    issue[i], k);
	}

	/* More than 256 words of each kind that used to overflow. */
	blocked(repeat(buf, sizeof(buf), "true ", "'x'", 300, "; git push"));
	blocked(repeat(buf, sizeof(buf), "true ", "\"x\"", 300, "; git push"));
	blocked(repeat(buf, sizeof(buf), "true ", "\\x", 300, "; git push"));
	blocked(repeat(buf, sizeof(buf), "true ", "x", 300, "; git push"));
	allowed(repeat(buf, sizeof(buf), "true ", "'a' \"b\" \\c d", 1000,
	    ""));
	/* The command after a wrapper's 300 options is found, not dropped. */
	blocked(repeat(buf, sizeof(buf), "env ", "-u A", 300, "git push"));
	blocked(repeat(buf, sizeof(buf), "env ", "'-u' \"A\"", 300,
	    "git push"));
	argv[0] = "env";
	for (k = 1; k < 601; k += 2) {
		argv[k] = "-u";
		argv[k + 1] = "A";
	}
	argv[k++] = "git";
	argv[k++] = "push";
	argv[k] = NULL;
	r = command_guard_check(argv, deny, NULL, 1, &m);
	ok(r == 1 && !m.limit && strcmp(m.prefix, "git push") == 0,
	    "argv: env with 300 options, then git push: blocked");

	/* Past 16384 words in one command: refused, as too complex. */
	r = check_sh(repeat(buf, sizeof(buf), "env ", "-u A", 9000,
	    "git push"), deny, NULL, 1, &m);
	ok(r == 1 && m.limit && strstr(m.prefix, "16384 words") != NULL &&
	    sane(r, &m), "sh -c: 18002 words in one command are refused"
	    " (%s)", m.prefix);
	r = check_sh(repeat(buf, sizeof(buf), "", "true;", 20000, ""), deny,
	    NULL, 1, &m);
	ok(r == 0, "sh -c: 20000 short commands are checked, and pass");
	r = check_sh(repeat(buf, sizeof(buf), "true ", "x", 20000, ""), NULL,
	    NULL, 0, &m);
	ok(r == 0 && !m.limit, "past the limits with no deny entry and no"
	    " defaults: runs");
	for (k = 0; k < 19999; k++)
		argv[k] = "x";
	argv[k] = NULL;
	r = command_guard_check(argv, deny, NULL, 1, &m);
	ok(r == 1 && m.limit && strstr(m.prefix, "16384") != NULL,
	    "argv: 19999 arguments are refused (%s)", m.prefix);
	argv[16384] = NULL;
	r = command_guard_check(argv, deny, NULL, 1, &m);
	ok(r == 0 && !m.limit, "argv: 16384 arguments are checked");

	/*
	 * Nesting: 8 shells deep is looked through, 9 deep refused (the
	 * outer "sh -c" of check_sh, as gw exec -c sends it, counts).
	 */
	strcpy(buf, "git push");
	for (i = 0; i < 8; i++) {
		memmove(buf + 7, buf, strlen(buf) + 1);
		memcpy(buf, "sh -c \"", 7);
		/* Escape the inner quotes and backslashes of this level. */
		for (s = buf + 7; *s != '\0'; s++)
			if (*s == '"' || *s == '\\') {
				memmove(s + 1, s, strlen(s) + 1);
				*s++ = '\\';
			}
		strcat(buf, "\"");
		r = check_sh(buf, deny, NULL, 1, &m);
		if (i == 6)
			ok(r == 1 && !m.limit &&
			    strcmp(m.prefix, "git push") == 0,
			    "git push in 8 nested shells: blocked as git push");
	}
	ok(r == 1 && m.limit && strstr(m.prefix, "nested") != NULL &&
	    sane(r, &m), "git push in 9 nested shells: refused (%s)",
	    m.prefix);

	/* A long word: matched, and the command shown is cut and marked. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(buf, sizeof(buf), "git push %s", big);
	r = check_sh(buf, deny, NULL, 1, &m);
	ok(r == 1 && strlen(m.command) == sizeof(m.command) - 1 &&
	    strcmp(m.command + sizeof(m.command) - 4, "...") == 0,
	    "a 4 KiB word: blocked, the command shown cut with ...");
	/* A deny entry longer than any buffer the guard had. */
	repeat(big, sizeof(big), "git push", " x", 1500, "");
	snprintf(buf, sizeof(buf), "%s tail", big);
	r = check_sh(buf, deny_long, NULL, 0, &m);
	ok(r == 1 && m.prefix == big, "a 3 KiB deny entry matches");
	r = check_sh("git push x", deny_long, NULL, 0, &m);
	ok(r == 0, "and only what it spells");
	/* An unterminated quote after many words. */
	blocked(repeat(buf, sizeof(buf), "ls; git push 'origin ", "x", 400,
	    ""));
}

static void
blocked(const char *s)
{
	struct guard_match	m;
	int			r = check_sh(s, deny, NULL, 1, &m);

	ok(r == 1, "blocked: %s (by '%s')", desc(s),
	    m.prefix != NULL ? m.prefix : "-");
}

static void
allowed(const char *s)
{
	struct guard_match	m;
	int			r = check_sh(s, deny, NULL, 1, &m);

	ok(r == 0, "allowed: %s%s%s", desc(s),
	    m.prefix != NULL ? " -- matched " : "",
	    m.prefix != NULL ? m.prefix : "");
}

int
main(int argc, char **argv0)
{
	static const char *const b1[] = {
		/* 1. BasicDeny */
		"git push", "rm -rf", "git push origin main", "rm -rf /",
		"rm -rf .",
		/* 5. ChainedCommands */
		"ls && git push", "git push && ls",
		"ls && echo hello && git push origin main", "ls || git push",
		"git status || git push", "ls; git push", "git push; ls",
		"echo hello | git push", "ls && echo hi || git push",
		"ls; pwd; git push origin main",
		/* 6. NestedShellInvocation */
		"bash -c \"git push\"", "bash -c 'git push origin main'",
		"sh -c \"git push\"", "zsh -c \"git push\"",
		"bash -c \"ls && git push\"", "sh -c 'git status; git push'",
		"bash -lc \"git push\"", "/bin/bash -c \"git push\"",
		"/usr/bin/zsh -c 'git push origin main'",
		/* 7. PathNormalization */
		"/usr/bin/git push", "/usr/local/bin/git push origin main",
		"./git push", "../bin/git push",
		/* 8. QuotedArguments */
		"git push \"origin\" \"main\"", "git push 'origin' 'main'",
		/* 13. chaining with defaults */
		"ls && rm -rf /", "cat file; shutdown", "ls | xargs rm -rf",
		"ls || rm -rf /",
		/* weakness 4: the bypasses a guard on argv can catch */
		"ls\ngit push", "FOO=1 git push", "env git push",
		"env -i FOO=1 git push", "command git push", "nohup git push",
		"time git push", "xargs git push", "xargs -n 1 git push",
		"echo $(git push)", "echo `git push`", "(git push)",
		"ls & git push", "git -C . push", "git -c a.b=c push origin",
		"nice -n 5 git push", "timeout 10 git push",
		"exec git push", "if true; then git push; fi",
		"{ git push; }", "busybox sh -c 'git push'",
		"time -p git push", "/usr/bin/time -f %e git push",
		"time -o t.txt -v git push", "ionice -c 3 git push",
		"ionice -c3 -n 7 git push", "chrt -f 10 git push",
		"chrt 0 git push", "sudo -u me git push",
		"doas -u me git push", "nice -n 5 ionice -c 3 git push",
		"sh -c \"sh -c 'git push'\"", "echo \"$(git push)\"",
		"git  push", "git pu\\sh",
		/* the defaults, including the two the peers never matched */
		"shutdown -h now", "reboot", "halt", "insmod malicious.ko",
		"rmmod module", "mkfs.ext4 /dev/sda1", "dd if=/dev/sda of=x",
		"docker run -v /:/host alpine", "docker run --privileged x",
		"/sbin/modprobe x", "nsenter -t 1 -m",
		NULL
	};
	static const char *const a1[] = {
		/* 1. BasicDeny */
		"git status", "git pull", "rm file.txt", "rm -r dir",
		"echo git push",
		/* 3. defaults */
		"ls", "npm install",
		/* 5. chains */
		"git status | grep something", "ls && pwd",
		"git status | grep branch",
		/* 6. nested */
		"bash -c \"git status\"", "bash -c 'ls && pwd'",
		/* 8. quoted */
		"echo \"git push\"", "grep \"git push\" log.txt",
		/* 9. EdgeCases */
		"", "   ", "rm", "rm -r", "rm -f", "rmdir",
		/* 12. MatchesPrefix */
		"git pushall", "gitpush", "git stash push",
		/* looking a command up is not running it */
		"command -v git", "dd of=/dev/null count=0 </dev/null",
		NULL
	};
	struct guard_match	 m;
	char			*argv[8];
	size_t			 i;
	int			 n = 0;

	for (i = 0; b1[i] != NULL; i++)
		n++;
	for (i = 0; a1[i] != NULL; i++)
		n++;
	if (argc != 2) {
		fprintf(stderr, "usage: test-command CORPUS-DIR\n");
		return (2);
	}
	plan(n + 13 + 23);
	for (i = 0; b1[i] != NULL; i++)
		blocked(b1[i]);
	for (i = 0; a1[i] != NULL; i++)
		allowed(a1[i]);

	/* 2. Allow: an allow prefix wins over the deny list. */
	ok(check_sh("git push origin docs", deny, allow_docs, 1, &m) == 0,
	    "allow: git push origin docs");
	ok(check_sh("git push origin docs --force", deny, allow_docs, 1,
	    &m) == 0, "allow: git push origin docs --force");
	ok(check_sh("git push origin main", deny, allow_docs, 1, &m) == 1,
	    "still blocked: git push origin main");
	ok(check_sh("git push", deny, allow_docs, 1, &m) == 1,
	    "still blocked: git push");

	/* 3. and 4. defaults are marked, and can be turned off. */
	ok(check_sh("shutdown", deny, NULL, 1, &m) == 1 && m.builtin &&
	    strcmp(m.prefix, "shutdown") == 0, "shutdown is a built-in block");
	ok(check_sh("shutdown", deny, NULL, 0, &m) == 0,
	    "without the defaults shutdown is allowed");
	ok(check_sh("git push", deny, NULL, 1, &m) == 1 && !m.builtin &&
	    strcmp(m.prefix, "git push") == 0 &&
	    strcmp(m.command, "git push") == 0,
	    "a deny entry is named, with the command it matched");

	/* Plain argv, no shell in between. */
	argv[0] = "/usr/bin/git";
	argv[1] = "push";
	argv[2] = "origin";
	argv[3] = NULL;
	ok(command_guard_check(argv, deny, NULL, 1, &m) == 1,
	    "argv: /usr/bin/git push origin");
	argv[0] = "env";
	argv[1] = "-u";
	argv[2] = "HOME";
	argv[3] = "git";
	argv[4] = "push";
	argv[5] = NULL;
	ok(command_guard_check(argv, deny, NULL, 1, &m) == 1,
	    "argv: env -u HOME git push");
	argv[0] = "git";
	argv[1] = "log";
	argv[2] = "--grep=git push";
	argv[3] = NULL;
	ok(command_guard_check(argv, deny, NULL, 1, &m) == 0,
	    "argv: git log --grep='git push' is allowed");
	argv[0] = "python3";
	argv[1] = "-c";
	argv[2] = "import os; os.system('git push')";
	argv[3] = NULL;
	ok(command_guard_check(argv, deny, NULL, 1, &m) == 0,
	    "argv: python3 -c (not a shell) is beyond the guard");
	/* Nesting past the limit is refused, not skipped. */
	{
		static char	deep[65536], tmp[65536];
		size_t		k, j, t;

		/* sh -c 'sh -c '\''...'\''', each level quoted properly. */
		strcpy(deep, "true");
		for (k = 0; k < 12; k++) {
			t = snprintf(tmp, sizeof(tmp), "sh -c '");
			for (j = 0; deep[j] != '\0' && t + 8 < sizeof(tmp);
			    j++) {
				if (deep[j] == '\'') {
					memcpy(tmp + t, "'\\''", 4);
					t += 4;
				} else
					tmp[t++] = deep[j];
			}
			tmp[t++] = '\'';
			tmp[t] = '\0';
			strcpy(deep, tmp);
			if (k == 4)
				ok(check_sh(deep, deny, NULL, 1, &m) == 0,
				    "five nested shells are looked through");
		}
		ok(check_sh(deep, deny, NULL, 1, &m) == 1,
		    "shells nested too deep are refused");
	}
	limits(argv0[1]);
	return (done_testing());
}
