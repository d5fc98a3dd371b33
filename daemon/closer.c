/*
 * The fd closer: a child of greywalld that makes the last close of fds
 * whose last close is slow, so that greywalld's loop does not wait for
 * it.
 *
 * The last close of a sandbox's TUN device detaches its queue and
 * unregisters the device under rtnl_lock, with RCU grace periods in
 * between (several ms, more while another namespace is being torn
 * down): the kernel does it in the closing process. greywalld holds a
 * copy of each sandbox's TUN (for a restarted netstack helper) and used
 * to drop it in the sandbox's teardown, where every other start and
 * gwctl request waited behind it. Now the copy is sent here first
 * (SCM_RIGHTS, non-blocking, 'C'), greywalld closes its own, and then
 * says so ('X'): only then does the child close what it holds, so its
 * close is the last one. (Closing at once raced greywalld's close, and
 * greywalld often lost: 19 ms in its loop.)
 *
 * The child closes every fd but its socket, holds nothing else, and
 * exits when greywalld closes its end or dies. If it is gone or its
 * socket is full, greywalld closes the fd itself, as before.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "greywalld.h"

static int	closer_fd = -1;
static pid_t	closer_pid = -1;

#define CLOSER_HELD	64	/* fds held for greywalld's 'X' */

/* In the child: close what arrives, until greywalld closes its end. */
static void __attribute__((noreturn))
closer_main(int sock)
{
	int	held[CLOSER_HELD], nheld = 0, fd, i;
	ssize_t	n;
	char	c;

	if (fd_close_except(&sock, 1) == -1)
		_exit(1);
	for (;;) {
		n = fd_recvmsg(sock, &c, 1, &fd, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 && fd == -1)
			_exit(0);
		if (fd >= 0 && nheld == CLOSER_HELD) {
			/* No 'X' for long: the oldest goes now. */
			close(held[0]);
			memmove(held, held + 1, (--nheld) * sizeof(held[0]));
		}
		if (fd >= 0)
			held[nheld++] = fd;
		if (n == 1 && c == 'X') {
			for (i = 0; i < nheld; i++)
				close(held[i]);
			nheld = 0;
		}
	}
}

/* At start-up, before any sandbox: fork the closer. */
int
closer_start(void)
{
	if ((closer_pid = child_fork(closer_main, "gw-fd-closer", &closer_fd)) == -1)
		return (-1);
	return (0);
}

/*
 * Close fd without waiting for its last close: the closer gets a copy
 * first. Falls back to a plain close (and stops using the closer) when
 * the closer is gone; a full socket only means this one is closed here.
 */
void
closer_close(int fd)
{
	struct iovec	iov;
	char		c = 'C';

	if (fd < 0)
		return;
	iov.iov_base = &c;
	iov.iov_len = 1;
	if (closer_fd >= 0 && fd_sendmsgv(closer_fd, &iov, 1, fd,
	    MSG_DONTWAIT) != 1 && errno != EAGAIN) {
		log_warn("fd closer: gone; greywalld closes TUN devices"
		    " itself from now on");
		close(closer_fd);
		closer_fd = -1;
	}
	close(fd);
	/* Ours is closed: now the closer's may be the last. */
	c = 'X';
	if (closer_fd >= 0)
		(void)fd_sendmsgv(closer_fd, &iov, 1, -1, MSG_DONTWAIT);
}

/* At exit: the closer finishes what it holds and exits. */
void
closer_stop(void)
{
	if (closer_fd >= 0)
		close(closer_fd);
	closer_fd = -1;
	if (closer_pid != -1)
		while (waitpid(closer_pid, NULL, 0) == -1 && errno == EINTR)
			;
	closer_pid = -1;
}
