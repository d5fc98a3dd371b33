/*
 * gw exec -p: the host side of inbound ports. greywalld binds each port
 * the client asks for on 127.0.0.1 itself, before anything of the
 * sandbox runs, so a refused or busy port is an error and nothing starts.
 * The netstack helper gets the listening sockets. For each host
 * connection it asks for the other end, a socket greywalld makes in the
 * sandbox's network namespace, connecting to the sandbox's 127.0.0.1 at
 * that port, and splices the two (netstack/net-inbound.c): kernel TCP
 * on both sides, no lwIP in between. Loopback only: nothing in a sandbox
 * is ever reachable from another machine.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if_tun.h>

#include <netinet/in.h>

#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "greywalld.h"

#define PORT_START_PATH	"/proc/sys/net/ipv4/ip_unprivileged_port_start"

static int	host_netns = -1;	/* greywalld's own, to come back to */

/* The lowest port an unprivileged user may bind on the host. */
static unsigned int
unprivileged_start(void)
{
	_cleanup_close_ int	 fd = -1;
	char			 buf[16], *end;
	unsigned long		 v;
	ssize_t			 n;

	if ((fd = open(PORT_START_PATH, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return (1024);
	buf[n] = '\0';
	v = strtoul(buf, &end, 10);
	if (end == buf || (*end != '\n' && *end != '\0') || v > 65536)
		return (1024);
	return (v);
}

static int
port_allowed(const struct policy_entry *e, uint16_t port)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].num == port)
			return (1);
	return (0);
}

/* "3000, 8080" or "none", for the refusal. */
static void
port_list(const struct policy_entry *e, char *buf, size_t len)
{
	size_t	i, off = 0;
	int	w;

	snprintf(buf, len, "none");
	for (i = 0; i < e->n && off < len; i++) {
		w = snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		    e->v[i].str);
		if (w < 0)
			break;
		off += w;
	}
}

/* A listening socket on 127.0.0.1:port, or -1 with errno. */
static int
inbound_listen(uint16_t port)
{
	struct sockaddr_in	 sin;
	_cleanup_close_ int	 fd = -1;
	int			 one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	/*
	 * Connections of an earlier run in TIME_WAIT must not keep the port;
	 * a socket listening there still does (Linux checks at listen()).
	 * Never SO_REUSEPORT: that would share a port another process holds.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, SOMAXCONN) == -1)
		return (-1);
	return (TAKE_FD(fd));
}

/* Compose an error for the client; sandbox.c sends it. */
static void __attribute__((format(printf, 3, 4)))
inbound_err(struct client_err *e, uint32_t code, const char *fmt, ...)
{
	va_list	ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

/*
 * Check each port of the request against the policy and bind it; fds[i]
 * gets the socket of r->ports[i]. Returns -1 (with
 * every fd closed) if any port is refused or cannot be bound, with the
 * client's error in *err (the caller sends it through control.c).
 */
int
sandbox_inbound_bind(uid_t uid, const struct policy *pol, int has_net,
    const struct request *r, int *fds, struct client_err *err)
{
	const struct policy_entry	*e = &pol->e[PK_NET_INBOUND_PORTS];
	unsigned int			 start;
	uint32_t			 i;
	uint16_t			 port;
	char				 list[256];

	for (i = 0; i < r->nports; i++)
		fds[i] = -1;
	if (r->nports == 0)
		return (0);
	if (!has_net) {
		inbound_err(err, GW_ERR_DENIED, "gw exec -p: the sandbox"
		    " has no network (network.upstream is 'none', or"
		    " --no-network), so no port of it can be reached");
		return (-1);
	}
	start = unprivileged_start();
	for (i = 0; i < r->nports; i++) {
		port = r->ports[i];
		if (!port_allowed(e, port)) {
			port_list(e, list, sizeof(list));
			log_info("uid %u: inbound port %u refused: not in"
			    " network.inbound.allow_ports",
			    (unsigned)uid, port);
			inbound_err(err, GW_ERR_DENIED, "port %u is not in"
			    " network.inbound.allow_ports (allowed: %s); not"
			    " started", port, list);
			return (-1);
		}
		if (port < start) {
			log_info("uid %u: inbound port %u refused: privileged",
			    (unsigned)uid, port);
			inbound_err(err, GW_ERR_DENIED, "port %u is a"
			    " privileged port on this host (below %u,"
			    " net.ipv4.ip_unprivileged_port_start): gw exec -p"
			    " binds only ports any user could; not started",
			    port, start);
			return (-1);
		}
	}
	for (i = 0; i < r->nports; i++) {
		port = r->ports[i];
		if ((fds[i] = inbound_listen(port)) != -1)
			continue;
		if (errno == EADDRINUSE)
			inbound_err(err, GW_ERR_SETUP, "port %u:"
			    " 127.0.0.1:%u is already in use on the host; not"
			    " started", port, port);
		else {
			log_warn("uid %u: cannot listen on 127.0.0.1:%u",
			    (unsigned)uid, port);
			inbound_err(err, GW_ERR_SETUP, "port %u: cannot"
			    " listen on 127.0.0.1:%u: %s; not started", port,
			    port, strerror(errno));
		}
		while (i-- > 0) {
			close(fds[i]);
			fds[i] = -1;
		}
		return (-1);
	}
	return (0);
}

/*
 * The sandbox's end of a host connection to its port: a TCP socket made
 * in its network namespace (greywalld steps in for the one call, and
 * back), connecting to the sandbox's 127.0.0.1 at port. Only a port the
 * sandbox was started with, while it is open: the helper asking is not
 * trusted with more. Returns the socket (connected or connecting,
 * non-blocking) or -1; nothing listening is ECONNREFUSED here or later.
 */
int
sandbox_inbound_connect(struct sandbox *sb, uint32_t port)
{
	_cleanup_close_ int	 s = -1;
	struct sockaddr_in	 sin;
	size_t			 i;
	int			 saved_errno;

	for (i = 0; i < sb->ninbound; i++)
		if (sb->inbound_fd[i] >= 0 && sb->inbound_port[i] == port)
			break;
	if (i == sb->ninbound || sb->net == NULL || sb->tunfd < 0) {
		errno = ENOENT;
		return (-1);
	}
	if (host_netns == -1 && (host_netns = open("/proc/self/ns/net",
	    O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	/*
	 * The namespace its TUN device is in: the sandbox's, prepared or
	 * made by init (nothing in it may move the device elsewhere).
	 */
	if (sb->netnsfd == -1 &&
	    (sb->netnsfd = ioctl(sb->tunfd, TUNGETDEVNETNS)) == -1)
		return (-1);
	if (setns(sb->netnsfd, CLONE_NEWNET) == -1)
		return (-1);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	saved_errno = errno;
	/* Anything else would leave every later socket in the sandbox. */
	if (setns(host_netns, CLONE_NEWNET) == -1)
		fatal("cannot return to the host's network namespace");
	if (s == -1) {
		errno = saved_errno;
		return (-1);
	}
	/*
	 * Its loopback: a server on 127.0.0.1 or on all addresses answers,
	 * and sees the connection come from 127.0.0.1, as it would on the
	 * host for a connection to the host's 127.0.0.1:port.
	 */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		return (-1);
	return (TAKE_FD(s));
}

/*
 * Stop listening now, not when the helper gets to its DETACH: shutdown()
 * takes the port down for every process holding the socket, so the host
 * port is closed before gw hears that the sandbox ended.
 */
void
sandbox_inbound_close(struct sandbox *sb)
{
	size_t	i;

	for (i = 0; i < sb->ninbound; i++) {
		if (sb->inbound_fd[i] < 0)
			continue;
		(void)shutdown(sb->inbound_fd[i], SHUT_RDWR);
		close(sb->inbound_fd[i]);
		sb->inbound_fd[i] = -1;
	}
	sb->ninbound = 0;
	if (sb->netnsfd >= 0)
		close(sb->netnsfd);
	sb->netnsfd = -1;
}
