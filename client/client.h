/* gw and gwctl: the unprivileged clients of greywalld. */
#ifndef GW_CLIENT_H
#define GW_CLIENT_H

#include <sys/ioctl.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/types.h>

#include <jansson.h>

#include "gw-protocol.h"
#include "common.h"

/* gw's own failures, as in env(1) and timeout(1). */
#define GW_EXIT_TIMEOUT		124	/* limits.wall_time ran out */
#define GW_EXIT_FAILURE		125
#define GW_EXIT_CANNOT_EXEC	126
#define GW_EXIT_NOT_FOUND	127

/* A usage error, for gw and gwctl alike. */
#define CLIENT_EXIT_USAGE	2

/* Where and how violation events are printed. */
struct client_events {
	FILE		*human;		/* or NULL */
	FILE		*json;		/* or NULL */
	const char	*prefix;	/* before each human line */
	int		 monitor;	/* gwctl monitor: time, sandbox, uid */
	int		 crlf;		/* the terminal is in raw mode */
	int		 learn;		/* gw exec --learn collects them */
	uint64_t	 events;
	uint64_t	 dropped;
};

/* client.c */
void		 client_usage_error(const char *, const char *, ...)
		    __attribute__((noreturn, format(printf, 2, 3)));
void		 client_getopt_error(const char *, int, char **)
		    __attribute__((noreturn));
int		 client_global_opts(int, char **, const char *, void (*)(int),
		    const char **);
const char	*client_socket_path(const char *);
int		 client_expect(int, struct gw_msg *);
int		 client_why(const char *, uint32_t, const char *,
		    const char *, const char *);
int		 client_policy_show(const char *, uint32_t, const char *,
		    int);
int		 client_connect(const char *, uint32_t);
int		 client_connect_start(const char *, uint32_t);
int		 client_hello_reply(int);
int		 client_recv(int, struct gw_msg *);
const char	*client_error_text(const struct gw_msg *);
void		 client_event_print(struct client_events *, struct gw_msg *);

/* json.c */
json_t		*client_json_str(const char *);
void		 client_json_set(json_t *, const char *, json_t *);
void		 client_json_append(json_t *, json_t *);
int		 client_json_print(FILE *, json_t *, size_t);

/* learn.c */
void		 learn_event(uint32_t, const char *const *);
void		 learn_seed(const char *);
int		 learn_finish(const char *, const char *, const char *, int);

/* passwd.c: a passwd entry, looked up through getent(1) */
struct client_pw {
	char		name[256];
	char		dir[4096];
	uid_t		uid;
	gid_t		gid;
};
int		 client_passwd(const char *, struct client_pw *);
int		 client_passwd_parse(char *, struct client_pw *);

/* status.c */
int		 client_status(int, int);
/* cache.c */
int		 client_cache(int, char **);

/* review-change.c: pure */
enum review_kind {
	REVIEW_ADDED = 1,
	REVIEW_MODIFIED,
	REVIEW_DELETED,
	REVIEW_RENAMED,
};
#define REVIEW_F_EXEC		0x01	/* a new executable */
#define REVIEW_F_SYMLINK	0x02	/* a new or changed symlink */
#define REVIEW_F_OUTSIDE	0x04	/* ... pointing out of the project */
#define REVIEW_F_GIT		0x08	/* under .git/ */
#define REVIEW_F_GIT_RUNS	0x10	/* hooks, config: git runs these */
#define REVIEW_F_UNUSUAL	0x20	/* a hidden name outside usual places */
#define REVIEW_F_SETID		0x40	/* set-user/group-id: refused */
#define REVIEW_F_SPECIAL	0x80	/* device, fifo, socket: refused */
int		 review_path_ok(const char *);
unsigned int	 review_flags(const char *, int, mode_t, mode_t);
int		 review_link_outside(const char *, const char *);
int		 review_selected(const char *, char *const *, size_t);

/* review.c */
void		 review_after_exec(const char *, int);
int		 client_review(int, char **);
int		 client_diff(int, char **);
int		 client_apply(int, char **);
int		 client_discard(int, char **);

/* tty.c */
#define TTY_NPOLL	2
int		 tty_detect(struct winsize *, int *);
int		 tty_start(int);
int		 tty_active(void);
void		 tty_cont(void);
void		 tty_winch(void);
int		 tty_pollfds(struct pollfd *);
void		 tty_handle(const struct pollfd *, int);
void		 tty_finish(int);
void		 tty_hangup(void);
void		 tty_suspend(void);
void		 tty_restore(void);

#endif /* GW_CLIENT_H */
