/*
 * libFuzzer target for the policy parser: arbitrary bytes as a policy.d
 * file and as a client overlay, each parsed into a policy that already
 * holds values (as when files are merged), then cleared. ASan reports any
 * leak or overread; the checks below catch results that make no sense.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	 base[] = "default: true\nfilesystem:\n"
    "  deny_read: [\"~/.ssh\"]\n  cwd: rw\n";

/* Every value the parser left must be a valid, canonical value of its key. */
static void
check(const struct policy *p, const char *name)
{
	const struct policy_entry	*e;
	const struct policy_value	*v;
	struct policy_value		 again;
	char				 err[512];
	size_t				 i;
	int				 k;

	for (k = 0; k < PK__MAX; k++) {
		e = &p->e[k];
		if (!e->set) {
			if (e->n != 0 || e->one.str != NULL)
				abort();
			continue;
		}
		if (policy_keys[k].list != (e->one.str == NULL))
			abort();
		for (i = 0; i < (policy_keys[k].list ? e->n : 1); i++) {
			v = policy_keys[k].list ? &e->v[i] : &e->one;
			if (v->src.file != name && v->src.file != base)
				abort();
			if (v->src.line == 0 || v->src.col == 0)
				abort();
			if (policy_value_parse(k, v->str, &again, err,
			    sizeof(err)) != 0)
				abort();
			if (strcmp(again.str, v->str) != 0 ||
			    again.num != v->num)
				abort();
			free(again.str);
		}
	}
}

static void
run(const uint8_t *data, size_t size, int flags)
{
	static const char	 name[] = "fuzz.yaml";
	struct policy		 p;
	struct policy_error	 err;
	char			*buf;
	int			 r;

	memset(&p, 0, sizeof(p));
	if (policy_parse(base, base, sizeof(base) - 1, 0, &p, &err) != 0)
		abort();
	/* An exact-size copy, so ASan sees any read past the end. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	r = policy_parse(name, buf, size, flags, &p, &err);
	free(buf);
	if (r == -1) {
		if (err.line == 0 || err.col == 0 || err.msg[0] == '\0' ||
		    strcmp(err.file, name) != 0 ||
		    memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			abort();
	} else {
		if (r != 0 || err.msg[0] != '\0')
			abort();
		if ((flags & POLICY_PARSE_OVERLAY) &&
		    (p.e[PK_USERS].n > 0 || p.e[PK_GROUPS].n > 0))
			abort();
		check(&p, name);
	}
	policy_clear(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, POLICY_PARSE_OVERLAY);
	return (0);
}
