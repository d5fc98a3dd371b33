/*
 * gwctl: administer greywalld. Authorization is the daemon's: it checks
 * the caller's uid and groups from the socket, not anything sent here.
 */

#include <sys/types.h>

#include <err.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "client.h"

#define GWCTL_EXIT_ERROR	1
#define GWCTL_EXIT_USAGE	CLIENT_EXIT_USAGE
#define GWCTL_EXIT_MISSING	3	/* status: a required layer missing */

static struct gw_msg	msg;
/*
 * HELLO's answer, still to be read: the request goes right behind HELLO
 * (one round trip, not two, which counts when greywalld is busy), and its
 * answers are read after HELLO's (ctl_expect).
 */
static int		hello_pending;

/* Each command's synopsis and help, for --help and usage errors. */
static const struct gwctl_cmd {
	const char	*name;
	const char	*synopsis;
	const char	*help;
} gwctl_cmds[] = {
	{ "list", "list [--json]",
	    "List the running sandboxes: id, user, pid, start time, memory,\n"
	    "tasks, command and working directory, then a line with its\n"
	    "events, bytes sent and received and policy files.\n"
	    "\n"
	    "  --json   one JSON array of objects instead\n" },
	{ "monitor", "monitor [--user USER] [--json]",
	    "Follow the violation events of every sandbox until interrupted.\n"
	    "\n"
	    "  --user USER  only the sandboxes of USER\n"
	    "  --json       one JSON object per line, as 'gw exec --json'\n" },
	{ "kill", "kill ID | --user USER [--json]",
	    "Kill sandbox ID (see 'gwctl list'), or every sandbox of USER:\n"
	    "every process in it gets SIGKILL.\n"
	    "\n"
	    "  --user USER  every sandbox of USER\n"
	    "  --json       print {\"killed\": [ID, ...]}\n" },
	{ "policy", "policy USER [--json]",
	    "Print the effective policy of USER as YAML, each value with the\n"
	    "policy file and line it came from.\n"
	    "\n"
	    "  --json   print {\"user\": USER, \"policy\": {KEY: {\"value\"\n"
	    "           or \"values\", \"source\": {\"file\", \"line\",\n"
	    "           \"column\"}}}}\n"
	    "           (see gw(1) JSON OUTPUT)\n" },
	{ "reload", "reload [--json]",
	    "Make greywalld re-read its policy files; on an error it keeps\n"
	    "the policy it has, and the error is printed. Warnings (files it\n"
	    "ignores, users and groups it does not know) go to stderr.\n"
	    "\n"
	    "  --json   print {\"reloaded\": true, \"warnings\": [...]}\n" },
	{ "status", "status [--json]",
	    "Print what greywalld and the kernel provide, one line per item\n"
	    "(exit 3 if a layer that a policy requires is missing).\n"
	    "\n"
	    "  --json   one JSON object {\"items\": [...], \"ok\": ...}\n" },
};

static const char gwctl_exit_help[] =
    "Exit status: 0 success, 1 an error (greywalld not running, a refused\n"
    "request, an unknown sandbox id, a policy not reloaded), 2 a usage\n"
    "error (unknown user included), 3 status: a required layer missing.\n";

static void __attribute__((noreturn))
usage(int status)
{
	size_t	i;

	(void)status;
	printf("usage: gwctl [-S socket] command [options]\n"
	    "       gwctl --version | --help\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < nitems(gwctl_cmds); i++)
		printf("  gwctl %s\n", gwctl_cmds[i].synopsis);
	printf("\n"
	    "  -S, --socket PATH  greywalld socket (default $GREYWALL_SOCKET"
	    " or %s)\n"
	    "\n"
	    "'gwctl COMMAND --help' describes each command.\n"
	    "\n%s", GW_SOCKET_PATH, gwctl_exit_help);
	exit(0);
}

static void __attribute__((noreturn))
usage_cmd(const struct gwctl_cmd *c)
{
	printf("usage: gwctl [-S socket] %s\n\n%s\n%s", c->synopsis,
	    c->help, gwctl_exit_help);
	exit(0);
}

/* "12.3M": bytes in binary units, as limits.memory writes them. */
static void
fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char	 units[] = "KMGTPE";
	double			 v = b;
	int			 u = -1;

	if (b == UINT64_MAX) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 1024 && u < (int)sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, b);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* One sandbox of gwctl list --json, from its GW_MSG_ADMIN_LIST_ENTRY. */
static json_t *
list_json_entry(const struct gw_sandbox_info *info, const struct gw_msg *m)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return (NULL);
	client_json_set(o, "id", json_integer(info->id));
	client_json_set(o, "uid", json_integer(info->uid));
	client_json_set(o, "user", client_json_str(m->str[0]));
	client_json_set(o, "pid", json_integer(info->pid));
	client_json_set(o, "start_time", json_integer(info->start_time));
	/* null where the host has no controller for it */
	client_json_set(o, "memory", info->memory == UINT64_MAX ?
	    json_null() : json_integer(info->memory));
	client_json_set(o, "tasks", info->tasks == UINT32_MAX ?
	    json_null() : json_integer(info->tasks));
	client_json_set(o, "command", client_json_str(m->str[1]));
	client_json_set(o, "cwd", client_json_str(m->str[2]));
	return (o);
}

static void
list_print_entry(const struct gw_sandbox_info *info, struct gw_msg *m)
{
	struct tm	tm;
	time_t		t;
	char		when[32], user[64], mem[32], tasks[16];

	t = info->start_time;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	/* The daemon's strings are not trusted either. */
	str_sanitize((char *)m->str[0]);
	str_sanitize((char *)m->str[1]);
	str_sanitize((char *)m->str[2]);
	snprintf(user, sizeof(user), "%s(%u)", m->str[0], info->uid);
	fmt_bytes(mem, sizeof(mem), info->memory);
	if (info->tasks == UINT32_MAX)
		snprintf(tasks, sizeof(tasks), "-");
	else
		snprintf(tasks, sizeof(tasks), "%u", info->tasks);
	printf("%-6u %-20s %-8u %-19s %7s %5s %-30s %s\n", info->id, user,
	    info->pid, when, mem, tasks, m->str[1], m->str[2]);
}

/* HELLO's answer, if it is still to be read: 0, or -1 after saying why. */
static int
ctl_hello(int sock)
{
	if (!hello_pending)
		return (0);
	hello_pending = 0;
	return (client_hello_reply(sock));
}

/* The next message, after HELLO's answer if that is still to come. */
static int
ctl_expect(int sock, struct gw_msg *m)
{
	if (ctl_hello(sock) == -1)
		return (-1);
	return (client_expect(sock, m));
}

/*
 * Send a request. If greywalld has already closed the connection, HELLO's
 * answer says why (another protocol version, a limit): print that.
 */
static int
ctl_send(int sock, uint32_t type, const void *data, size_t len)
{
	int	saved_errno;

	if (gw_msg_send(sock, type, 0, data, len, NULL, 0, -1) == 0)
		return (0);
	saved_errno = errno;
	if ((errno == EPIPE || errno == ECONNRESET) && hello_pending &&
	    ctl_hello(sock) == -1)
		return (-1);
	errno = saved_errno;
	warn("cannot send to greywalld");
	return (-1);
}

/*
 * The header is printed with the first reply, so that a refused request
 * prints only the error.
 */
static int
cmd_list(int sock, int json)
{
	struct gw_sandbox_info	 info;
	struct gw_sandbox_stats	 stats;
	json_t			*arr = NULL, *cur = NULL;
	int			 n = 0;

	if (ctl_send(sock, GW_MSG_ADMIN_LIST, NULL, 0) == -1)
		return (GWCTL_EXIT_ERROR);
	if (json && (arr = json_array()) == NULL) {
		warn("malloc");
		return (GWCTL_EXIT_ERROR);
	}
	for (;;) {
		if (ctl_expect(sock, &msg) == -1) {
			json_decref(arr);
			return (GWCTL_EXIT_ERROR);
		}
		if (!json && n == 0)
			printf("%-6s %-20s %-8s %-19s %7s %5s %-30s %s\n",
			    "ID", "USER", "PID", "STARTED", "MEM", "TASKS",
			    "COMMAND", "CWD");
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_END)
			break;
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_STATS) {
			memcpy(&stats, msg.data, sizeof(stats));
			if (n == 0 || stats.id != info.id)
				continue;
			if (json) {
				client_json_set(cur, "events",
				    json_integer(stats.events));
				client_json_set(cur, "bytes_out",
				    json_integer(stats.bytes_out));
				client_json_set(cur, "bytes_in",
				    json_integer(stats.bytes_in));
				client_json_set(cur, "policy_files",
				    client_json_str(msg.str[0]));
				continue;
			}
			str_sanitize((char *)msg.str[0]);
			printf("  events %" PRIu64 ", sent %" PRIu64
			    " bytes, received %" PRIu64 " bytes,"
			    " policy: %s\n", stats.events, stats.bytes_out,
			    stats.bytes_in, msg.str[0][0] != '\0' ?
			    msg.str[0] : "(built-in)");
			continue;
		}
		if (msg.hdr.type != GW_MSG_ADMIN_LIST_ENTRY) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			json_decref(arr);
			return (GWCTL_EXIT_ERROR);
		}
		memcpy(&info, msg.data, sizeof(info));
		if (json) {
			cur = list_json_entry(&info, &msg);
			client_json_append(arr, cur);
		} else
			list_print_entry(&info, &msg);
		n++;
	}
	if (json && client_json_print(stdout, arr, JSON_INDENT(2)) == -1)
		return (GWCTL_EXIT_ERROR);
	return (0);
}

static int
cmd_monitor(int sock, const uid_t *uid, int json)
{
	struct client_events	 o = { .prefix = "" };
	struct gw_monitor	 mon;

	memset(&mon, 0, sizeof(mon));
	if (uid != NULL) {
		mon.flags = GW_MONITOR_UID;
		mon.uid = *uid;
	}
	if (json)
		o.json = stdout;
	else {
		o.human = stdout;
		o.monitor = 1;
	}
	if (ctl_send(sock, GW_MSG_MONITOR, &mon, sizeof(mon)) == -1)
		return (GWCTL_EXIT_ERROR);
	if (ctl_expect(sock, &msg) == -1)
		return (GWCTL_EXIT_ERROR);
	for (;;) {
		if (ctl_expect(sock, &msg) == -1)
			return (GWCTL_EXIT_ERROR);
		if (msg.hdr.type != GW_MSG_EVENT &&
		    msg.hdr.type != GW_MSG_EVENTS_DROPPED) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			return (GWCTL_EXIT_ERROR);
		}
		client_event_print(&o, &msg);
		gw_msg_clear(&msg);
	}
}

/* gwctl kill --user: the killed sandboxes come as list entries. */
static int
cmd_kill_user(int sock, uid_t uid, int json)
{
	struct gw_kill_user	 ku;
	struct gw_sandbox_info	 info;
	json_t			*j = NULL, *ids = NULL;

	memset(&ku, 0, sizeof(ku));
	ku.uid = uid;
	if (ctl_send(sock, GW_MSG_ADMIN_KILL_USER, &ku, sizeof(ku)) == -1)
		return (GWCTL_EXIT_ERROR);
	if (json && ((j = json_object()) == NULL ||
	    (ids = json_array()) == NULL)) {
		warn("malloc");
		json_decref(j);
		return (GWCTL_EXIT_ERROR);
	}
	for (;;) {
		if (ctl_expect(sock, &msg) == -1)
			goto fail;
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_END)
			break;
		if (msg.hdr.type != GW_MSG_ADMIN_LIST_ENTRY) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			goto fail;
		}
		memcpy(&info, msg.data, sizeof(info));
		str_sanitize((char *)msg.str[1]);
		if (json)
			client_json_append(ids, json_integer(info.id));
		else
			printf("killed sandbox %u (pid %u): %s\n", info.id,
			    info.pid, msg.str[1]);
	}
	if (json) {
		client_json_set(j, "killed", ids);
		if (client_json_print(stdout, j, 0) == -1)
			return (GWCTL_EXIT_ERROR);
	}
	return (0);
fail:
	json_decref(j);
	json_decref(ids);
	return (GWCTL_EXIT_ERROR);
}

static int
cmd_kill(int sock, uint32_t id, int json)
{
	struct gw_sandbox_id	 sid;

	sid.id = id;
	if (ctl_send(sock, GW_MSG_ADMIN_KILL, &sid, sizeof(sid)) == -1)
		return (GWCTL_EXIT_ERROR);
	if (ctl_expect(sock, &msg) == -1)
		return (GWCTL_EXIT_ERROR);
	if (json)
		return (client_json_print(stdout, json_pack("{s:[i]}",
		    "killed", (json_int_t)sid.id), 0) == 0 ? 0 :
		    GWCTL_EXIT_ERROR);
	return (0);
}

/*
 * Reload; the daemon sends what its loader noticed (a file it ignores, a
 * selector naming no account) as one POLICY_TEXT each before the OK:
 * on stderr, or with json in "warnings".
 */
static int
cmd_reload(int sock, int json)
{
	json_t	*w;

	if (ctl_send(sock, GW_MSG_ADMIN_RELOAD, NULL, 0) == -1)
		return (GWCTL_EXIT_ERROR);
	if ((w = json_array()) == NULL) {
		warn("malloc");
		return (GWCTL_EXIT_ERROR);
	}
	for (;;) {
		if (ctl_expect(sock, &msg) == -1) {
			json_decref(w);
			return (GWCTL_EXIT_ERROR);
		}
		if (msg.hdr.type == GW_MSG_OK)
			break;
		if (msg.hdr.type != GW_MSG_POLICY_TEXT) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			json_decref(w);
			return (GWCTL_EXIT_ERROR);
		}
		if (!json)
			fprintf(stderr, "gwctl: %s\n", msg.str[0]);
		else if (json_array_append_new(w,
		    client_json_str(msg.str[0])) == -1) {
			warn("malloc");
			json_decref(w);
			return (GWCTL_EXIT_ERROR);
		}
	}
	if (json)
		return (client_json_print(stdout, json_pack("{s:b, s:o}",
		    "reloaded", 1, "warnings", w), 0) == 0 ? 0 :
		    GWCTL_EXIT_ERROR);
	json_decref(w);
	return (0);
}

static int
cmd_status(int sock, int json)
{
	int	r;

	if ((r = client_status(sock, json)) == -1)
		return (GWCTL_EXIT_ERROR);
	return (r > 0 ? GWCTL_EXIT_MISSING : 0);
}

/*
 * A login name or uid given on the command line, into pw (the name is
 * what greywalld is asked about), or exit 2 naming it.
 */
static void
user_lookup(const char *cmd, const char *user, struct client_pw *pw)
{
	errno = ENOENT;
	if (user[0] == '\0' || client_passwd(user, pw) == -1)
		client_usage_error(cmd, "no user '%s'%s%s", user,
		    errno != ENOENT ? ": " : "",
		    errno != ENOENT ? strerror(errno) : "");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const struct gwctl_cmd	*c = NULL;
	const char		*sockopt, *user = NULL, *id = NULL;
	char			 cmd[32], *end;
	unsigned long		 v = 0;
	struct client_pw	 upw;
	uid_t			 uid = 0;
	size_t			 k;
	int			 i, sock, json = 0, ch, r;

	i = client_global_opts(argc, argv, "gwctl", usage, &sockopt);
	argc -= i;
	argv += i;
	for (k = 0; k < nitems(gwctl_cmds); k++)
		if (strcmp(argv[0], gwctl_cmds[k].name) == 0)
			c = &gwctl_cmds[k];
	if (c == NULL)
		client_usage_error("gwctl", "unknown command '%s'", argv[0]);
	snprintf(cmd, sizeof(cmd), "gwctl %s", c->name);

	/* Options anywhere after the command word, as in git. */
	optind = 0;	/* glibc: 0 also resets the scan order */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage_cmd(c);
		case 'j':
			json = 1;
			break;
		case 'u':
			if (strcmp(c->name, "monitor") != 0 &&
			    strcmp(c->name, "kill") != 0)
				client_usage_error(cmd, "unknown option"
				    " '--user'");
			if (user != NULL)
				client_usage_error(cmd, "--user given twice");
			user = optarg;
			break;
		default:
			client_getopt_error(cmd, ch, argv);
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(c->name, "kill") == 0) {
		if (argc > 1)
			client_usage_error(cmd, "unexpected argument '%s'",
			    argv[1]);
		if (user != NULL && argc == 1)
			client_usage_error(cmd, "give a sandbox id or --user,"
			    " not both");
		if (user == NULL && argc == 0)
			client_usage_error(cmd, "no sandbox id or --user"
			    " given");
		id = argc == 1 ? argv[0] : NULL;
	} else if (strcmp(c->name, "policy") == 0) {
		if (argc == 0)
			client_usage_error(cmd, "no user given");
		if (argc > 1)
			client_usage_error(cmd, "unexpected argument '%s'",
			    argv[1]);
		user = argv[0];
	} else if (argc > 0)
		client_usage_error(cmd, "unexpected argument '%s'", argv[0]);
	if (user != NULL) {
		user_lookup(cmd, user, &upw);
		uid = upw.uid;
		user = upw.name;
	}
	if (id != NULL) {
		errno = 0;
		v = strtoul(id, &end, 10);
		if (errno != 0 || !isdigit((unsigned char)*id) ||
		    *end != '\0' || v == 0 || v > UINT32_MAX)
			client_usage_error(cmd, "'%s' is not a sandbox id",
			    id);
	}

	if (strcmp(c->name, "policy") == 0)
		return (client_policy_show(client_socket_path(sockopt),
		    GW_CLIENT_CTL, user, json) == 0 ? 0 : GWCTL_EXIT_ERROR);
	if ((sock = client_connect_start(client_socket_path(sockopt),
	    GW_CLIENT_CTL)) == -1)
		return (GWCTL_EXIT_ERROR);
	hello_pending = 1;
	/* client_status() reads on its own: HELLO's answer first. */
	if (strcmp(c->name, "status") == 0 && ctl_hello(sock) == -1)
		return (GWCTL_EXIT_ERROR);
	if (strcmp(c->name, "monitor") == 0)
		r = cmd_monitor(sock, user != NULL ? &uid : NULL, json);
	else if (strcmp(c->name, "list") == 0)
		r = cmd_list(sock, json);
	else if (strcmp(c->name, "reload") == 0)
		r = cmd_reload(sock, json);
	else if (strcmp(c->name, "status") == 0)
		r = cmd_status(sock, json);
	else if (user != NULL)
		r = cmd_kill_user(sock, uid, json);
	else
		r = cmd_kill(sock, v, json);
	return (r);
}
