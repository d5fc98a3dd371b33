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
struct gw_config	 gw_conf = {
	.socket_path = GW_SOCKET_PATH,
	.admin_group = "greywall-admin",
	.max_conn_per_uid = 16,
	.max_sandboxes_per_uid = 8,
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: greywalld [-fdv] [-s socket] [--admin-group group]\n"
	    "                 [--max-connections n] [--max-sandboxes n]\n"
	    "  -f, --foreground        do not detach; log to stderr\n"
	    "  -d, --debug             foreground and verbose\n"
	    "  -v, --verbose           log debug messages\n"
	    "  -s, --socket PATH       listen on PATH (default %s)\n"
	    "      --admin-group NAME  group allowed to use gwctl"
	    " (default greywall-admin)\n"
	    "      --max-connections N connections per uid (default 16)\n"
	    "      --max-sandboxes N   live sandboxes per uid (default 8)\n"
	    "      --version           print the version and exit\n",
	    GW_SOCKET_PATH);
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
	log_info("received SIGHUP: nothing to reload in this version");
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
		{ "admin-group", required_argument, NULL, 'A' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "max-sandboxes", required_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct event	*ev_term, *ev_int, *ev_hup;
	struct group	*gr;
	int		 ch, foreground = 0, verbose = 0, fd, bound = 0, r;

	while ((ch = getopt_long(argc, argv, "fdvs:h", longopts, NULL)) != -1) {
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
	if (optind != argc) {
		usage(stderr);
		return (1);
	}

	/*
	 * Make sure fds 0-2 are open, so no socket or pidfd ever lands
	 * there and is mistaken for stdio in a sandbox.
	 */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	log_init(foreground, verbose);
	if (geteuid() != 0)
		fatalx("must run as root: it creates namespaces and mounts");
	umask(022);

	if ((gr = getgrnam(gw_conf.admin_group)) != NULL) {
		gw_conf.admin_gid = gr->gr_gid;
		gw_conf.have_admin_gid = 1;
	} else
		log_info("admin group '%s' does not exist: only root may use"
		    " gwctl", gw_conf.admin_group);

	if ((fd = socket_from_systemd()) == -1) {
		if (control_listen(gw_conf.socket_path, &fd) == -1)
			fatal("cannot listen on %s", gw_conf.socket_path);
		bound = 1;
	}

	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");

	signal(SIGPIPE, SIG_IGN);
	if ((gw_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ev_term = evsignal_new(gw_base, SIGTERM, shutdown_cb, NULL);
	ev_int = evsignal_new(gw_base, SIGINT, shutdown_cb, NULL);
	ev_hup = evsignal_new(gw_base, SIGHUP, hup_cb, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1)
		fatalx("cannot install signal handlers");

	if (control_init(fd) == -1)
		fatal("control_init");

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

	if (event_base_dispatch(gw_base) == -1)
		log_warnx("event loop failed");

	if ((r = sd_notify(0, "STOPPING=1")) < 0) {
		errno = -r;
		log_warn("sd_notify STOPPING=1");
	}
	sandbox_kill_all();
	control_shutdown();
	if (bound && unlink(gw_conf.socket_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", gw_conf.socket_path);

	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(gw_base);
	log_info("stopped");
	return (0);
}
