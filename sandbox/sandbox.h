/*
 * The sandbox: what creates the new namespaces and what runs inside them.
 * Three processes run this code, and each prototype says which one and
 * as which user:
 *   main		greywalld's main process, root with its capabilities
 *   init, as root	the sandbox's pid 1 before it drops its credentials
 *   init, as the peer	the same process after sandbox_creds_drop()
 *   the command child	init's child before it execs the command
 * Nothing here touches greywalld's sessions or event loop: it links
 * without the daemon (tests/unit/test-link-sandbox.c).
 */
#ifndef GW_SANDBOX_H
#define GW_SANDBOX_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <signal.h>
#include <stdint.h>

#include "common.h"
#include "gw-protocol.h"
#include "policy.h"

/* What the sandbox's init tells the daemon over its status socket. */
enum init_msgtype {
	INIT_MSG_FAIL = 1,	/* a setup step failed: text says which */
	INIT_MSG_EXITED,	/* the command ended: how, code */
	INIT_MSG_TUN,		/* with the TUN fd, created as root */
	INIT_MSG_PTY,		/* with an fd: the pty master, for gw */
	INIT_MSG_PLACED_UNUSED,	/* was: daemon to init, in its cgroups */
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
 * greywalld --timing: the CLOCK_MONOTONIC time (ns) at which one start
 * passed each step, written by greywalld, init and the command child
 * into one shared page and logged when the sandbox is freed
 * (bench/startup-profile reads the log). Never on without the flag.
 */
enum sandbox_mark {
	MARK_ACCEPT,		/* main: the connection accepted */
	MARK_REQUEST,		/* main: the request complete */
	MARK_DECIDED,		/* main: policy, cwd, paths, guard done */
	MARK_CREATED,		/* main: cgroup, net config, socketpair */
	MARK_CLONED,		/* main: clone3 returned */
	MARK_REGISTERED,	/* main: events armed, placed, STARTED sent */
	MARK_INIT,		/* init: first instruction */
	MARK_INIT_PLACED,	/* init: in its cgroups, fds closed */
	MARK_INIT_TUN,		/* init: TUN created and sent */
	MARK_INIT_MOUNT,	/* init: mount tree built, pivoted */
	MARK_INIT_CREDS,	/* init: hostname, loopback, the peer's creds */
	MARK_INIT_LANDLOCK,	/* init: Landlock enforced */
	MARK_INIT_SECCOMP,	/* init: keyring, signals, pty, seccomp */
	MARK_CHILD_EXEC,	/* the command child: just before execve */
	MARK_INIT_EXECOK,	/* init: the exec succeeded (errpipe EOF) */
	MARK_INIT_CMDEXIT,	/* init: the command reaped */
	MARK_EXITED,		/* main: INIT_MSG_EXITED read */
	MARK_PIDFD,		/* main: init's pidfd readable */
	MARK_REPORTED,		/* main: SANDBOX_EXITED queued to gw */
	MARK_FREED,		/* main: everything released */
	/* Inside MARK_INIT_TUN .. MARK_INIT_MOUNT, appended to keep the log's order: */
	MARK_MNT_SYSTEM,	/* init: root, system paths, /dev, tmpfs, /etc, proc, sys */
	MARK_MNT_BINDS,		/* init: home, caches, cwd, policy paths, deny_write */
	MARK_MNT_PROTECT,	/* init: the mask and protect walk and its mounts */
	/* Inside MARK_INIT .. MARK_INIT_PLACED: */
	MARK_INIT_NETNS,	/* init: in the prepared network namespace */
	MARK_INIT_SIGNALS,	/* init: signal dispositions reset */
	MARK_INIT_CGV1,		/* init: in its v1 cgroups, own cgroup namespace */
	/* Inside MARK_INIT_TUN .. MARK_MNT_SYSTEM: */
	MARK_MNT_BASE,		/* init: the base of the tree joined (or built) */
	MARK__MAX
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
	/* What cwdtree is: cwd, or the git work tree around it. */
	const char	 *project;
	int		  cwd_mode;	/* enum cwd_mode */
	mode_t		  umask;
	char		**read;		/* policy paths, expanded, or NULL */
	char		**write;
	char		**deny_read;
	char		**deny_write;
	char		**mask;		/* filesystem.mask patterns, or NULL */
	int		  protect;	/* filesystem.protected: default */
	const char	 *home;		/* the peer's, from passwd */
	int		  home_mode;	/* enum home_mode */
	/* The peer's directory in greywall's store (O_PATH), or -1. */
	int		  storefd;
	const char	 *store_path;	/* its path, opened again in init */
	char		**caches;	/* caches.paths, below home, or NULL */
	/* filesystem.review: the overlay's upper and work dirs, or -1 */
	int		  review_upper;
	int		  review_work;
	int		  review_lock;	/* meta/lock, flock'd: held by init */
	const char	 *review_id;	/* below store_path/reviews */
	char		**write_src;	/* "file:line" of each write path */
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
	int		  cgroup_hold;	/* v1: init enters cgroup_v1 itself */
	int		  cgroup_v1[3];	/* v1 pids, memory, cpu dirs, or -1 */
	const char	 *policy_dir;	/* hidden inside the sandbox */
	uint64_t	 *marks;	/* greywalld --timing, or NULL */
	/*
	 * A prepared network namespace (its TUN already configured for
	 * net_slot and with greywalld), which init joins instead of making
	 * one; -1: init makes its own.
	 */
	int		  netnsfd;
	int		  net_prepared;	/* netnsfd was given: no TUN to make */
	/*
	 * With netnsfd, from the same preparer: a mount namespace with the
	 * base of the tree built (sandbox_mount_prepare), an ipc one, and a
	 * uts one with the hostname set; -1: init makes its own.
	 */
	int		  mntnsfd;
	int		  ipcnsfd;
	int		  utsnsfd;
	int		  tree_prepared; /* init joined mntnsfd */
};


/* sandbox-ns.c */
/* main */
pid_t		 sandbox_ns_spawn(struct sandbox_spec *, int *);
/* init, as root */
void		 sandbox_ns_setup(int, int);
/* a child forked by main, as root; never returns */
void		 sandbox_ns_prepare(int, int, gid_t, int)
		    __attribute__((noreturn));

/* sandbox-mount.c */
/* init, as root */
void		 sandbox_fsid_set(uid_t, gid_t);
/* init and main: the file system ids were changed elsewhere */
void		 sandbox_fsid_forget(void);
/* init, as root */
int		 sandbox_mount_ro_self(int);
/* main */
int		 sandbox_mount_cwd_tree(int);
/* the preparer (sandbox_ns_prepare), as root */
void		 sandbox_mount_prepare(gid_t);
/* init, as root */
void		 sandbox_mount_setup(const struct sandbox_spec *);
/* init, as root */
void		 sandbox_mount_close_late(int);
/* init; pure */
const char	*sandbox_mount_system_path(size_t);
/* init; pure */
const char	*sandbox_mount_dev_node(size_t);
/* main; pure: the real home's files bound into a private home */
const char	*sandbox_mount_home_file(size_t);

/* sandbox-home.c */
/* main */
int		 sandbox_home_store_open(const char *, uid_t, gid_t);
/* main, looking up as the peer (fsuid, fsgid) */
int		 sandbox_home_exists(const char *, uid_t, gid_t);
/* main, looking up as the peer (fsuid, fsgid) */
int		 sandbox_home_project(int, uid_t, gid_t, const char *, char *,
		    size_t);

/* sandbox-review.c: gw exec --review */
struct stat;
struct sandbox_review {
	char		id[GW_REVIEW_ID_LEN + 1];
	int		dir;		/* reviews/ID, O_PATH */
	int		upper;		/* O_PATH */
	int		work;		/* O_PATH */
	int		meta;		/* O_PATH */
	int		lock;		/* meta/lock, LOCK_EX */
};
/* main, making the review as the peer (fsuid, fsgid) */
int		 sandbox_review_create(int, uid_t, gid_t, const struct stat *,
		    struct sandbox_review *);
/* main */
void		 sandbox_review_close(struct sandbox_review *);
/* main, as the peer (fsuid, fsgid) */
int		 sandbox_review_info(const struct sandbox_review *, uid_t,
		    gid_t, const char *, size_t);
/* main, as the peer (fsuid, fsgid) */
int		 sandbox_review_usage(int, uid_t, gid_t, uint64_t *);
/* init, as root (the overlay made with the peer's fsuid and fsgid) */
void		 sandbox_review_mount(int, const struct sandbox_spec *);

/* sandbox-protect-names.c */
/* main, init; pure */
int		 sandbox_protect_masked(char *const *, const char *);
/* init; pure: the names protected in the cwd (project) and the home */
extern const char *const sandbox_protect_root_names[];
extern const size_t	 sandbox_protect_nroot;

/* sandbox-protect-walk.c */
/* init, as root */
void		 sandbox_protect_mount(int, const struct sandbox_spec *);

/* sandbox-protect-cache.c: what the walk read, for the next sandbox */
/* main, at start: the shared mapping; -1 with errno (then no cache) */
int		 sandbox_protect_cache_init(void);
/* init, as root: drop it, before the peer's code runs */
void		 sandbox_protect_cache_detach(void);
/* init; pure */
uint64_t	 sandbox_protect_cache_maskhash(char *const *);
/* init, as root with the peer's fsid: the walk's lookups */
int		 sandbox_protect_cache_usable(int, const struct stat *);
int		 sandbox_protect_cache_get(const struct stat *, uid_t, uint64_t,
		    unsigned char **, size_t *);
void		 sandbox_protect_cache_put(const struct stat *, uid_t, uint64_t,
		    const unsigned char *, size_t);

/* sandbox-protect-supervise.c */
/* main */
int		 sandbox_protect_prepare(void);
/* the command child, as the peer */
int		 sandbox_protect_install(int);
/* init, as the peer */
int		 sandbox_protect_listener(int);
/* init, as the peer */
void		 sandbox_protect_supervise_init(const struct sandbox_spec *);
/* init, as the peer */
void		 sandbox_protect_serve(int);

/* sandbox-protect-git.c: old git repositories held as units */
/* init, as root: the walk of sandbox_protect_mount */
void		 sandbox_protect_git_olddir(const char *);
/* init, as root: a directory the walk skipped (node_modules) */
void		 sandbox_protect_git_oldtree(const char *);
/* init, as root */
void		 sandbox_protect_git_found(const char *, const char *);
/* init, as root */
int		 sandbox_protect_git_is_gitdir(int, const char *);
/* init, as root */
void		 sandbox_protect_git_apply(int, const char *);
/* init, as the peer: the supervisor */
int		 sandbox_protect_git_refused(const struct stat *, const char *,
		    const char *);
/* init, as the peer */
int		 sandbox_protect_git_old_path(const char *, const char *);
/* init, as the peer */
int		 sandbox_protect_git_move(int, const char *, const char *, int,
		    const char *, const char *, unsigned int);
/* init, as root; pure, for the unit test */
void		 sandbox_protect_git_config(const char *, size_t,
		    void (*)(const char *, const char *, const char *, void *),
		    void *);

/* sandbox-creds.c */
/* init, as root */
void		 sandbox_creds_drop(const struct sandbox_spec *);
/* main and init: the bounding set the kernel reports */
unsigned long long sandbox_creds_bounding(void);

/* sandbox-landlock.c */
/* main */
int		 sandbox_landlock_detect(void);
/* main */
int		 sandbox_landlock_abi(void);
/* init, as the peer */
void		 sandbox_landlock_apply(const struct sandbox_spec *);
/* sandbox-pty.c */
/* init, as root */
int		 sandbox_pty_open(const struct sandbox_spec *);
/* main */
int		 sandbox_pty_is_master(int);
/* main */
const char	*sandbox_pty_stdio_refused(int);

/* sandbox-seccomp.c */
struct sock_fprog;
/* main */
int		 sandbox_seccomp_prepare(void);
int		 sandbox_seccomp_denied(size_t);
/* main */
int		 sandbox_seccomp_export(void *, struct sock_fprog *);
/* init, as the peer */
int		 sandbox_seccomp_load(void);
/* main */
int		 sandbox_seccomp_extra(const struct policy_entry *,
		    struct sock_fprog *);
/* init, as the peer */
void		 sandbox_seccomp_apply(const struct sandbox_spec *);

/* sandbox-tun.c */
int		 sandbox_tun_create(int, int);		/* init, as root */

/*
 * sandbox-init-parse.c: the status socket's messages in the common
 * framing, and the daemon's check of init's INIT_MSG_EVENT
 */
/* main; pure, for the unit test and the fuzzer */
int		 init_event_parse(const struct init_msg *, const char **,
		    const char **, const char **);
int		 init_msg_parse(const struct frame_hdr *, const void *,
		    struct init_msg *);
/* main, init (as root and as the peer), the command child */
int		 init_msg_send(int, const struct init_msg *, int, int);
int		 init_msg_recv(int, struct init_msg *, int *, int);

/* sandbox-init.c */
/* main, init, the command child */
void		 sandbox_mark(uint64_t *, enum sandbox_mark);
/* main, init */
void		 sandbox_init_sigset(sigset_t *);
/* init, as root */
void		 sandbox_init_run(struct sandbox_spec *) __attribute__((noreturn));
/* main, once set up: what init inherits and undoes */
void		 sandbox_inherit_snapshot(void);
/* init, as root: greywalld's bounding set, or every bit if unknown */
unsigned long long sandbox_inherited_capbnd(void);
/* init */
void		 sandbox_init_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));


#endif /* GW_SANDBOX_H */
