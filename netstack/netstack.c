/*
 * gw-netstack, the netstack helper: its own program, started by greywalld
 * with fork + exec (at start and on every restart), so it holds no copy
 * of greywalld's memory. It starts as root only to confine itself: a new
 * mount namespace whose root is an empty read-only tmpfs, then an
 * unprivileged system user with no capabilities, no_new_privs, a Landlock
 * ruleset that allows no file access, and its own seccomp filter (no
 * exec, only IP and Unix sockets, none of the calls that reach other
 * processes or the kernel). Then it runs lwIP (net-lwip.c) on the TUN
 * fds greywalld hands it over fd 3. If lwIP ever asserts, only this
 * process dies; greywalld restarts it.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "netstack.h"

#define NETSTACK_CTL_FD		3	/* the socket greywalld hands over */

static uint8_t	*helper_buf;

static void
helper_drop(uid_t uid, gid_t gid)
{
	int	cap;

	/* While still root: empty the bounding and ambient sets. */
	for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
		;
	if (errno != EINVAL)
		fatal("netstack: empty the capability bounding set");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("netstack: clear the ambient capabilities");
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

/*
 * Denied with EPERM: exec, and what lets a process reach other processes,
 * the kernel or the file system tree. The helper's own list (the
 * sandbox's filter is built in greywalld, whose memory this process does
 * not share).
 */
static const int helper_deny[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat),
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
	SCMP_SYS(userfaultfd), SCMP_SYS(mount), SCMP_SYS(umount2),
	SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount),
	SCMP_SYS(fspick), SCMP_SYS(move_mount), SCMP_SYS(open_tree),
	SCMP_SYS(mount_setattr), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
	SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(io_uring_setup),
	SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
	SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load),
	SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(reboot), SCMP_SYS(swapon),
	SCMP_SYS(swapoff), SCMP_SYS(acct), SCMP_SYS(open_by_handle_at),
	SCMP_SYS(name_to_handle_at), SCMP_SYS(personality),
};

/* Foreign ABIs kill; the list above; only the sockets it uses. */
static void
helper_seccomp(void)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		r = 0, fam;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fatalx("netstack: seccomp_init");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	for (i = 0; i < nitems(helper_deny); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    helper_deny[i], 0)) < 0)
			goto fail;
	for (i = 0; i < 7; i++) {
		static const unsigned long ns[] = { CLONE_NEWNS,
		    CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
		    CLONE_NEWUTS, CLONE_NEWCGROUP };

		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i],
		    ns[i]))) < 0)
			goto fail;
	}
	/* clone3's flags are in memory: send it back to clone. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0)) < 0)
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
	struct frame_hdr fh;
	struct nsmsg	 hdr;
	uint8_t		*p = helper_buf + sizeof(fh);
	size_t		 n;
	int		 fd_in = -1, r;

	r = frame_recv(fd, helper_buf, sizeof(fh) + NSMSG_MAX, &fh, &fd_in,
	    0);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r == -1 && errno == EPROTO) {
		log_warnx("netstack: malformed message from greywalld");
		return;
	}
	if (r <= 0) {
		/* greywalld is gone: so is every sandbox. */
		log_debug("netstack: greywalld closed the channel, exiting");
		_exit(0);
	}
	n = fh.len;
	if (n < sizeof(hdr)) {
		log_warnx("netstack: short message from greywalld");
		goto out;
	}
	memcpy(&hdr, p, sizeof(hdr));
	/* The frame's type and id are the message's own. */
	if (hdr.type != fh.type || hdr.id != fh.id) {
		log_warnx("netstack: message type or id differs from its"
		    " frame's");
		goto out;
	}
	switch (hdr.type) {
	case NSMSG_ATTACH:
		if (fd_in == -1)
			break;
		if (net_lwip_attach((struct nsmsg *)p, n, fd_in) == -1)
			log_warnx("netstack: sandbox %u: cannot attach;"
			    " it has no network", hdr.id);
		fd_in = -1;
		break;
	case NSMSG_DETACH:
		net_lwip_detach(hdr.id);
		break;
	case NSMSG_HOSTADDRS:
		/* The length says how many follow; nstr must agree. */
		if (hdr.nstr > HOSTADDR_MAX || n != sizeof(hdr) +
		    hdr.nstr * sizeof(struct hostaddr)) {
			log_warnx("netstack: malformed host address list");
			break;
		}
		if (hostcheck_set_addrs((struct hostaddr *)(p +
		    sizeof(hdr)), hdr.nstr) == -1)
			log_warn("netstack: host addresses");
		break;
	/* The files come as fds greywalld opened: the helper opens none. */
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
	case NSMSG_INBOUND:
		if (hdr.port == 0 || hdr.port > 65535)
			break;
		net_inbound_answer(hdr.id, hdr.port, fd_in);
		fd_in = -1;
		break;
	default:
		log_warnx("netstack: unknown message %u", hdr.type);
	}
out:
	if (fd_in != -1)
		close(fd_in);
}

/*
 * An empty root: a new mount namespace, a read-only tmpfs with nothing in
 * it as the root, the old tree detached. Runs as root, before the drop.
 */
static void
helper_empty_root(void)
{
	if (unshare(CLONE_NEWNS) == -1)
		fatal("netstack: new mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		fatal("netstack: make the mounts private");
	/* Over /tmp in the new namespace only; the host's is untouched. */
	if (mount("gw-netstack", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "size=4k,nr_inodes=1,mode=0555") == -1)
		fatal("netstack: mount its empty root");
	if (chdir("/tmp") == -1 ||
	    syscall(SYS_pivot_root, ".", ".") == -1 ||
	    umount2(".", MNT_DETACH) == -1 || chdir("/") == -1)
		fatal("netstack: pivot to its empty root");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
		fatal("netstack: make its root read-only");
}

/*
 * A Landlock domain that handles every file access right the kernel
 * knows and grants none. Without Landlock in the kernel the empty root
 * still holds: say so and go on.
 */
static void
helper_landlock(void)
{
	struct landlock_ruleset_attr	 attr;
	uint64_t			 fs;
	int				 abi, fd;

	if ((abi = landlock_abi()) == -1) {
		log_warnx("netstack: no Landlock in this kernel; its empty"
		    " root is its only file system confinement");
		return;
	}
	fs = landlock_fs_handled(abi);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs;
	if ((fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0)) == -1)
		fatal("netstack: create its Landlock ruleset");
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		fatal("netstack: enforce its Landlock ruleset");
	close(fd);
}

static void __attribute__((noreturn))
helper_usage(void)
{
	fprintf(stderr, "usage: gw-netstack --uid UID --gid GID [--stderr]"
	    " [--verbose]\n(started by greywalld with its socket as fd 3;"
	    " not for use by hand)\n");
	exit(2);
}

static unsigned long
helper_id(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 ||
	    v >= (unsigned long)(uid_t)-1)
		helper_usage();
	return (v);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct event	*ev;
	struct rlimit	 rl;
	struct stat	 st;
	int		 keep[2] = { 2, NETSTACK_CTL_FD };
	int		 ch, to_stderr = 0, verbose = 0;
	uid_t		 uid = 0;
	gid_t		 gid = 0;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			uid = helper_id(optarg);
			break;
		case 'g':
			gid = helper_id(optarg);
			break;
		case 'e':
			to_stderr = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			helper_usage();
		}
	}
	if (optind != argc || uid == 0 || gid == 0)
		helper_usage();
	/* Only greywalld starts it: as root, with the socket as fd 3. */
	if (fstat(NETSTACK_CTL_FD, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    geteuid() != 0)
		helper_usage();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		_exit(0);	/* greywalld died before the line above */
	signal(SIGPIPE, SIG_IGN);
	if (fd_close_except(keep, nitems(keep)) == -1)
		_exit(1);
	log_init(to_stderr, verbose);
	/* One fd per proxied connection. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	helper_empty_root();
	helper_drop(uid, gid);
	/* The change of user cleared it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		_exit(0);
	helper_landlock();
	/*
	 * lwIP allocates each 64 KiB segment it sends: with glibc's default
	 * 128 KiB trim threshold the heap top went back to the kernel and
	 * faulted in again for nearly every segment (a third of the time
	 * of a download). The sweep gives memory back when idle.
	 */
	mallopt(M_TRIM_THRESHOLD, NETSTACK_TRIM_THRESHOLD);
	mallopt(M_MMAP_THRESHOLD, NETSTACK_TRIM_THRESHOLD);
	if ((helper_buf = malloc(sizeof(struct frame_hdr) + NSMSG_MAX)) ==
	    NULL)
		fatal("netstack");
	if ((net_base = event_base_new()) == NULL)
		fatalx("netstack: event_base_new");
	if (net_lwip_init() == -1)
		fatalx("netstack: cannot start lwIP; refusing to run");
	helper_seccomp();
	/* Events go back on the same channel, never waiting (net-lwip.c). */
	net_event_fd = NETSTACK_CTL_FD;
	ev = event_new(net_base, NETSTACK_CTL_FD, EV_READ | EV_PERSIST,
	    helper_ctl_cb, NULL);
	if (ev == NULL || event_add(ev, NULL) == -1)
		fatalx("netstack: event_new");
	log_debug("netstack: running as uid %u", (unsigned)uid);
	event_base_dispatch(net_base);
	_exit(1);
}
