/*
 * A tiny TAP producer for the C unit tests: plan(), ok(), skip_all() and
 * done_testing(), whose value is the exit status for main().
 */
#ifndef GW_TAP_H
#define GW_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int	tap_planned = -1;
static int	tap_run;
static int	tap_failed;

static __attribute__((unused)) void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static __attribute__((unused, format(printf, 2, 3))) int
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return (cond);
}

/*
 * Meson's TAP parser reads "1..0 # SKIP" as a skip only when the exit
 * status is 0; 77 is the skip status of its exit-code protocol and a TAP
 * test exiting with it is an error (meson 1.0, mtest.py TestRunTAP).
 */
static __attribute__((unused, noreturn)) void
skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	fflush(stdout);
	exit(0);
}

static __attribute__((unused)) int
done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_run != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_run);
		return (1);
	}
	if (tap_failed > 0)
		printf("# failed %d of %d tests\n", tap_failed, tap_run);
	return (tap_failed > 0);
}

#endif /* GW_TAP_H */
