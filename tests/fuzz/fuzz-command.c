/*
 * libFuzzer target for the command guard: arbitrary bytes as the string
 * of "sh -c STRING" and, split at NULs, as an argv, against a fixed deny
 * and allow list with the defaults. It must return 0 or 1, and a block
 * must name the entry and the command it matched.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	*deny[] = { "git push", "rm -rf", "dd if=", NULL };
static char	*allow[] = { "git push origin docs", NULL };

static void
check(char *const *argv)
{
	struct guard_match	m;
	int			r;

	r = command_guard_check(argv, deny, allow, 1, &m);
	if (r != 0 && r != 1)
		abort();
	if (r == 1 && (m.prefix == NULL ||
	    memchr(m.command, '\0', sizeof(m.command)) == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *argv[64], *sh[4];
	size_t	 n = 0, i;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	sh[0] = "/bin/sh";
	sh[1] = "-c";
	sh[2] = s;
	sh[3] = NULL;
	check(sh);
	/* The same bytes as argv words. */
	argv[n++] = s;
	for (i = 0; i < size && n < 63; i++)
		if (s[i] == '\0')
			argv[n++] = s + i + 1;
	argv[n] = NULL;
	check(argv);
	free(s);
	return (0);
}
