/*
 * greywalld: the privileged sandbox daemon. One header for the program:
 * structs first, then prototypes grouped by the file that defines them.
 */
#ifndef GREYWALLD_H
#define GREYWALLD_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "gw-protocol.h"
#include "log.h"
#include "msg.h"
#include "util.h"

struct event_base;
struct event;

extern struct event_base	*gw_base;

/* Settings from the command line. */
struct gw_config {
	const char	*socket_path;
	const char	*policy_dir;
	const char	*admin_group;
	gid_t		 admin_gid;
	int		 have_admin_gid;
	unsigned int	 max_conn_per_uid;
	unsigned int	 max_sandboxes_per_uid;
	const char	*net_user;	/* the netstack helper runs as this */
	const char	*hosts_file;	/* the host's, for the name check */
	const char	*resolv_conf;
	int		 audit_mode;	/* enum audit_mode */
};
extern struct gw_config	 gw_conf;

/* Who is on the other end of a connection, as the kernel says. */
struct peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	int		 pidfd;		/* SO_PEERPIDFD, or -1 */
	gid_t		*groups;	/* SO_PEERGROUPS */
	int		 ngroups;
};

/* A gw exec request being assembled from SANDBOX_* messages. */
struct request {
	uint32_t	 argc, envc;
	uint32_t	 nargs, nenv;
	mode_t		 umask;
	uint32_t	 flags;		/* GW_OPEN_* */
	char		*policy_name;	/* client overlay, or NULL */
	char		*policy_text;
	size_t		 bytes;
	char		**argv;		/* NULL-terminated when complete */
	char		**envp;
	int		 fds[GW_FD_ROLE_MAX];
	struct winsize	 winsize;	/* GW_OPEN_PTY */
	uint16_t	 ports[GW_PORTS_MAX];	/* gw exec -p */
	uint32_t	 nports;
};

struct outmsg {
	TAILQ_ENTRY(outmsg)	 entry;
	size_t			 len;
	uint8_t			*buf;
	int			 fd;		/* sent with it, or -1 */
	int			 event;		/* counts in conn.ev_queued */
};
TAILQ_HEAD(outq, outmsg);

enum conn_state {
	CONN_NEW,		/* waiting for HELLO */
	CONN_READY,		/* HELLO done */
	CONN_OPENING,		/* SANDBOX_OPEN seen, collecting */
	CONN_RUNNING,		/* sandbox started */
	CONN_DONE,		/* flushing output, then close */
	CONN_MONITOR,		/* gwctl monitor: events only */
};

struct sandbox;

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_close;
	struct peer		 peer;
	uint32_t		 kind;		/* enum gw_client_kind */
	enum conn_state		 state;
	struct outq		 outq;
	size_t			 outq_bytes;
	struct request		*req;
	struct sandbox		*sb;
	/* Events queued and not yet written; missed since the last drain. */
	uint32_t		 ev_queued;
	uint32_t		 ev_dropped;
	struct gw_monitor	 mon;		/* CONN_MONITOR */
};
TAILQ_HEAD(connlist, conn);

/* What the sandbox's init tells the daemon over its status socket. */
enum init_msgtype {
	INIT_MSG_FAIL = 1,	/* a setup step failed: text says which */
	INIT_MSG_EXITED,	/* the command ended: how, code */
	INIT_MSG_TUN,		/* with the TUN fd, created as root */
	INIT_MSG_PTY,		/* with an fd: the pty master, for gw */
	INIT_MSG_PLACED,	/* daemon to init: in its cgroups, go on */
	INIT_MSG_EVENT,		/* the supervisor refused or saw EROFS */
};

/* INIT_MSG_EVENT: how is the kind, code the action. */
enum init_ev_kind {
	INIT_EV_PROTECTED = 1,	/* a protected name: refused with EPERM */
	INIT_EV_READONLY,	/* read-only in the sandbox: EROFS */
};

enum init_ev_action {
	INIT_EV_CREATE = 1,
	INIT_EV_WRITE,
	INIT_EV_TRUNCATE,
	INIT_EV_RENAME,
	INIT_EV_LINK,
	INIT_EV_ACTION_MAX = INIT_EV_LINK,
};

struct init_msg {
	uint32_t	type;
	uint32_t	how;		/* enum gw_exit_how, init_ev_kind */
	int32_t		code;
	uint32_t	dropped;	/* INIT_MSG_EVENT: not sent before */
	/* INIT_MSG_EVENT: 3 strings, path, command name, sandbox pid. */
	char		text[512];
};

/*
 * The sandbox network. Each sandbox with network gets one TUN device,
 * NET_TUN_NAME, with an address unique to its slot (1..NET_SLOTS) so that
 * one lwIP stack can route replies to many sandboxes. The resolver and
 * the host loopback alias are in the fake-IP infrastructure range (net.h).
 */
#define SANDBOX_HOSTNAME	"greywall"
#define NET_TUN_NAME		"gw0"
#define NET_TUN_MTU		1500
#define NET_SLOTS		254	/* lwIP numbers netifs with a u8 */
#define NET_SANDBOX4_BASE	0x0a590000U	/* 10.89.0.SLOT/32 */
#define NET_SANDBOX4_MASK	0xffff0000U
/* fd67:7779:6600::/48; a sandbox is fd67:7779:6600:SLOT::2/128. */
#define NET_SANDBOX6_PREFIX	{ 0xfd, 0x67, 0x77, 0x79, 0x66, 0x00 }

/* Messages between greywalld and its netstack helper. */
enum nsmsg_type {
	NSMSG_ATTACH = 1,	/* a sandbox's TUN fd and network settings */
	NSMSG_DETACH,		/* the sandbox is gone */
	NSMSG_EVENT,		/* helper->main: struct nsevent */
	NSMSG_COUNTERS,		/* helper->main: struct nscounters */
	NSMSG_LISTEN,		/* a listening socket for an inbound port */
	NSMSG_HOSTADDRS,	/* the host's interface addresses: nstr of
				   struct hostaddr (net.h) follow */
	NSMSG_HOSTS,		/* the host's hosts file, as the fd (or none) */
	NSMSG_RESOLV,		/* the host's resolv.conf, as the fd (or none) */
};

/*
 * A denial seen by the netstack. The helper is untrusted: greywalld
 * checks the size, the kind, that every string ends inside its array
 * and that the sandbox exists (events-parse.c, then netstack.c).
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

union nsmsg_in {
	struct nsevent		ev;
	struct nscounters	cnt;
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

/* filesystem.cwd, in policy_keys[PK_FS_CWD].enums order. */
enum cwd_mode {
	CWD_NONE = 0,
	CWD_RO,
	CWD_RW,
};

/* filesystem.allow_cwd, in policy_keys[PK_FS_ALLOW_CWD].enums order. */
enum allow_cwd {
	ALLOW_CWD_HOME = 0,
	ALLOW_CWD_ROOT,
};

/* network.upstream_check, in its enums order. */
enum upstream_check_mode {
	UPSTREAM_CHECK_REQUIRED = 0,
	UPSTREAM_CHECK_WARN,
	UPSTREAM_CHECK_OFF,
};

/* hardening.landlock, in policy_keys[PK_HARDENING_LANDLOCK].enums order. */
enum landlock_mode {
	LANDLOCK_REQUIRED = 0,
	LANDLOCK_BEST_EFFORT,
};

/* Everything the forked sandbox needs; filled in before clone. */
struct sandbox_spec {
	char		**argv;
	char		**envp;
	int		  fds[GW_FD_ROLE_MAX];
	int		  statusfd;
	int		  cwdtree;	/* detached clone of the cwd mount */
	uid_t		  uid;
	gid_t		  gid;
	const gid_t	 *groups;
	int		  ngroups;
	const char	 *cwd;		/* path of the cwd fd, checked */
	int		  cwd_mode;	/* enum cwd_mode */
	mode_t		  umask;
	char		**read;		/* policy paths, expanded, or NULL */
	char		**write;
	char		**deny_read;
	char		**deny_write;
	char		**mask;		/* filesystem.mask patterns, or NULL */
	int		  protect;	/* filesystem.protected: default */
	const char	 *home;		/* the peer's, from passwd */
	struct sock_fprog *seccomp_extra; /* hardening.seccomp_deny, or NULL */
	int		  net_slot;	/* 0: no network at all */
	int		  net_ipv6;
	int		  landlock;	/* apply Landlock */
	/* GW_OPEN_PTY: stdio roles whose fd is -1 get the pty slave. */
	int		  pty;
	int		  pty_utf8;
	struct winsize	  winsize;
	gid_t		  tty_gid;	/* devpts gid=, or (gid_t)-1 */
	int		  ptyslave;	/* in init, once allocated */
	int		  cgroupfd;	/* CLONE_INTO_CGROUP, or -1 */
	int		  cgroup_hold;	/* wait for INIT_MSG_PLACED */
};

/* The controllers greywalld uses for limits and accounting. */
enum cg_ctrl {
	CG_PIDS,
	CG_MEMORY,
	CG_CPU,
	CG__MAX
};

/*
 * A sandbox's cgroups, one directory of the same name per hierarchy:
 * fd[0] on the unified (v2) hierarchy, fd[1 + enum cg_ctrl] on the v1
 * controller hierarchies of a hybrid host. -1 where there is none.
 */
struct sandbox_cgroup {
	char		  name[48];
	int		  fd[1 + CG__MAX];
};

/* A policy value an event can name as its rule, copied at start. */
struct event_rule {
	int		 key;		/* enum policy_key */
	char		*value;		/* as written; paths expanded */
	char		*file;		/* base name, or "(built-in)" */
};

/* greywalld --audit: whether it reads, and may enable, kernel audit. */
enum audit_mode {
	AUDIT_MODE_AUTO = 0,	/* read records; leave kernel audit alone */
	AUDIT_MODE_OFF,		/* read nothing */
	AUDIT_MODE_ENABLE,	/* enable it if off and unowned; undo at exit */
};

/* The audit source as gwctl status shows it. */
struct audit_info {
	int		 mode;		/* enum audit_mode */
	int		 reading;	/* in the multicast group */
	int		 enabled;	/* kernel audit 0, 1, 2 (locked); -1 */
	uint32_t	 auditd;	/* pid of the audit daemon, or 0 */
	uint32_t	 kernel_lost;
	int		 enabled_by_us;
	uint64_t	 records, lost, unattributed, events;
	const char	*why;		/* why not reading */
};

/* What events.c keeps per sandbox. */
struct sandbox_events {
	char			*comm;		/* argv[0]'s base name */
	int			 stream;	/* to the client (gw -m) */
	uint64_t		 count;		/* events so far */
	uint64_t		 bytes_out;	/* from the netstack */
	uint64_t		 bytes_in;
	uint64_t		 ll_domain;	/* Landlock domain, from audit */
	uint32_t		 audit_ses;	/* audit session of the sandbox */
	char			*files;		/* policy files that apply */
	struct event_rule	*rules;
	size_t			 nrules;
	time_t			 iwindow;	/* init's events: rate limit */
	unsigned int		 icount;
	time_t			 jwindow;	/* journal rate limit window */
	unsigned int		 jcount;
	uint64_t		 jsuppressed;
};

struct sandbox {
	TAILQ_ENTRY(sandbox)	 entry;
	uint32_t		 id;
	uid_t			 uid;
	char			*user;
	char			*cmdline;
	char			*cwd;
	time_t			 start_time;
	pid_t			 pid;		/* init, in the host pid ns */
	int			 pidfd;
	int			 statusfd;
	struct event		*ev_pid;
	struct event		*ev_status;	/* until the TUN and pty came */
	int			 want_pty;
	int			 pty_done;
	struct event		*ev_wall;	/* limits.wall_time */
	uint64_t		 wall_time;	/* seconds */
	int			 wall_expired;
	struct sandbox_cgroup	 cg;
	struct conn		*conn;
	int			 have_exit;
	struct gw_sandbox_exited exit;
	char			*failure;	/* setup step that failed */
	int			 tunfd;		/* kept for netstack restarts */
	int			 net_slot;
	struct nsmsg		*net;		/* NSMSG_ATTACH, or NULL */
	size_t			 netlen;
	/* gw exec -p: listening on 127.0.0.1, kept for netstack restarts. */
	int			 inbound_fd[GW_PORTS_MAX];
	uint16_t		 inbound_port[GW_PORTS_MAX];
	size_t			 ninbound;
	struct sandbox_events	 ev;
};
TAILQ_HEAD(sandboxlist, sandbox);
extern struct sandboxlist	 sandboxes;

/*
 * Policy: every key of the policy.d schema has an id and a row in
 * policy_keys[] (policy-schema.c) giving its dotted name, value type and
 * how it merges and narrows. A struct policy holds, per key, either one
 * scalar or a list, each value with the file, line and column it came from.
 */
enum policy_key {
	PK_USERS,			/* selectors */
	PK_GROUPS,
	PK_DEFAULT,
	PK_NET_UPSTREAM,		/* "none" or "socks5" */
	PK_NET_UPSTREAM_SOCKS5,
	PK_NET_UPSTREAM_CHECK,
	PK_NET_DNS_MODE,
	PK_NET_DNS_SERVER,
	PK_NET_DOMAINS_ALLOW,
	PK_NET_DOMAINS_DENY,
	PK_NET_CIDRS_ALLOW,
	PK_NET_IPV6,
	PK_NET_HOST_LOOPBACK_PORTS,
	PK_NET_INBOUND_PORTS,
	PK_FS_CWD,
	PK_FS_READ,
	PK_FS_WRITE,
	PK_FS_DENY_READ,
	PK_FS_DENY_WRITE,
	PK_FS_MASK,
	PK_FS_PROTECTED,
	PK_FS_ALLOW_CWD,
	PK_ENV_STRIP,
	PK_COMMAND_DENY,
	PK_COMMAND_ALLOW,
	PK_COMMAND_DEFAULTS,
	PK_LIMITS_PIDS,
	PK_LIMITS_MEMORY,
	PK_LIMITS_CPU,
	PK_LIMITS_WALL_TIME,
	PK_HARDENING_LANDLOCK,
	PK_HARDENING_SECCOMP,
	PK_HARDENING_SECCOMP_DENY,
	PK_MONITOR_STREAM,
	PK_CLIENT_MAY_ADD_READ,
	PK_CLIENT_MAY_ADD_WRITE,
	PK__MAX
};

enum policy_type {
	PT_BOOL,		/* true | false */
	PT_ENUM,		/* one of policy_keyinfo.enums */
	PT_UINT,		/* decimal, 1..policy_keyinfo.max */
	PT_SIZE,		/* "512M", "4G", bytes; u64 */
	PT_DURATION,		/* "90s", "30m", "2h", "1d"; seconds */
	PT_CPU,			/* "50%" or "weight:200"; see below */
	PT_HOSTPORT,		/* "127.0.0.1:43052", "[::1]:53", "host:port" */
	PT_PORT,		/* 1..65535 */
	PT_PATH,		/* "/abs", "~", "~/rel", "rel"; globs allowed */
	PT_NAME_GLOB,		/* a file name or glob, no '/': ".env.*" */
	PT_DOMAIN,		/* "example.com", "*.example.com" */
	PT_CIDR,		/* "10.0.0.0/8", "fd00::/8" */
	PT_ENV_GLOB,		/* "AWS_*", "GITHUB_TOKEN" */
	PT_COMMAND,		/* "git push": words, no control characters */
	PT_SYSCALL,		/* "ptrace": a system call libseccomp knows */
	PT_USER,		/* a user name */
	PT_GROUP,		/* a group name */
};

/* How a key merges and what a client overlay may do with it. */
enum policy_class {
	PC_SELECTOR,		/* file selectors: not merged, not in overlays */
	PC_ALLOW,		/* list of allowances: union; client may not add */
	PC_DENY,		/* list of denials: union; client may add */
	PC_SCALAR,		/* last wins; client may only narrow (rank) */
	PC_ADMIN,		/* last wins; client may not set at all */
};

/*
 * limits.cpu as a number: a quota in percent of one CPU ("150%" is 150),
 * or a relative weight from 1 to 10000 ("weight:200") with
 * POLICY_CPU_WEIGHT set. Only values of the same form compare.
 */
#define POLICY_CPU_WEIGHT	(1ULL << 32)
#define POLICY_CPU_QUOTA_MAX	100000	/* percent: 1000 CPUs */
#define POLICY_CPU_WEIGHT_MAX	10000	/* as cgroup v2 cpu.weight */

struct policy_keyinfo {
	const char		*name;		/* "filesystem.deny_read" */
	enum policy_type	 type;
	enum policy_class	 class;
	int			 list;		/* a YAML sequence */
	uint64_t		 max;		/* PT_UINT upper bound */
	/*
	 * PT_ENUM values, from the narrowest to the widest: a client may
	 * move a value only towards the start. For PT_BOOL in PC_SCALAR,
	 * false is narrower than true.
	 */
	const char		*enums[4];
	const char		*dflt;		/* built-in default, or NULL */
};
extern const struct policy_keyinfo	policy_keys[PK__MAX];

struct policy_src {
	const char	*file;		/* as given to policy_parse() */
	uint32_t	 line;		/* 1-based */
	uint32_t	 col;		/* 1-based */
};

struct policy_value {
	char			*str;	/* canonical text, as printed */
	uint64_t		 num;	/* bool, enum index, uint, size, seconds, port */
	struct policy_src	 src;
};

struct policy_entry {
	int			 set;	/* scalar given / list present */
	struct policy_value	 one;	/* scalar keys */
	struct policy_value	*v;	/* list keys */
	size_t			 n;
};

struct policy {
	struct policy_entry	 e[PK__MAX];
};

struct policy_error {
	char		file[256];
	uint32_t	line;
	uint32_t	col;
	char		msg[512];
};

/* policy-schema.c */
int		 policy_key_find(const char *);
int		 policy_value_parse(enum policy_key, const char *,
		    struct policy_value *, char *, size_t);

/* policy-yaml.c */
#define POLICY_PARSE_OVERLAY	0x1	/* a client overlay: no selectors */
int		 policy_parse(const char *, const char *, size_t, int,
		    struct policy *, struct policy_error *);

/* One file of policy.d, parsed. */
struct policyfile {
	char		*path;
	struct policy	 pol;
};

struct policyset {
	struct policyfile	*v;
	size_t			 n;
};

/* policy.c */
void		 policy_clear(struct policy *);
int		 policy_add(struct policy *, enum policy_key,
		    const struct policy_value *);
int		 policy_merge(struct policy *, const struct policy *);
int		 policy_defaults(struct policy *);
void		 policy_finish(struct policy *);
int		 policy_selects(const struct policy *, const char *,
		    char *const *, size_t);
int		 policy_narrow(struct policy *, const struct policy *,
		    struct policy_error *);
char		*policy_dump(const struct policy *, const char *);
int		 policy_path_expand(const char *, const char *, const char *,
		    char *, size_t);
int		 policy_key_enforced(enum policy_key);
size_t		 policyset_unenforced(const struct policyset *, char *, size_t);

/* policy-dir.c */
struct passwd;
void		 policyset_clear(struct policyset *);
int		 policyset_load(const char *, struct policyset *,
		    struct policy_error *);
int		 policyset_effective(const struct policyset *, const char *,
		    char *const *, size_t, struct policy *);
int		 policy_user_groups(const struct passwd *, char ***, size_t *);

/* greywalld.c */
extern struct policyset	 gw_policy;
int		 policy_reload(char *, size_t);
void		 policy_error_format(const struct policy_error *, char *,
		    size_t);

/* caps.c */
int		 caps_restrict(void);

/* control.c */
int		 control_listen(const char *, int *);
int		 control_init(int);
void		 control_shutdown(void);
int		 control_send(struct conn *, uint32_t, uint32_t, const void *,
		    size_t, const char *const *, size_t);
int		 control_send_fd(struct conn *, uint32_t, uint32_t,
		    const void *, size_t, int);
int		 control_send_error(struct conn *, uint32_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 control_finish(struct conn *);
void		 control_event(struct sandbox *, const struct gw_event *,
		    const char *const *);
void		 control_flush_dropped(struct conn *);
void		 control_event_dropped(struct sandbox *, uint32_t);

/* status.c */
void		 status_init(void);
void		 status_send(struct conn *, int);
void		 status_conn_gone(struct conn *);
unsigned int	 control_count_uid(uid_t);

/* sandbox.c */
int		 sandbox_start(struct conn *, struct request *);
void		 sandbox_signal(struct sandbox *, int);
void		 sandbox_kill(struct sandbox *);
int		 sandbox_kill_id(uint32_t);
void		 sandbox_detach(struct sandbox *);
void		 sandbox_kill_all(void);
unsigned int	 sandbox_count_uid(uid_t);
struct sandbox	*sandbox_find(uint32_t);

/* sandbox-cgroup.c */
void		 sandbox_cgroup_init(void);
void		 sandbox_cgroup_shutdown(void);
int		 sandbox_cgroup_create(struct sandbox_cgroup *, uint32_t,
		    const struct policy *, char *, size_t);
int		 sandbox_cgroup_hold(const struct sandbox_cgroup *);
int		 sandbox_cgroup_attach(const struct sandbox_cgroup *, pid_t);
void		 sandbox_cgroup_kill(const struct sandbox_cgroup *);
void		 sandbox_cgroup_stats(const struct sandbox_cgroup *,
		    uint64_t *, uint32_t *);
int		 sandbox_cgroup_oom_killed(const struct sandbox_cgroup *);
void		 sandbox_cgroup_destroy(struct sandbox_cgroup *);
const char	*sandbox_cgroup_mode(char *, size_t);

/* sandbox-env.c */
int		 sandbox_env_allowed(const char *);
char		**sandbox_env_build(char *const *, size_t,
		    const struct policy_entry *);

/* sandbox-debug.c */
void		 sandbox_debug(struct conn *, const struct sandbox *,
		    const struct policy *, const char *, char *const *, size_t,
		    int);

/* sandbox-net.c */
int		 sandbox_net_config(const struct policy *, uint32_t,
		    const char *, const char *, struct nsmsg **, size_t *,
		    char *, size_t);
int		 sandbox_net_addr(const char *, struct sockaddr_storage *);

/* sandbox-inbound.c */
int		 sandbox_inbound_bind(struct conn *, const struct policy *,
		    int, const struct request *, int *);
void		 sandbox_inbound_close(struct sandbox *);

/* sandbox-ns.c */
pid_t		 sandbox_ns_spawn(struct sandbox_spec *, int *);
void		 sandbox_ns_setup(void);

/* sandbox-mount.c */
void		 sandbox_fsid_set(uid_t, gid_t);
int		 sandbox_mount_ro_self(int);
int		 sandbox_mount_cwd_tree(int);
void		 sandbox_mount_setup(const struct sandbox_spec *);
const char	*sandbox_mount_system_path(size_t);
const char	*sandbox_mount_dev_node(size_t);

/* sandbox-protect.c */
int		 sandbox_protect_masked(char *const *, const char *);
void		 sandbox_protect_mount(int, const struct sandbox_spec *);
int		 sandbox_protect_prepare(void);
int		 sandbox_protect_install(int);
int		 sandbox_protect_listener(int);
void		 sandbox_protect_supervise_init(const struct sandbox_spec *);
void		 sandbox_protect_serve(int);

/* sandbox-protect-git.c */
struct stat;
void		 sandbox_protect_git_olddir(const char *);
void		 sandbox_protect_git_found(const char *, const char *);
int		 sandbox_protect_git_is_gitdir(int, const char *);
void		 sandbox_protect_git_apply(int, const char *);
int		 sandbox_protect_git_refused(const struct stat *, const char *,
		    const char *);
int		 sandbox_protect_git_old_path(const char *, const char *);
int		 sandbox_protect_git_move(int, const char *, const char *, int,
		    const char *, const char *, unsigned int);
void		 sandbox_protect_git_config(const char *, size_t,
		    void (*)(const char *, const char *, const char *, void *),
		    void *);

/* sandbox-creds.c */
void		 sandbox_creds_drop(const struct sandbox_spec *);

/* sandbox-landlock.c */
int		 sandbox_landlock_detect(void);
int		 sandbox_landlock_abi(void);
void		 sandbox_landlock_apply(const struct sandbox_spec *);
/* sandbox-pty.c */
int		 sandbox_pty_open(const struct sandbox_spec *);
int		 sandbox_pty_is_master(int);
const char	*sandbox_pty_stdio_refused(int);

/* sandbox-seccomp.c */
struct sock_fprog;
int		 sandbox_seccomp_prepare(void);
int		 sandbox_seccomp_export(void *, struct sock_fprog *);
int		 sandbox_seccomp_load(void);
int		 sandbox_seccomp_extra(const struct policy_entry *,
		    struct sock_fprog *);
void		 sandbox_seccomp_apply(const struct sandbox_spec *);

/* net-tun.c */
int		 net_tun_create(int, int);
void		 net_sandbox_addr4(int, struct in_addr *);
void		 net_sandbox_addr6(int, struct in6_addr *);

/* net-socks5.c */
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

/* netstack.c: the helper process, seen from greywalld */
int		 netstack_start(void);
void		 netstack_stop(void);
int		 netstack_attach(struct sandbox *);
void		 netstack_detach(struct sandbox *);
int		 netstack_slot_get(void);
void		 netstack_slot_put(int);
void		 netstack_status(pid_t *, unsigned int *);

/* net-helper.c: the helper process itself */
void		 net_helper_main(int, uid_t, gid_t) __attribute__((noreturn));

/* net-lwip.c */
extern int	 net_event_fd;	/* to greywalld, -1 in tests */
int		 net_lwip_init(void);
int		 net_lwip_attach(const struct nsmsg *, size_t, int);
void		 net_lwip_detach(uint32_t);
int		 net_lwip_listen(uint32_t, uint16_t, int);
int		 net_lwip_input(uint32_t, const void *, size_t);
void		 net_lwip_timers(void);

/* upstream-check.c: whether each upstream takes connections to the host */
enum uc_verdict {
	UC_PENDING,		/* not checked yet */
	UC_SAFE,		/* refused every probe */
	UC_UNSAFE,		/* connected to a probe listener */
	UC_UNKNOWN,		/* unreachable, or no clear answer */
};
int		 upstream_check_init(void);
void		 upstream_check_run(void);
void		 upstream_check_stop(void);
enum uc_verdict	 upstream_check_verdict(const char *, char *, size_t);

/* net-hostcheck.c: in the helper, whether a destination is the host */
enum hc_result {
	HC_CLEAR,		/* not the host (or no such name) */
	HC_HOST,		/* an address the host would give it is its own */
	HC_UNKNOWN,		/* could not be checked */
	HC_PENDING,		/* asking the host's resolver */
};
struct hostaddr;
struct hostcheck;
typedef void	(*hostcheck_cb)(void *, enum hc_result, const char *,
		    const struct hostaddr *);
int		 hostcheck_set_addrs(const struct hostaddr *, size_t);
int		 hostcheck_set_hosts(int);
int		 hostcheck_set_resolv(int);
void		 hostcheck_counts(size_t *, size_t *, size_t *);
const char	*hostcheck_addr(int, const void *);
enum hc_result	 hostcheck_name(const char *, hostcheck_cb, void *,
		    struct hostcheck **, const char **, struct hostaddr *);
void		 hostcheck_cancel(struct hostcheck *);

/* events.c */
int		 events_sandbox_init(struct sandbox *, const struct policy *,
		    char *const *, char *const *, char *const *,
		    char *const *);
void		 events_sandbox_free(struct sandbox *);
void		 events_emit(struct sandbox *, uint32_t, pid_t, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *);
void		 events_emit_rule(struct sandbox *, uint32_t, pid_t,
		    const char *, const char *, const char *,
		    const struct event_rule *, const char *);
const struct event_rule *events_rule_find(const struct sandbox *, int,
		    const char *);
const struct event_rule *events_rule_path(const struct sandbox *,
		    const char *);
void		 events_from_net(struct sandbox *, const struct nsevent *);
void		 events_from_init(struct sandbox *, const struct init_msg *);
const char	*events_kind_name(uint32_t);

/* command-guard.c: pure, for the unit test and the fuzzer */
struct guard_match {
	const char	*prefix;	/* the entry that matched */
	int		 builtin;	/* from the built-in list */
	int		 limit;		/* refused: past the guard's limits */
	char		 command[256];	/* the command it matched, as words */
};
int		 command_guard_check(char *const *, char *const *,
		    char *const *, int, struct guard_match *);

/* audit.c */
void		 audit_init(int);
void		 audit_shutdown(void);
void		 audit_info(struct audit_info *);
void		 audit_sandbox_end(struct sandbox *);

/* audit-parse.c: pure, for the unit test */
int		 audit_header(const char *, uint64_t *, const char **);
int		 audit_field(const char *, const char *, char *, size_t);
int		 audit_field_num(const char *, const char *, int, uint64_t *);
int		 audit_field_str(const char *, const char *, char *, size_t);
const char	*audit_ll_action(const char *);

/* events-parse.c: pure, for the unit test and the fuzzer */
int		 nsmsg_in_parse(const void *, size_t, union nsmsg_in *);
int		 init_event_parse(const struct init_msg *, const char **,
		    const char **, const char **);

/* sandbox-init.c */
void		 sandbox_init_sigset(sigset_t *);
void		 sandbox_init_run(struct sandbox_spec *) __attribute__((noreturn));
void		 sandbox_init_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

#endif /* GREYWALLD_H */
