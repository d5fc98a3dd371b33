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

#include "common.h"
#include "gw-protocol.h"
#include "match.h"
#include "policy.h"
#include "sandbox.h"


struct event_base;
struct event;

extern struct event_base	*gw_base;

/* Settings from the command line. */
struct gw_config {
	const char	*socket_path;
	const char	*policy_dir;
	const char	*state_dir;	/* the per-user store's base */
	const char	*admin_group;
	gid_t		 admin_gid;
	int		 have_admin_gid;
	unsigned int	 max_conn_per_uid;
	unsigned int	 max_sandboxes_per_uid;
	const char	*net_user;	/* the netstack helper runs as this */
	const char	*netstack_path;	/* the helper program, gw-netstack */
	const char	*hosts_file;	/* the host's, for the name check */
	const char	*resolv_conf;
	int		 log_stderr;	/* -f: passed on to the helper */
	int		 log_verbose;
	int		 timing;	/* --timing: log each start's steps */
	unsigned int	 netns_pool;	/* --prepared-netns: pool size */
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

/* A client connection; only control.c sees inside (control_* below). */
struct conn;

/*
 * An error for the client, composed where it happened (GW_ERR_* and the
 * text), sent by the caller through control_send_error().
 */
struct client_err {
	uint32_t	 code;
	char		 text[1024];
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

/*
 * One event, as its sources describe it (events_emit()). The rule is
 * named by rule (a rule of the sandbox's policy) or, if rule is NULL, by
 * key and file; neither means "default". comm NULL or "" means the
 * sandbox's command, pid 0 that it is not known.
 */
struct event_spec {
	uint32_t		 kind;		/* enum gw_event_kind */
	pid_t			 pid;
	const char		*comm;
	const char		*action;	/* "read", "connect", ... */
	const char		*target;	/* path, host:port, syscall */
	const struct event_rule	*rule;
	const char		*key;		/* "built-in", a policy key */
	const char		*file;		/* the policy file, or "" */
	const char		*note;
	int			 deduped;	/* once per sandbox already */
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
	/* denials.c */
	char			*home;		/* the user's, for ~/ */
	/* Host directories bound in: the sandbox sees the host's there. */
	char			**binds;
	gid_t			 gid;		/* host checks run with these */
	gid_t			 groups[64];
	int			 ngroups;
	uint64_t		 cgid;		/* its cgroup, watched by BPF */
	uint64_t		 bpf_dropped;	/* reported so far */
	uint64_t		 bpf_skipped;	/* counted so far */
	uint64_t		 dn_drops;	/* not yet reported */
	uint64_t		*seen;		/* (access, path) hashes */
	size_t			 seen_n, seen_size;
	unsigned int		 checks;	/* host checks out */
	int			 draining;	/* ended; waits for checks */
	struct event		*drain_timer;
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
	int			 reported;	/* gw told; conn detached */
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
	int			 netnsfd;	/* with inbound ports: its netns,
						   once a connection came */
	struct sandbox_events	 ev;
	uint64_t		*marks;		/* --timing: a shared page */
	int			 wstatus;	/* init's, once reaped */
	int			 reaped;
};
TAILQ_HEAD(sandboxlist, sandbox);
extern struct sandboxlist	 sandboxes;

/* greywalld.c */
extern struct policyset	 gw_policy;

/* caps.c */
int		 caps_restrict(const char **);

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
void		 control_flush_dropped(struct conn *);
void		 control_violation(struct conn *, const struct gw_msg *,
		    const char *);
const struct peer *control_peer(const struct conn *);
void		 control_attach(struct conn *, struct sandbox *);
void		 control_times(const struct conn *, uint64_t *, uint64_t *);
int		 control_monitor(struct conn *, const struct gw_monitor *);
void		 control_status(struct conn *, int);
void		 control_debug_line(void *, uint32_t, const char *);

/* admin.c: gwctl's requests (list, kill, reload, monitor, status, policy) */
int		 admin_dispatch(struct conn *, struct gw_msg *);
int		 admin_reload(char *, size_t);
int		 admin_allowed(const struct peer *);
void		 admin_warn_unenforced(void);
void		 admin_policy_show(struct conn *, const char *, int);

/*
 * status.c: the items go out through out (control.c's functions, arg the
 * connection), which status.c keeps while its upstream probe runs.
 */
struct status_out {
	void		(*item)(void *, int, const char *, const char *);
	void		(*end)(void *);
	void		(*error)(void *, uint32_t, const char *);
	void		 *arg;
	uid_t		  uid;		/* who asks, from the kernel */
	gid_t		  gid;
};
void		 status_init(void);
void		 status_send(const struct status_out *, int);
void		 status_gone(const void *);
unsigned int	 control_count_uid(uid_t);

/* sandbox.c */
void		 sandbox_ident_flush(void);
gid_t		 sandbox_tty_gid(void);
int		 sandbox_start(struct conn *, struct request *);
void		 sandbox_signal(struct sandbox *, int);
void		 sandbox_kill(struct sandbox *);
int		 sandbox_kill_id(uint32_t);
void		 sandbox_detach(struct sandbox *);
void		 sandbox_kill_all(void);
unsigned int	 sandbox_count_uid(uid_t);
struct sandbox	*sandbox_find(uint32_t);
void		 sandbox_ended(struct sandbox *);
void		 sandbox_drained(struct sandbox *);

/* review.c */
int		 review_wanted(const struct policy *, uint32_t);
int		 review_begin(struct conn *, const struct policy *, int,
		    const char *, int, const char *, char *const *,
		    char *const *, int *, char *, size_t,
		    struct sandbox_review *);

/* sandbox-cgroup.c */
void		 sandbox_cgroup_init(void);
void		 sandbox_cgroup_shutdown(void);
int		 sandbox_cgroup_create(struct sandbox_cgroup *, uint32_t,
		    const struct policy *, char *, size_t);
int		 sandbox_cgroup_hold(const struct sandbox_cgroup *);
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

/* sandbox-debug.c: lines out through line(arg, sandbox id, text) */
struct debug_out {
	void		(*line)(void *, uint32_t, const char *);
	void		 *arg;
};
/* The sandbox's home, project and caches as sandbox_start decided them. */
struct debug_fs {
	const char	 *home;		/* the peer's, from passwd */
	const char	 *project;	/* the work tree, or the cwd */
	char *const	 *caches;	/* bound from the store, or NULL */
	const char	 *store;	/* the user's store, or "" */
};
void		 sandbox_debug(const struct debug_out *, const struct sandbox *,
		    const struct policy *, const char *, const struct debug_fs *,
		    char *const *, size_t, int);

/* sandbox-net.c */
int		 sandbox_net_config(const struct policy *, uint32_t,
		    const char *, const char *, struct nsmsg **, size_t *,
		    char *, size_t);
int		 sandbox_net_addr(const char *, struct sockaddr_storage *);

/* sandbox-inbound.c */
int		 sandbox_inbound_bind(uid_t, const struct policy *, int,
		    const struct request *, int *, struct client_err *);
void		 sandbox_inbound_close(struct sandbox *);
int		 sandbox_inbound_connect(struct sandbox *, uint32_t);

/* netstack.c: the helper process, seen from greywalld; main */
int		 netstack_start(void);
void		 netstack_stop(void);
int		 netstack_attach(struct sandbox *);
void		 netstack_detach(struct sandbox *);
int		 netstack_slot_get(void);
void		 netstack_slot_put(int);
void		 netstack_status(pid_t *, unsigned int *);

/* netns-pool.c */
/* closer.c: main */
/* child.c (main, at start-up) */
pid_t		 child_fork(void (*)(int), const char *, int *);

int		 closer_start(void);
void		 closer_close(int);
void		 closer_stop(void);

enum { PREP_NET, PREP_MNT, PREP_IPC, PREP_UTS, PREP__MAX };
int		 netns_pool_init(void);
int		 netns_pool_take(int, int *, int *, int [PREP__MAX]);
void		 netns_pool_flush(void);
void		 netns_pool_shutdown(void);
int		 netns_pool_ready(void);

/* denials.c */
int		 denials_init(void);
void		 denials_shutdown(void);
const char	*denials_status(int *);
void		 denials_counters(uint64_t *, uint64_t *, uint64_t *, uint64_t *,
		    uint64_t *);
int		 denials_sandbox_start(struct sandbox *, int,
		    const struct peer *);
void		 denials_sandbox_init(struct sandbox *);
void		 denials_sandbox_end(struct sandbox *);
int		 denials_sandbox_drain(struct sandbox *);
int		 denials_seen_add(struct sandbox *, const char *,
		    const char *);
void		 denials_from_init(struct sandbox *, const char *,
		    const char *, const char *);
void		 denials_display(const struct sandbox *, const char *, char *,
		    size_t);

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

/* events.c */
int		 events_sandbox_init(struct sandbox *, const struct policy *,
		    const char *, char *const *, char *const *, char *const *,
		    char *const *);
int		 events_sandbox_binds(struct sandbox *, const char *, int,
		    char *const *, char *const *);
int		 events_host_view(const struct sandbox *, const char *);
void		 events_sandbox_free(struct sandbox *);
void		 events_emit(struct sandbox *, const struct event_spec *);
const struct event_rule *events_rule_find(const struct sandbox *, int,
		    const char *);
const struct event_rule *events_rule_path(const struct sandbox *,
		    const char *);
const struct event_rule *events_rule_readonly(const struct sandbox *,
		    const char *);
void		 events_from_net(struct sandbox *, const struct nsevent *);
/* why.c */
void		 why_answer(struct conn *, const struct gw_msg *);

int		 events_history_find(uid_t, uint32_t, uint64_t,
		    struct gw_event *, const char **);
void		 events_history_free(void);
void		 events_from_init(struct sandbox *, const struct init_msg *);
const char	*events_kind_name(uint32_t);
/* Where events go (control.c's subscribers): set once at start. */
void		 events_sink(void (*)(struct sandbox *, const struct gw_event *,
		    const char *const *), void (*)(struct sandbox *, uint32_t));
void		 events_dropped(struct sandbox *, uint32_t);

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


#endif /* GREYWALLD_H */
