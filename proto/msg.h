/*
 * Framing, fd passing and validation for the greywall protocol. Does not
 * log: every function returns -1 with errno set (EPROTO for a malformed
 * message) and the caller decides what to say.
 */
#ifndef GW_MSG_H
#define GW_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "gw-protocol.h"

#define GW_MSG_NSTR_MAX	6

/* Which side a message type may travel to. */
enum gw_msgdir {
	GW_DIR_TO_DAEMON = 1,
	GW_DIR_TO_CLIENT = 2,
};

struct gw_msg {
	struct gw_hdr	 hdr;
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
int	 gw_msg_send(int, uint32_t, uint32_t, const void *, size_t,
	    const char *const *, size_t, int);
const char *gw_msg_typename(uint32_t);
const char *gw_event_kindname(uint32_t);

#endif /* GW_MSG_H */
