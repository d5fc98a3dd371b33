/*
 * try-syscall: make each named system call once with harmless arguments
 * and print "NAME: RESULT" (ok, or the errno name). "int80" makes the
 * i386 mount call through int 0x80, which a correct filter answers by
 * killing the process.
 */

#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <linux/sched.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long	try(const char *);

static long
try(const char *name)
{
	struct clone_args	ca;
	struct iovec		l, r;
	char			buf[8], dst[8];
	char			fh[128];
	int			mnt;

	if (strcmp(name, "ptrace") == 0)
		return (syscall(SYS_ptrace, 0 /* TRACEME */, 0, 0, 0));
	if (strcmp(name, "process_vm_readv") == 0) {
		l.iov_base = dst;
		l.iov_len = sizeof(dst);
		r.iov_base = buf;
		r.iov_len = sizeof(buf);
		return (syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1,
		    0));
	}
	if (strcmp(name, "keyctl") == 0)
		return (syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */,
		    -3 /* session */, 0));
	if (strcmp(name, "unshare") == 0)
		return (syscall(SYS_unshare, CLONE_NEWUSER));
	if (strcmp(name, "setns") == 0)
		return (syscall(SYS_setns, open("/proc/self/ns/uts",
		    O_RDONLY), 0));
	if (strcmp(name, "clone_newuser") == 0) {
		long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0,
		    0, 0);
		if (pid == 0)
			_exit(0);
		return (pid > 0 ? 0 : -1);
	}
	if (strcmp(name, "clone3") == 0) {
		memset(&ca, 0, sizeof(ca));
		ca.exit_signal = SIGCHLD;
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			_exit(0);
		return (pid > 0 ? 0 : -1);
	}
	if (strcmp(name, "io_uring_setup") == 0) {
		char params[120];

		memset(params, 0, sizeof(params));
		return (syscall(SYS_io_uring_setup, 1, params));
	}
	if (strcmp(name, "personality") == 0)
		return (syscall(SYS_personality, PER_LINUX |
		    ADDR_NO_RANDOMIZE));
	if (strcmp(name, "personality_query") == 0)
		return (syscall(SYS_personality, 0xffffffffUL) == -1 ? -1 : 0);
	if (strcmp(name, "personality32") == 0)
		return (syscall(SYS_personality, PER_LINUX32));
	if (strcmp(name, "tiocsti") == 0) {
		char c = 'x';

		return (ioctl(0, TIOCSTI, &c));
	}
	if (strcmp(name, "name_to_handle_at") == 0) {
		memset(fh, 0, sizeof(fh));
		*(unsigned int *)fh = sizeof(fh) - 8;
		return (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", fh, &mnt,
		    0));
	}
	if (strcmp(name, "mount") == 0)
		return (syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
	if (strcmp(name, "fsopen") == 0)
		return (syscall(SYS_fsopen, "tmpfs", 0));
	if (strcmp(name, "open_tree") == 0)
		return (syscall(SYS_open_tree, AT_FDCWD, "/tmp", 1));
	if (strcmp(name, "bpf") == 0)
		return (syscall(SYS_bpf, 0, NULL, 0));
	if (strcmp(name, "userfaultfd") == 0)
		return (syscall(SYS_userfaultfd, 0));
	if (strcmp(name, "int80") == 0) {
		long ret;

		/* i386 syscall 21 is mount. */
		__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(21L), "b"(0L),
		    "c"(0L), "d"(0L) : "memory");
		return (ret < 0 ? (errno = -ret, -1) : ret);
	}
	errno = EINVAL;
	return (-2);
}

int
main(int argc, char *argv[])
{
	int	i;
	long	r;

	for (i = 1; i < argc; i++) {
		errno = 0;
		r = try(argv[i]);
		if (r == -2)
			printf("%s: unknown\n", argv[i]);
		else if (r == -1)
			printf("%s: %s\n", argv[i], strerrorname_np(errno));
		else
			printf("%s: ok\n", argv[i]);
		fflush(stdout);
	}
	return (0);
}
