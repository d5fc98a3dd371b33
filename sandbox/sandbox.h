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
	const char	 *policy_dir;	/* hidden inside the sandbox */
};


/* sandbox-ns.c */
/* main */
pid_t		 sandbox_ns_spawn(struct sandbox_spec *, int *);
/* init, as root */
void		 sandbox_ns_setup(void);

/* sandbox-mount.c */
/* init, as root */
void		 sandbox_fsid_set(uid_t, gid_t);
/* init, as root */
int		 sandbox_mount_ro_self(int);
/* main */
int		 sandbox_mount_cwd_tree(int);
/* init, as root */
void		 sandbox_mount_setup(const struct sandbox_spec *);
/* init; pure */
const char	*sandbox_mount_system_path(size_t);
/* init; pure */
const char	*sandbox_mount_dev_node(size_t);

/* sandbox-protect.c */
/* main, init; pure */
int		 sandbox_protect_masked(char *const *, const char *);
/* init, as root */
void		 sandbox_protect_mount(int, const struct sandbox_spec *);
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
struct stat;
/* init, as root: the walk of sandbox_protect_mount */
void		 sandbox_protect_git_olddir(const char *);
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

/* sandbox-init-parse.c: the daemon's check of init's INIT_MSG_EVENT */
/* main; pure, for the unit test and the fuzzer */
int		 init_event_parse(const struct init_msg *, const char **,
		    const char **, const char **);

/* sandbox-init.c */
/* main, init */
void		 sandbox_init_sigset(sigset_t *);
/* init, as root */
void		 sandbox_init_run(struct sandbox_spec *) __attribute__((noreturn));
/* init */
void		 sandbox_init_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));


#endif /* GW_SANDBOX_H */
