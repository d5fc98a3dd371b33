/*
 * Tests for the command guard (command-guard.c): the peers' command test
 * cases (research/peers-greywall-fence.md 2.5) and the bypasses of their
 * weakness 4 that a guard on argv can catch. Each case is a shell string
 * run as "sh -c STRING" (how gw exec -c sends it) and, where it is one
 * simple command, also as plain argv.
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
	static char	buf[512];
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
main(void)
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
	plan(n + 13);
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
	return (done_testing());
}
