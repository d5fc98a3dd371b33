/*
 * The sandbox's terminal. When gw runs on a terminal it does not send it:
 * init allocates a pty in the sandbox's own devpts instead, the command
 * gets the slave as its controlling terminal and as the stdio it would
 * have had on the terminal, and the master goes up to the daemon, which
 * hands it to gw for the relay. The sandbox never holds an fd of the
 * user's real terminal, so TIOCSTI or TIOCLINUX from inside (already
 * denied by seccomp) could at most reach this pty.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * In init, after pivot_root and the switch to the peer's credentials, so
 * the pty is in the sandbox's devpts and the kernel makes the slave the
 * peer's (group tty from the mount's gid=, mode 0620 from its mode=), as
 * for a login. Sends the master to the daemon, closes it, and returns
 * the slave.
 */
int
sandbox_pty_open(const struct sandbox_spec *spec)
{
	_cleanup_close_ int	 master = -1, slave = -1;
	struct init_msg		 m;
	struct termios		 tio;
	struct stat		 st;
	gid_t			 gid;
	int			 unlock = 0;

	/* Not /dev/ptmx: name the sandbox's own instance directly. */
	if ((master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "open /dev/pts/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) == -1)
		sandbox_init_fail(errno, "unlock the pty");
	/* The master's own slave, with no path lookup to race. */
	if ((slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		sandbox_init_fail(errno, "open the pty slave");
	gid = spec->tty_gid != (gid_t)-1 ? spec->tty_gid : spec->gid;
	if (fstat(slave, &st) == -1)
		sandbox_init_fail(errno, "stat the pty slave");
	if (st.st_uid != spec->uid || st.st_gid != gid ||
	    (st.st_mode & 07777) != 0620)
		sandbox_init_fail(0, "the pty slave is %u:%u mode %04o, not"
		    " %u:%u mode 0620", (unsigned)st.st_uid,
		    (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
		    (unsigned)spec->uid, (unsigned)gid);
	if (ioctl(slave, TIOCSWINSZ, &spec->winsize) == -1)
		sandbox_init_fail(errno, "set the pty's window size");
	if (spec->pty_utf8) {
		if (tcgetattr(slave, &tio) == -1)
			sandbox_init_fail(errno, "read the pty's modes");
		tio.c_iflag |= IUTF8;
		if (tcsetattr(slave, TCSANOW, &tio) == -1)
			sandbox_init_fail(errno, "set IUTF8 on the pty");
	}

	memset(&m, 0, sizeof(m));
	m.type = INIT_MSG_PTY;
	if (init_msg_send(spec->statusfd, &m, master, 0) == -1)
		sandbox_init_fail(errno, "pass the pty master to greywalld");
	return (TAKE_FD(slave));
}

/* In the daemon: whether an fd init sent is a pty master. */
int
sandbox_pty_is_master(int fd)
{
	unsigned int	n;

	return (ioctl(fd, TIOCGPTN, &n) == 0);
}

/*
 * In the daemon, for each stdio fd a client sends: refuse the ones that
 * would give the sandbox a way to the user's terminal or outside its
 * mount tree. A terminal (gw asks for a pty instead), an O_PATH fd (it
 * could be reopened through /proc/self/fd as whatever it names) and a
 * directory (openat() from it reaches the host's tree). Returns why, or
 * NULL when the fd is fine.
 */
const char *
sandbox_pty_stdio_refused(int fd)
{
	struct stat	st;
	int		fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 || fstat(fd, &st) == -1)
		return ("an fd greywalld cannot inspect");
	if (fl & O_PATH)
		return ("an O_PATH fd");
	if (S_ISDIR(st.st_mode))
		return ("a directory");
	/* Only character devices can be terminals: ask no other driver. */
	if (S_ISCHR(st.st_mode) && isatty(fd))
		return ("a terminal (gw asks for a pty instead)");
	return (NULL);
}
