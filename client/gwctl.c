/*
 * gwctl: administer greywalld. Authorization is the daemon's: it checks
 * the caller's uid and groups from the socket, not anything sent here.
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "client.h"

#define GWCTL_EXIT_ERROR	1
#define GWCTL_EXIT_USAGE	2
#define GWCTL_EXIT_MISSING	3	/* status: a required layer missing */

static struct gw_msg	msg;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: gwctl [-S socket] command\n"
	    "\n"
	    "commands:\n"
	    "  list [--json]   list running sandboxes\n"
	    "  monitor [--user USER] [--json]\n"
	    "                  follow every sandbox's violation events\n"
	    "  kill ID|--user USER [--json]\n"
	    "                  kill sandbox ID, or every sandbox of USER\n"
	    "  policy USER [--json]\n"
	    "                  print USER's effective policy\n"
	    "  reload [--json] re-read the policy files\n"
	    "  status [--json] what greywalld and the kernel provide (exit"
	    " 3\n"
	    "                  if a required layer is missing)\n"
	    "\n"
	    "  -S, --socket PATH  greywalld socket (default $GREYWALL_SOCKET"
	    " or %s)\n", GW_SOCKET_PATH);
	exit(status == 0 ? 0 : GWCTL_EXIT_USAGE);
}

static void
json_string(const char *s)
{
	client_json_string(stdout, s);
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

static int
cmd_list(int sock, int json)
{
	struct gw_sandbox_info	 info;
	struct gw_sandbox_stats	 stats;
	struct tm		 tm;
	time_t			 t;
	char			 when[32], user[64], mem[32], tasks[16];
	int			 n = 0;

	if (gw_msg_send(sock, GW_MSG_ADMIN_LIST, 0, NULL, 0, NULL, 0,
	    -1) == -1) {
		warn("cannot send to greywalld");
		return (GWCTL_EXIT_ERROR);
	}
	if (json)
		printf("[");
	else
		printf("%-6s %-20s %-8s %-19s %7s %5s %-30s %s\n", "ID",
		    "USER", "PID", "STARTED", "MEM", "TASKS", "COMMAND",
		    "CWD");
	for (;;) {
		if (client_expect(sock, &msg) == -1)
			return (GWCTL_EXIT_ERROR);
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_END)
			break;
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_STATS) {
			memcpy(&stats, msg.data, sizeof(stats));
			if (stats.id != info.id || n == 0)
				continue;
			str_sanitize((char *)msg.str[0]);
			if (json) {
				printf(", \"events\": %" PRIu64 ", \"bytes_out\":"
				    " %" PRIu64 ", \"bytes_in\": %" PRIu64
				    ", \"policy_files\": ", stats.events,
				    stats.bytes_out, stats.bytes_in);
				json_string(msg.str[0]);
			} else
				printf("  events %" PRIu64 ", sent %" PRIu64
				    " bytes, received %" PRIu64 " bytes,"
				    " policy: %s\n", stats.events,
				    stats.bytes_out, stats.bytes_in,
				    msg.str[0][0] != '\0' ? msg.str[0] :
				    "(built-in)");
			continue;
		}
		if (msg.hdr.type != GW_MSG_ADMIN_LIST_ENTRY) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			return (GWCTL_EXIT_ERROR);
		}
		if (json && n > 0)
			printf("}");
		memcpy(&info, msg.data, sizeof(info));
		if (json) {
			printf("%s\n  {\"id\": %u, \"uid\": %u, \"user\": ",
			    n > 0 ? "," : "", info.id, info.uid);
			json_string(msg.str[0]);
			printf(", \"pid\": %u, \"start_time\": %" PRId64,
			    info.pid, info.start_time);
			/* null where the host has no controller for it */
			if (info.memory == UINT64_MAX)
				printf(", \"memory\": null");
			else
				printf(", \"memory\": %" PRIu64, info.memory);
			if (info.tasks == UINT32_MAX)
				printf(", \"tasks\": null");
			else
				printf(", \"tasks\": %u", info.tasks);
			printf(", \"command\": ");
			json_string(msg.str[1]);
			printf(", \"cwd\": ");
			json_string(msg.str[2]);
		} else {
			t = info.start_time;
			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			/* The daemon's strings are not trusted either. */
			str_sanitize((char *)msg.str[0]);
			str_sanitize((char *)msg.str[1]);
			str_sanitize((char *)msg.str[2]);
			snprintf(user, sizeof(user), "%s(%u)", msg.str[0],
			    info.uid);
			fmt_bytes(mem, sizeof(mem), info.memory);
			if (info.tasks == UINT32_MAX)
				snprintf(tasks, sizeof(tasks), "-");
			else
				snprintf(tasks, sizeof(tasks), "%u",
				    info.tasks);
			printf("%-6u %-20s %-8u %-19s %7s %5s %-30s %s\n",
			    info.id, user, info.pid, when, mem, tasks,
			    msg.str[1], msg.str[2]);
		}
		n++;
	}
	if (json)
		printf("%s]\n", n > 0 ? "}\n" : "");
	return (0);
}

static int
cmd_monitor(int sock, const char *user, int json)
{
	struct client_events	 o = { .prefix = "" };
	struct gw_monitor	 mon;
	struct passwd		*pw;

	memset(&mon, 0, sizeof(mon));
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			warnx("no user '%s'", user);
			return (GWCTL_EXIT_USAGE);
		}
		mon.flags = GW_MONITOR_UID;
		mon.uid = pw->pw_uid;
	}
	if (json)
		o.json = stdout;
	else {
		o.human = stdout;
		o.monitor = 1;
	}
	if (gw_msg_send(sock, GW_MSG_MONITOR, 0, &mon, sizeof(mon), NULL, 0,
	    -1) == -1) {
		warn("cannot send to greywalld");
		return (GWCTL_EXIT_ERROR);
	}
	if (client_expect(sock, &msg) == -1)
		return (GWCTL_EXIT_ERROR);
	for (;;) {
		if (client_expect(sock, &msg) == -1)
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
cmd_kill_user(int sock, const char *user, int json)
{
	struct gw_kill_user	 ku;
	struct gw_sandbox_info	 info;
	struct passwd		*pw;
	int			 n = 0;

	if ((pw = getpwnam(user)) == NULL) {
		warnx("no user '%s'", user);
		return (GWCTL_EXIT_USAGE);
	}
	memset(&ku, 0, sizeof(ku));
	ku.uid = pw->pw_uid;
	if (gw_msg_send(sock, GW_MSG_ADMIN_KILL_USER, 0, &ku, sizeof(ku),
	    NULL, 0, -1) == -1) {
		warn("cannot send to greywalld");
		return (GWCTL_EXIT_ERROR);
	}
	if (json)
		printf("{\"killed\": [");
	for (;;) {
		if (client_expect(sock, &msg) == -1)
			return (GWCTL_EXIT_ERROR);
		if (msg.hdr.type == GW_MSG_ADMIN_LIST_END)
			break;
		if (msg.hdr.type != GW_MSG_ADMIN_LIST_ENTRY) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(msg.hdr.type));
			return (GWCTL_EXIT_ERROR);
		}
		memcpy(&info, msg.data, sizeof(info));
		str_sanitize((char *)msg.str[1]);
		if (json)
			printf("%s%u", n > 0 ? ", " : "", info.id);
		else
			printf("killed sandbox %u (pid %u): %s\n", info.id,
			    info.pid, msg.str[1]);
		n++;
	}
	if (json)
		printf("]}\n");
	return (0);
}

static int
cmd_kill(int sock, const char *arg, int json)
{
	struct gw_sandbox_id	 sid;
	char			*end;
	unsigned long		 v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *arg == '\0' || *end != '\0' || v == 0 ||
	    v > UINT32_MAX) {
		warnx("'%s' is not a sandbox id", arg);
		return (GWCTL_EXIT_USAGE);
	}
	sid.id = v;
	if (gw_msg_send(sock, GW_MSG_ADMIN_KILL, 0, &sid, sizeof(sid), NULL,
	    0, -1) == -1) {
		warn("cannot send to greywalld");
		return (GWCTL_EXIT_ERROR);
	}
	if (client_expect(sock, &msg) == -1)
		return (GWCTL_EXIT_ERROR);
	if (json)
		printf("{\"killed\": [%u]}\n", sid.id);
	return (0);
}

static int
cmd_reload(int sock, int json)
{
	if (gw_msg_send(sock, GW_MSG_ADMIN_RELOAD, 0, NULL, 0, NULL, 0,
	    -1) == -1) {
		warn("cannot send to greywalld");
		return (GWCTL_EXIT_ERROR);
	}
	if (client_expect(sock, &msg) == -1)
		return (GWCTL_EXIT_ERROR);
	if (json)
		printf("{\"reloaded\": true}\n");
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

/* Every argument after the command word, where only --json may be. */
static int
json_only(int argc, char **argv, int from)
{
	int	k, json = 0;

	for (k = from; k < argc; k++) {
		if (strcmp(argv[k], "--json") != 0)
			usage(1);
		json = 1;
	}
	return (json);
}

int
main(int argc, char *argv[])
{
	const char	*sockopt;
	const char	*user = NULL, *id = NULL;
	int		 i, sock, json = 0, r, k;

	i = client_global_opts(argc, argv, "gwctl", usage, &sockopt);
	argc -= i;
	argv += i;

	if (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "status") == 0 ||
	    strcmp(argv[0], "reload") == 0) {
		json = json_only(argc, argv, 1);
	} else if (strcmp(argv[0], "monitor") == 0) {
		for (k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--json") == 0)
				json = 1;
			else if (strcmp(argv[k], "--user") == 0 &&
			    k + 1 < argc)
				user = argv[++k];
			else
				usage(1);
		}
	} else if (strcmp(argv[0], "kill") == 0) {
		for (k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--json") == 0)
				json = 1;
			else if (strcmp(argv[k], "--user") == 0 &&
			    k + 1 < argc && user == NULL && id == NULL)
				user = argv[++k];
			else if (argv[k][0] != '-' && user == NULL &&
			    id == NULL)
				id = argv[k];
			else
				usage(1);
		}
		if (user == NULL && id == NULL)
			usage(1);
	} else if (strcmp(argv[0], "policy") == 0) {
		if (argc < 2 || argv[1][0] == '\0' || argv[1][0] == '-')
			usage(1);
		json = json_only(argc, argv, 2);
		return (client_policy_show(client_socket_path(sockopt),
		    GW_CLIENT_CTL, argv[1], json) == 0 ? 0 :
		    GWCTL_EXIT_ERROR);
	} else {
		warnx("unknown command '%s'", argv[0]);
		usage(1);
	}

	if ((sock = client_connect(client_socket_path(sockopt),
	    GW_CLIENT_CTL)) == -1)
		return (GWCTL_EXIT_ERROR);
	if (strcmp(argv[0], "monitor") == 0)
		r = cmd_monitor(sock, user, json);
	else if (strcmp(argv[0], "list") == 0)
		r = cmd_list(sock, json);
	else if (strcmp(argv[0], "reload") == 0)
		r = cmd_reload(sock, json);
	else if (strcmp(argv[0], "status") == 0)
		r = cmd_status(sock, json);
	else if (user != NULL)
		r = cmd_kill_user(sock, user, json);
	else
		r = cmd_kill(sock, id, json);
	return (r);
}
