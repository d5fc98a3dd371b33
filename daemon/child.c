/*
 * greywalld's helper children (the fd closer, the path check helper, the
 * netstack helper before its exec): forked at start-up, each joined to
 * greywalld by one seqpacket socket.
 */

#include <errno.h>
#include <unistd.h>

#include <sys/socket.h>

#include "greywalld.h"

/*
 * Fork a child that runs fn (which never returns) with its end of a new
 * seqpacket socket pair; greywalld keeps the other end, in *fd. Returns
 * the child's pid, or -1 with errno.
 */
pid_t
child_fork(void (*fn)(int), int *fd)
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
		fn(sp[1]);
		_exit(1);
	}
	close(sp[1]);
	*fd = sp[0];
	return (pid);
}
