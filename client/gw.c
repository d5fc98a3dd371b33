/*
 * gw: run a command inside a greywall sandbox. It hands greywalld its
 * argv, environment, stdio and working directory, relays signals, and
 * exits the way the command did. Stdio on a terminal is not handed
 * over: the command gets a pty instead, relayed by tty.c.
 */

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <time.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "client.h"

extern char	**environ;

static const int forward_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2
};

/* A second SIGINT or SIGTERM this soon kills the whole sandbox. */
#define KILL_AGAIN_MS	2000

static struct gw_msg	msg;
/* gw exec -m / --json: where events go, and how many came. */
static struct client_events	evout = { .prefix = "[greywall] " };
static int			want_events;
/* gw exec --review: the review greywalld made, or "". */
static char			review_id[GW_REVIEW_ID_LEN + 1];
static int			review_started;	/* the command ran */

static const char gw_exit_help[] =
    "Exit status: the command's, 128+N if it died of signal N, 124 if it\n"
    "ran past limits.wall_time, 125 if gw or greywalld failed, 126 if the\n"
    "command cannot be executed, 127 if it was not found; 2 for a usage\n"
    "error, which gw reports before anything runs.\n";

/* gw --help: every command in a line. */
static void __attribute__((noreturn))
usage(int status)
{
	(void)status;
	printf("usage: gw [-S socket] exec [options] [--] command [arg ...]\n"
	    "       gw [-S socket] exec [options] -c string\n"
	    "       gw [-S socket] policy [--json]\n"
	    "       gw [-S socket] doctor [--json]\n"
	    "       gw [-S socket] why [-w] [--policy FILE] EVENT|PATH|"
	    "HOST[:PORT]\n"
	    "       gw cache [list | clear [PATH ...]]\n"
	    "       gw review [--json] [ID]\n"
	    "       gw diff [--json] ID [PATH ...]\n"
	    "       gw apply [--force] ID [PATH ...]\n"
	    "       gw discard ID ...\n"
	    "       gw --version | --help\n"
	    "\n"
	    "  exec      run a command in a sandbox\n"
	    "  policy    print your effective policy\n"
	    "  doctor    check what greywall can do for you here\n"
	    "  why       whether your policy allows a path or destination,\n"
	    "            or why an event was denied, and how to change it\n"
	    "  cache     list or clear your package caches\n"
	    "  review    list reviews (gw exec --review), or one's changes\n"
	    "  diff      show a review's changes as a diff\n"
	    "  apply     apply a review's changes to the real project\n"
	    "  discard   drop a review\n"
	    "\n"
	    "  -S, --socket PATH  greywalld socket (default $GREYWALL_SOCKET"
	    " or %s)\n"
	    "\n"
	    "'gw COMMAND --help' describes each command.\n", GW_SOCKET_PATH);
	exit(0);
}

static void __attribute__((noreturn))
usage_exec(void)
{
	printf("usage: gw [-S socket] exec [options] [--] command [arg ...]\n"
	    "       gw [-S socket] exec [options] -c string\n"
	    "\n"
	    "Run a command in a sandbox, under your policy (see 'gw policy').\n"
	    "The options can only narrow it:\n"
	    "\n"
	    "  -c STRING          run /bin/sh -c STRING\n"
	    "  --policy FILE      a YAML overlay (see greywall-policy(5))\n"
	    "  --no-network       no network at all\n"
	    "  --ro               the working directory read-only\n"
	    "  -p, --publish PORT make the sandbox's TCP PORT reachable from\n"
	    "                     this host at 127.0.0.1:PORT (if\n"
	    "                     network.inbound.allow_ports lists it)\n"
	    "  -m, --monitor      print what the sandbox is denied on stderr\n"
	    "  -d, --debug        print the policy files, file system,\n"
	    "                     environment, network and limits the\n"
	    "                     sandbox gets, before it starts\n"
	    "  --learn            -m, and at the end print and save the\n"
	    "                     policy that would allow what was denied\n"
	    "                     (~/.config/greywall/learned/)\n"
	    "  --learn-out FILE   save it as FILE (and FILE.policy.d.yaml)\n"
	    "  --json FILE        the denials as JSON lines to FILE ('-' is\n"
	    "                     stdout)\n"
	    "  --review           the project on a copy-on-write layer: the\n"
	    "                     real one is not changed; afterwards 'gw\n"
	    "                     review', 'gw diff', 'gw apply', 'gw discard'\n"
	    "\n"
	    "A second SIGINT or SIGTERM within 2 seconds kills the whole\n"
	    "sandbox. On a terminal, the suspend key (Ctrl-Z) stops the\n"
	    "command and gw; 'fg' resumes both.\n"
	    "\n%s", gw_exit_help);
	exit(0);
}

static void __attribute__((noreturn))
usage_policy(void)
{
	printf("usage: gw [-S socket] policy [--json]\n"
	    "\n"
	    "Print your effective policy as YAML, each value with the policy\n"
	    "file and line it came from.\n"
	    "\n"
	    "  --json   print {\"user\": NAME, \"policy\": {KEY: {\"value\"\n"
	    "           or \"values\", \"source\": {\"file\", \"line\",\n"
	    "           \"column\"}}}}\n"
	    "           (see gw(1) JSON OUTPUT)\n"
	    "\n"
	    "Exit status: 0, 125 if gw or greywalld failed, 2 for a usage\n"
	    "error.\n");
	exit(0);
}

static void __attribute__((noreturn))
usage_doctor(void)
{
	printf("usage: gw [-S socket] doctor [--json]\n"
	    "\n"
	    "Check what greywall can do for you here: greywalld, Landlock,\n"
	    "seccomp, cgroups, events, your policy files and its upstream.\n"
	    "\n"
	    "  --json   one JSON object {\"items\": [...], \"ok\": ...}\n"
	    "\n"
	    "Exit status: 0, 1 if a layer your policy requires is missing,\n"
	    "125 if gw or greywalld failed, 2 for a usage error.\n");
	exit(0);
}

static void __attribute__((noreturn))
usage_why(void)
{
	printf("usage: gw [-S socket] why [-w] [--policy FILE]"
	    " EVENT|PATH|HOST[:PORT]\n"
	    "\n"
	    "Whether your policy lets a sandbox read (or with -w write) a\n"
	    "path, or connect to a destination; for an event id printed by\n"
	    "gw exec -m ('gw why 7.3'), what it was denied and what your\n"
	    "policy says now. Names the rule and its policy file and line,\n"
	    "and prints the YAML that would allow it: for gw exec --policy\n"
	    "where the administrator lets you add it, else a policy.d file\n"
	    "for the administrator.\n"
	    "\n"
	    "  -w, --write      ask about writing the path\n"
	    "  --policy FILE    with this overlay, as gw exec --policy FILE\n"
	    "\n"
	    "A PATH starts with '/', '~' or '.', or holds a '/'; it is taken\n"
	    "as written (relative to this directory), not looked up.\n"
	    "\n"
	    "Exit status: 0 allowed, 1 denied, 125 if gw or greywalld failed,\n"
	    "2 for a usage error.\n");
	exit(0);
}

/*
 * gw policy and gw doctor: only --json and --help. Returns whether
 * --json was given.
 */
static int
json_opt(int argc, char **argv, const char *cmd, void (*help)(void))
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch, json = 0;

	optind = 0;	/* glibc: 0 also resets the scan order */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			break;
		case 'j':
			json = 1;
			break;
		default:
			client_getopt_error(cmd, ch, argv);
		}
	}
	if (optind < argc)
		client_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]);
	return (json);
}

/*
 * The request is built whole and sent in one go (gw_msg_send_batch):
 * the same messages in the same order, but greywalld wakes once for
 * them, not once for each.
 */
struct batch {
	struct gw_msg_out	*v;
	size_t			 n, size;
	int			 devnull;	/* for a stdio fd gw lacks */
};

static int
batch_add(struct batch *b, uint32_t type, const void *payload, size_t len,
    const char *const *strs, size_t nstrs, int fd)
{
	struct gw_msg_out	*nv;
	size_t			 size;

	if (b->n == b->size) {
		size = b->size > 0 ? b->size * 2 : 16;
		if ((nv = reallocarray(b->v, size, sizeof(*nv))) == NULL)
			return (-1);
		b->v = nv;
		b->size = size;
	}
	if (gw_msg_build(type, 0, payload, len, strs, nstrs, &b->v[b->n].buf,
	    &b->v[b->n].len) == -1)
		return (-1);
	b->v[b->n++].fd = fd;
	return (0);
}

static void
batch_free(struct batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].buf);
	free(b->v);
	if (b->devnull >= 0)
		close(b->devnull);
}

/* A stdio fd; if gw itself has none there, /dev/null. */
static int
batch_fd(struct batch *b, uint32_t role, int fd)
{
	struct gw_sandbox_fd	 m = { role };

	if (fcntl(fd, F_GETFD) == -1) {
		if (b->devnull < 0 && (b->devnull = open("/dev/null",
		    O_RDWR | O_CLOEXEC)) == -1)
			return (-1);
		fd = b->devnull;
	}
	return (batch_add(b, GW_MSG_SANDBOX_FD, &m, sizeof(m), NULL, 0, fd));
}

/*
 * Read a policy overlay file; the daemon parses and checks it, this only
 * bounds its size. Returns a string to free, or NULL after a message.
 */
static char *
read_overlay(const char *path)
{
	char	*buf;
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL) {
		warn("%s", path);
		return (NULL);
	}
	if ((buf = malloc(GW_POLICY_MAX + 1)) == NULL) {
		warn("malloc");
		fclose(f);
		return (NULL);
	}
	n = fread(buf, 1, GW_POLICY_MAX + 1, f);
	if (ferror(f) || n > GW_POLICY_MAX || memchr(buf, '\0', n) != NULL) {
		warnx("%s: %s", path, ferror(f) ? "read error" : n >
		    GW_POLICY_MAX ? "larger than 64 KiB" : "not a text file");
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	buf[n] = '\0';
	return (buf);
}

/* gw exec -p: what may be published, and each port once. */
static void
add_port(uint16_t *ports, size_t *nports, const char *arg)
{
	uint16_t	port;
	size_t		i;

	if (port_parse(arg, &port) == -1)
		client_usage_error("gw exec", "-p '%s': not a port number"
		    " from 1 to 65535", arg);
	for (i = 0; i < *nports; i++)
		if (ports[i] == port)
			client_usage_error("gw exec", "-p %u: given twice",
			    port);
	if (*nports == GW_PORTS_MAX)
		client_usage_error("gw exec", "-p: at most %d ports",
		    GW_PORTS_MAX);
	ports[(*nports)++] = port;
}

static int
build_request(struct batch *b, char **argv, int argc, int cwd,
    uint32_t flags, const struct winsize *ws, int ttyroles,
    const char *policy_path, const char *policy_text, const uint16_t *ports,
    size_t nports)
{
	struct gw_sandbox_port	 pm;
	struct gw_sandbox_open	 o;
	const char		*s[1];
	char			**e;
	size_t			 envc = 0;
	int			 i;

	for (e = environ; *e != NULL; e++) {
		if (strlen(*e) >= GW_STR_MAX) {
			warnx("environment entry '%.32s...' is too long",
			    *e);
			errno = E2BIG;
			return (-1);
		}
		envc++;
	}
	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.argc = argc;
	o.envc = envc;
	o.umask = umask(022);
	umask(o.umask);
	if (flags & GW_OPEN_PTY) {
		o.ws_row = ws->ws_row;
		o.ws_col = ws->ws_col;
		o.ws_xpixel = ws->ws_xpixel;
		o.ws_ypixel = ws->ws_ypixel;
	}
	if (batch_add(b, GW_MSG_SANDBOX_OPEN, &o, sizeof(o), NULL, 0,
	    -1) == -1)
		return (-1);
	for (i = 0; i < (int)nports; i++) {
		pm.port = ports[i];
		if (batch_add(b, GW_MSG_SANDBOX_PORT, &pm, sizeof(pm), NULL, 0,
		    -1) == -1)
			return (-1);
	}
	for (i = 0; i < argc; i++) {
		if (strlen(argv[i]) >= GW_STR_MAX) {
			warnx("argument %d is too long", i);
			errno = E2BIG;
			return (-1);
		}
		s[0] = argv[i];
		if (batch_add(b, GW_MSG_SANDBOX_ARG, NULL, 0, s, 1, -1) == -1)
			return (-1);
	}
	for (e = environ; *e != NULL; e++) {
		s[0] = *e;
		if (batch_add(b, GW_MSG_SANDBOX_ENV, NULL, 0, s, 1, -1) == -1)
			return (-1);
	}
	if (policy_text != NULL) {
		const char	*p[2] = { policy_path, policy_text };

		if (batch_add(b, GW_MSG_SANDBOX_POLICY, NULL, 0, p, 2,
		    -1) == -1)
			return (-1);
	}
	/* The terminal stays here; those roles get the pty. */
	for (i = GW_FD_STDIN; i <= GW_FD_STDERR; i++)
		if (!(ttyroles & (1 << i)) && batch_fd(b, i, i) == -1)
			return (-1);
	if (batch_fd(b, GW_FD_CWD, cwd) == -1)
		return (-1);
	return (batch_add(b, GW_MSG_SANDBOX_START, NULL, 0, NULL, 0, -1));
}

static int
send_request(int sock, char **argv, int argc, int cwd, uint32_t flags,
    const struct winsize *ws, int ttyroles, const char *policy_path,
    const char *policy_text, const uint16_t *ports, size_t nports)
{
	struct batch	 b = { NULL, 0, 0, -1 };
	int		 r, saved_errno;

	r = build_request(&b, argv, argc, cwd, flags, ws, ttyroles,
	    policy_path, policy_text, ports, nports);
	if (r == 0)
		r = gw_msg_send_batch(sock, b.v, b.n);
	saved_errno = errno;
	batch_free(&b);
	errno = saved_errno;
	return (r);
}

/* "2h" for 7200 seconds: the largest unit that divides it. */
static void
fmt_duration(char *buf, size_t len, uint32_t s)
{
	if (s > 0 && s % 86400 == 0)
		snprintf(buf, len, "%ud", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s > 0 && s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
}

/* Map how the command ended to gw's exit status. */
static int
exit_status(const struct gw_sandbox_exited *x, const char *cmd)
{
	char	buf[32];

	switch (x->how) {
	case GW_EXIT_CODE:
		return (x->code & 0xff);
	case GW_EXIT_SIGNAL:
		return (128 + x->code);
	case GW_EXIT_WALL_TIME:
		fmt_duration(buf, sizeof(buf), x->code);
		warnx("killed: limits.wall_time (%s) exceeded", buf);
		return (GW_EXIT_TIMEOUT);
	case GW_EXIT_MEMORY:
		warnx("killed: out of memory under limits.memory");
		return (128 + x->code);
	case GW_EXIT_EXEC:
		warnx("%s: %s", cmd, strerror(x->code));
		return (x->code == ENOENT || x->code == ENOTDIR ?
		    GW_EXIT_NOT_FOUND : GW_EXIT_CANNOT_EXEC);
	default:
		warnx("greywalld reported an unknown exit");
		return (GW_EXIT_FAILURE);
	}
}

/* After the command: how many denials there were (gw -m, --json). */
static void
events_summary(void)
{
	if (!want_events)
		return;
	if (evout.human != NULL)
		fprintf(stderr, "[greywall] %" PRIu64 " violation event%s"
		    " (%" PRIu64 " dropped)\n", evout.events + evout.dropped,
		    evout.events + evout.dropped == 1 ? "" : "s",
		    evout.dropped);
	if (evout.json != NULL)
		client_json_print(evout.json, json_pack("{s:{s:I,s:I}}",
		    "summary", "events", (json_int_t)(evout.events +
		    evout.dropped), "dropped", (json_int_t)evout.dropped), 0);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Relay a signal gw received: to the command, or to the pty. A second
 * SIGINT or SIGTERM within KILL_AGAIN_MS asks greywalld to kill the whole
 * sandbox (a command that ignores the first must not hold the terminal);
 * returns that signal then, else 0.
 */
static int
session_signal(int sock, int signo, int64_t *last)
{
	struct gw_signal	sig;
	int64_t			t;
	int			killed = 0;

	switch (signo) {
	case SIGWINCH:
		tty_winch();
		return (0);
	case SIGCONT:
		tty_cont();
		return (0);
	case SIGTSTP:
		tty_suspend();
		return (0);
	}
	sig.signo = signo;
	if (signo == SIGINT || signo == SIGTERM) {
		t = now_ms();
		if (*last != 0 && t - *last <= KILL_AGAIN_MS) {
			killed = signo;
			sig.signo = SIGKILL;
		}
		*last = t;
	}
	/* A lost signal is reported by the exit. */
	gw_msg_send(sock, GW_MSG_SANDBOX_SIGNAL, 0, &sig, sizeof(sig), NULL,
	    0, -1);
	if (signo == SIGTERM || signo == SIGHUP)
		tty_hangup();
	return (killed);
}

/*
 * Wait for the command to end, relaying signals and the pty meanwhile;
 * after a second SIGINT or SIGTERM, gw exits 128+N for that signal once
 * the sandbox is gone. The terminal's mode is restored (tty_finish)
 * before anything is printed.
 */
static int
session_loop(int sock, int sigfd, const char *cmd)
{
	struct signalfd_siginfo		si;
	struct gw_sandbox_exited	x;
	struct gw_sandbox_started	st;
	struct pollfd			pfd[2 + TTY_NPOLL];
	int64_t				last = 0;
	int				r, n, killed = 0;

	for (;;) {
		pfd[0].fd = sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = sigfd;
		pfd[1].events = POLLIN;
		n = tty_pollfds(pfd + 2);
		if (poll(pfd, 2 + n, -1) == -1) {
			if (errno == EINTR)
				continue;
			tty_finish(0);
			warn("poll");
			return (GW_EXIT_FAILURE);
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(sigfd, &si, sizeof(si)) == sizeof(si) && !killed)
			killed = session_signal(sock, si.ssi_signo, &last);
		tty_handle(pfd + 2, n);
		if (pfd[0].revents == 0)
			continue;
		r = client_recv(sock, &msg);
		if (killed && r >= 0 && (r == 0 ||
		    msg.hdr.type == GW_MSG_SANDBOX_EXITED)) {
			tty_finish(0);
			return (128 + killed);
		}
		if (r == 0) {
			/* Whatever the sandbox printed last still shows. */
			tty_finish(200);
			warnx("greywalld closed the connection before the"
			    " command finished");
			return (GW_EXIT_FAILURE);
		}
		if (r == -1) {
			tty_finish(0);
			warn("bad message from greywalld");
			return (GW_EXIT_FAILURE);
		}
		switch (msg.hdr.type) {
		case GW_MSG_SANDBOX_STARTED:
			memcpy(&st, msg.data, sizeof(st));
			if (st.flags & GW_STARTED_NO_LANDLOCK)
				warnx("warning: Landlock is not available on"
				    " this kernel; running without it"
				    " (hardening.landlock: best-effort)");
			if (st.flags & GW_STARTED_NO_EVENTS)
				warnx("warning: no violation events: the"
				    " policy says monitor.stream_to_client:"
				    " false");
			break;
		case GW_MSG_SANDBOX_PTY:
			r = tty_start(TAKE_FD(msg.fd));
			if (r == -1) {
				tty_finish(0);
				warn("cannot relay the sandbox's terminal");
				return (GW_EXIT_FAILURE);
			}
			break;
		case GW_MSG_SANDBOX_REVIEW:
			snprintf(review_id, sizeof(review_id), "%s",
			    msg.str[0]);
			break;
		case GW_MSG_SANDBOX_DEBUG:
			fprintf(stderr, "[greywall] debug: %s%s\n",
			    msg.str[0], tty_active() ? "\r" : "");
			break;
		case GW_MSG_EVENT:
		case GW_MSG_EVENTS_DROPPED:
			/* A terminal in raw mode needs its carriage return. */
			evout.crlf = tty_active();
			client_event_print(&evout, &msg);
			break;
		case GW_MSG_SANDBOX_EXITED:
			memcpy(&x, msg.data, sizeof(x));
			review_started = 1;
			tty_finish(1000);
			events_summary();
			return (exit_status(&x, cmd));
		case GW_MSG_ERROR:
			tty_finish(200);
			warnx("%s", client_error_text(&msg));
			events_summary();
			return (GW_EXIT_FAILURE);
		default:
			tty_finish(0);
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			return (GW_EXIT_FAILURE);
		}
		gw_msg_clear(&msg);
	}
}

static int
cmd_exec(const char *sockpath, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, 'P' },
		{ "publish", required_argument, NULL, 'p' },
		{ "no-network", no_argument, NULL, 'N' },
		{ "ro", no_argument, NULL, 'R' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "debug", no_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'J' },
		{ "learn", no_argument, NULL, 'L' },
		{ "learn-out", required_argument, NULL, 'O' },
		{ "review", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	_cleanup_close_ int	 sock = -1, cwd = -1, sigfd = -1;
	_cleanup_free_ char	*policy_text = NULL;
	char			*shargv[4];
	const char		*shcmd = NULL, *policy_path = NULL;
	const char		*json_path = NULL, *learn_out = NULL;
	char			 cmdline[1024];
	uint32_t		 flags = 0;
	uint16_t		 ports[GW_PORTS_MAX];
	size_t			 nports = 0;
	struct winsize		 ws;
	sigset_t		 set;
	size_t			 i;
	int			 ch, ttyroles, utf8, r;

	optind = 0;	/* glibc: 0 also resets the scan order */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:dhmp:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			shcmd = optarg;
			break;
		case 'P':
			policy_path = optarg;
			break;
		case 'p':
			add_port(ports, &nports, optarg);
			break;
		case 'N':
			flags |= GW_OPEN_NO_NETWORK;
			break;
		case 'R':
			flags |= GW_OPEN_CWD_RO;
			break;
		case 'm':
			evout.human = stderr;
			break;
		case 'd':
			flags |= GW_OPEN_DEBUG;
			break;
		case 'J':
			json_path = optarg;
			break;
		case 'L':
			evout.learn = 1;
			evout.human = stderr;
			break;
		case 'O':
			learn_out = optarg;
			break;
		case 'V':
			flags |= GW_OPEN_REVIEW;
			break;
		case 'h':
			usage_exec();
		default:
			client_getopt_error("gw exec", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (shcmd != NULL) {
		if (argc != 0)
			client_usage_error("gw exec", "-c takes one string;"
			    " unexpected argument '%s'", argv[0]);
		shargv[0] = (char *)"/bin/sh";
		shargv[1] = (char *)"-c";
		shargv[2] = (char *)shcmd;
		shargv[3] = NULL;
		argv = shargv;
		argc = 3;
	}
	if (argc == 0)
		client_usage_error("gw exec", "no command given");
	if (json_path != NULL) {
		/* Opened as the user, before the sandbox: not the daemon. */
		if (strcmp(json_path, "-") == 0)
			evout.json = stdout;
		else if ((evout.json = fopen(json_path, "we")) == NULL) {
			warn("%s", json_path);
			return (GW_EXIT_FAILURE);
		}
	}
	if (evout.human != NULL || evout.json != NULL) {
		want_events = 1;
		flags |= GW_OPEN_EVENTS;
	}
	if (policy_path != NULL &&
	    (policy_text = read_overlay(policy_path)) == NULL)
		return (GW_EXIT_FAILURE);
	if (evout.learn && policy_text != NULL)
		learn_seed(policy_text);

	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		warn("cannot open the working directory");
		return (GW_EXIT_FAILURE);
	}

	/* A terminal on any stdio role: the command gets a pty instead. */
	if ((ttyroles = tty_detect(&ws, &utf8)) != 0)
		flags |= GW_OPEN_PTY | (utf8 ? GW_OPEN_PTY_UTF8 : 0);

	/* Collect the signals to relay; they stay pending until read. */
	sigemptyset(&set);
	for (i = 0; i < nitems(forward_signals); i++)
		sigaddset(&set, forward_signals[i]);
	if (ttyroles != 0) {
		sigaddset(&set, SIGWINCH);
		sigaddset(&set, SIGCONT);
		sigaddset(&set, SIGTSTP);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1) {
		warn("signalfd");
		return (GW_EXIT_FAILURE);
	}
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The request follows HELLO without waiting for its answer (one
	 * round trip less); the answer is read before anything else. A
	 * refusal closes the connection: the answer then says why.
	 */
	if ((sock = client_connect_start(sockpath, GW_CLIENT_GW)) == -1)
		return (GW_EXIT_FAILURE);
	if (send_request(sock, argv, argc, cwd, flags, &ws, ttyroles,
	    policy_path, policy_text, ports, nports) == -1) {
		if (errno == EPIPE || errno == ECONNRESET) {
			(void)client_hello_reply(sock);
			return (GW_EXIT_FAILURE);
		}
		if (errno != E2BIG)
			warn("cannot send the request to greywalld");
		return (GW_EXIT_FAILURE);
	}
	if (client_hello_reply(sock) == -1)
		return (GW_EXIT_FAILURE);
	r = session_loop(sock, sigfd, argv[0]);
	if (review_id[0] != '\0')
		review_after_exec(review_id, review_started);
	if (evout.learn) {
		cmdline[0] = '\0';
		for (i = 0; argv[i] != NULL; i++)
			snprintf(cmdline + strlen(cmdline), sizeof(cmdline) -
			    strlen(cmdline), "%s%s", i > 0 ? " " : "",
			    argv[i]);
		str_sanitize(cmdline);
		if (learn_finish(learn_out, argv[0], cmdline, r != 0) == -1 &&
		    r == 0)
			r = GW_EXIT_FAILURE;
	}
	return (r);
}

static void
usage_cache(void)
{
	printf("usage: gw cache [list]\n"
	    "       gw cache clear [PATH ...]\n"
	    "\n"
	    "List your package caches in greywall's store (caches.paths in\n"
	    "greywall-policy(5)) with their sizes, or empty them all, or\n"
	    "those named (~/.npm, .cache/pip). Your real caches are never\n"
	    "touched.\n"
	    "\n"
	    "Exit status: 0, 125 on failure, 2 for a usage error.\n");
}

/* gw cache [list | clear [PATH...]]: as the user, on the user's store. */
static int
cmd_cache(int argc, char **argv)
{
	int	r;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage_cache();
		return (0);
	}
	if ((r = client_cache(argc, argv)) == -2)
		client_usage_error("gw cache", "expected 'list' or 'clear"
		    " [PATH ...]'");
	return (r == 0 ? 0 : GW_EXIT_FAILURE);
}

/* gw why [-w] [--policy FILE] QUESTION: 0 allowed, 1 denied. */
static int
cmd_why(const char *sockpath, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, 'P' },
		{ "write", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	_cleanup_free_ char	*text = NULL;
	const char		*policy_path = NULL;
	uint32_t		 flags = 0;
	int			 ch;

	optind = 0;	/* glibc: 0 also resets the scan order */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hw", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'P':
			policy_path = optarg;
			break;
		case 'w':
			flags |= GW_WHY_WRITE;
			break;
		case 'h':
			usage_why();
		default:
			client_getopt_error("gw why", ch, argv);
		}
	}
	if (optind >= argc)
		client_usage_error("gw why", "what to explain: an event id,"
		    " a path or HOST[:PORT]");
	if (optind + 1 < argc)
		client_usage_error("gw why", "unexpected argument '%s'",
		    argv[optind + 1]);
	if (argv[optind][0] == '\0' || strlen(argv[optind]) >= PATH_MAX)
		client_usage_error("gw why", "an empty or too long question");
	if (policy_path != NULL && (text = read_overlay(policy_path)) ==
	    NULL)
		return (GW_EXIT_FAILURE);
	return (client_why(sockpath, flags, argv[optind], policy_path, text));
}

/* gw doctor [--json]: 0 all there, 1 a required layer missing. */
static int
cmd_doctor(const char *sockpath, int argc, char **argv)
{
	_cleanup_close_ int	 sock = -1;
	int			 json, r;

	json = json_opt(argc, argv, "gw doctor", usage_doctor);
	if ((sock = client_connect(sockpath, GW_CLIENT_GW)) == -1)
		return (GW_EXIT_FAILURE);
	if ((r = client_status(sock, json)) == -1)
		return (GW_EXIT_FAILURE);
	return (r > 0 ? 1 : 0);
}

int
main(int argc, char *argv[])
{
	const char	*sockopt;
	int		 i;

	i = client_global_opts(argc, argv, "gw", usage, &sockopt);
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "exec") == 0)
		return (cmd_exec(client_socket_path(sockopt), argc, argv));
	if (strcmp(argv[0], "policy") == 0) {
		i = json_opt(argc, argv, "gw policy", usage_policy);
		return (client_policy_show(client_socket_path(sockopt),
		    GW_CLIENT_GW, "", i) == 0 ? 0 : GW_EXIT_FAILURE);
	}
	if (strcmp(argv[0], "doctor") == 0)
		return (cmd_doctor(client_socket_path(sockopt), argc, argv));
	if (strcmp(argv[0], "cache") == 0)
		return (cmd_cache(argc, argv));
	if (strcmp(argv[0], "why") == 0)
		return (cmd_why(client_socket_path(sockopt), argc, argv));
	if (strcmp(argv[0], "review") == 0)
		return (client_review(argc, argv));
	if (strcmp(argv[0], "diff") == 0)
		return (client_diff(argc, argv));
	if (strcmp(argv[0], "apply") == 0)
		return (client_apply(argc, argv));
	if (strcmp(argv[0], "discard") == 0)
		return (client_discard(argc, argv));
	client_usage_error("gw", "unknown command '%s'", argv[0]);
}
