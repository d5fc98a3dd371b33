/*
 * The netstack helper process: forked by greywalld at start, it drops to
 * an unprivileged system user with no capabilities, loads the sandbox
 * seccomp filter plus its own (no exec, only IP and Unix sockets), and
 * runs lwIP (net-lwip.c) on the TUN fds greywalld hands it. If lwIP ever
 * asserts, only this process dies; greywalld restarts it.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "greywalld.h"
#include "net.h"

static uint8_t	*helper_buf;

static void
helper_drop(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("netstack: cannot become uid %u", (unsigned)uid);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_ALL) != 0 && errno != 0)
		log_warn("netstack: clearing capabilities");
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		fatalx("netstack: capabilities remain after the drop");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("netstack: no_new_privs");
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* On top of the sandbox filter: no exec, and only the sockets it uses. */
static void
helper_seccomp(void)
{
	scmp_filter_ctx	ctx;
	int		r = 0, fam;

	if (sandbox_seccomp_load() == -1)
		fatal("netstack: load the seccomp filter");
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fatalx("netstack: seccomp_init");
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execve), 0)) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execveat), 0)) < 0)
		goto fail;
	/* libseccomp takes one comparison per argument: one rule each. */
	for (fam = 0; fam < AF_MAX; fam++) {
		if (fam == AF_UNIX || fam == AF_INET || fam == AF_INET6)
			continue;
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
		    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, fam, 0))) < 0)
			goto fail;
	}
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
	    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GE, AF_MAX, 0))) < 0 ||
	    (r = seccomp_load(ctx)) < 0)
		goto fail;
	seccomp_release(ctx);
	return;
fail:
	errno = -r;
	fatal("netstack: cannot load its seccomp filter");
}

static void
helper_ctl_cb(int fd, short ev __unused, void *arg __unused)
{
	struct nsmsg	 hdr;
	ssize_t		 n;
	int		 fd_in = -1;

	n = fd_recvmsg(fd, helper_buf, NSMSG_MAX, &fd_in, 0);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n == -1 && errno == EPROTO) {
		log_warnx("netstack: malformed message from greywalld");
		return;
	}
	if (n <= 0) {
		/* greywalld is gone: so is every sandbox. */
		log_debug("netstack: greywalld closed the channel, exiting");
		_exit(0);
	}
	if ((size_t)n < sizeof(hdr)) {
		log_warnx("netstack: short message from greywalld");
		goto out;
	}
	memcpy(&hdr, helper_buf, sizeof(hdr));
	switch (hdr.type) {
	case NSMSG_ATTACH:
		if (fd_in == -1)
			break;
		if (net_lwip_attach((struct nsmsg *)helper_buf, n, fd_in) == -1)
			log_warnx("netstack: sandbox %u: cannot attach;"
			    " it has no network", hdr.id);
		fd_in = -1;
		break;
	case NSMSG_DETACH:
		net_lwip_detach(hdr.id);
		break;
	case NSMSG_HOSTADDRS:
		/* The length says how many follow; nstr must agree. */
		if (hdr.nstr > HOSTADDR_MAX || (size_t)n != sizeof(hdr) +
		    hdr.nstr * sizeof(struct hostaddr)) {
			log_warnx("netstack: malformed host address list");
			break;
		}
		if (hostcheck_set_addrs((struct hostaddr *)(helper_buf +
		    sizeof(hdr)), hdr.nstr) == -1)
			log_warn("netstack: host addresses");
		break;
	case NSMSG_HOSTS:
		if (hostcheck_set_hosts(fd_in) == -1)
			log_warn("netstack: the host's hosts file");
		fd_in = -1;
		break;
	case NSMSG_RESOLV:
		if (hostcheck_set_resolv(fd_in) == -1)
			log_warn("netstack: the host's resolv.conf");
		fd_in = -1;
		break;
	case NSMSG_LISTEN:
		if (fd_in == -1 || hdr.port == 0 || hdr.port > 65535)
			break;
		if (net_lwip_listen(hdr.id, hdr.port, fd_in) == -1)
			log_warnx("netstack: sandbox %u: cannot serve its port"
			    " %u", hdr.id, hdr.port);
		fd_in = -1;
		break;
	default:
		log_warnx("netstack: unknown message %u", hdr.type);
	}
out:
	if (fd_in != -1)
		close(fd_in);
}

void
net_helper_main(int ctl, uid_t uid, gid_t gid)
{
	struct event	*ev;
	struct rlimit	 rl;
	int		 keep[2] = { 2, ctl };
	int		 sig;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (fd_close_except(keep, nitems(keep)) == -1)
		fatal("netstack: close inherited fds");
	/* One fd per proxied connection. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	helper_drop(uid, gid);
	if ((helper_buf = malloc(NSMSG_MAX)) == NULL)
		fatal("netstack");
	/* The parent's event base shares state with the parent: a new one. */
	if ((gw_base = event_base_new()) == NULL)
		fatalx("netstack: event_base_new");
	if (net_lwip_init() == -1)
		fatalx("netstack: cannot start lwIP; refusing to run");
	helper_seccomp();
	/* Events go back on the same channel, never waiting (net-lwip.c). */
	net_event_fd = ctl;
	ev = event_new(gw_base, ctl, EV_READ | EV_PERSIST, helper_ctl_cb,
	    NULL);
	if (ev == NULL || event_add(ev, NULL) == -1)
		fatalx("netstack: event_new");
	log_debug("netstack: running as uid %u", (unsigned)uid);
	event_base_dispatch(gw_base);
	_exit(1);
}
