/*
 * Shared helpers for every program: greywalld, gw-netstack, gw, gwctl.
 * libc only.
 *
 * Convention: functions return 0 on success and -1 with errno set on
 * failure. Nothing in common/ logs except log.c itself; callers decide
 * what to say.
 */
#ifndef GW_COMMON_H
#define GW_COMMON_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>

#define _cleanup_(f)	__attribute__((cleanup(f)))
#define _cleanup_free_	_cleanup_(freep)
#define _cleanup_close_	_cleanup_(closep)

/* Take ownership of an fd or pointer so a cleanup attribute skips it. */
#define TAKE_FD(fd)	({ int _fd = (fd); (fd) = -1; _fd; })
#define TAKE_PTR(p)	({ __typeof__(p) _p = (p); (p) = NULL; _p; })

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef __unused
#define __unused	__attribute__((unused))
#endif

/* util.c */
void	 freep(void *);
void	 closep(int *);

int	 fd_set_nonblock(int);
int	 fd_set_nodelay(int);
int	 fd_close_except(const int *, size_t);
ssize_t	 fd_sendmsg(int, const void *, size_t, int);
ssize_t	 fd_sendmsgv(int, const struct iovec *, int, int, int);
ssize_t	 fd_recvmsg(int, void *, size_t, int *, int);
int	 str_has_prefix(const char *, const char *);
void	 str_sanitize(char *);
void	 str_display(char *, size_t, const char *, size_t);
int	 port_parse(const char *, uint16_t *);

/* landlock.c */
int	 landlock_abi(void);
uint64_t landlock_fs_handled(int);

/*
 * log.c: daemon logging: stderr when in the foreground or under systemd,
 * else syslog.
 */
void	log_init(int, int);
void	log_setverbose(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* GW_COMMON_H */
