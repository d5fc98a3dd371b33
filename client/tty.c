/*
 * gw's side of the sandbox's terminal. When stdin, stdout or stderr is a
 * terminal, gw keeps it to itself and asks for a pty: greywalld hands
 * back the master and gw relays bytes between it and the terminal, with
 * the terminal in raw mode so that every key (Ctrl-C, Ctrl-Z, Ctrl-\)
 * reaches the line discipline inside, where the command's own job
 * control acts on it. Window size changes go to the master, which makes
 * the kernel signal the command's foreground group. The suspend key is
 * the one exception (tty_keys): the kernel does not stop the command
 * itself, only jobs below a shell, so gw does, and stops too.
 *
 * The terminal's mode is restored on every way out: the end of the
 * session, the daemon going away, errors (atexit), and SIGTERM or SIGHUP,
 * which hang up the pty like closing a terminal window.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"

#define TTY_BUFSZ	16384

static struct {
	int		 roles;		/* stdio roles on a terminal */
	int		 termfd;	/* for the terminal's mode and size */
	int		 infd;		/* keys: stdin if a terminal, else -1 */
	int		 outfd;		/* where the pty's output goes, or -1 */
	int		 ownout;	/* outfd was opened here */
	int		 master;
	int		 relay_in;	/* reading keys (in the foreground) */
	int		 raw;		/* saved holds the mode to restore */
	int		 in_eof;
	int		 master_eof;
	int		 hungup;	/* tty_hangup() ran: no relay again */
	pid_t		 stopped;	/* the job gw stopped, for SIGCONT */
	struct termios	 saved;
	size_t		 inlen, inoff;
	char		 inbuf[TTY_BUFSZ];
} tty = { .termfd = -1, .infd = -1, .outfd = -1, .master = -1 };

static void	tty_continue_job(void);

static void
tty_atexit(void)
{
	tty_restore();
}

/* A writable fd for the terminal when stdout and stderr are not on it. */
static int
tty_open_out(int fd)
{
	char	path[64];
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) != -1 && (fl & O_ACCMODE) != O_RDONLY)
		return (fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) == -1)
		return (-1);
	tty.ownout = 1;
	return (fd);
}

/*
 * Which of stdin, stdout and stderr are terminals (GW_FD_* bits), the
 * size of the terminal and whether it is in UTF-8 mode. 0 means no pty.
 */
int
tty_detect(struct winsize *ws, int *utf8)
{
	struct termios	tio;
	int		i;

	memset(ws, 0, sizeof(*ws));
	*utf8 = 0;
	for (i = 2; i >= 0; i--) {
		if (isatty(i)) {
			tty.roles |= 1 << i;
			tty.termfd = i;
		}
	}
	if (tty.roles == 0)
		return (0);
	if (ioctl(tty.termfd, TIOCGWINSZ, ws) == -1)
		memset(ws, 0, sizeof(*ws));
	if (tcgetattr(tty.termfd, &tio) == 0 && (tio.c_iflag & IUTF8))
		*utf8 = 1;
	if (tty.roles & (1 << GW_FD_STDIN))
		tty.infd = STDIN_FILENO;
	if (tty.roles & (1 << GW_FD_STDOUT))
		tty.outfd = STDOUT_FILENO;
	else if (tty.roles & (1 << GW_FD_STDERR))
		tty.outfd = STDERR_FILENO;
	else
		tty.outfd = tty_open_out(STDIN_FILENO);
	return (tty.roles);
}

/* Whether gw is in the terminal's foreground process group. */
static int
tty_foreground(void)
{
	pid_t	pg;

	return ((pg = tcgetpgrp(tty.termfd)) != -1 && pg == getpgrp());
}

/*
 * Raw mode, and reading keys, only with stdin on the terminal and gw in
 * its foreground: a background gw must neither change the terminal's
 * mode under the shell nor steal its input, and with stdin elsewhere
 * (make -j gives it to one job) several gw could race to save and
 * restore the mode.
 */
static void
tty_raw(void)
{
	struct termios	tio;

	tty.relay_in = 0;
	if (tty.infd == -1 || !tty_foreground())
		return;
	if (!tty.raw) {
		if (tcgetattr(tty.termfd, &tty.saved) == -1)
			return;
		tty.raw = 1;
	}
	tio = tty.saved;
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(tty.termfd, TCSADRAIN, &tio) == -1)
		return;
	tty.relay_in = 1;
}

/* Put the terminal back the way it was; safe to call any time. */
void
tty_restore(void)
{
	if (!tty.raw)
		return;
	tty.raw = 0;
	tty.relay_in = 0;
	tcsetattr(tty.termfd, TCSADRAIN, &tty.saved);
}

/* The pty master arrived: relay from now on. Takes the fd. */
int
tty_start(int master)
{
	if (tty.roles == 0 || tty.master != -1) {
		close(master);
		errno = EPROTO;
		return (-1);
	}
	/* SIGTERM or SIGHUP came first: the command gets no terminal. */
	if (tty.hungup) {
		close(master);
		return (0);
	}
	if (fd_set_nonblock(master) == -1) {
		close(master);
		return (-1);
	}
	tty.master = master;
	atexit(tty_atexit);
	tty_raw();
	/* The size may have changed while the sandbox was being built. */
	tty_winch();
	return (0);
}

int
tty_active(void)
{
	return (tty.master != -1);
}

/*
 * gw was stopped and continued. The shell took the terminal back in
 * between and set its own mode: in the foreground again, go raw again;
 * in the background, leave the mode to the shell and stop reading keys.
 */
void
tty_cont(void)
{
	if (tty.master == -1)
		return;
	if (tty_foreground())
		tty_raw();
	else
		tty.raw = tty.relay_in = 0;
	tty_winch();
	/* After the mode: a resumed editor redraws into the relay. */
	tty_continue_job();
}

void
tty_winch(void)
{
	struct winsize	ws;

	if (tty.master != -1 && ioctl(tty.termfd, TIOCGWINSZ, &ws) == 0)
		ioctl(tty.master, TIOCSWINSZ, &ws);
}

/* Write all of it to the terminal; output is dropped if it is gone. */
static void
tty_output(const char *p, size_t n)
{
	struct pollfd	pfd;
	ssize_t		w;

	while (n > 0 && tty.outfd != -1) {
		w = write(tty.outfd, p, n);
		if (w >= 0) {
			p += w;
			n -= w;
			continue;
		}
		if (errno == EINTR)
			continue;
		/* Someone made the shared terminal non-blocking. */
		if (errno == EAGAIN) {
			pfd.fd = tty.outfd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 1000);
			continue;
		}
		if (tty.ownout)
			close(tty.outfd);
		tty.outfd = -1;
	}
}

/*
 * Move what the master has to the terminal, a bounded amount so a flood
 * cannot starve signals and the daemon. Returns 0 when there may be more
 * later, -1 once the slave side is closed (EIO) or on an error.
 */
static int
tty_from_master(void)
{
	char	buf[TTY_BUFSZ];
	ssize_t	n;
	int	i;

	for (i = 0; i < 16; i++) {
		n = read(tty.master, buf, sizeof(buf));
		if (n > 0) {
			tty_output(buf, n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (0);
		/* EIO: no slave is open any more, everything is read. */
		tty.master_eof = 1;
		return (-1);
	}
	return (0);
}

static void
tty_to_master(void)
{
	ssize_t	n;

	while (tty.inoff < tty.inlen) {
		n = write(tty.master, tty.inbuf + tty.inoff,
		    tty.inlen - tty.inoff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				/* Nobody inside reads any more. */
				tty.inoff = tty.inlen = 0;
				tty.in_eof = 1;
			}
			return;
		}
		tty.inoff += n;
	}
	tty.inoff = tty.inlen = 0;
}

/* The relay's fds for poll(), at most TTY_NPOLL. Returns how many. */
int
tty_pollfds(struct pollfd *pfd)
{
	int	n = 0;

	if (tty.master == -1)
		return (0);
	pfd[n].fd = tty.master;
	pfd[n].events = 0;
	if (!tty.master_eof)
		pfd[n].events |= POLLIN;
	if (tty.inlen > 0)
		pfd[n].events |= POLLOUT;
	/* Nothing to ask of a hung up master: leave it out. */
	if (pfd[n].events != 0)
		n++;
	if (tty.relay_in && !tty.in_eof && tty.inlen == 0 &&
	    !tty.master_eof) {
		pfd[n].fd = tty.infd;
		pfd[n].events = POLLIN;
		n++;
	}
	return (n);
}

/*
 * Whether pid handles SIGTSTP itself, ignoring it (an interactive shell)
 * or catching it (an editor that restores the screen first).
 */
static int
tty_catches_tstp(pid_t pid)
{
	unsigned long long	 mask;
	char			 path[64], line[128];
	FILE			*f;
	int			 r = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((strncmp(line, "SigIgn:", 7) == 0 ||
		    strncmp(line, "SigCgt:", 7) == 0) &&
		    sscanf(line + 7, "%llx", &mask) == 1 &&
		    (mask & 1ULL << (SIGTSTP - 1)))
			r = 1;
	}
	fclose(f);
	return (r);
}

/*
 * The pty's foreground job, if it is one that the suspend key cannot
 * stop: the group of the session's leader, the command itself. Its
 * parent is the sandbox's init, outside the session, so the kernel
 * counts the group as orphaned and drops a SIGTSTP from the terminal
 * (POSIX job control). Below a job-control shell, the foreground job is
 * a group of its own, the kernel stops it, and the shell takes over, as
 * on any terminal. Returns the group, or 0.
 */
static pid_t
tty_unstoppable_job(void)
{
	pid_t	pg, sid;

	if (ioctl(tty.master, TIOCGPGRP, &pg) == -1 ||
	    ioctl(tty.master, TIOCGSID, &sid) == -1 || pg <= 0 || pg != sid)
		return (0);
	return (tty_catches_tstp(pg) ? 0 : pg);
}

/*
 * Stop the command's job the way the suspend key stops a command on a
 * terminal, and then gw, which gives the terminal back to the shell.
 * SIGSTOP, since the kernel would drop SIGTSTP; gw runs as the same user
 * as the sandbox's processes.
 */
static void
tty_stop_job(pid_t pg)
{
	if (kill(-pg, SIGSTOP) == 0)
		tty.stopped = pg;
	tty_restore();
	kill(getpid(), SIGSTOP);
}

/* The job gw stopped goes on (SIGCONT, or a hangup that must reach it). */
static void
tty_continue_job(void)
{
	if (tty.stopped != 0)
		kill(-tty.stopped, SIGCONT);
	tty.stopped = 0;
}

/*
 * Keys from the terminal. The suspend key (Ctrl-Z) goes through the pty
 * like any other, except when its foreground job is one the kernel would
 * not stop (tty_unstoppable_job): then gw stops it, echoes the key as
 * the terminal would, drops what was typed after it (as the terminal's
 * line discipline flushes its input), and stops itself.
 */
static void
tty_keys(ssize_t n)
{
	struct termios	 tio;
	char		*z;
	pid_t		 pg;

	tty.inoff = 0;
	tty.inlen = n;
	if (tcgetattr(tty.master, &tio) == -1 || !(tio.c_lflag & ISIG) ||
	    tio.c_cc[VSUSP] == _POSIX_VDISABLE ||
	    (z = memchr(tty.inbuf, tio.c_cc[VSUSP], n)) == NULL ||
	    (pg = tty_unstoppable_job()) == 0) {
		tty_to_master();
		return;
	}
	tty.inlen = z - tty.inbuf;
	tty_to_master();
	tty.inoff = tty.inlen = 0;
	if ((tio.c_lflag & (ECHO | ECHOCTL)) == (ECHO | ECHOCTL))
		tty_output("^Z", 2);
	tty_stop_job(pg);
}

void
tty_handle(const struct pollfd *pfd, int n)
{
	ssize_t	r;
	int	i;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == tty.master) {
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				tty_from_master();
			if (pfd[i].revents & POLLOUT)
				tty_to_master();
			continue;
		}
		r = read(tty.infd, tty.inbuf, sizeof(tty.inbuf));
		if (r > 0)
			tty_keys(r);
		else if (r == 0 || (errno != EINTR && errno != EAGAIN))
			tty.in_eof = 1;
	}
}

/*
 * The command has ended: every slave is closed, so read what is left in
 * the master up to EIO (bounded in case something still holds one), and
 * give the terminal back.
 */
void
tty_finish(int timeout_ms)
{
	struct pollfd	pfd;

	if (tty.master != -1) {
		pfd.fd = tty.master;
		pfd.events = POLLIN;
		while (!tty.master_eof && poll(&pfd, 1, timeout_ms) > 0 &&
		    tty_from_master() == 0)
			;
		close(tty.master);
		tty.master = -1;
	}
	tty_restore();
}

/*
 * SIGTSTP sent to gw (its own suspend key goes to the command): stop the
 * command's job if the kernel would not, give the terminal back and
 * stop; SIGCONT brings the relay back (tty_cont).
 */
void
tty_suspend(void)
{
	pid_t	pg = 0;

	if (tty.master != -1)
		pg = tty_unstoppable_job();
	if (pg != 0) {
		tty_stop_job(pg);
		return;
	}
	tty_restore();
	kill(getpid(), SIGSTOP);
}

/*
 * SIGTERM or SIGHUP for gw: give the terminal back and close the master,
 * which hangs up the pty inside (SIGHUP to its session, as when a
 * terminal window closes). gw then waits for the command's exit as usual.
 */
void
tty_hangup(void)
{
	tty.hungup = 1;
	/* A stopped job would not see the hangup or the signal. */
	tty_continue_job();
	if (tty.master == -1)
		return;
	tty_restore();
	close(tty.master);
	tty.master = -1;
	tty.master_eof = 1;
	tty.inlen = tty.inoff = 0;
}
