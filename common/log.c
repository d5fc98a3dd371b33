/*
 * Logging for greywalld, in the OpenBSD daemon tradition: log_warn appends
 * strerror(errno), log_warnx does not, fatal exits. Under systemd
 * ($JOURNAL_STREAM set) lines go to stderr with sd-daemon priority prefixes
 * so journald keeps the level; in the foreground they go to stderr plain;
 * a detached daemon uses syslog.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common.h"

static int	log_to_stderr = 1;
static int	log_journal;
static int	log_verbose;

void
log_init(int to_stderr, int verbose)
{
	log_to_stderr = to_stderr;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (!log_to_stderr)
		openlog("greywalld", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

static void __attribute__((format(printf, 3, 0)))
vlog(int pri, int saved_errno, const char *fmt, va_list ap)
{
	char	msg[2048];
	int	n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (saved_errno != 0 && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s",
		    strerror(saved_errno));
	if (!log_to_stderr)
		syslog(pri, "%s", msg);
	else if (log_journal)
		fprintf(stderr, "<%d>%s\n", pri, msg);
	else
		fprintf(stderr, "greywalld: %s\n", msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, saved_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
