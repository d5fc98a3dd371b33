/*
 * greywalld: accepts sandbox requests on a Unix socket and runs each
 * command in its own set of namespaces, as the user who asked.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "greywalld.h"

struct event_base	*gw_base;
struct policyset	 gw_policy;
struct gw_config	 gw_conf = {
	.socket_path = GW_SOCKET_PATH,
	.policy_dir = GW_SYSCONFDIR "/greywall/policy.d",
	.admin_group = "greywall-admin",
	.max_conn_per_uid = 16,
	.max_sandboxes_per_uid = 8,
	.netns_pool = 4,
	.net_user = GW_NET_USER,
	.netstack_path = GW_NETSTACK_PATH,
	.state_dir = GW_STATEDIR,
	.hosts_file = "/etc/hosts",
	.resolv_conf = "/etc/resolv.conf",
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: greywalld [-fdv] [-s socket] [-P dir]\n"
	    "                 [--admin-group group] [--max-connections n]\n"
	    "                 [--max-sandboxes n] [--net-user user]\n"
	    "                 [--netstack path] [--state-dir dir]\n"
	    "                 [--audit auto|enable|off] [--timing]\n"
	    "                 [--hosts-file path] [--resolv-conf path]\n"
	    "                 [--prepared-netns n]\n"
	    "       greywalld -n [-P dir] [-u user [--json]]\n"
	    "  -f, --foreground        do not detach; log to stderr\n"
	    "  -d, --debug             foreground and verbose\n"
	    "  -v, --verbose           log debug messages\n"
	    "  -s, --socket PATH       listen on PATH (default %s)\n"
	    "  -P, --policy-dir DIR    policy files (default %s)\n"
	    "  -n, --check             check the policy files and exit\n"
	    "  -u, --user USER         with -n: print USER's effective"
	    " policy\n"
	    "      --json              with -u: as JSON (see gw(1))\n"
	    "      --admin-group NAME  group allowed to use gwctl"
	    " (default greywall-admin)\n"
	    "      --max-connections N connections per uid (default 16)\n"
	    "      --max-sandboxes N   live sandboxes per uid (default 8)\n"
	    "      --net-user USER     the netstack helper's user (default "
	    GW_NET_USER ")\n"
	    "      --netstack PATH     the netstack helper program (default\n"
	    "                          " GW_NETSTACK_PATH ")\n"
	    "      --state-dir DIR     the per-user cache store (default\n"
	    "                          " GW_STATEDIR ")\n"
	    "      --audit MODE        kernel audit records as events: auto"
	    " (read\n"
	    "                          them if audit is on), enable (turn it"
	    " on), off\n"
	    "      --hosts-file PATH   the hosts file the netstack checks"
	    " names\n"
	    "                          against (default /etc/hosts)\n"
	    "      --resolv-conf PATH  its nameservers (default"
	    " /etc/resolv.conf)\n"
	    "      --prepared-netns N  network namespaces kept ready, 0 to 32"
	    " (default 4)\n"
	    "      --timing            log when each sandbox start passed each"
	    " step\n"
	    "      --version           print the version and exit\n",
	    GW_SOCKET_PATH, GW_SYSCONFDIR "/greywall/policy.d");
}

static unsigned int
parse_count(const char *opt, const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 || v > 100000)
		fatalx("%s: '%s' is not a number between 1 and 100000", opt, s);
	return (v);
}

static void
shutdown_cb(int sig, short ev __unused, void *arg __unused)
{
	log_info("received %s, killing every sandbox and exiting",
	    strsignal(sig));
	event_base_loopbreak(gw_base);
}

static void
hup_cb(int sig __unused, short ev __unused, void *arg __unused)
{
	char	buf[1024];
	int	r;

	if ((r = sd_notify(0, "RELOADING=1")) < 0) {
		errno = -r;
		log_warn("sd_notify RELOADING=1");
	}
	admin_reload(buf, sizeof(buf));
	sd_notify(0, "READY=1");
}

/*
 * greywalld -n: check the policy files as a start and a reload do (one
 * loader, policyset_load(), which also runs policyset_check()), say what
 * it noticed, and print a user's policy.
 */
static int
check_policy(const char *user, int json)
{
	struct policy_error	 err;
	struct policy		 eff;
	struct passwd		*pw;
	char			 buf[2048], **groups = NULL, *text;
	size_t			 ngroups = 0, i;
	int			 r = 1;

	if (policyset_load(gw_conf.policy_dir, &gw_policy, &err) == -1) {
		policy_error_format(&err, buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
		return (1);
	}
	for (i = 0; i < gw_policy.nwarn; i++)
		fprintf(stderr, "%s\n", gw_policy.warn[i]);
	if (policyset_unenforced(&gw_policy, buf, sizeof(buf)) > 0)
		fprintf(stderr, "greywalld: note: not enforced by this version"
		    " yet: %s\n", buf);
	if (user == NULL) {
		printf("%s: %zu policy files OK\n", gw_conf.policy_dir,
		    gw_policy.n);
		policyset_clear(&gw_policy);
		return (0);
	}
	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "greywalld: no user '%s'\n", user);
		goto out;
	}
	if (policy_user_groups(pw, &groups, &ngroups) == -1 ||
	    policyset_effective(&gw_policy, pw->pw_name, groups, ngroups,
	    &eff) == -1 || (text = json ? policy_dump_json(&eff, pw->pw_name,
	    pw->pw_dir) : policy_dump(&eff, pw->pw_dir)) == NULL) {
		fprintf(stderr, "greywalld: %s\n", strerror(errno));
		goto out;
	}
	if (policy_check(&eff, pw->pw_dir, &err) == -1) {
		policy_error_format(&err, buf, sizeof(buf));
		fprintf(stderr, "%s (for user '%s')\n", buf, pw->pw_name);
		free(text);
		policy_clear(&eff);
		goto out;
	}
	if (json)
		printf("%s\n", text);
	else
		printf("# effective policy for %s\n%s", pw->pw_name, text);
	free(text);
	policy_clear(&eff);
	r = 0;
out:
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
	policyset_clear(&gw_policy);
	return (r);
}

/* Take the listening socket from systemd, if it passed one. */
static int
socket_from_systemd(void)
{
	int	n, fd = SD_LISTEN_FDS_START;

	if ((n = sd_listen_fds(1)) < 0) {
		errno = -n;
		fatal("sd_listen_fds");
	}
	if (n == 0)
		return (-1);
	if (n != 1)
		fatalx("socket activation passed %d sockets, expected 1", n);
	if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
		fatalx("socket activation passed fd %d, which is not a"
		    " listening AF_UNIX SOCK_SEQPACKET socket", fd);
	if (fd_set_nonblock(fd) == -1)
		fatal("socket from systemd: O_NONBLOCK");
	return (fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' },
		{ "policy-dir", required_argument, NULL, 'P' },
		{ "check", no_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'J' },
		{ "admin-group", required_argument, NULL, 'A' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "max-sandboxes", required_argument, NULL, 'M' },
		{ "net-user", required_argument, NULL, 'N' },
		{ "netstack", required_argument, NULL, 'X' },
		{ "state-dir", required_argument, NULL, 'T' },
		{ "hosts-file", required_argument, NULL, 'H' },
		{ "resolv-conf", required_argument, NULL, 'R' },
		{ "audit", required_argument, NULL, 'a' },
		{ "timing", no_argument, NULL, 'I' },
		{ "prepared-netns", required_argument, NULL, 'W' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct event	*ev_term, *ev_int, *ev_hup;
	struct event_config	*evcfg;
	struct timeval		 dispatch_max = { 0, 5000 };
	struct group		*gr;
	struct policy_error	 perr;
	const char		*check_user = NULL, *capname;
	char			 buf[1024];
	int			 ch, foreground = 0, verbose = 0, fd;
	int			 bound = 0;
	int			 check = 0, check_json = 0, r;

	/*
	 * No fastbins: each sandbox's init is a fork of greywalld, and its
	 * first large malloc() would walk and merge the chunks greywalld
	 * freed, a copy-on-write fault for each page they are on.
	 */
	mallopt(M_MXFAST, 0);

	while ((ch = getopt_long(argc, argv, "fdvs:P:nu:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			foreground = 1;
			break;
		case 'd':
			foreground = 1;
			verbose = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 's':
			gw_conf.socket_path = optarg;
			break;
		case 'P':
			gw_conf.policy_dir = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'u':
			check_user = optarg;
			break;
		case 'J':
			check_json = 1;
			break;
		case 'A':
			gw_conf.admin_group = optarg;
			break;
		case 'C':
			gw_conf.max_conn_per_uid = parse_count(
			    "--max-connections", optarg);
			break;
		case 'M':
			gw_conf.max_sandboxes_per_uid = parse_count(
			    "--max-sandboxes", optarg);
			break;
		case 'N':
			gw_conf.net_user = optarg;
			break;
		case 'X':
			gw_conf.netstack_path = optarg;
			break;
		case 'T':
			if (optarg[0] != '/')
				fatalx("--state-dir must be an absolute path");
			gw_conf.state_dir = optarg;
			break;
		case 'H':
			gw_conf.hosts_file = optarg;
			break;
		case 'R':
			gw_conf.resolv_conf = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "auto") == 0)
				gw_conf.audit_mode = AUDIT_MODE_AUTO;
			else if (strcmp(optarg, "enable") == 0)
				gw_conf.audit_mode = AUDIT_MODE_ENABLE;
			else if (strcmp(optarg, "off") == 0)
				gw_conf.audit_mode = AUDIT_MODE_OFF;
			else
				fatalx("--audit: '%s' is not auto, enable or"
				    " off", optarg);
			break;
		case 'I':
			gw_conf.timing = 1;
			break;
		case 'W':
			gw_conf.netns_pool = strcmp(optarg, "0") == 0 ? 0 :
			    parse_count("--prepared-netns", optarg);
			if (gw_conf.netns_pool > 32)
				fatalx("--prepared-netns: at most 32");
			break;
		case 'V':
			printf("greywalld %s (protocol %u)\n", GW_VERSION,
			    GW_PROTO_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (1);
		}
	}
	if (optind != argc || (check_user != NULL && !check) ||
	    (check_json && check_user == NULL)) {
		usage(stderr);
		return (1);
	}
	if (check)
		return (check_policy(check_user, check_json));

	/*
	 * Make sure fds 0-2 are open, so no socket or pidfd ever lands
	 * there and is mistaken for stdio in a sandbox.
	 */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	/* Before log_init: without -f, the journal would get it, not you. */
	if (geteuid() != 0)
		fatalx("must run as root: it creates namespaces and mounts");
	log_init(foreground, verbose);
	gw_conf.log_stderr = foreground;
	gw_conf.log_verbose = verbose;
	status_init();
	umask(022);

	if ((gr = getgrnam(gw_conf.admin_group)) != NULL) {
		gw_conf.admin_gid = gr->gr_gid;
		gw_conf.have_admin_gid = 1;
	} else
		log_info("admin group '%s' does not exist: only root may use"
		    " gwctl", gw_conf.admin_group);

	if (sandbox_seccomp_prepare() == -1)
		fatal("cannot build the seccomp filter");
	if (sandbox_protect_prepare() == -1)
		fatal("cannot build the seccomp filter for protected paths");
	/* Without it, each start walk reads every directory: slower only. */
	if (sandbox_protect_cache_init() == -1)
		log_warn("no cache for the start walk's directories");
	sandbox_landlock_detect();

	/* A broken policy stops the start: nothing runs on a guess. */
	if (policyset_load(gw_conf.policy_dir, &gw_policy, &perr) == -1) {
		policy_error_format(&perr, buf, sizeof(buf));
		fatalx("%s", buf);
	}
	log_info("policy: %zu files from %s", gw_policy.n,
	    gw_conf.policy_dir);
	admin_warn_unenforced();

	if ((fd = socket_from_systemd()) == -1) {
		if (control_listen(gw_conf.socket_path, &fd) == -1)
			fatal("cannot listen on %s", gw_conf.socket_path);
		bound = 1;
	}

	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	/* After daemon(): greywalld may move itself into a leaf cgroup. */
	sandbox_cgroup_init();
	if (caps_restrict(&capname) == -1) {
		if (capname != NULL)
			fatalx("greywalld needs capability %s, which it was"
			    " not given (the unit's CapabilityBoundingSet?)",
			    capname);
		fatal("cannot drop the capabilities greywalld does not need");
	}

	signal(SIGPIPE, SIG_IGN);
	/*
	 * After 5 ms of ordinary callbacks (sandbox starts, status) the
	 * loop looks again for what is ready, so that a new connection or
	 * an administrator's request (priority 0) waits for at most that.
	 */
	if ((evcfg = event_config_new()) == NULL ||
	    event_config_set_max_dispatch_interval(evcfg, &dispatch_max, -1,
	    1) == -1 || (gw_base = event_base_new_with_config(evcfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(evcfg);
	/* 0: administrators' requests (control.c); 1: everything else. */
	if (event_base_priority_init(gw_base, 2) == -1)
		fatalx("event_base_priority_init failed");
	ev_term = evsignal_new(gw_base, SIGTERM, shutdown_cb, NULL);
	ev_int = evsignal_new(gw_base, SIGINT, shutdown_cb, NULL);
	ev_hup = evsignal_new(gw_base, SIGHUP, hup_cb, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1)
		fatalx("cannot install signal handlers");

	/* A TUN's last close must not hold up the loop (closer.c). */
	if (closer_start() == -1)
		log_warn("cannot start the fd closer; TUN devices are closed"
		    " in the loop");
	/* No netstack, no network: nothing starts without it. */
	if (netstack_start() == -1)
		fatal("cannot start the netstack helper");
	if (netns_pool_init() == -1)
		fatal("netns_pool_init");
	if (control_init(fd) == -1)
		fatal("control_init");
	if (upstream_check_init() == -1)
		fatal("cannot start the upstream check");
	audit_init(gw_conf.audit_mode);
	/* Without it greywalld runs on; gw doctor says why. */
	(void)denials_init();

	if (bound)
		log_info("listening on %s (protocol %u)", gw_conf.socket_path,
		    GW_PROTO_VERSION);
	else
		log_info("listening on the socket from systemd (protocol %u)",
		    GW_PROTO_VERSION);
	if ((r = sd_notify(0, "READY=1")) < 0) {
		errno = -r;
		log_warn("sd_notify READY=1");
	}

	/* Set up: what each sandbox's init must undo is known now. */
	sandbox_inherit_snapshot();
	if (event_base_dispatch(gw_base) == -1)
		log_warnx("event loop failed");

	if ((r = sd_notify(0, "STOPPING=1")) < 0) {
		errno = -r;
		log_warn("sd_notify STOPPING=1");
	}
	sandbox_kill_all();
	sandbox_ident_flush();
	netns_pool_shutdown();
	closer_stop();
	upstream_check_stop();
	audit_shutdown();
	denials_shutdown();
	netstack_stop();
	sandbox_cgroup_shutdown();
	control_shutdown();
	events_history_free();
	if (bound && unlink(gw_conf.socket_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", gw_conf.socket_path);

	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(gw_base);
	policyset_clear(&gw_policy);
	log_info("stopped");
	return (0);
}
