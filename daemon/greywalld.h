/*
 * greywalld: the privileged sandbox daemon. One header for the program:
 * structs first, then prototypes grouped by the file that defines them.
 */
#ifndef GREYWALLD_H
#define GREYWALLD_H

#include <sys/types.h>
#include <sys/queue.h>

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
	const char	*admin_group;
	gid_t		 admin_gid;
	int		 have_admin_gid;
	unsigned int	 max_conn_per_uid;
	unsigned int	 max_sandboxes_per_uid;
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
	size_t		 bytes;
	char		**argv;		/* NULL-terminated when complete */
	char		**envp;
	int		 fds[GW_FD_ROLE_MAX];
};

struct outmsg {
	TAILQ_ENTRY(outmsg)	 entry;
	size_t			 len;
	uint8_t			*buf;
};
TAILQ_HEAD(outq, outmsg);

enum conn_state {
	CONN_NEW,		/* waiting for HELLO */
	CONN_READY,		/* HELLO done */
	CONN_OPENING,		/* SANDBOX_OPEN seen, collecting */
	CONN_RUNNING,		/* sandbox started */
	CONN_DONE,		/* flushing output, then close */
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
};
TAILQ_HEAD(connlist, conn);

/* What the sandbox's init tells the daemon over its status socket. */
enum init_msgtype {
	INIT_MSG_FAIL = 1,	/* a setup step failed: text says which */
	INIT_MSG_EXITED,	/* the command ended: how, code */
};

struct init_msg {
	uint32_t	type;
	uint32_t	how;		/* enum gw_exit_how */
	int32_t		code;
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
	mode_t		  umask;
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
	struct conn		*conn;
	int			 have_exit;
	struct gw_sandbox_exited exit;
	char			*failure;	/* setup step that failed */
};
TAILQ_HEAD(sandboxlist, sandbox);
extern struct sandboxlist	 sandboxes;

/* control.c */
int		 control_listen(const char *, int *);
int		 control_init(int);
void		 control_shutdown(void);
int		 control_send(struct conn *, uint32_t, uint32_t, const void *,
		    size_t, const char *const *, size_t);
int		 control_send_error(struct conn *, uint32_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 control_finish(struct conn *);
unsigned int	 control_count_uid(uid_t);

/* sandbox.c */
int		 sandbox_start(struct conn *, struct request *);
void		 sandbox_signal(struct sandbox *, int);
int		 sandbox_kill_id(uint32_t);
void		 sandbox_detach(struct sandbox *);
void		 sandbox_kill_all(void);
unsigned int	 sandbox_count_uid(uid_t);

/* sandbox-env.c */
int		 sandbox_env_allowed(const char *);
char		**sandbox_env_build(char *const *, size_t);

/* sandbox-ns.c */
pid_t		 sandbox_ns_spawn(struct sandbox_spec *, int *);
void		 sandbox_ns_setup(void);

/* sandbox-mount.c */
int		 sandbox_mount_cwd_tree(int);
void		 sandbox_mount_setup(const struct sandbox_spec *);

/* sandbox-creds.c */
void		 sandbox_creds_drop(const struct sandbox_spec *);

/* sandbox-init.c */
void		 sandbox_init_sigset(sigset_t *);
void		 sandbox_init_run(struct sandbox_spec *) __attribute__((noreturn));
void		 sandbox_init_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

#endif /* GREYWALLD_H */
