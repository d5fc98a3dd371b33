/*
 * libFuzzer target for the kernel audit records greywalld reads
 * (audit-parse.c): every record of the host arrives there, and some of
 * their strings (paths, command names) are the sandbox's. Arbitrary bytes
 * as one record's text: the header, then each field audit.c asks for,
 * into heap buffers of the sizes audit.c uses, so a write past one is an
 * ASan report. Whatever is found must end inside its buffer.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A found field is a string inside its buffer. */
static void
check(int r, const char *out, size_t len)
{
	if (r != 0 && r != -1)
		abort();
	if (r == 0 && memchr(out, '\0', len) == NULL)
		abort();
}

static void
fields(const char *f)
{
	static const struct {
		const char	*key;
		size_t		 len;
		int		 str;	/* 1: audit_field_str */
	} asked[] = {
		{ "status", 32, 0 }, { "blockers", 128, 0 },
		{ "comm", 64, 1 }, { "path", GW_EVENT_STR_MAX, 1 },
		{ "name", GW_EVENT_STR_MAX, 1 }, { "ocomm", 64, 1 },
		{ "exe", 1, 1 }, { "a", 1, 0 },
	};
	static const struct {
		const char	*key;
		int		 base;
	} nums[] = {
		{ "domain", 16 }, { "pid", 10 }, { "ses", 10 }, { "opid", 10 },
		{ "dest", 10 }, { "arch", 16 }, { "syscall", 10 },
		{ "code", 16 },
	};
	char		*out;
	uint64_t	 v;
	size_t		 i;
	int		 r;

	for (i = 0; i < nitems(asked); i++) {
		if ((out = malloc(asked[i].len)) == NULL)
			return;
		r = asked[i].str ?
		    audit_field_str(f, asked[i].key, out, asked[i].len) :
		    audit_field(f, asked[i].key, out, asked[i].len);
		check(r, out, asked[i].len);
		if (r == 0 && strcmp(asked[i].key, "blockers") == 0 &&
		    audit_ll_action(out) == NULL)
			abort();
		free(out);
	}
	for (i = 0; i < nitems(nums); i++) {
		r = audit_field_num(f, nums[i].key, nums[i].base, &v);
		if (r != 0 && r != -1)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*f = NULL;
	char		*s;
	uint64_t	 serial;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	if (audit_header(s, &serial, &f) == 0) {
		if (f < s || f > s + strlen(s))
			abort();
		fields(f);
	} else
		fields(s);
	free(s);
	return (0);
}
