/*
 * libFuzzer target for the protocol framing and validation: arbitrary bytes
 * as one received datagram, through gw_msg_parse() and gw_msg_validate()
 * both ways. Whatever validates must build back into the same bytes, every
 * string must be readable to its NUL inside the message, and an fd handed
 * to the parser must be closed whether it accepts or not.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw-protocol.h"

/*
 * The input goes into a large static buffer, where ASan cannot see a read
 * past its end; poison the rest of the buffer so it can.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef poison
#define poison(p, n)	((void)(p), (void)(n))
#define unpoison(p, n)	((void)(p), (void)(n))
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct gw_msg	msg;

static void
check(struct gw_msg *m, const uint8_t *data, size_t size,
    enum gw_msgdir dir)
{
	uint8_t	*out;
	size_t	 out_len, i, slen = 0;

	if (gw_msg_validate(m, dir) == -1) {
		if (errno != EPROTO || m->nstr != 0)
			abort();
		return;
	}
	if (m->nstr > GW_MSG_NSTR_MAX)
		abort();
	for (i = 0; i < m->nstr; i++)
		slen += strlen(m->str[i]) + 1;
	if (slen > m->hdr.len)
		abort();
	if (gw_msg_build(m->hdr.type, m->hdr.id, m->data, m->hdr.len - slen,
	    m->str, m->nstr, &out, &out_len) == -1)
		abort();
	if (out_len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
}

static void
run(const uint8_t *data, size_t size, int fd)
{
	if (gw_msg_parse(&msg, size, fd) == 0) {
		if (fd >= 0 && msg.fd != fd)
			abort();
		check(&msg, data, size, GW_DIR_TO_DAEMON);
		check(&msg, data, size, GW_DIR_TO_CLIENT);
		gw_msg_clear(&msg);
	}
	if (msg.fd != -1 || (fd >= 0 && fcntl(fd, F_GETFD) != -1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	n = size < sizeof(msg.buf) ? size : sizeof(msg.buf);
	int	fd;

	unpoison(msg.buf, sizeof(msg.buf));
	memcpy(msg.buf, data, n);
	poison(msg.buf + n, sizeof(msg.buf) - n);

	run(data, size, -1);
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1)
		run(data, size, fd);
	return (0);
}
