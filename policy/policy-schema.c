/*
 * The policy schema: one row per key (its dotted YAML name, value type,
 * merge class and built-in default) and the validation of one value of a
 * key's type into its canonical text and number. Nothing here logs or
 * looks anything up on the system; errors come back as messages that name
 * the key, the value and what would be accepted.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "policy.h"

#define DURATION_MAX	(365ULL * 86400)	/* a year, in seconds */
#define DOMAIN_MAX	253			/* RFC 1035 */
#define LABEL_MAX	63
#define COMMAND_MAX	256
#define ENVNAME_MAX	256
#define USERNAME_MAX	32			/* useradd(8) */
#define BRACE_DEPTH_MAX	4

const struct policy_keyinfo policy_keys[PK__MAX] = {
	[PK_USERS] = { .name = "users",
	    .type = PT_USER, .class = PC_SELECTOR, .list = 1 },
	[PK_GROUPS] = { .name = "groups",
	    .type = PT_GROUP, .class = PC_SELECTOR, .list = 1 },
	[PK_DEFAULT] = { .name = "default",
	    .type = PT_BOOL, .class = PC_SELECTOR },

	[PK_NET_UPSTREAM] = { .name = "network.upstream",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "none", "socks5" }, .dflt = "socks5" },
	[PK_NET_UPSTREAM_SOCKS5] = { .name = "network.upstream.socks5",
	    .type = PT_HOSTPORT, .class = PC_ADMIN,
	    .dflt = "127.0.0.1:43052" },
	/* Whether a proxy that reaches the host stops sandboxes. */
	[PK_NET_UPSTREAM_CHECK] = { .name = "network.upstream_check",
	    .type = PT_ENUM, .class = PC_ADMIN,
	    .enums = { "required", "warn", "off" }, .dflt = "warn" },
	[PK_NET_DNS_MODE] = { .name = "network.dns.mode",
	    .type = PT_ENUM, .class = PC_ADMIN,
	    .enums = { "fake-ip", "upstream" }, .dflt = "fake-ip" },
	[PK_NET_DNS_SERVER] = { .name = "network.dns.server",
	    .type = PT_HOSTPORT, .class = PC_ADMIN },
	[PK_NET_DOMAINS_ALLOW] = { .name = "network.domains.allow",
	    .type = PT_DOMAIN, .class = PC_ALLOW, .list = 1 },
	[PK_NET_DOMAINS_DENY] = { .name = "network.domains.deny",
	    .type = PT_DOMAIN, .class = PC_DENY, .list = 1 },
	[PK_NET_CIDRS_ALLOW] = { .name = "network.cidrs.allow",
	    .type = PT_CIDR, .class = PC_ALLOW, .list = 1 },
	[PK_NET_IPV6] = { .name = "network.ipv6",
	    .type = PT_BOOL, .class = PC_SCALAR, .dflt = "true" },
	[PK_NET_HOST_LOOPBACK_PORTS] = {
	    .name = "network.host_loopback.allow_ports",
	    .type = PT_PORT, .class = PC_ALLOW, .list = 1 },
	[PK_NET_INBOUND_PORTS] = { .name = "network.inbound.allow_ports",
	    .type = PT_PORT, .class = PC_ALLOW, .list = 1 },

	[PK_FS_CWD] = { .name = "filesystem.cwd",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "none", "ro", "rw" }, .dflt = "rw" },
	[PK_FS_READ] = { .name = "filesystem.read",
	    .type = PT_PATH, .class = PC_ALLOW, .list = 1 },
	[PK_FS_WRITE] = { .name = "filesystem.write",
	    .type = PT_PATH, .class = PC_ALLOW, .list = 1 },
	[PK_FS_DENY_READ] = { .name = "filesystem.deny_read",
	    .type = PT_PATH, .class = PC_DENY, .list = 1 },
	[PK_FS_DENY_WRITE] = { .name = "filesystem.deny_write",
	    .type = PT_PATH, .class = PC_DENY, .list = 1 },
	[PK_FS_MASK] = { .name = "filesystem.mask",
	    .type = PT_NAME_GLOB, .class = PC_DENY, .list = 1 },
	/* Protecting the shipped list is narrower than not protecting it. */
	[PK_FS_PROTECTED] = { .name = "filesystem.protected",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "default", "none" }, .dflt = "default" },
	/* Working directories refused unless listed: the home, "/". */
	[PK_FS_ALLOW_CWD] = { .name = "filesystem.allow_cwd",
	    .type = PT_ENUM, .class = PC_ALLOW, .list = 1,
	    .enums = { "home", "root" } },
	/* The sandbox's home: none narrowest, a private tmpfs widest. */
	[PK_FS_HOME] = { .name = "filesystem.home",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "none", "readonly", "private" }, .dflt = "none" },
	[PK_FS_PROJECT] = { .name = "filesystem.project",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "cwd", "worktree" }, .dflt = "worktree" },
	/* Reviewing writes before they land is narrower than not. */
	[PK_FS_REVIEW] = { .name = "filesystem.review",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "true", "false" }, .dflt = "false" },
	[PK_REVIEW_MAX_AGE] = { .name = "review.max_age",
	    .type = PT_DURATION, .class = PC_SCALAR, .max = DURATION_MAX,
	    .dflt = "7d" },
	[PK_REVIEW_MAX_SIZE] = { .name = "review.max_size",
	    .type = PT_SIZE, .class = PC_SCALAR, .dflt = "4G" },
	[PK_CACHES_STORE] = { .name = "caches.store",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "none", "private" }, .dflt = "private" },
	[PK_CACHES_PATHS] = { .name = "caches.paths",
	    .type = PT_PATH, .class = PC_ALLOW, .list = 1 },
	/* Bound from the user's real path: a write path, the admin's. */
	[PK_CACHES_REAL] = { .name = "caches.real",
	    .type = PT_PATH, .class = PC_ALLOW, .list = 1 },

	[PK_ENV_STRIP] = { .name = "env.strip",
	    .type = PT_ENV_GLOB, .class = PC_DENY, .list = 1 },
	[PK_COMMAND_DENY] = { .name = "command.deny",
	    .type = PT_COMMAND, .class = PC_DENY, .list = 1 },
	/* Exceptions to the guard: only the administrator grants them. */
	[PK_COMMAND_ALLOW] = { .name = "command.allow",
	    .type = PT_COMMAND, .class = PC_ALLOW, .list = 1 },
	[PK_COMMAND_DEFAULTS] = { .name = "command.defaults",
	    .type = PT_BOOL, .class = PC_ADMIN, .dflt = "true" },

	/* Numeric limits: a smaller value is narrower. */
	[PK_LIMITS_PIDS] = { .name = "limits.pids",
	    .type = PT_UINT, .class = PC_SCALAR, .max = 4194304 },
	[PK_LIMITS_MEMORY] = { .name = "limits.memory",
	    .type = PT_SIZE, .class = PC_SCALAR },
	[PK_LIMITS_CPU] = { .name = "limits.cpu",
	    .type = PT_CPU, .class = PC_SCALAR },
	[PK_LIMITS_WALL_TIME] = { .name = "limits.wall_time",
	    .type = PT_DURATION, .class = PC_SCALAR, .max = DURATION_MAX },
	/* Per user, counted by greywalld; unset: its --max-sandboxes. */
	[PK_LIMITS_SANDBOXES] = { .name = "limits.sandboxes",
	    .type = PT_UINT, .class = PC_SCALAR, .max = 100000 },

	[PK_HARDENING_LANDLOCK] = { .name = "hardening.landlock",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "required", "best-effort" }, .dflt = "required" },
	[PK_HARDENING_SECCOMP] = { .name = "hardening.seccomp",
	    .type = PT_ENUM, .class = PC_SCALAR,
	    .enums = { "default" }, .dflt = "default" },
	[PK_HARDENING_SECCOMP_DENY] = { .name = "hardening.seccomp_deny",
	    .type = PT_SYSCALL, .class = PC_DENY, .list = 1 },

	[PK_MONITOR_STREAM] = { .name = "monitor.stream_to_client",
	    .type = PT_BOOL, .class = PC_SCALAR, .dflt = "true" },
	[PK_CLIENT_MAY_ADD_READ] = { .name = "client_may.add_read",
	    .type = PT_BOOL, .class = PC_ADMIN, .dflt = "false" },
	[PK_CLIENT_MAY_ADD_WRITE] = { .name = "client_may.add_write",
	    .type = PT_BOOL, .class = PC_ADMIN, .dflt = "false" },
	/* The lists this file replaces instead of adding to (policy_merge). */
	[PK_REPLACE] = { .name = "replace",
	    .type = PT_KEYNAME, .class = PC_FILE, .list = 1 },
};

/* One value being validated. */
struct val {
	const struct policy_keyinfo	*ki;
	const char			*s;
	size_t				 len;
	char				 q[80];	/* s, printable */
	char				 canon[PATH_MAX];
	uint64_t			 num;
	char				*err;
	size_t				 errlen;
};

static int	 val_fail(struct val *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The row of a dotted key name, or -1. */
int
policy_key_find(const char *dotted)
{
	int	k;

	for (k = 0; k < PK__MAX; k++)
		if (strcmp(policy_keys[k].name, dotted) == 0)
			return (k);
	return (-1);
}

static int
val_fail(struct val *v, const char *fmt, ...)
{
	va_list	ap;

	if (v->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(v->err, v->errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

static int
val_canon(struct val *v, const char *s, size_t n)
{
	if (n >= sizeof(v->canon))
		return (val_fail(v, "'%s': '%s' is too long", v->ki->name,
		    v->q));
	memcpy(v->canon, s, n);
	v->canon[n] = '\0';
	return (0);
}

/*
 * Decimal digits only: no sign, no spaces, and no leading zero, which
 * YAML 1.1 readers take for octal. Returns 0, -1 if not a number or -2 if
 * it does not fit in 64 bits.
 */
static int
val_digits(const char *s, size_t n, uint64_t *ret)
{
	uint64_t	x = 0;
	size_t		i;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (-1);
	for (i = 0; i < n; i++) {
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-2);
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = x;
	return (0);
}

/* Only true and false: YAML 1.1's yes/no/on/off read differently elsewhere. */
static int
val_bool(struct val *v)
{
	if (strcmp(v->s, "true") == 0)
		v->num = 1;
	else if (strcmp(v->s, "false") == 0)
		v->num = 0;
	else
		return (val_fail(v, "'%s' must be true or false, not '%s'",
		    v->ki->name, v->q));
	return (val_canon(v, v->s, v->len));
}

static int
val_enum(struct val *v)
{
	char	 list[128];
	size_t	 i, n;
	int	 off = 0;

	for (n = 0; n < nitems(v->ki->enums) && v->ki->enums[n] != NULL; n++)
		if (strcmp(v->s, v->ki->enums[n]) == 0) {
			v->num = n;
			return (val_canon(v, v->s, v->len));
		}
	list[0] = '\0';
	for (i = 0; i < n; i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? "" : (i + 1 == n ? " or " : ", "),
		    v->ki->enums[i]);
	return (val_fail(v, "'%s' must be %s, not '%s'", v->ki->name, list,
	    v->q));
}

static int
val_uint(struct val *v)
{
	uint64_t	x;

	if (val_digits(v->s, v->len, &x) != 0 || x == 0 ||
	    (v->ki->max != 0 && x > v->ki->max))
		return (val_fail(v, "'%s' must be a whole number from 1 to "
		    "%llu, not '%s'", v->ki->name,
		    (unsigned long long)(v->ki->max ? v->ki->max : UINT64_MAX),
		    v->q));
	v->num = x;
	return (val_canon(v, v->s, v->len));
}

/* Binary units, upper case only: "512M" is 512 MiB. */
static int
val_size(struct val *v)
{
	static const char	 units[] = "KMGT";
	const char		*u;
	uint64_t		 x;
	size_t			 n = v->len;
	unsigned int		 shift = 0;
	int			 r;

	if (n > 0 && (u = strchr(units, v->s[n - 1])) != NULL) {
		shift = 10 * (unsigned int)(u - units + 1);
		n--;
	}
	if ((r = val_digits(v->s, n, &x)) == -1)
		return (val_fail(v, "'%s': '%s' is not a size: use a number "
		    "with an optional K, M, G or T suffix", v->ki->name, v->q));
	if (r == -2 || x > (UINT64_MAX >> shift) ||
	    (v->ki->max != 0 && (x << shift) > v->ki->max))
		return (val_fail(v, "'%s': '%s' is too large", v->ki->name,
		    v->q));
	if (x == 0)
		return (val_fail(v, "'%s' must be more than zero, not '%s'",
		    v->ki->name, v->q));
	v->num = x << shift;
	return (val_canon(v, v->s, v->len));
}

static int
val_duration(struct val *v)
{
	uint64_t	x, mul, max = v->ki->max ? v->ki->max : DURATION_MAX;
	size_t		n = v->len;
	int		r = -1;

	switch (n > 0 ? v->s[n - 1] : '\0') {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		mul = 0;
		break;
	}
	if (mul != 0)
		r = val_digits(v->s, n - 1, &x);
	if (r == -1)
		return (val_fail(v, "'%s': '%s' is not a duration: use a "
		    "number with an s, m, h or d suffix", v->ki->name, v->q));
	if (r == 0 && x == 0)
		return (val_fail(v, "'%s' must be more than zero, not '%s'",
		    v->ki->name, v->q));
	if (r == -2 || x > max / mul)
		return (val_fail(v, "'%s': '%s' is too long: the most is %llud",
		    v->ki->name, v->q, (unsigned long long)max / 86400));
	v->num = x * mul;
	return (val_canon(v, v->s, v->len));
}

/*
 * "50%": at most half of one CPU's time, "250%": two and a half CPUs
 * (a quota, enforced even when the machine is idle); "weight:200": twice
 * the default share when CPUs are contended (100 is the default).
 */
static int
val_cpu(struct val *v)
{
	uint64_t	x;

	if (v->len > 1 && v->s[v->len - 1] == '%') {
		if (val_digits(v->s, v->len - 1, &x) != 0 || x == 0 ||
		    x > POLICY_CPU_QUOTA_MAX)
			return (val_fail(v, "'%s': '%s' is not a CPU quota: "
			    "use a percentage of one CPU from 1%% to %u%%",
			    v->ki->name, v->q, POLICY_CPU_QUOTA_MAX));
		v->num = x;
		return (val_canon(v, v->s, v->len));
	}
	if (str_has_prefix(v->s, "weight:")) {
		if (val_digits(v->s + 7, v->len - 7, &x) != 0 || x == 0 ||
		    x > POLICY_CPU_WEIGHT_MAX)
			return (val_fail(v, "'%s': '%s' is not a CPU weight: "
			    "use 'weight:N' with N from 1 to %u (100 is the "
			    "default share)", v->ki->name, v->q,
			    POLICY_CPU_WEIGHT_MAX));
		v->num = POLICY_CPU_WEIGHT | x;
		return (val_canon(v, v->s, v->len));
	}
	return (val_fail(v, "'%s': '%s' is not a CPU limit: use a quota such "
	    "as '50%%' or a weight such as 'weight:200'", v->ki->name, v->q));
}

/* A port number from 1 to 65535; 0 on error. */
static unsigned int
val_portnum(const char *s, size_t n)
{
	uint64_t	x;

	if (val_digits(s, n, &x) != 0 || x == 0 || x > 65535)
		return (0);
	return ((unsigned int)x);
}

static int
val_port(struct val *v)
{
	if ((v->num = val_portnum(v->s, v->len)) == 0)
		return (val_fail(v, "'%s' must be a port number from 1 to "
		    "65535, not '%s'", v->ki->name, v->q));
	return (val_canon(v, v->s, v->len));
}

/*
 * Check a domain name or pattern and write it lower-cased to out (at least
 * DOMAIN_MAX + 1 bytes). These are Fence's rules (validateDomainPattern in
 * Use-Tusk/fence internal/config/config.go): no scheme, path or port; a
 * wildcard only as a leading "*." followed by at least two labels; at
 * least two labels otherwise; no leading or trailing dot. On top of them:
 * RFC 1123 labels, no IP addresses (they are not names, and belong in
 * network.cidrs) and no "localhost", which Fence accepts: host services
 * are reached through network.host_loopback.allow_ports, and a name that
 * resolves to loopback must not open them. A bare "*" is every name. A
 * hostname to connect to (pattern = 0) takes no wildcard but may be a
 * single label.
 * Returns NULL or why the name is refused.
 */
static const char *
val_domain_check(const char *s, size_t len, int pattern, char *out)
{
	struct in_addr	 a4;
	const char	*p, *end, *dot;
	char		 c;
	size_t		 i, nlabels = 0, lablen;
	int		 wild = 0, numeric = 0;

	if (len == 0)
		return ("it is empty");
	if (strchr(s, '/') != NULL || strchr(s, ':') != NULL)
		return ("leave out any scheme, path and port");
	if (pattern && len == 1 && s[0] == '*') {
		memcpy(out, "*", 2);
		return (NULL);
	}
	if (pattern && strncmp(s, "*.", 2) == 0)
		wild = 1;
	if (strchr(s + 2 * wild, '*') != NULL)
		return (pattern ? "a wildcard is only accepted as a whole "
		    "leading label, as in '*.example.com'" :
		    "a host to connect to takes no wildcard");
	if (len > DOMAIN_MAX)
		return ("it is longer than 253 characters");
	if (s[0] == '.')
		return ("it starts with a dot (write '*.example.com' to match "
		    "subdomains)");
	if (s[len - 1] == '.')
		return ("it ends with a dot");
	if (pattern && strcmp(s, "localhost") == 0)
		return ("host services are reached through "
		    "network.host_loopback.allow_ports, not by name");

	for (p = s + 2 * wild, end = s + len; p < end; p = dot + 1) {
		if ((dot = memchr(p, '.', end - p)) == NULL)
			dot = end;
		lablen = dot - p;
		if (lablen == 0)
			return ("it has an empty label ('..')");
		if (lablen > LABEL_MAX)
			return ("a label is longer than 63 characters");
		if (p[0] == '-' || p[lablen - 1] == '-')
			return ("a label starts or ends with '-'");
		numeric = 1;
		for (i = 0; i < lablen; i++) {
			c = p[i];
			if (c >= '0' && c <= '9')
				continue;
			numeric = 0;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '-')
				continue;
			return ("only letters, digits, '-' and '.' are "
			    "allowed");
		}
		nlabels++;
	}
	/* The last label is a top-level domain, never all digits. */
	if (numeric)
		return (inet_pton(AF_INET, s, &a4) == 1 ?
		    "it is an IP address: addresses belong in network.cidrs" :
		    "it ends in a numeric label, like an IP address");
	if (wild && nlabels < 2)
		return ("a wildcard needs at least two labels after '*.', as "
		    "in '*.example.com'");
	if (pattern && nlabels < 2)
		return ("it needs at least two labels, as in 'example.com'");

	for (i = 0; i < len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	out[len] = '\0';
	return (NULL);
}

static int
val_domain(struct val *v)
{
	const char	*why;

	if ((why = val_domain_check(v->s, v->len, 1, v->canon)) != NULL)
		return (val_fail(v, "'%s': '%s' is not a domain pattern: %s",
		    v->ki->name, v->q, why));
	return (0);
}

/*
 * "1.2.3.4:80", "[::1]:53" or "host.example:1080". The canonical form has
 * the address as inet_ntop(3) prints it, or the name in lower case.
 */
static int
val_hostport(struct val *v)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 host[DOMAIN_MAX + 1], canon[DOMAIN_MAX + 3];
	char		 addr[INET6_ADDRSTRLEN];
	const char	*colon, *why;
	size_t		 hlen, i;
	unsigned int	 port;

	if (strstr(v->s, "://") != NULL)
		return (val_fail(v, "'%s': '%s' is not host:port: leave out "
		    "the scheme, as in '127.0.0.1:1080'", v->ki->name, v->q));
	if (v->s[0] == '[') {
		if ((colon = strchr(v->s, ']')) == NULL || colon[1] != ':')
			return (val_fail(v, "'%s': '%s' is not host:port: an "
			    "IPv6 address needs ']:port' after it, as in "
			    "'[::1]:53'", v->ki->name, v->q));
		hlen = colon - v->s - 1;
		colon++;
		if (hlen >= INET6_ADDRSTRLEN)
			hlen = INET6_ADDRSTRLEN;
		memcpy(host, v->s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return (val_fail(v, "'%s': '%s' is not host:port: no "
			    "valid IPv6 address in the brackets", v->ki->name,
			    v->q));
		inet_ntop(AF_INET6, &a6, addr, sizeof(addr));
		snprintf(canon, sizeof(canon), "[%s]", addr);
	} else {
		if ((colon = strrchr(v->s, ':')) == NULL)
			return (val_fail(v, "'%s': '%s' is not host:port: the "
			    "port is missing, as in '127.0.0.1:1080'",
			    v->ki->name, v->q));
		hlen = colon - v->s;
		if (memchr(v->s, ':', hlen) != NULL)
			return (val_fail(v, "'%s': '%s' is not host:port: "
			    "write an IPv6 address in brackets, as in "
			    "'[::1]:53'", v->ki->name, v->q));
		if (hlen > DOMAIN_MAX)
			return (val_fail(v, "'%s': '%s' is not host:port: the "
			    "host is longer than 253 characters", v->ki->name,
			    v->q));
		memcpy(host, v->s, hlen);
		host[hlen] = '\0';
		for (i = 0; i < hlen; i++)
			if ((host[i] < '0' || host[i] > '9') && host[i] != '.')
				break;
		if (hlen > 0 && i == hlen) {
			if (inet_pton(AF_INET, host, &a4) != 1)
				return (val_fail(v, "'%s': '%s' is not "
				    "host:port: '%s' is not an IPv4 address",
				    v->ki->name, v->q, host));
			inet_ntop(AF_INET, &a4, canon, sizeof(canon));
		} else if ((why = val_domain_check(host, hlen, 0,
		    canon)) != NULL)
			return (val_fail(v, "'%s': '%s' is not host:port: the "
			    "host name is not valid: %s", v->ki->name, v->q,
			    why));
		else
			/*
			 * The netstack connects to an address and never
			 * resolves a name (a resolver answer would decide
			 * where every sandbox's traffic goes): refuse it
			 * here, where a start would otherwise fail later.
			 */
			return (val_fail(v, "'%s': '%s' is not a numeric "
			    "address and port: greywall does not look up "
			    "host names here; write the address, as in "
			    "'%s'", v->ki->name, v->q,
			    strcmp(canon, "localhost") == 0 ?
			    "127.0.0.1:43052" : "192.0.2.1:1080"));
	}
	if ((port = val_portnum(colon + 1, strlen(colon + 1))) == 0)
		return (val_fail(v, "'%s': '%s' is not host:port: the port "
		    "must be a number from 1 to 65535", v->ki->name, v->q));
	v->num = port;
	snprintf(v->canon, sizeof(v->canon), "%s:%u", canon, port);
	return (0);
}

/* "10.0.0.0/8" or "fd00::/8", with the host bits clear. */
static int
val_cidr(struct val *v)
{
	unsigned char	 a[16], m[16];
	char		 addr[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	const char	*slash;
	uint64_t	 plen;
	size_t		 alen, i;
	int		 af, bits, dirty = 0;

	if ((slash = strrchr(v->s, '/')) == NULL)
		return (val_fail(v, "'%s': '%s' is not a CIDR: it needs a "
		    "prefix length, as in '10.0.0.0/8' or 'fd00::/8'",
		    v->ki->name, v->q));
	alen = slash - v->s;
	if (alen >= sizeof(addr))
		alen = sizeof(addr) - 1;
	memcpy(addr, v->s, alen);
	addr[alen] = '\0';
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	bits = af == AF_INET6 ? 128 : 32;
	if (inet_pton(af, addr, a) != 1)
		return (val_fail(v, "'%s': '%s' is not a CIDR: '%s' is not an "
		    "IPv%d address", v->ki->name, v->q, addr,
		    af == AF_INET6 ? 6 : 4));
	if (val_digits(slash + 1, strlen(slash + 1), &plen) != 0 ||
	    plen > (uint64_t)bits)
		return (val_fail(v, "'%s': '%s' is not a CIDR: the prefix "
		    "length must be from 0 to %d", v->ki->name, v->q, bits));
	memcpy(m, a, sizeof(m));
	for (i = 0; i < (size_t)bits / 8; i++) {
		if (i * 8 >= plen)
			m[i] = 0;
		else if (i * 8 + 8 > plen)
			m[i] &= (unsigned char)(0xff << (8 - (plen - i * 8)));
		if (m[i] != a[i])
			dirty = 1;
	}
	inet_ntop(af, m, net, sizeof(net));
	if (dirty)
		return (val_fail(v, "'%s': '%s' has host bits set: did you "
		    "mean '%s/%u'?", v->ki->name, v->q, net,
		    (unsigned int)plen));
	v->num = plen;
	snprintf(v->canon, sizeof(v->canon), "%s/%u", net, (unsigned int)plen);
	return (0);
}

/*
 * One path component, or a whole name glob: not "." or "..", '*', '?',
 * '[...]' and '{a,b}' as in fnmatch(3) and shells, "**" only as the whole
 * component (and only in paths), brackets and braces closed within the
 * component. Backslash escapes are refused rather than half supported.
 */
static const char *
val_component(const char *c, size_t n, int path)
{
	size_t	i, j;
	int	depth = 0;

	if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
		return ("'.' and '..' are not accepted: they would make rules "
		    "ambiguous");
	if (n == 2 && c[0] == '*' && c[1] == '*')
		return (path ? NULL : "'**' matches across directories: a "
		    "name pattern takes '*'");
	for (i = 0; i < n; i++) {
		switch (c[i]) {
		case '*':
			if (i + 1 < n && c[i + 1] == '*')
				return ("'**' must be a whole path component, "
				    "as in 'a/**/b'");
			break;
		case '[':
			j = i + 1;
			if (j < n && (c[j] == '!' || c[j] == '^'))
				j++;
			if (j < n && c[j] == ']')
				j++;
			while (j < n && c[j] != ']')
				j++;
			if (j >= n)
				return ("'[' has no closing ']' in the same "
				    "component");
			i = j;
			break;
		case ']':
			return ("']' has no opening '['");
		case '{':
			if (++depth > BRACE_DEPTH_MAX)
				return ("braces are nested more than 4 deep");
			if (i + 1 < n && c[i + 1] == '}')
				return ("'{}' is empty");
			break;
		case '}':
			if (depth-- == 0)
				return ("'}' has no opening '{'");
			break;
		case '\\':
			return ("backslash escapes are not supported");
		}
	}
	if (depth > 0)
		return ("'{' has no closing '}' in the same component");
	return (NULL);
}

static const char *
val_controls(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ("it contains a control character");
	return (NULL);
}

/*
 * "/abs", "~", "~/rel" or "rel", with globs. '~' is the peer's own home,
 * never '~user': whose home that is depends on the host's user database,
 * not on the policy. The canonical form drops a trailing '/'.
 */
static int
val_path(struct val *v)
{
	const char	*s = v->s, *why = NULL, *p, *end, *slash;
	size_t		 n = v->len, start = 0;

	if (n == 0)
		why = "it is empty";
	else if (n >= PATH_MAX)
		why = "it is longer than PATH_MAX";
	else if ((why = val_controls(s, n)) != NULL)
		;
	else if (s[0] == '~' && n > 1 && s[1] != '/')
		why = "only '~' (the user's own home) is accepted, not "
		    "'~user'";
	else if (strstr(s, "//") != NULL)
		why = "it contains '//'";
	if (why != NULL)
		return (val_fail(v, "'%s': '%s' is not a valid path: %s",
		    v->ki->name, v->q, why));

	if (n > 1 && s[n - 1] == '/')
		n--;
	if (s[0] == '/' || s[0] == '~')
		start = 1;
	if (start < n && s[start] == '/')
		start++;
	for (p = s + start, end = s + n; p < end; p = slash + 1) {
		if ((slash = memchr(p, '/', end - p)) == NULL)
			slash = end;
		if ((why = val_component(p, slash - p, 1)) != NULL)
			return (val_fail(v, "'%s': '%s' is not a valid path: "
			    "%s", v->ki->name, v->q, why));
	}
	/*
	 * One meaning for every path key: a path names one file. A glob
	 * would have to be expanded when each sandbox starts, walking the
	 * user's directories, and would silently cover nothing where it
	 * matched nothing; name patterns belong in filesystem.mask.
	 */
	if (strpbrk(s, "*?[]{}") != NULL)
		return (val_fail(v, "'%s': '%s' is a glob pattern, and paths"
		    " are literal: name each path (name patterns go in"
		    " filesystem.mask)", v->ki->name, v->q));
	return (val_canon(v, s, n));
}

static int
val_name_glob(struct val *v)
{
	const char	*why = NULL;

	if (v->len == 0)
		why = "it is empty";
	else if (v->len > NAME_MAX)
		why = "it is longer than NAME_MAX";
	else if (strchr(v->s, '/') != NULL)
		why = "it contains '/': a name pattern matches one file name";
	else if ((why = val_controls(v->s, v->len)) == NULL)
		why = val_component(v->s, v->len, 0);
	if (why != NULL)
		return (val_fail(v, "'%s': '%s' is not a valid file name "
		    "pattern: %s", v->ki->name, v->q, why));
	return (val_canon(v, v->s, v->len));
}

static int
val_env_glob(struct val *v)
{
	size_t	i;
	char	c;

	for (i = 0; i < v->len; i++) {
		c = v->s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || c == '*' || (i > 0 && c >= '0' && c <= '9'))
			continue;
		break;
	}
	if (v->len == 0 || i < v->len || v->len > ENVNAME_MAX)
		return (val_fail(v, "'%s': '%s' is not a variable name "
		    "pattern: use letters, digits, '_' and '*', not starting "
		    "with a digit", v->ki->name, v->q));
	return (val_canon(v, v->s, v->len));
}

static int
val_command(struct val *v)
{
	const char	*why = NULL;

	if (v->len == 0)
		why = "it is empty";
	else if (v->len > COMMAND_MAX)
		why = "it is longer than 256 characters";
	else if ((why = val_controls(v->s, v->len)) != NULL)
		;
	else if (v->s[0] == ' ' || v->s[v->len - 1] == ' ')
		why = "it starts or ends with a space";
	if (why != NULL)
		return (val_fail(v, "'%s': '%s' is not a valid command: %s",
		    v->ki->name, v->q, why));
	return (val_canon(v, v->s, v->len));
}

/* A system call by name, as libseccomp knows it for this architecture. */
static int
val_syscall(struct val *v)
{
	size_t	i;

	for (i = 0; i < v->len; i++)
		if (!(islower((unsigned char)v->s[i]) ||
		    isdigit((unsigned char)v->s[i]) || v->s[i] == '_'))
			break;
	if (v->len == 0 || v->len > 64 || i != v->len ||
	    seccomp_syscall_resolve_name(v->s) == __NR_SCMP_ERROR)
		return (val_fail(v, "'%s': '%s' is not a system call of this"
		    " architecture", v->ki->name, v->q));
	return (val_canon(v, v->s, v->len));
}

/*
 * A user or group name as useradd(8) would make one, not looked up: a
 * policy may name an account before it exists.
 */
static int
val_account(struct val *v)
{
	size_t	i, n = v->len;
	char	c;

	if (n > 1 && v->s[n - 1] == '$')
		n--;
	for (i = 0; i < n; i++) {
		c = v->s[i];
		if ((c >= 'a' && c <= 'z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '-')))
			continue;
		break;
	}
	if (n == 0 || i < n || v->len > USERNAME_MAX)
		return (val_fail(v, "'%s': '%s' is not a valid %s name: use up "
		    "to 32 of a-z, 0-9, '_' and '-', starting with a letter or "
		    "'_'", v->ki->name, v->q,
		    v->ki->type == PT_USER ? "user" : "group"));
	return (val_canon(v, v->s, v->len));
}

/* replace: the name of a list key of the schema a file may set. */
static int
val_keyname(struct val *v)
{
	char	sug[POLICY_SUGGEST_MAX];
	int	k;

	if ((k = policy_key_find(v->s)) == -1) {
		if (policy_key_suggest("", v->s, sug, sizeof(sug)) == 0 &&
		    strcmp(sug, v->s) != 0)
			return (val_fail(v, "'%s': '%s' is not a key; did you "
			    "mean '%s'?", v->ki->name, v->q, sug));
		return (val_fail(v, "'%s': '%s' is not a key of the policy "
		    "(write it dotted, as in 'network.domains.allow')",
		    v->ki->name, v->q));
	}
	if (!policy_keys[k].list)
		return (val_fail(v, "'%s': '%s' is a single value, and a later "
		    "file's value already replaces it; only lists need "
		    "'replace'", v->ki->name, v->q));
	if (policy_keys[k].class == PC_SELECTOR ||
	    policy_keys[k].class == PC_FILE)
		return (val_fail(v, "'%s': '%s' chooses files, it is not "
		    "merged", v->ki->name, v->q));
	v->num = (uint64_t)k;
	return (val_canon(v, v->s, v->len));
}

/*
 * Edit distance between a and b (optimal string alignment: insert,
 * delete, substitute, swap two neighbours), or a large number when
 * either is too long to be a key.
 */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	d[POLICY_SUGGEST_MAX + 1][POLICY_SUGGEST_MAX + 1];
	size_t	la = strlen(a), lb = strlen(b), i, j, c, best;

	if (la > POLICY_SUGGEST_MAX || lb > POLICY_SUGGEST_MAX)
		return (SIZE_MAX);
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < best)
				best = d[i - 1][j - 1] + c;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return (d[la][lb]);
}

/*
 * A key the administrator may have meant by key under the mapping path
 * ("" for the top level, else dotted): the nearest name at that level
 * within a few edits, else the same name where it does exist (a key at
 * the wrong level: "domains" at the top is "network.domains"), else for
 * a dotted key the nearest full name. The whole dotted name goes to buf.
 * Returns 0, or -1 when nothing is near.
 */
int
policy_key_suggest(const char *path, const char *key, char *buf,
    size_t len)
{
	char		 comp[POLICY_SUGGEST_MAX + 1];
	const char	*name, *rest;
	size_t		 plen = strlen(path), klen = strlen(key), l, dist;
	size_t		 best = SIZE_MAX, max;
	int		 k;

	/* One edit in a short name, two in a longer one. */
	max = klen <= 4 ? 1 : klen <= 8 ? 2 : 3;
	buf[0] = '\0';
	for (k = 0; k < PK__MAX; k++) {
		name = policy_keys[k].name;
		if (plen > 0 && (strncmp(name, path, plen) != 0 ||
		    name[plen] != '.'))
			continue;
		rest = plen > 0 ? name + plen + 1 : name;
		/* A name with dots is compared whole, else by level. */
		l = strchr(key, '.') != NULL ? strlen(rest) :
		    strcspn(rest, ".");
		if (l > POLICY_SUGGEST_MAX)
			continue;
		memcpy(comp, rest, l);
		comp[l] = '\0';
		if ((dist = edit_distance(key, comp)) <= max && dist < best) {
			best = dist;
			snprintf(buf, len, "%s%s%s", path, plen > 0 ? "." : "",
			    comp);
		}
	}
	if (best != SIZE_MAX)
		return (0);
	/* The same name at another level. */
	for (k = 0; k < PK__MAX && klen > 0; k++) {
		name = policy_keys[k].name;
		for (rest = name; (rest = strstr(rest, key)) != NULL; rest++) {
			if ((rest == name || rest[-1] == '.') &&
			    (rest[klen] == '\0' || rest[klen] == '.')) {
				snprintf(buf, len, "%.*s", (int)(rest - name +
				    klen), name);
				return (0);
			}
		}
	}
	return (-1);
}

/*
 * Validate one scalar, or one list element, of key k. On success out->str
 * is a malloc'd canonical string and out->num its number (see struct
 * policy_value); out->src is not touched. On failure returns -1 with a
 * message in err and out->str NULL.
 */
int
policy_value_parse(enum policy_key k, const char *text,
    struct policy_value *out, char *err, size_t errlen)
{
	struct val	 val, *v = &val;
	int		 r;

	out->str = NULL;
	out->num = 0;
	if ((unsigned int)k >= PK__MAX || text == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "no such policy key");
		return (-1);
	}
	memset(v, 0, sizeof(*v));
	v->ki = &policy_keys[k];
	v->s = text;
	v->len = strlen(text);
	v->err = err;
	v->errlen = errlen;
	str_display(v->q, sizeof(v->q), text, strlen(text));

	switch (v->ki->type) {
	case PT_BOOL:
		r = val_bool(v);
		break;
	case PT_ENUM:
		r = val_enum(v);
		break;
	case PT_UINT:
		r = val_uint(v);
		break;
	case PT_SIZE:
		r = val_size(v);
		break;
	case PT_DURATION:
		r = val_duration(v);
		break;
	case PT_CPU:
		r = val_cpu(v);
		break;
	case PT_HOSTPORT:
		r = val_hostport(v);
		break;
	case PT_PORT:
		r = val_port(v);
		break;
	case PT_PATH:
		r = val_path(v);
		break;
	case PT_NAME_GLOB:
		r = val_name_glob(v);
		break;
	case PT_DOMAIN:
		r = val_domain(v);
		break;
	case PT_CIDR:
		r = val_cidr(v);
		break;
	case PT_ENV_GLOB:
		r = val_env_glob(v);
		break;
	case PT_COMMAND:
		r = val_command(v);
		break;
	case PT_SYSCALL:
		r = val_syscall(v);
		break;
	case PT_USER:
	case PT_GROUP:
		r = val_account(v);
		break;
	case PT_KEYNAME:
		r = val_keyname(v);
		break;
	default:
		r = val_fail(v, "'%s' has an unknown type", v->ki->name);
		break;
	}
	if (r == 0) {
		if ((out->str = strdup(v->canon)) == NULL)
			r = val_fail(v, "out of memory");
		else
			out->num = v->num;
	}
	return (r);
}
