/*
 * What gw and gwctl share: find the socket, connect, say HELLO, and read
 * validated replies. Errors are printed here with warnx so both tools
 * word them the same way.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "client.h"

/*
 * A usage error: one line naming the problem, one pointing at the help
 * of the command concerned ("gw exec"), and exit 2.
 */
void
client_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", cmd);
	exit(CLIENT_EXIT_USAGE);
}

/*
 * What getopt_long() found wrong, with opterr = 0 and an optstring that
 * starts with ':' (or "+:"): ch is '?' or ':'.
 */
void
client_getopt_error(const char *cmd, int ch, char **argv)
{
	const char	*arg = argv[optind - 1];

	if (ch == ':')
		client_usage_error(cmd, "option '%s' needs an argument",
		    arg);
	/* An unknown short option may be inside a group such as -xq. */
	if (optopt != 0)
		client_usage_error(cmd, "unknown option '-%c'", optopt);
	client_usage_error(cmd, "unknown option '%s'", arg);
}

/*
 * Parse the options gw and gwctl share (-S/--socket, --version, --help)
 * up to the command word. Returns the index of the command word; usage()
 * does not return.
 */
int
client_global_opts(int argc, char **argv, const char *prog,
    void (*usage)(int), const char **sockopt)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	*sockopt = NULL;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:S:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'S':
			*sockopt = optarg;
			break;
		case 'V':
			printf("%s %s (protocol %u)\n", prog, GW_VERSION,
			    GW_PROTO_VERSION);
			exit(0);
		case 'h':
			usage(0);
			break;
		default:
			client_getopt_error(prog, ch, argv);
		}
	}
	if (optind == argc)
		client_usage_error(prog, "no command given");
	return (optind);
}

/* --socket, else $GREYWALL_SOCKET, else the system socket. */
const char *
client_socket_path(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return (opt);
	if ((env = getenv("GREYWALL_SOCKET")) != NULL && *env != '\0')
		return (env);
	return (GW_SOCKET_PATH);
}

/* Receive one message from the daemon and check it. */
int
client_recv(int fd, struct gw_msg *m)
{
	int	r;

	r = gw_msg_recv(fd, m);
	/*
	 * A daemon that refuses us replies and hangs up before reading what
	 * we sent; the kernel then reports ECONNRESET ahead of the reply,
	 * which is still queued. Read it.
	 */
	if (r == -1 && errno == ECONNRESET)
		r = gw_msg_recv(fd, m);
	if (r <= 0)
		return (r);
	if (gw_msg_validate(m, GW_DIR_TO_CLIENT) == -1) {
		gw_msg_clear(m);
		return (-1);
	}
	return (1);
}

const char *
client_error_text(const struct gw_msg *m)
{
	return (m->nstr == 1 ? m->str[0] : "unknown error");
}

/*
 * Receive a reply that must come: prints why and returns -1 on a closed
 * connection, a bad message or GW_MSG_ERROR.
 */
int
client_expect(int fd, struct gw_msg *m)
{
	switch (client_recv(fd, m)) {
	case 1:
		break;
	case 0:
		warnx("greywalld closed the connection");
		return (-1);
	default:
		warn("bad reply from greywalld");
		return (-1);
	}
	if (m->hdr.type == GW_MSG_ERROR) {
		warnx("%s", client_error_text(m));
		return (-1);
	}
	return (0);
}

/*
 * Connect and send HELLO, without waiting for its answer: a caller may
 * send its request right behind it (greywalld reads in order) and call
 * client_hello_reply() before it reads anything else. Returns the
 * socket, or -1 after printing what went wrong.
 */
int
client_connect_start(const char *path, uint32_t kind)
{
	_cleanup_close_ int	 fd = -1;
	struct sockaddr_un	 sun;
	struct gw_hello		 hello;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		warnx("socket path '%s' is too long", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1) {
		warn("socket");
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			warnx("greywalld is not running (nothing listens on"
			    " %s): start it with 'systemctl start"
			    " greywalld.socket' or 'greywalld -f'", path);
		else
			warn("cannot connect to greywalld at %s", path);
		return (-1);
	}

	hello.version = GW_PROTO_VERSION;
	hello.kind = kind;
	/* If this fails the daemon may have refused us: read why later. */
	if (gw_msg_send(fd, GW_MSG_HELLO, 0, &hello, sizeof(hello), NULL, 0,
	    -1) == -1 && errno != EPIPE && errno != ECONNRESET) {
		warn("cannot talk to greywalld at %s", path);
		return (-1);
	}
	return (TAKE_FD(fd));
}

/*
 * greywalld's answer to HELLO: 0, or -1 after printing why it refused
 * (another protocol version, a limit) or what went wrong.
 */
int
client_hello_reply(int fd)
{
	struct gw_version	 v;
	static struct gw_msg	 m;

	if (client_expect(fd, &m) == -1)
		return (-1);
	switch (m.hdr.type) {
	case GW_MSG_OK:
		return (0);
	case GW_MSG_VERSION:
		memcpy(&v, m.data, sizeof(v));
		warnx("greywalld speaks protocol version %u but this client"
		    " speaks version %u: install matching greywall versions",
		    v.version, GW_PROTO_VERSION);
		return (-1);
	default:
		warnx("unexpected %s from greywalld",
		    gw_msg_typename(m.hdr.type));
		return (-1);
	}
}

/*
 * Connect and complete the HELLO exchange. Returns the socket, or -1
 * after printing what went wrong and what to do about it.
 */
int
client_connect(const char *path, uint32_t kind)
{
	int	fd;

	if ((fd = client_connect_start(path, kind)) == -1)
		return (-1);
	if (client_hello_reply(fd) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Print an effective policy: the caller's own (user "") or, for an admin,
 * another user's. With json, the daemon's structured form (each key, its
 * value or values, and the file, line and column each came from; see
 * policy_dump_json() and gw(1)), checked and printed through jansson.
 * Returns 0, or -1 after a message.
 */
int
client_policy_show(const char *path, uint32_t kind, const char *user,
    int json)
{
	_cleanup_close_ int	 fd = -1;
	_cleanup_free_ char	*text = NULL;
	static struct gw_msg	 m;
	const char		*strs[1] = { user };
	size_t			 len = 0, n;
	char			*p;
	json_t			*j;
	json_error_t		 jerr;

	if ((fd = client_connect(path, kind)) == -1)
		return (-1);
	if (gw_msg_send(fd, json ? GW_MSG_POLICY_JSON : GW_MSG_POLICY_SHOW,
	    0, NULL, 0, strs, 1, -1) == -1) {
		warn("cannot send to greywalld");
		return (-1);
	}
	for (;;) {
		if (client_expect(fd, &m) == -1)
			return (-1);
		if (m.hdr.type == GW_MSG_OK)
			break;
		if (m.hdr.type != GW_MSG_POLICY_TEXT) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(m.hdr.type));
			return (-1);
		}
		if (!json) {
			fputs(m.str[0], stdout);
			continue;
		}
		/* The text comes in pieces: one JSON string for all. */
		n = strlen(m.str[0]);
		if ((p = realloc(text, len + n + 1)) == NULL) {
			warn("malloc");
			return (-1);
		}
		text = p;
		memcpy(text + len, m.str[0], n + 1);
		len += n;
	}
	if (!json)
		return (0);
	if ((j = json_loads(text != NULL ? text : "", 0, &jerr)) == NULL) {
		warnx("greywalld sent a policy that is not JSON: %s (line %d"
		    " column %d)", jerr.text, jerr.line, jerr.column);
		return (-1);
	}
	return (client_json_print(stdout, j, 0));
}

/*
 * gw why: send the question and print the answer. Returns 0 (allowed),
 * 1 (denied) or GW_EXIT_FAILURE after a message.
 */
int
client_why(const char *path, uint32_t flags, const char *question,
    const char *policy_name, const char *policy_text)
{
	_cleanup_close_ int	 fd = -1;
	static struct gw_msg	 m;
	struct gw_why		 q = { flags, 0 };
	struct gw_why_answer	 a;
	char			 cwd[PATH_MAX], *p;
	const char		*strs[4];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	strs[0] = question;
	strs[1] = cwd;
	strs[2] = policy_name != NULL ? policy_name : "";
	strs[3] = policy_text != NULL ? policy_text : "";
	if ((fd = client_connect(path, GW_CLIENT_GW)) == -1)
		return (GW_EXIT_FAILURE);
	if (gw_msg_send(fd, GW_MSG_WHY, 0, &q, sizeof(q), strs, 4,
	    -1) == -1) {
		warn("cannot send to greywalld");
		return (GW_EXIT_FAILURE);
	}
	if (client_expect(fd, &m) == -1)
		return (GW_EXIT_FAILURE);
	if (m.hdr.type != GW_MSG_WHY_ANSWER) {
		warnx("unexpected %s from greywalld",
		    gw_msg_typename(m.hdr.type));
		return (GW_EXIT_FAILURE);
	}
	memcpy(&a, m.data, sizeof(a));
	/* The daemon's text: lines, but never a terminal's control codes. */
	for (p = (char *)m.str[0]; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
			*p = '?';
	fputs(m.str[0], stdout);
	return (a.verdict == GW_WHY_ALLOWED ? 0 : 1);
}

static void
iso_time(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = ms / 1000;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03dZ",
	    (int)(ms % 1000));
}

/*
 * Print one GW_MSG_EVENT or GW_MSG_EVENTS_DROPPED: a human line on
 * o->human, a JSON line on o->json, either may be NULL. The strings come
 * from the daemon, which sanitized them; they are sanitized again here.
 */
void
client_event_print(struct client_events *o, struct gw_msg *m)
{
	struct gw_event			 ev;
	struct gw_events_dropped	 d;
	const char			*s[6], *eol;
	char				 when[40], pid[32];
	char				*raw[6] = { NULL };
	json_t				*j;
	size_t				 i;

	eol = o->crlf ? "\r\n" : "\n";
	if (m->hdr.type == GW_MSG_EVENTS_DROPPED) {
		memcpy(&d, m->data, sizeof(d));
		o->dropped += d.count;
		if (o->human != NULL)
			fprintf(o->human, "%s%u events dropped (read too"
			    " slowly)%s", o->prefix, d.count, eol);
		if (o->json != NULL && (j = json_object()) != NULL) {
			client_json_set(j, "dropped", json_integer(d.count));
			client_json_print(o->json, j, 0);
		}
		goto out;
	}
	memcpy(&ev, m->data, sizeof(ev));
	for (i = 0; i < 6; i++) {
		if (o->json != NULL && (raw[i] = strdup(m->str[i])) == NULL)
			warn("malloc");
		str_sanitize((char *)m->str[i]);
		s[i] = m->str[i];
	}
	o->events++;
	if (o->learn)
		learn_event(ev.kind, s);
	iso_time(ev.time_ms, when, sizeof(when));
	if (o->human != NULL) {
		if (ev.pid != 0)
			snprintf(pid, sizeof(pid), ", pid %u", ev.pid);
		else
			pid[0] = '\0';
		if (o->monitor)
			fprintf(o->human, "%s sandbox %u uid %u: ", when,
			    ev.sandbox, ev.uid);
		fprintf(o->human, "%sdenied %s %s (%s%s) by %s%s%s%s%s"
		    " [gw why %u.%" PRIu64 "]%s", o->prefix, s[1], s[2], s[0],
		    pid, s[3], s[4][0] != '\0' ? " in " : "", s[4],
		    s[5][0] != '\0' ? ": " : "", s[5], ev.sandbox, ev.seq,
		    eol);
	}
	if (o->json != NULL) {
		/* Unsanitized: JSON escapes control characters itself. */
		if ((j = json_object()) == NULL)
			warn("malloc");
		client_json_set(j, "time", json_string(when));
		client_json_set(j, "sandbox", json_integer(ev.sandbox));
		client_json_set(j, "seq", json_integer(ev.seq));
		snprintf(pid, sizeof(pid), "%u.%" PRIu64, ev.sandbox, ev.seq);
		client_json_set(j, "event", json_string(pid));
		client_json_set(j, "uid", json_integer(ev.uid));
		client_json_set(j, "pid", json_integer(ev.pid));
		client_json_set(j, "comm", client_json_str(raw[0]));
		client_json_set(j, "kind",
		    json_string(gw_event_kindname(ev.kind)));
		client_json_set(j, "action", client_json_str(raw[1]));
		client_json_set(j, "target", client_json_str(raw[2]));
		client_json_set(j, "rule", client_json_str(raw[3]));
		client_json_set(j, "file", client_json_str(raw[4]));
		client_json_set(j, "note", client_json_str(raw[5]));
		client_json_print(o->json, j, 0);
	}
	for (i = 0; i < 6; i++)
		free(raw[i]);
out:
	if (o->human != NULL)
		fflush(o->human);
	if (o->json != NULL)
		fflush(o->json);
}
