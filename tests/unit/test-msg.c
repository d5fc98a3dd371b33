/*
 * Tests for proto/msg.c over a real AF_UNIX SOCK_SEQPACKET socketpair:
 * round trips of every message type, fd passing, and every malformed
 * message we can think of, each of which must fail with EPROTO and leave
 * no fd behind in the receiver. Malformed messages are sent with raw
 * sendmsg() and hand-built headers so nothing in msg.c shapes them.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw-protocol.h"
#include "common.h"
#include "tap.h"

/* Socketpair ends: sv[C] plays the client, sv[D] the daemon. */
#define C	0
#define D	1

/* The received message and raw datagrams: about 128 KiB each. */
static struct gw_msg	rmsg;
static uint8_t		raw[GW_MSG_MAX + 64];
/* Payloads assembled by mkpay(). */
static uint8_t		pay[256];

static const struct {
	uint32_t	 type;
	const char	*name;
} types[] = {
	{ GW_MSG_HELLO, "HELLO" },
	{ GW_MSG_VERSION, "VERSION" },
	{ GW_MSG_OK, "OK" },
	{ GW_MSG_ERROR, "ERROR" },
	{ GW_MSG_SANDBOX_OPEN, "SANDBOX_OPEN" },
	{ GW_MSG_SANDBOX_ARG, "SANDBOX_ARG" },
	{ GW_MSG_SANDBOX_ENV, "SANDBOX_ENV" },
	{ GW_MSG_SANDBOX_FD, "SANDBOX_FD" },
	{ GW_MSG_SANDBOX_START, "SANDBOX_START" },
	{ GW_MSG_SANDBOX_STARTED, "SANDBOX_STARTED" },
	{ GW_MSG_SANDBOX_SIGNAL, "SANDBOX_SIGNAL" },
	{ GW_MSG_SANDBOX_EXITED, "SANDBOX_EXITED" },
	{ GW_MSG_SANDBOX_POLICY, "SANDBOX_POLICY" },
	{ GW_MSG_SANDBOX_PTY, "SANDBOX_PTY" },
	{ GW_MSG_SANDBOX_PORT, "SANDBOX_PORT" },
	{ GW_MSG_POLICY_SHOW, "POLICY_SHOW" },
	{ GW_MSG_POLICY_TEXT, "POLICY_TEXT" },
	{ GW_MSG_ADMIN_LIST, "ADMIN_LIST" },
	{ GW_MSG_ADMIN_LIST_ENTRY, "ADMIN_LIST_ENTRY" },
	{ GW_MSG_ADMIN_LIST_END, "ADMIN_LIST_END" },
	{ GW_MSG_ADMIN_KILL, "ADMIN_KILL" },
	{ GW_MSG_ADMIN_RELOAD, "ADMIN_RELOAD" },
	{ GW_MSG_EVENT, "EVENT" },
	{ GW_MSG_EVENTS_DROPPED, "EVENTS_DROPPED" },
	{ GW_MSG_MONITOR, "MONITOR" },
	{ GW_MSG_STATUS, "STATUS" },
	{ GW_MSG_STATUS_ITEM, "STATUS_ITEM" },
	{ GW_MSG_ADMIN_LIST_STATS, "ADMIN_LIST_STATS" },
	{ GW_MSG_ADMIN_KILL_USER, "ADMIN_KILL_USER" },
};

static __attribute__((noreturn)) void
bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		bail("/proc/self/fd");
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static void
mkpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		bail("socketpair");
}

/* Non-blocking, so a read end can tell "no writer left" from "leaked". */
static void
mkpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		bail("pipe2");
}

/* Whether every write end of the pipe whose read end is rfd is closed. */
static int
pipe_eof(int rfd)
{
	char	c;

	return (read(rfd, &c, 1) == 0);
}

static void
closepair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static const char *
dirname_(enum gw_msgdir dir)
{
	return (dir == GW_DIR_TO_DAEMON ? "to daemon" : "to client");
}

/* One datagram with nfds fds in a single SCM_RIGHTS message. */
static ssize_t
send_raw(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	}		 cbuf;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	return (sendmsg(sock, &mh, MSG_NOSIGNAL));
}

/* A header that claims len payload bytes, followed by plen real ones. */
static size_t
mkraw(uint32_t type, uint32_t len, uint32_t reserved, const void *payload,
    size_t plen)
{
	struct frame_hdr	hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.id = 0;
	hdr.reserved = reserved;
	memcpy(raw, &hdr, sizeof(hdr));
	if (plen > 0)
		memcpy(raw + sizeof(hdr), payload, plen);
	return (sizeof(hdr) + plen);
}

/* A correctly framed message: the header's len matches the payload. */
static size_t
mkmsg(uint32_t type, const void *payload, size_t plen)
{
	return (mkraw(type, plen, 0, payload, plen));
}

/* A fixed part of flen bytes followed by slen bytes of string data. */
static size_t
mkpay(const void *fixed, size_t flen, const char *s, size_t slen)
{
	if (flen > 0)
		memcpy(pay, fixed, flen);
	if (slen > 0)
		memcpy(pay + flen, s, slen);
	return (flen + slen);
}

/*
 * Send len bytes of raw with nfds fresh pipe write ends and expect
 * gw_msg_recv() to refuse the datagram with EPROTO, having closed every fd
 * that came with it.
 */
static void
recv_eproto_opt(const char *what, size_t len, size_t nfds, int passcred)
{
	int	sv[2], p[3][2], fds[3], before, r, e, eof = 1, on = 1;
	size_t	i;

	before = count_fds();
	mkpair(sv);
	if (passcred && setsockopt(sv[D], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)) == -1)
		bail("SO_PASSCRED");
	for (i = 0; i < nfds; i++) {
		mkpipe(p[i]);
		fds[i] = p[i][1];
	}
	if (send_raw(sv[C], raw, len, fds, nfds) != (ssize_t)len)
		bail("sendmsg");
	for (i = 0; i < nfds; i++)
		close(p[i][1]);
	r = gw_msg_recv(sv[D], &rmsg);
	e = errno;
	ok(r == -1 && e == EPROTO && rmsg.fd == -1,
	    "%s: gw_msg_recv fails with EPROTO (got %d, %s)", what, r,
	    strerror(e));
	for (i = 0; i < nfds; i++) {
		eof &= pipe_eof(p[i][0]);
		close(p[i][0]);
	}
	closepair(sv);
	ok(eof && count_fds() == before,
	    "%s: all %zu passed fds closed, no fd leaked", what, nfds);
}

static void
expect_recv_eproto(const char *what, size_t len, size_t nfds)
{
	recv_eproto_opt(what, len, nfds, 0);
}

/*
 * Send len bytes of raw (with a pipe write end when withfd) and expect the
 * framing to pass but gw_msg_validate() to refuse it with EPROTO; then
 * gw_msg_clear() must close the fd.
 */
static void
expect_invalid(const char *what, size_t len, int withfd,
    enum gw_msgdir dir)
{
	int	sv[2], p[2] = { -1, -1 }, before, r, e;

	before = count_fds();
	mkpair(sv);
	if (withfd)
		mkpipe(p);
	if (send_raw(sv[C], raw, len, &p[1], withfd ? 1 : 0) !=
	    (ssize_t)len)
		bail("sendmsg");
	if (withfd)
		close(p[1]);
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 1 && (withfd ? rmsg.fd >= 0 : rmsg.fd == -1),
	    "%s: framing accepted%s", what, withfd ? " with its fd" : "");
	rmsg.nstr = 99;
	r = gw_msg_validate(&rmsg, dir);
	e = errno;
	ok(r == -1 && e == EPROTO && rmsg.nstr == 0,
	    "%s: gw_msg_validate(%s) fails with EPROTO", what, dirname_(dir));
	gw_msg_clear(&rmsg);
	closepair(sv);
	if (withfd) {
		ok(rmsg.fd == -1 && pipe_eof(p[0]),
		    "%s: gw_msg_clear closed the fd", what);
		close(p[0]);
	}
	ok(count_fds() == before, "%s: no fd leaked", what);
}

/*
 * Send with gw_msg_send() the way dir says, receive, validate, and compare
 * everything; then check the same message is refused the other way.
 */
static void
roundtrip(const char *what, uint32_t type, uint32_t id, const void *payload,
    size_t len, const char *const *strs, size_t nstrs, enum gw_msgdir dir)
{
	enum gw_msgdir	 other;
	int		 sv[2], from, to, r, e, same = 1;
	size_t		 i, total = len;
	const char	*expect;

	for (i = 0; i < nstrs; i++)
		total += strlen(strs[i]) + 1;
	mkpair(sv);
	from = dir == GW_DIR_TO_DAEMON ? sv[C] : sv[D];
	to = dir == GW_DIR_TO_DAEMON ? sv[D] : sv[C];
	other = dir == GW_DIR_TO_DAEMON ? GW_DIR_TO_CLIENT : GW_DIR_TO_DAEMON;

	ok(gw_msg_send(from, type, id, payload, len, strs, nstrs, -1) == 0,
	    "%s: gw_msg_send", what);
	r = gw_msg_recv(to, &rmsg);
	ok(r == 1 && rmsg.fd == -1, "%s: gw_msg_recv returns 1, no fd", what);
	ok(gw_msg_validate(&rmsg, dir) == 0, "%s: valid %s", what,
	    dirname_(dir));
	ok(rmsg.hdr.type == type && rmsg.hdr.id == id &&
	    rmsg.hdr.len == total && rmsg.hdr.reserved == 0,
	    "%s: header type %u id %u len %zu", what, type, id, total);
	ok(len == 0 || memcmp(rmsg.data, payload, len) == 0,
	    "%s: fixed part arrives intact", what);

	/* Each string, in order, in place right after the fixed part. */
	expect = (const char *)rmsg.data + len;
	if (rmsg.nstr != nstrs)
		same = 0;
	for (i = 0; same && i < nstrs; i++) {
		if (rmsg.str[i] != expect || strcmp(rmsg.str[i], strs[i]) != 0)
			same = 0;
		expect += strlen(strs[i]) + 1;
	}
	ok(same, "%s: %zu strings arrive intact", what, nstrs);

	r = gw_msg_validate(&rmsg, other);
	e = errno;
	ok(r == -1 && e == EPROTO && rmsg.nstr == 0,
	    "%s: refused %s with EPROTO", what, dirname_(other));
	gw_msg_clear(&rmsg);
	closepair(sv);
}

static void
test_roundtrips(void)
{
	struct gw_hello			hello = { GW_PROTO_VERSION,
					    GW_CLIENT_GW };
	struct gw_version		version = { GW_PROTO_VERSION };
	struct gw_error			err = { GW_ERR_DENIED };
	struct gw_error			err2 = { GW_ERR_INTERNAL };
	struct gw_sandbox_open		open_ = { 0, 3, 2, 0, 0, 0, 0, 0 };
	struct gw_sandbox_open		openpty = { GW_OPEN_PTY |
					    GW_OPEN_PTY_UTF8, 1, 0, 022,
					    24, 80, 640, 480 };
	struct gw_sandbox_started	started = { 42, 4242,
					    GW_STARTED_NO_LANDLOCK };
	struct gw_signal		sig = { SIGTERM };
	struct gw_sandbox_port		port = { 3000 };
	struct gw_sandbox_exited	exited = { GW_EXIT_SIGNAL, SIGKILL };
	struct gw_sandbox_exited	exited2 = { GW_EXIT_CODE, -1 };
	struct gw_sandbox_info		info;
	struct gw_sandbox_id		kill_ = { 7 };
	const char *const		 errs[] = {
	    "sandbox denied: 'rm -rf /' is \"not\" allowed" };
	const char *const		 empty[] = { "" };
	const char *const		 arg[] = { "ls" };
	const char *const		 argq[] = {
	    "it's a \"quoted\" arg  with spaces\tand a tab" };
	const char *const		 env[] = { "PS1=\\u@\\h \"$\" " };
	const char *const		 entry[] = { "alice",
	    "sh -c 'echo \"hi there\"'", "/home/alice/my dir" };
	const char *const		 entry0[] = { "", "", "" };
	const char *const		 entry1[] = { "root", "", "/" };
	const char *const		 policy[] = { "overlay.yaml",
	    "filesystem:\n  cwd: ro\n" };

	memset(&info, 0, sizeof(info));
	info.id = 7;
	info.uid = 1000;
	info.pid = 4321;
	info.tasks = 3;
	info.start_time = INT64_C(1700000000);
	info.memory = UINT64_MAX;

	roundtrip("HELLO", GW_MSG_HELLO, 0, &hello, sizeof(hello), NULL, 0,
	    GW_DIR_TO_DAEMON);
	roundtrip("VERSION", GW_MSG_VERSION, 0, &version, sizeof(version),
	    NULL, 0, GW_DIR_TO_CLIENT);
	roundtrip("OK", GW_MSG_OK, 0, NULL, 0, NULL, 0, GW_DIR_TO_CLIENT);
	roundtrip("ERROR", GW_MSG_ERROR, 0, &err, sizeof(err), errs, 1,
	    GW_DIR_TO_CLIENT);
	roundtrip("ERROR with \"\"", GW_MSG_ERROR, 0, &err2, sizeof(err2),
	    empty, 1, GW_DIR_TO_CLIENT);
	roundtrip("SANDBOX_OPEN", GW_MSG_SANDBOX_OPEN, 0, &open_,
	    sizeof(open_), NULL, 0, GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_OPEN with a pty", GW_MSG_SANDBOX_OPEN, 0, &openpty,
	    sizeof(openpty), NULL, 0, GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_ARG", GW_MSG_SANDBOX_ARG, 0, NULL, 0, arg, 1,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_ARG \"\"", GW_MSG_SANDBOX_ARG, 0, NULL, 0, empty, 1,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_ARG with quotes", GW_MSG_SANDBOX_ARG, 0, NULL, 0,
	    argq, 1, GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_ENV", GW_MSG_SANDBOX_ENV, 0, NULL, 0, env, 1,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_ENV \"\"", GW_MSG_SANDBOX_ENV, 0, NULL, 0, empty, 1,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_START", GW_MSG_SANDBOX_START, 0, NULL, 0, NULL, 0,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_STARTED", GW_MSG_SANDBOX_STARTED, 42, &started,
	    sizeof(started), NULL, 0, GW_DIR_TO_CLIENT);
	roundtrip("SANDBOX_SIGNAL", GW_MSG_SANDBOX_SIGNAL, 42, &sig,
	    sizeof(sig), NULL, 0, GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_PORT", GW_MSG_SANDBOX_PORT, 0, &port,
	    sizeof(port), NULL, 0, GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_EXITED signal", GW_MSG_SANDBOX_EXITED, 42, &exited,
	    sizeof(exited), NULL, 0, GW_DIR_TO_CLIENT);
	roundtrip("SANDBOX_EXITED code -1", GW_MSG_SANDBOX_EXITED, 0xfffffffe,
	    &exited2, sizeof(exited2), NULL, 0, GW_DIR_TO_CLIENT);
	roundtrip("ADMIN_LIST", GW_MSG_ADMIN_LIST, 0, NULL, 0, NULL, 0,
	    GW_DIR_TO_DAEMON);
	roundtrip("ADMIN_LIST_ENTRY", GW_MSG_ADMIN_LIST_ENTRY, 7, &info,
	    sizeof(info), entry, 3, GW_DIR_TO_CLIENT);
	roundtrip("ADMIN_LIST_ENTRY all \"\"", GW_MSG_ADMIN_LIST_ENTRY, 7,
	    &info, sizeof(info), entry0, 3, GW_DIR_TO_CLIENT);
	roundtrip("ADMIN_LIST_ENTRY middle \"\"", GW_MSG_ADMIN_LIST_ENTRY, 7,
	    &info, sizeof(info), entry1, 3, GW_DIR_TO_CLIENT);
	roundtrip("ADMIN_LIST_END", GW_MSG_ADMIN_LIST_END, 0, NULL, 0, NULL, 0,
	    GW_DIR_TO_CLIENT);
	roundtrip("ADMIN_KILL", GW_MSG_ADMIN_KILL, 0, &kill_, sizeof(kill_),
	    NULL, 0, GW_DIR_TO_DAEMON);
	roundtrip("ADMIN_RELOAD", GW_MSG_ADMIN_RELOAD, 0, NULL, 0, NULL, 0,
	    GW_DIR_TO_DAEMON);
	roundtrip("SANDBOX_POLICY", GW_MSG_SANDBOX_POLICY, 0, NULL, 0,
	    policy, 2, GW_DIR_TO_DAEMON);
	roundtrip("POLICY_SHOW self", GW_MSG_POLICY_SHOW, 0, NULL, 0,
	    empty, 1, GW_DIR_TO_DAEMON);
	roundtrip("POLICY_TEXT", GW_MSG_POLICY_TEXT, 0, NULL, 0,
	    &policy[1], 1, GW_DIR_TO_CLIENT);
}

static void
test_fd_passing(void)
{
	struct gw_sandbox_fd	 sfd = { GW_FD_STDOUT }, got;
	struct stat		 st1, st2;
	int			 sv[2], p[2], before, r, fd, flags;
	char			 buf[16];

	before = count_fds();
	mkpair(sv);
	mkpipe(p);
	ok(gw_msg_send(sv[C], GW_MSG_SANDBOX_FD, 0, &sfd, sizeof(sfd), NULL,
	    0, p[1]) == 0, "SANDBOX_FD pipe: gw_msg_send with an fd");
	close(p[1]);
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 1 && rmsg.fd >= 0, "SANDBOX_FD pipe: received with an fd");
	ok(gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON) == 0,
	    "SANDBOX_FD pipe: valid to daemon");
	memcpy(&got, rmsg.data, sizeof(got));
	ok(rmsg.hdr.len == sizeof(sfd) && got.role == GW_FD_STDOUT,
	    "SANDBOX_FD pipe: role arrives");
	flags = fcntl(rmsg.fd, F_GETFD);
	ok(flags != -1 && (flags & FD_CLOEXEC),
	    "SANDBOX_FD pipe: received fd has FD_CLOEXEC");
	ok(fstat(rmsg.fd, &st1) == 0 && fstat(p[0], &st2) == 0 &&
	    st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev,
	    "SANDBOX_FD pipe: received fd is the pipe");
	fd = TAKE_FD(rmsg.fd);
	ok(write(fd, "through", 7) == 7 && read(p[0], buf, sizeof(buf)) == 7 &&
	    memcmp(buf, "through", 7) == 0,
	    "SANDBOX_FD pipe: data written through it arrives");
	close(fd);
	ok(pipe_eof(p[0]), "SANDBOX_FD pipe: no other write end is left");
	gw_msg_clear(&rmsg);
	close(p[0]);

	/* The cwd is sent as an O_PATH directory fd. */
	sfd.role = GW_FD_CWD;
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		bail("open /");
	ok(gw_msg_send(sv[C], GW_MSG_SANDBOX_FD, 0, &sfd, sizeof(sfd), NULL,
	    0, fd) == 0, "SANDBOX_FD cwd: gw_msg_send with an O_PATH fd");
	close(fd);
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 1 && rmsg.fd >= 0 &&
	    gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON) == 0,
	    "SANDBOX_FD cwd: received and valid");
	ok(fstat(rmsg.fd, &st1) == 0 && stat("/", &st2) == 0 &&
	    S_ISDIR(st1.st_mode) && st1.st_ino == st2.st_ino &&
	    st1.st_dev == st2.st_dev, "SANDBOX_FD cwd: received fd is /");
	gw_msg_clear(&rmsg);
	ok(rmsg.fd == -1, "gw_msg_clear resets fd to -1");

	/* The daemon hands gw a pty master; only a client takes it. */
	if ((fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		bail("posix_openpt");
	ok(gw_msg_send(sv[D], GW_MSG_SANDBOX_PTY, 5, NULL, 0, NULL, 0,
	    fd) == 0, "SANDBOX_PTY: gw_msg_send with a pty master");
	r = gw_msg_recv(sv[C], &rmsg);
	ok(r == 1 && rmsg.fd >= 0 && rmsg.hdr.len == 0 && rmsg.hdr.id == 5 &&
	    gw_msg_validate(&rmsg, GW_DIR_TO_CLIENT) == 0,
	    "SANDBOX_PTY: received with its fd, valid to a client");
	ok(fstat(rmsg.fd, &st1) == 0 && fstat(fd, &st2) == 0 &&
	    st1.st_ino == st2.st_ino && st1.st_rdev == st2.st_rdev &&
	    ptsname(rmsg.fd) != NULL && strcmp(ptsname(rmsg.fd),
	    ptsname(fd)) == 0, "SANDBOX_PTY: received fd is the same master");
	close(fd);
	r = gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON);
	ok(r == -1 && errno == EPROTO,
	    "SANDBOX_PTY: refused to the daemon with EPROTO");
	gw_msg_clear(&rmsg);
	closepair(sv);
	ok(count_fds() == before, "SANDBOX_FD and SANDBOX_PTY: no fd leaked");
}

static void
test_bad_framing(void)
{
	struct gw_hello		hello = { GW_PROTO_VERSION, GW_CLIENT_GW };
	struct gw_sandbox_fd	sfd = { GW_FD_STDIN };
	size_t			len;

	mkmsg(GW_MSG_HELLO, &hello, sizeof(hello));
	expect_recv_eproto("8 bytes, less than a header", 8, 0);
	expect_recv_eproto("15 bytes with an fd", 15, 1);
	expect_recv_eproto("1 byte", 1, 0);

	len = mkraw(GW_MSG_HELLO, sizeof(hello) + 1, 0, &hello,
	    sizeof(hello));
	expect_recv_eproto("hdr.len one more than received", len, 0);
	len = mkraw(GW_MSG_HELLO, 0xffffffff, 0, &hello, sizeof(hello));
	expect_recv_eproto("hdr.len 0xffffffff", len, 0);
	len = mkraw(GW_MSG_HELLO, sizeof(hello) - 1, 0, &hello,
	    sizeof(hello));
	expect_recv_eproto("hdr.len one less than received", len, 0);
	len = mkraw(GW_MSG_HELLO, 0, 0, &hello, sizeof(hello));
	expect_recv_eproto("hdr.len 0 with payload", len, 0);
	len = mkraw(GW_MSG_SANDBOX_FD, sizeof(sfd) + 4, 0, &sfd,
	    sizeof(sfd));
	expect_recv_eproto("SANDBOX_FD with hdr.len too big, with an fd", len,
	    1);

	len = mkraw(GW_MSG_HELLO, sizeof(hello), 1, &hello, sizeof(hello));
	expect_recv_eproto("reserved 1", len, 0);
	len = mkraw(GW_MSG_HELLO, sizeof(hello), 0x80000000, &hello,
	    sizeof(hello));
	expect_recv_eproto("reserved 0x80000000", len, 0);
	len = mkraw(GW_MSG_SANDBOX_FD, sizeof(sfd), 1, &sfd, sizeof(sfd));
	expect_recv_eproto("SANDBOX_FD with reserved 1, with an fd", len, 1);

	len = mkmsg(GW_MSG_SANDBOX_FD, &sfd, sizeof(sfd));
	expect_recv_eproto("SANDBOX_FD with two fds", len, 2);
	expect_recv_eproto("SANDBOX_FD with three fds", len, 3);

	/*
	 * One byte more than the largest message gw_msg_build makes. The
	 * first header claims all of it; the second only what fits, so that
	 * the first GW_MSG_MAX bytes alone are a valid SANDBOX_ARG and only
	 * MSG_TRUNC gives the datagram away.
	 */
	memset(raw, 'x', sizeof(raw));
	mkraw(GW_MSG_SANDBOX_ARG, GW_MSG_MAX + 1 - sizeof(struct frame_hdr), 0,
	    NULL, 0);
	raw[GW_MSG_MAX] = '\0';
	expect_recv_eproto("datagram of GW_MSG_MAX + 1 bytes", GW_MSG_MAX + 1,
	    0);
	expect_recv_eproto("datagram of GW_MSG_MAX + 1 bytes with an fd",
	    GW_MSG_MAX + 1, 1);
	mkraw(GW_MSG_SANDBOX_ARG, GW_MSG_MAX - sizeof(struct frame_hdr), 0,
	    NULL, 0);
	raw[GW_MSG_MAX - 1] = '\0';
	expect_recv_eproto("GW_MSG_MAX + 1 bytes, valid if cut at GW_MSG_MAX",
	    GW_MSG_MAX + 1, 0);
}

/* An empty datagram reads like EOF, but not when it carries an fd. */
static void
test_empty_datagram(void)
{
	int	sv[2], r;

	mkpair(sv);
	if (send_raw(sv[C], raw, 0, NULL, 0) != 0)
		bail("sendmsg");
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 0, "empty datagram without fd reads as end of file (got %d)",
	    r);
	closepair(sv);
	expect_recv_eproto("empty datagram with an fd", 0, 1);
}

static void
test_eof(void)
{
	int	sv[2], r;

	mkpair(sv);
	close(sv[C]);
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 0 && rmsg.fd == -1, "peer closed: gw_msg_recv returns 0");
	close(sv[D]);
}

/* A refused message is consumed whole; the next one arrives intact. */
static void
test_after_bad(void)
{
	struct gw_hello	hello = { GW_PROTO_VERSION, GW_CLIENT_CTL }, got;
	int		sv[2], r1, r2;
	size_t		len;

	mkpair(sv);
	len = mkraw(GW_MSG_HELLO, sizeof(hello), 7, &hello, sizeof(hello));
	if (send_raw(sv[C], raw, len, NULL, 0) != (ssize_t)len)
		bail("sendmsg");
	if (gw_msg_send(sv[C], GW_MSG_HELLO, 3, &hello, sizeof(hello), NULL,
	    0, -1) == -1)
		bail("gw_msg_send");
	r1 = gw_msg_recv(sv[D], &rmsg);
	r2 = gw_msg_recv(sv[D], &rmsg);
	memcpy(&got, rmsg.data, sizeof(got));
	ok(r1 == -1 && r2 == 1 && rmsg.hdr.id == 3 &&
	    gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON) == 0 &&
	    got.kind == GW_CLIENT_CTL,
	    "message after a refused one arrives intact");
	gw_msg_clear(&rmsg);
	closepair(sv);
}

static void
test_passcred(void)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(struct ucred)) +
				    CMSG_SPACE(sizeof(int))];
	}			 cbuf;
	struct gw_hello		 hello = { GW_PROTO_VERSION, GW_CLIENT_GW };
	struct gw_sandbox_fd	 sfd = { GW_FD_STDIN };
	struct ucred		 cred;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*cmsg;
	int			 sv[2], on = 1, creds = 0, r;
	size_t			 len;

	/*
	 * With SO_PASSCRED on the receiver, Linux attaches SCM_CREDENTIALS
	 * to every message, whether or not the sender sent any. Check that
	 * with a plain recvmsg() first, so the tests below mean something.
	 */
	mkpair(sv);
	if (setsockopt(sv[D], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1)
		bail("SO_PASSCRED");
	len = mkmsg(GW_MSG_HELLO, &hello, sizeof(hello));
	if (send_raw(sv[C], raw, len, NULL, 0) != (ssize_t)len)
		bail("sendmsg");
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = pay;
	iov.iov_len = sizeof(pay);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	if (recvmsg(sv[D], &mh, 0) != (ssize_t)len)
		bail("recvmsg");
	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&mh, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&cred, CMSG_DATA(cmsg), sizeof(cred));
			creds = cred.pid == getpid();
		}
	ok(creds, "SO_PASSCRED: the kernel attaches SCM_CREDENTIALS unasked");
	closepair(sv);

	recv_eproto_opt("SO_PASSCRED, valid HELLO", len, 0, 1);
	len = mkmsg(GW_MSG_SANDBOX_FD, &sfd, sizeof(sfd));
	recv_eproto_opt("SO_PASSCRED, valid SANDBOX_FD with its fd", len, 1,
	    1);

	/*
	 * Credentials the sender attaches on purpose reach nobody whose
	 * socket lacks SO_PASSCRED, which the daemon never sets.
	 */
	mkpair(sv);
	len = mkmsg(GW_MSG_HELLO, &hello, sizeof(hello));
	memset(&cbuf, 0, sizeof(cbuf));
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = raw;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(cred));
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDENTIALS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(cred));
	cred.pid = getpid();
	cred.uid = getuid();
	cred.gid = getgid();
	memcpy(CMSG_DATA(cmsg), &cred, sizeof(cred));
	if (sendmsg(sv[C], &mh, 0) != (ssize_t)len)
		bail("sendmsg SCM_CREDENTIALS");
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 1 && gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON) == 0,
	    "sender's own SCM_CREDENTIALS, no SO_PASSCRED: not delivered, "
	    "HELLO accepted");
	gw_msg_clear(&rmsg);
	closepair(sv);
}

static void
test_bad_validate(void)
{
	struct gw_hello			hello = { GW_PROTO_VERSION,
					    GW_CLIENT_GW };
	struct gw_error			err = { GW_ERR_PROTOCOL };
	struct gw_sandbox_fd		sfd = { GW_FD_STDERR };
	struct gw_sandbox_info		info;
	uint8_t				big[32];
	size_t				len;

	memset(&info, 0, sizeof(info));
	memset(big, 0, sizeof(big));
	memcpy(big, &hello, sizeof(hello));

	/* Unknown types. */
	len = mkmsg(0, NULL, 0);
	expect_invalid("type 0", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ERROR + 1, NULL, 0);
	expect_invalid("type 5", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(99, NULL, 0);
	expect_invalid("type 99", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ADMIN_RELOAD + 1, &hello, 4);
	expect_invalid("type 305", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_POLICY_TEXT + 1, NULL, 0);
	expect_invalid("type 202", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(0xffffffff, NULL, 0);
	expect_invalid("type 0xffffffff", len, 0, GW_DIR_TO_CLIENT);

	/* Wrong way (every type is also checked in test_roundtrips). */
	len = mkmsg(GW_MSG_OK, NULL, 0);
	expect_invalid("OK sent to the daemon", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_HELLO, &hello, sizeof(hello));
	expect_invalid("HELLO sent to a client", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_SANDBOX_FD, &sfd, sizeof(sfd));
	expect_invalid("SANDBOX_FD with fd sent to a client", len, 1,
	    GW_DIR_TO_CLIENT);

	/* Fixed-size payloads. */
	len = mkmsg(GW_MSG_HELLO, big, sizeof(hello) - 4);
	expect_invalid("HELLO 4 bytes short", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_HELLO, big, sizeof(hello) - 1);
	expect_invalid("HELLO 1 byte short", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_HELLO, NULL, 0);
	expect_invalid("HELLO empty", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_HELLO, big, sizeof(hello) + 1);
	expect_invalid("HELLO 1 byte long", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_HELLO, big, sizeof(hello) + 4);
	expect_invalid("HELLO 4 bytes long", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_OK, big, 1);
	expect_invalid("OK with 1 byte", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST, big, 4);
	expect_invalid("ADMIN_LIST with 4 bytes", len, 0, GW_DIR_TO_DAEMON);
	/* Protocol 2's SANDBOX_STARTED had no flags: a client must see it. */
	len = mkmsg(GW_MSG_SANDBOX_STARTED, big, 8);
	expect_invalid("SANDBOX_STARTED of 8 bytes (no flags)", len, 0,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_SANDBOX_FD, NULL, 0);
	expect_invalid("SANDBOX_FD empty, with fd", len, 1, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_FD, big, sizeof(sfd) + 4);
	expect_invalid("SANDBOX_FD 4 bytes long, with fd", len, 1,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_PORT, big, 2);
	expect_invalid("SANDBOX_PORT of 2 bytes (a u16)", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_PORT, big, 4);
	expect_invalid("SANDBOX_PORT with an fd", len, 1, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ERROR, big, sizeof(err) - 2);
	expect_invalid("ERROR shorter than its fixed part", len, 0,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, big, sizeof(info) - 1);
	expect_invalid("ADMIN_LIST_ENTRY shorter than its fixed part", len, 0,
	    GW_DIR_TO_CLIENT);

	/* Strings: unterminated. */
	len = mkmsg(GW_MSG_SANDBOX_ARG, "abc", 3);
	expect_invalid("SANDBOX_ARG \"abc\" without NUL", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_ENV, "A=1\0B=2", 7);
	expect_invalid("SANDBOX_ENV, second string without NUL", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ERROR, pay, mkpay(&err, sizeof(err), "oops", 4));
	expect_invalid("ERROR text without NUL", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "u\0cmd\0/cwd", 10));
	expect_invalid("ADMIN_LIST_ENTRY, third string without NUL", len, 0,
	    GW_DIR_TO_CLIENT);

	/* Strings: none at all. */
	len = mkmsg(GW_MSG_SANDBOX_ARG, NULL, 0);
	expect_invalid("SANDBOX_ARG with no string bytes", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_ENV, NULL, 0);
	expect_invalid("SANDBOX_ENV with no string bytes", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ERROR, &err, sizeof(err));
	expect_invalid("ERROR with no string bytes", len, 0,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, &info, sizeof(info));
	expect_invalid("ADMIN_LIST_ENTRY with no string bytes", len, 0,
	    GW_DIR_TO_CLIENT);

	/* Strings: too many. */
	len = mkmsg(GW_MSG_SANDBOX_ARG, "a\0b", 4);
	expect_invalid("SANDBOX_ARG with 2 strings", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_ARG, "a\0", 3);
	expect_invalid("SANDBOX_ARG \"a\" then \"\"", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_ENV, "\0", 2);
	expect_invalid("SANDBOX_ENV with 2 empty strings", len, 0,
	    GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ERROR, pay, mkpay(&err, sizeof(err), "x\0y", 4));
	expect_invalid("ERROR with 2 strings", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "u\0c\0d\0e", 8));
	expect_invalid("ADMIN_LIST_ENTRY with 4 strings", len, 0,
	    GW_DIR_TO_CLIENT);

	/* Strings: too few. */
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "u", 2));
	expect_invalid("ADMIN_LIST_ENTRY with 1 string", len, 0,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "u\0cmd", 6));
	expect_invalid("ADMIN_LIST_ENTRY with 2 strings", len, 0,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "\0", 2));
	expect_invalid("ADMIN_LIST_ENTRY with 2 empty strings", len, 0,
	    GW_DIR_TO_CLIENT);

	/* Fds where none belongs, and none where one does. */
	len = mkmsg(GW_MSG_HELLO, &hello, sizeof(hello));
	expect_invalid("HELLO with an fd", len, 1, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_ARG, "x", 2);
	expect_invalid("SANDBOX_ARG with an fd", len, 1, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_START, NULL, 0);
	expect_invalid("SANDBOX_START with an fd", len, 1, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_ADMIN_LIST_ENTRY, pay,
	    mkpay(&info, sizeof(info), "u\0c\0d", 6));
	expect_invalid("ADMIN_LIST_ENTRY with an fd", len, 1,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_SANDBOX_FD, &sfd, sizeof(sfd));
	expect_invalid("SANDBOX_FD without an fd", len, 0, GW_DIR_TO_DAEMON);
	len = mkmsg(GW_MSG_SANDBOX_PTY, NULL, 0);
	expect_invalid("SANDBOX_PTY without an fd", len, 0, GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_SANDBOX_PTY, big, 4);
	expect_invalid("SANDBOX_PTY with 4 bytes, with an fd", len, 1,
	    GW_DIR_TO_CLIENT);
	len = mkmsg(GW_MSG_SANDBOX_OPEN, big, 16);
	expect_invalid("SANDBOX_OPEN of the old 16 bytes", len, 0,
	    GW_DIR_TO_DAEMON);
}

/* gw_msg_parse() on its own: a count larger than the buffer. */
static void
test_parse(void)
{
	int	p[2], r, e, before;

	before = count_fds();
	mkpipe(p);
	mkmsg(GW_MSG_HELLO, NULL, 0);
	memcpy(rmsg.buf, raw, sizeof(struct frame_hdr));
	r = gw_msg_parse(&rmsg, sizeof(rmsg.buf) + 1, p[1]);
	e = errno;
	ok(r == -1 && e == EPROTO && rmsg.fd == -1,
	    "gw_msg_parse: more bytes than the buffer holds, EPROTO");
	ok(pipe_eof(p[0]), "gw_msg_parse: closes the fd on failure");
	close(p[0]);
	ok(count_fds() == before, "gw_msg_parse: no fd leaked");

	mkpipe(p);
	mkmsg(GW_MSG_OK, NULL, 0);
	memcpy(rmsg.buf, raw, sizeof(struct frame_hdr));
	r = gw_msg_parse(&rmsg, sizeof(struct frame_hdr), p[1]);
	ok(r == 0 && rmsg.fd == p[1] && rmsg.hdr.type == GW_MSG_OK,
	    "gw_msg_parse: header-only message, owns the fd");
	gw_msg_clear(&rmsg);
	ok(pipe_eof(p[0]), "gw_msg_clear closes the parsed fd");
	close(p[0]);
}

static void
test_build(void)
{
	uint8_t		*big, *out = NULL;
	size_t		 out_len = 0;
	size_t		 max = GW_MSG_MAX - sizeof(struct frame_hdr);
	char		*s;
	const char	*strs[2];
	struct frame_hdr	 hdr;
	int		 sv[2], r, e;

	if ((big = calloc(1, GW_MSG_MAX + 1)) == NULL ||
	    (s = malloc(GW_MSG_MAX + 1)) == NULL)
		bail("malloc");

	r = gw_msg_build(GW_MSG_HELLO, 0, big, GW_MSG_MAX, NULL, 0, &out,
	    &out_len);
	e = errno;
	ok(r == -1 && e == EMSGSIZE && out == NULL && out_len == 0,
	    "gw_msg_build: payload of GW_MSG_MAX bytes, EMSGSIZE");
	r = gw_msg_build(GW_MSG_HELLO, 0, big, max + 1, NULL, 0, &out,
	    &out_len);
	e = errno;
	ok(r == -1 && e == EMSGSIZE && out == NULL,
	    "gw_msg_build: one byte over the limit, EMSGSIZE");

	/* The string's NUL is what tips it over. */
	memset(s, 'a', max);
	s[max] = '\0';
	strs[0] = s;
	r = gw_msg_build(GW_MSG_SANDBOX_ARG, 0, NULL, 0, strs, 1, &out,
	    &out_len);
	e = errno;
	ok(r == -1 && e == EMSGSIZE && out == NULL,
	    "gw_msg_build: string plus NUL one byte over, EMSGSIZE");
	s[max / 2] = '\0';
	strs[1] = s;
	r = gw_msg_build(GW_MSG_ERROR, 0, big, 4, strs, 2, &out, &out_len);
	e = errno;
	ok(r == -1 && e == EMSGSIZE && out == NULL,
	    "gw_msg_build: payload plus two strings over, EMSGSIZE");

	mkpair(sv);
	memset(s, 'a', max);
	s[max] = '\0';
	r = gw_msg_send(sv[C], GW_MSG_SANDBOX_ARG, 0, NULL, 0, strs, 1, -1);
	e = errno;
	ok(r == -1 && e == EMSGSIZE &&
	    recv(sv[D], big, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	    "gw_msg_send: too big, EMSGSIZE and nothing sent");

	/* Exactly GW_MSG_MAX bytes: the largest message goes through. */
	s[max - 1] = '\0';
	r = gw_msg_build(GW_MSG_SANDBOX_ARG, 9, NULL, 0, strs, 1, &out,
	    &out_len);
	ok(r == 0 && out != NULL && out_len == GW_MSG_MAX,
	    "gw_msg_build: a message of exactly GW_MSG_MAX bytes");
	if (out != NULL) {
		memcpy(&hdr, out, sizeof(hdr));
		ok(hdr.type == GW_MSG_SANDBOX_ARG && hdr.len == max &&
		    hdr.id == 9 && hdr.reserved == 0 &&
		    memcmp(out + sizeof(hdr), s, max) == 0,
		    "gw_msg_build: header and string laid out in order");
		ok(gw_msg_sendbuf(sv[C], out, out_len, -1) == 0,
		    "gw_msg_sendbuf: GW_MSG_MAX bytes");
		free(out);
	} else {
		ok(0, "gw_msg_build: header and string laid out in order");
		ok(0, "gw_msg_sendbuf: GW_MSG_MAX bytes");
	}
	r = gw_msg_recv(sv[D], &rmsg);
	ok(r == 1 && gw_msg_validate(&rmsg, GW_DIR_TO_DAEMON) == 0 &&
	    rmsg.nstr == 1 && strlen(rmsg.str[0]) == max - 1,
	    "GW_MSG_MAX bytes: received and valid");
	gw_msg_clear(&rmsg);
	closepair(sv);
	free(s);
	free(big);
}

static void
test_typename(void)
{
	size_t	i;
	int	same = 1;

	for (i = 0; i < nitems(types); i++)
		if (strcmp(gw_msg_typename(types[i].type), types[i].name) != 0)
			same = 0;
	ok(same, "gw_msg_typename: all %zu known types", nitems(types));
	ok(strcmp(gw_msg_typename(GW_MSG_SANDBOX_FD), "SANDBOX_FD") == 0,
	    "gw_msg_typename(103) is SANDBOX_FD");
	ok(strcmp(gw_msg_typename(0), "UNKNOWN") == 0,
	    "gw_msg_typename(0) is UNKNOWN");
	ok(strcmp(gw_msg_typename(5), "UNKNOWN") == 0,
	    "gw_msg_typename(5) is UNKNOWN");
	ok(strcmp(gw_msg_typename(299), "UNKNOWN") == 0,
	    "gw_msg_typename(299) is UNKNOWN");
	ok(strcmp(gw_msg_typename(0xffffffff), "UNKNOWN") == 0,
	    "gw_msg_typename(0xffffffff) is UNKNOWN");
}

int
main(void)
{
	if (access("/proc/self/fd", R_OK) == -1)
		skip_all("no /proc/self/fd to count open fds");
	plan(426);
	test_roundtrips();
	test_fd_passing();
	test_bad_framing();
	test_empty_datagram();
	test_eof();
	test_after_bad();
	test_passcred();
	test_bad_validate();
	test_parse();
	test_build();
	test_typename();
	return (done_testing());
}
