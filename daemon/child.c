/*
 * greywalld's helper children (the fd closer, the path check helper, the
 * netstack helper before its exec): forked at start-up, each joined to
 * greywalld by one seqpacket socket.
 */

#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "greywalld.h"

/*
 * Fork a child that runs fn (which never returns) with its end of a new
 * seqpacket socket pair; greywalld keeps the other end, in *fd. The child
 * dies with greywalld, is called name in ps (if not NULL), and takes
 * greywalld's stop signals by default. Returns the child's pid, or -1
 * with errno.
 */
pid_t
child_fork(void (*fn)(int), const char *name, int *fd)
{
	int	sp[2], saved_errno;
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return (-1);
	if ((pid = fork()) == -1) {
		saved_errno = errno;
		close(sp[0]);
		close(sp[1]);
		errno = saved_errno;
		return (-1);
	}
	if (pid == 0) {
		close(sp[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/* For ps and the tests: not one more "greywalld". */
		if (name != NULL)
			prctl(PR_SET_NAME, name, 0, 0, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		fn(sp[1]);
		_exit(1);
	}
	close(sp[1]);
	*fd = sp[0];
	return (pid);
}
