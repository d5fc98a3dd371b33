/* gw and gwctl: the unprivileged clients of greywalld. */
#ifndef GW_CLIENT_H
#define GW_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "gw-protocol.h"
#include "msg.h"
#include "util.h"

/* gw's own failures, as in env(1) and timeout(1). */
#define GW_EXIT_TIMEOUT		124	/* limits.wall_time ran out */
#define GW_EXIT_FAILURE		125
#define GW_EXIT_CANNOT_EXEC	126
#define GW_EXIT_NOT_FOUND	127

/* client.c */
int		 client_global_opts(int, char **, const char *, void (*)(int),
		    const char **);
const char	*client_socket_path(const char *);
int		 client_expect(int, struct gw_msg *);
int		 client_policy_show(const char *, uint32_t, const char *);
int		 client_connect(const char *, uint32_t);
int		 client_recv(int, struct gw_msg *);
const char	*client_error_text(const struct gw_msg *);

#endif /* GW_CLIENT_H */
