/*
 * The greywall wire protocol: the contract between greywalld, gw and gwctl.
 *
 * AF_UNIX SOCK_SEQPACKET, one message per sendmsg()/recvmsg(), at most one
 * fd per message (SCM_RIGHTS). Every message is a struct frame_hdr (the
 * framing every channel shares, frame.c) followed by hdr.len bytes of
 * payload: a fixed-size struct, then, for some types, a
 * fixed number of NUL-terminated strings. Integers are fixed-width in host
 * byte order (both ends are on the same machine).
 *
 * Bump GW_PROTO_VERSION whenever a message type or payload changes. The
 * daemon answers a HELLO with another version with GW_MSG_VERSION and
 * closes the connection.
 */
#ifndef GW_PROTOCOL_H
#define GW_PROTOCOL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define GW_PROTO_VERSION	10

#define GW_SOCKET_PATH		"/run/greywall/greywall.sock"

/* One string, argv element or environment entry (MAX_ARG_STRLEN). */
#define GW_STR_MAX		(128 * 1024)
#define GW_MSG_MAX		(sizeof(struct frame_hdr) + 64 + GW_STR_MAX)

/* Per session: argv and environment together. */
#define GW_ARGC_MAX		16384
#define GW_ENVC_MAX		16384
#define GW_ARGS_BYTES_MAX	(4 * 1024 * 1024)

/* Error text in GW_MSG_ERROR, and strings in list entries. */
#define GW_TEXT_MAX		4096

enum gw_msgtype {
	GW_MSG_HELLO = 1,		/* c->d: struct gw_hello */
	GW_MSG_VERSION,			/* d->c: struct gw_version, then close */
	GW_MSG_OK,			/* d->c: no payload */
	GW_MSG_ERROR,			/* d->c: struct gw_error, 1 string */

	GW_MSG_SANDBOX_OPEN = 100,	/* c->d: struct gw_sandbox_open */
	GW_MSG_SANDBOX_ARG,		/* c->d: 1 string, argv in order */
	GW_MSG_SANDBOX_ENV,		/* c->d: 1 string, "NAME=value" */
	GW_MSG_SANDBOX_FD,		/* c->d: struct gw_sandbox_fd + 1 fd */
	GW_MSG_SANDBOX_START,		/* c->d: no payload */
	GW_MSG_SANDBOX_STARTED,		/* d->c: struct gw_sandbox_started */
	GW_MSG_SANDBOX_SIGNAL,		/* c->d: struct gw_signal; SIGKILL
					   kills the whole sandbox */
	GW_MSG_SANDBOX_EXITED,		/* d->c: struct gw_sandbox_exited */
	GW_MSG_SANDBOX_POLICY,		/* c->d: 2 strings: file name, YAML */
	GW_MSG_SANDBOX_PTY,		/* d->c: no payload, 1 fd: pty master */
	GW_MSG_SANDBOX_PORT,		/* c->d: struct gw_sandbox_port */
	GW_MSG_SANDBOX_DEBUG,		/* d->c: 1 string, a line for gw -d */
	GW_MSG_SANDBOX_REVIEW,		/* d->c: 1 string, the review's id
					   (gw exec --review), before
					   SANDBOX_STARTED */

	GW_MSG_POLICY_SHOW = 200,	/* c->d: 1 string: user ("" = self) */
	GW_MSG_POLICY_TEXT,		/* d->c: 1 string, part of the text;
					   after RELOAD one warning */
	GW_MSG_POLICY_JSON,		/* c->d: 1 string: user ("" = self);
					   the policy as JSON (gw(1)) */

	GW_MSG_ADMIN_LIST = 300,	/* c->d: no payload */
	GW_MSG_ADMIN_LIST_ENTRY,	/* d->c: struct gw_sandbox_info, 3 strings */
	GW_MSG_ADMIN_LIST_END,		/* d->c: no payload */
	GW_MSG_ADMIN_KILL,		/* c->d: struct gw_sandbox_id */
	GW_MSG_ADMIN_RELOAD,		/* c->d: no payload */

	GW_MSG_EVENT = 400,		/* d->c: struct gw_event, 6 strings */
	GW_MSG_EVENTS_DROPPED,		/* d->c: struct gw_events_dropped */
	GW_MSG_MONITOR,			/* c->d: struct gw_monitor (admin) */
	GW_MSG_STATUS,			/* c->d: no payload; from gwctl an
					   admin's, from gw the user's view */
	GW_MSG_STATUS_ITEM,		/* d->c: struct gw_status_item, 2 strings */
	GW_MSG_ADMIN_LIST_STATS,	/* d->c: struct gw_sandbox_stats, 1 string */
	GW_MSG_ADMIN_KILL_USER,		/* c->d: struct gw_kill_user; answered
					   with an ADMIN_LIST_ENTRY per sandbox
					   killed, then ADMIN_LIST_END */

	GW_MSG_WHY = 500,		/* c->d: struct gw_why, 4 strings */
	GW_MSG_WHY_ANSWER,		/* d->c: struct gw_why_answer, 1 string */
};

/*
 * The header of every channel's frames (frame.c): the client protocol,
 * the helper channel and init's status socket. type is the channel's own
 * numbering (enum gw_msgtype, nsmsg_type, init_msg_type).
 */
struct frame_hdr {
	uint32_t	type;		/* the channel's message type */
	uint32_t	len;		/* payload bytes after this header */
	uint32_t	id;		/* sandbox id where it applies, else 0 */
	uint32_t	reserved;	/* must be 0 */
};
_Static_assert(sizeof(struct frame_hdr) == 16, "frame_hdr size");

enum gw_client_kind {
	GW_CLIENT_GW = 1,
	GW_CLIENT_CTL = 2,
};

struct gw_hello {
	uint32_t	version;	/* GW_PROTO_VERSION */
	uint32_t	kind;		/* enum gw_client_kind */
};
_Static_assert(sizeof(struct gw_hello) == 8, "gw_hello size");

struct gw_version {
	uint32_t	version;	/* the daemon's GW_PROTO_VERSION */
};
_Static_assert(sizeof(struct gw_version) == 4, "gw_version size");

enum gw_errcode {
	GW_ERR_PROTOCOL = 1,		/* malformed or unexpected message */
	GW_ERR_DENIED,			/* not allowed for this peer */
	GW_ERR_LIMIT,			/* per-uid quota reached */
	GW_ERR_SETUP,			/* a sandbox setup step failed */
	GW_ERR_NOTFOUND,		/* no such sandbox */
	GW_ERR_INTERNAL,
};

struct gw_error {
	uint32_t	code;		/* enum gw_errcode */
};	/* followed by a message string */
_Static_assert(sizeof(struct gw_error) == 4, "gw_error size");

/* gw exec flags: narrowing requests the daemon applies to the policy. */
#define GW_OPEN_NO_NETWORK	0x1	/* network.upstream: none */
#define GW_OPEN_CWD_RO		0x2	/* filesystem.cwd: ro */
#define GW_OPEN_PTY		0x4	/* stdio roles not sent get a pty */
#define GW_OPEN_PTY_UTF8	0x8	/* set IUTF8 on it, as gw's terminal */
#define GW_OPEN_EVENTS		0x10	/* stream GW_MSG_EVENT (gw -m) */
#define GW_OPEN_DEBUG		0x20	/* send GW_MSG_SANDBOX_DEBUG (gw -d) */
#define GW_OPEN_REVIEW		0x40	/* filesystem.review: true */
#define GW_OPEN_FLAGS		(GW_OPEN_NO_NETWORK | GW_OPEN_CWD_RO | \
				    GW_OPEN_PTY | GW_OPEN_PTY_UTF8 | \
				    GW_OPEN_EVENTS | GW_OPEN_DEBUG | \
				    GW_OPEN_REVIEW)

/* A review's id: this many lowercase hex digits. */
#define GW_REVIEW_ID_LEN	12

/* A client policy overlay, at most this big. */
#define GW_POLICY_MAX		(64 * 1024)

struct gw_sandbox_open {
	uint32_t	flags;		/* GW_OPEN_* */
	uint32_t	argc;		/* GW_MSG_SANDBOX_ARG messages to follow */
	uint32_t	envc;		/* GW_MSG_SANDBOX_ENV messages to follow */
	uint32_t	umask;		/* the client's, at most 0777 */
	/* With GW_OPEN_PTY, the terminal's size; else all 0. */
	uint16_t	ws_row;
	uint16_t	ws_col;
	uint16_t	ws_xpixel;
	uint16_t	ws_ypixel;
};
_Static_assert(sizeof(struct gw_sandbox_open) == 24, "gw_sandbox_open size");

/*
 * The stdio roles and the working directory, each sent once with
 * GW_MSG_SANDBOX_FD. With GW_OPEN_PTY the stdio roles that are on a
 * terminal are not sent: the command gets the sandbox's pty there, and
 * the daemon answers with GW_MSG_SANDBOX_PTY carrying its master. A stdio
 * fd that is a terminal, a directory or O_PATH is refused in any case.
 */
enum gw_fd_role {
	GW_FD_STDIN = 0,
	GW_FD_STDOUT,
	GW_FD_STDERR,
	GW_FD_CWD,			/* O_PATH|O_DIRECTORY */
	GW_FD_ROLE_MAX
};

struct gw_sandbox_fd {
	uint32_t	role;		/* enum gw_fd_role */
};
_Static_assert(sizeof(struct gw_sandbox_fd) == 4, "gw_sandbox_fd size");

/*
 * gw exec -p: a TCP port of the sandbox to make reachable from the host,
 * on 127.0.0.1 only, at the same port. Each port once, at most
 * GW_PORTS_MAX of them, before GW_MSG_SANDBOX_START; the policy's
 * network.inbound.allow_ports must list it.
 */
#define GW_PORTS_MAX		16

struct gw_sandbox_port {
	uint32_t	port;		/* 1..65535 */
};
_Static_assert(sizeof(struct gw_sandbox_port) == 4, "gw_sandbox_port size");

/* A protection layer the sandbox runs without (the policy allowed it). */
#define GW_STARTED_NO_LANDLOCK	0x1
/* Events were asked for, but monitor.stream_to_client is false. */
#define GW_STARTED_NO_EVENTS	0x2

struct gw_sandbox_started {
	uint32_t	id;		/* sandbox id, as gwctl shows it */
	uint32_t	pid;		/* host pid of the sandbox's init */
	uint32_t	flags;		/* GW_STARTED_* */
};
_Static_assert(sizeof(struct gw_sandbox_started) == 12,
    "gw_sandbox_started size");

struct gw_signal {
	uint32_t	signo;
};
_Static_assert(sizeof(struct gw_signal) == 4, "gw_signal size");

enum gw_exit_how {
	GW_EXIT_CODE = 1,		/* code is the exit status */
	GW_EXIT_SIGNAL,			/* code is the signal number */
	GW_EXIT_EXEC,			/* exec failed, code is the errno */
	GW_EXIT_WALL_TIME,		/* killed after limits.wall_time;
					   code: the limit in seconds */
	GW_EXIT_MEMORY,			/* OOM kill under limits.memory;
					   code: the signal */
};

struct gw_sandbox_exited {
	uint32_t	how;		/* enum gw_exit_how */
	int32_t		code;
};
_Static_assert(sizeof(struct gw_sandbox_exited) == 8,
    "gw_sandbox_exited size");

struct gw_sandbox_info {
	uint32_t	id;
	uint32_t	uid;
	uint32_t	pid;		/* host pid of the sandbox's init */
	uint32_t	tasks;		/* in its cgroup; UINT32_MAX:
					   unknown */
	int64_t		start_time;	/* seconds since the epoch */
	uint64_t	memory;		/* bytes charged to its cgroup,
					   UINT64_MAX: unknown */
};	/* followed by 3 strings: user name, command line, cwd */
_Static_assert(sizeof(struct gw_sandbox_info) == 32, "gw_sandbox_info size");

struct gw_sandbox_id {
	uint32_t	id;
};
_Static_assert(sizeof(struct gw_sandbox_id) == 4, "gw_sandbox_id size");

/*
 * Violation events: what a sandbox was denied, by which rule. Sent to the
 * gw that started the sandbox (GW_OPEN_EVENTS) and to gwctl monitor.
 */
enum gw_event_kind {
	GW_EV_DNS = 1,			/* a name denied at resolution */
	GW_EV_CONNECT,			/* a connection denied by the rules */
	GW_EV_UPSTREAM,			/* the SOCKS5 proxy refused or is down */
	GW_EV_UDP,			/* UDP other than DNS: unreachable */
	GW_EV_ICMP,			/* ICMP: dropped */
	GW_EV_FS,			/* a path denied (Landlock) */
	GW_EV_SYSCALL,			/* a system call denied (seccomp) */
	GW_EV_COMMAND,			/* the command guard refused argv */
	GW_EV_KIND_MAX = GW_EV_COMMAND,
};

/* Each string of an event is at most this long, NUL included. */
#define GW_EVENT_STR_MAX	1024

struct gw_event {
	uint32_t	kind;		/* enum gw_event_kind */
	uint32_t	sandbox;	/* sandbox id */
	uint32_t	uid;		/* the sandbox's user */
	uint32_t	pid;		/* host pid, 0 if not known */
	int64_t		time_ms;	/* milliseconds since the epoch */
	uint64_t	seq;		/* per sandbox, from 1 */
};	/* then 6 strings: command name, action, target, rule key, rule
	   file ("" if none), note ("" if none) */
_Static_assert(sizeof(struct gw_event) == 32, "gw_event size");

/* Events this subscriber missed because it read too slowly. */
struct gw_events_dropped {
	uint32_t	reserved;
	uint32_t	count;
};
_Static_assert(sizeof(struct gw_events_dropped) == 8,
    "gw_events_dropped size");

/* gwctl monitor: follow every sandbox's events, or one user's. */
#define GW_MONITOR_UID		0x1	/* only sandboxes of uid */

struct gw_monitor {
	uint32_t	flags;		/* GW_MONITOR_* */
	uint32_t	uid;
};
_Static_assert(sizeof(struct gw_monitor) == 8, "gw_monitor size");

/* One line of gwctl status / gw doctor; GW_MSG_OK ends the list. */
enum gw_status_level {
	GW_STATUS_OK = 0,
	GW_STATUS_INFO,			/* worth knowing, not a problem */
	GW_STATUS_WARN,			/* degraded, sandboxes still run */
	GW_STATUS_FAIL,			/* a required layer is missing */
};

struct gw_status_item {
	uint32_t	level;		/* enum gw_status_level */
};	/* then 2 strings: name, value */
_Static_assert(sizeof(struct gw_status_item) == 4, "gw_status_item size");

/* gwctl kill --user: every sandbox of uid. */
struct gw_kill_user {
	uint32_t	uid;
	uint32_t	reserved;	/* must be 0 */
};
_Static_assert(sizeof(struct gw_kill_user) == 8, "gw_kill_user size");

/* Follows each GW_MSG_ADMIN_LIST_ENTRY of the same id. */
struct gw_sandbox_stats {
	uint32_t	id;
	uint32_t	reserved;
	uint64_t	events;		/* violation events so far */
	uint64_t	bytes_out;	/* sent by the sandbox, via the netstack */
	uint64_t	bytes_in;
};	/* then 1 string: the policy files that apply, space-separated */
_Static_assert(sizeof(struct gw_sandbox_stats) == 32,
    "gw_sandbox_stats size");

/*
 * gw why: whether the caller's policy allows a path, a destination or
 * what an event of the caller's was denied, which rule and file:line
 * decide, and the YAML that would change it. The strings: the question
 * (an event id "SANDBOX.SEQ", a path, or HOST[:PORT]), the client's
 * working directory (for relative paths and filesystem.cwd; only ever
 * compared as text, never opened), and an optional overlay as with
 * gw exec --policy: its file name and YAML ("" and "" for none).
 */
#define GW_WHY_WRITE		0x1	/* the question is about writing */
#define GW_WHY_FLAGS		GW_WHY_WRITE

struct gw_why {
	uint32_t	flags;		/* GW_WHY_* */
	uint32_t	reserved;	/* must be 0 */
};
_Static_assert(sizeof(struct gw_why) == 8, "gw_why size");

enum gw_why_verdict {
	GW_WHY_ALLOWED = 0,
	GW_WHY_DENIED = 1,
};

struct gw_why_answer {
	uint32_t	verdict;	/* enum gw_why_verdict */
	uint32_t	reserved;
};	/* then 1 string: the explanation, lines ending in '\n' */
_Static_assert(sizeof(struct gw_why_answer) == 8, "gw_why_answer size");

/*
 * Framing, fd passing and validation (msg.c). Does not log: every
 * function returns -1 with errno set (EPROTO for a malformed message) and
 * the caller decides what to say.
 */
#define GW_MSG_NSTR_MAX	6

/* Which side a message type may travel to. */
enum gw_msgdir {
	GW_DIR_TO_DAEMON = 1,
	GW_DIR_TO_CLIENT = 2,
};

struct gw_msg {
	struct frame_hdr	 hdr;
	uint8_t		*data;		/* payload, hdr.len bytes, in buf */
	int		 fd;		/* received fd or -1 */
	size_t		 nstr;
	const char	*str[GW_MSG_NSTR_MAX];	/* set by gw_msg_validate */
	uint8_t		 buf[GW_MSG_MAX];
};

void	 gw_msg_init(struct gw_msg *);
void	 gw_msg_clear(struct gw_msg *);
int	 gw_msg_recv(int, struct gw_msg *);
int	 gw_msg_parse(struct gw_msg *, size_t, int);
int	 gw_msg_validate(struct gw_msg *, enum gw_msgdir);
int	 gw_msg_build(uint32_t, uint32_t, const void *, size_t,
	    const char *const *, size_t, uint8_t **, size_t *);
int	 gw_msg_sendbuf(int, const uint8_t *, size_t, int);

/* One built message (gw_msg_build) of a batch, with an fd or -1. */
struct gw_msg_out {
	uint8_t	*buf;
	size_t	 len;
	int	 fd;
};
int	 gw_msg_send_batch(int, const struct gw_msg_out *, size_t);
int	 gw_msg_send(int, uint32_t, uint32_t, const void *, size_t,
	    const char *const *, size_t, int);
const char *gw_msg_typename(uint32_t);
const char *gw_event_kindname(uint32_t);


/*
 * greywalld <-> netstack helper: the address plan both sides share, and
 * the messages on their socketpair. Internal: not part of the client
 * wire, so GW_PROTOCOL_VERSION does not cover it.
 */
/*
 * The sandbox network. Each sandbox with network gets one TUN device,
 * NET_TUN_NAME, with an address unique to its slot (1..NET_SLOTS) so that
 * one lwIP stack can route replies to many sandboxes. The resolver and
 * the host loopback alias are in the fake-IP infrastructure range below.
 */
#define SANDBOX_HOSTNAME	"greywall"
/* Inside a sandbox with network: the host's loopback (host_loopback). */
#define SANDBOX_HOST_NAME	"host.greywall.internal"
#define NET_TUN_NAME		"gw0"
#define NET_TUN_MTU		1500
#define NET_SLOTS		254	/* lwIP numbers netifs with a u8 */
#define NET_SANDBOX4_BASE	0x0a590000U	/* 10.89.0.SLOT/32 */
#define NET_SANDBOX4_MASK	0xffff0000U
/* fd67:7779:6600::/48; a sandbox is fd67:7779:6600:SLOT::2/128. */
#define NET_SANDBOX6_PREFIX	{ 0xfd, 0x67, 0x77, 0x79, 0x66, 0x00 }


/*
 * The fake-IP infrastructure: the first 256 addresses of the netstack's
 * synthetic ranges (198.18.0.0/24 and fd67:7779:6661::/120) are never
 * given to a name. Pool slots start above them (netstack/net-fakeip.c).
 */
#define FAKEIP_INFRA4_NET	0xc6120000u	/* 198.18.0.0/24 */
#define FAKEIP_INFRA6_NET	{ 0xfd, 0x67, 0x77, 0x79, 0x66, 0x61, \
				  0, 0, 0, 0, 0, 0 }	/* fd67:7779:6661::/96 */
enum fakeip_infra {
	FAKEIP_SANDBOX = 1,	/* the sandbox's own TUN address */
	FAKEIP_HOST = 2,	/* the host loopback alias (allow_ports) */
	FAKEIP_RESOLVER = 53,	/* the resolver in resolv.conf */
};

/* Messages between greywalld and its netstack helper. */
enum nsmsg_type {
	NSMSG_ATTACH = 1,	/* a sandbox's TUN fd and network settings */
	NSMSG_DETACH,		/* the sandbox is gone */
	NSMSG_EVENT,		/* helper->main: struct nsevent */
	NSMSG_COUNTERS,		/* helper->main: struct nscounters */
	NSMSG_LISTEN,		/* a listening socket for an inbound port */
	NSMSG_HOSTADDRS,	/* the host's interface addresses: nstr of
				   struct hostaddr follow */
	NSMSG_HOSTS,		/* the host's hosts file, as the fd (or none) */
	NSMSG_RESOLV,		/* the host's resolv.conf, as the fd (or none) */
	NSMSG_INBOUND,		/* helper->main: struct nsinbound, a host
				   connection came to an inbound port;
				   main->helper: a socket of the sandbox's
				   network namespace connecting to the
				   sandbox's address at that port (none if
				   refused) */
};

/*
 * A denial seen by the netstack. The helper is untrusted: greywalld
 * checks the size, the kind, that every string ends inside its array
 * and that the sandbox exists (nsmsg.c, then daemon/netstack.c).
 */
struct nsevent {
	uint32_t	type;		/* NSMSG_EVENT */
	uint32_t	id;		/* sandbox id */
	uint32_t	kind;		/* GW_EV_DNS .. GW_EV_ICMP */
	uint32_t	dropped;	/* this sandbox's events not sent before */
	char		target[272];	/* name, host:port */
	char		rule[272];	/* pattern that matched, or "default" */
	char		note[128];	/* why, for upstream failures */
};

/* Bytes relayed for a sandbox, sent about once a second while it moves. */
struct nscounters {
	uint32_t	type;		/* NSMSG_COUNTERS */
	uint32_t	id;
	uint32_t	reserved;
	uint32_t	dropped;	/* events the helper could not send */
	uint64_t	bytes_out;	/* from the sandbox to the proxy */
	uint64_t	bytes_in;
};

/* A host connection to the sandbox's port wants its other end. */
struct nsinbound {
	uint32_t	type;		/* NSMSG_INBOUND */
	uint32_t	id;
	uint32_t	port;		/* 1 to 65535 */
	uint32_t	reserved;	/* 0: where nsevent counts drops */
};

union nsmsg_in {
	struct nsevent		ev;
	struct nscounters	cnt;
	struct nsinbound	in;
};

#define NS_IPV6			0x01	/* the sandbox has IPv6 */
#define NS_DNS_UPSTREAM		0x02	/* forward DNS, no fake IPs */

/*
 * NSMSG_ATTACH is this header, then nstr NUL-terminated strings, each
 * prefixed by a letter: 'A' allowed domain pattern, 'D' denied one, 'C'
 * allowed CIDR, 'P' host loopback port.
 */
struct nsmsg {
	uint32_t	type;
	uint32_t	id;		/* sandbox id */
	uint32_t	slot;
	uint32_t	flags;		/* NS_* */
	uint32_t	uid;
	uint32_t	nstr;
	uint32_t	port;		/* NSMSG_LISTEN: the fd's port */
	struct sockaddr_storage upstream;	/* SOCKS5 proxy */
	struct sockaddr_storage dns;		/* NS_DNS_UPSTREAM resolver */
	char		user[256];	/* SOCKS5 username: user/id/command */
};
#define NSMSG_MAX		65536

/*
 * NSMSG_HOSTADDRS: the header with nstr = count, then nstr of these. The
 * helper checks the length is exactly sizeof(struct nsmsg) + nstr * 20.
 */
struct hostaddr {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		reserved[3];
	uint8_t		addr[16];	/* AF_INET: the first 4 bytes */
};
#define HOSTADDR_MAX		2048	/* interface addresses sent */

/* net-addr.c: the address plan, pure */
void		 net_addr_sandbox4(int, struct in_addr *);
void		 net_addr_sandbox6(int, struct in6_addr *);
void		 net_addr_fakeip_infra(enum fakeip_infra, int, void *);

/*
 * net-socks5.c: SOCKS5 client messages, pure. The upstream's protocol,
 * spoken by the helper for every flow and by greywalld's upstream check.
 */
#define SOCKS5_METHOD_NONE	0x00
#define SOCKS5_METHOD_USERPASS	0x02
#define SOCKS5_METHOD_REFUSED	0xff
size_t		 socks5_greeting(uint8_t *);
int		 socks5_method(const uint8_t *);
ssize_t		 socks5_auth(uint8_t *, size_t, const char *, const char *);
int		 socks5_auth_status(const uint8_t *);
ssize_t		 socks5_connect(uint8_t *, size_t, const char *, int,
		    const void *, uint16_t);
ssize_t		 socks5_reply_len(const uint8_t *);
int		 socks5_reply_code(const uint8_t *, size_t);
const char	*socks5_strerror(int);

/* frame.c: the one framing and its send/recv pair */
int		 frame_parse(const void *, size_t, struct frame_hdr *);
int		 frame_send(int, uint32_t, uint32_t, const void *, size_t, int,
		    int);
int		 frame_recv(int, void *, size_t, struct frame_hdr *, int *,
		    int);

/* nsmsg.c: what greywalld accepts from the helper; pure */
int		 nsmsg_in_parse(const struct frame_hdr *, const void *,
		    union nsmsg_in *);

#endif /* GW_PROTOCOL_H */
