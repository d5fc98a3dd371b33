/*
 * Tests for policy/policy-schema.c: the key table, and one value of every
 * type accepted into its canonical text and number, or refused with a
 * message that says why.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

struct accept {
	enum policy_key	 k;
	const char	*in;
	const char	*canon;
	uint64_t	 num;
};

struct reject {
	enum policy_key	 k;
	const char	*in;
	const char	*why;		/* a substring of the message */
};

static const struct accept accepts[] = {
	/* PT_BOOL */
	{ PK_NET_IPV6, "true", "true", 1 },
	{ PK_NET_IPV6, "false", "false", 0 },
	{ PK_DEFAULT, "true", "true", 1 },

	/* PT_ENUM: the number is the index, narrowest first */
	{ PK_FS_CWD, "none", "none", 0 },
	{ PK_FS_CWD, "ro", "ro", 1 },
	{ PK_FS_CWD, "rw", "rw", 2 },
	{ PK_NET_UPSTREAM, "none", "none", 0 },
	{ PK_NET_UPSTREAM, "socks5", "socks5", 1 },
	{ PK_NET_DNS_MODE, "upstream", "upstream", 1 },
	{ PK_FS_PROTECTED, "default", "default", 0 },
	{ PK_FS_PROTECTED, "none", "none", 1 },
	{ PK_FS_ALLOW_CWD, "home", "home", 0 },
	{ PK_FS_ALLOW_CWD, "root", "root", 1 },
	{ PK_FS_HOME, "none", "none", 0 },
	{ PK_FS_HOME, "private", "private", 2 },
	{ PK_FS_PROJECT, "worktree", "worktree", 1 },
	{ PK_CACHES_STORE, "none", "none", 0 },
	{ PK_HARDENING_LANDLOCK, "best-effort", "best-effort", 1 },
	{ PK_HARDENING_SECCOMP, "default", "default", 0 },

	/* PT_UINT */
	{ PK_LIMITS_PIDS, "1", "1", 1 },
	{ PK_LIMITS_PIDS, "512", "512", 512 },
	{ PK_LIMITS_PIDS, "4194304", "4194304", 4194304 },
	{ PK_LIMITS_SANDBOXES, "1", "1", 1 },
	{ PK_LIMITS_SANDBOXES, "100000", "100000", 100000 },

	/* PT_SIZE: binary units */
	{ PK_LIMITS_MEMORY, "512M", "512M", 512ULL << 20 },
	{ PK_LIMITS_MEMORY, "4G", "4G", 4ULL << 30 },
	{ PK_LIMITS_MEMORY, "1K", "1K", 1024 },
	{ PK_LIMITS_MEMORY, "2T", "2T", 2ULL << 40 },
	{ PK_LIMITS_MEMORY, "4096", "4096", 4096 },
	{ PK_LIMITS_MEMORY, "16777215T", "16777215T", 16777215ULL << 40 },
	{ PK_LIMITS_MEMORY, "18446744073709551615", "18446744073709551615",
	    UINT64_MAX },

	/* PT_DURATION: seconds */
	{ PK_LIMITS_WALL_TIME, "90s", "90s", 90 },
	{ PK_LIMITS_WALL_TIME, "30m", "30m", 1800 },
	{ PK_LIMITS_WALL_TIME, "2h", "2h", 7200 },
	{ PK_LIMITS_WALL_TIME, "1d", "1d", 86400 },
	{ PK_LIMITS_WALL_TIME, "365d", "365d", 365 * 86400 },
	{ PK_LIMITS_WALL_TIME, "31536000s", "31536000s", 31536000 },

	/* PT_CPU: percent of one CPU, or a weight with POLICY_CPU_WEIGHT */
	{ PK_LIMITS_CPU, "50%", "50%", 50 },
	{ PK_LIMITS_CPU, "1%", "1%", 1 },
	{ PK_LIMITS_CPU, "250%", "250%", 250 },
	{ PK_LIMITS_CPU, "100000%", "100000%", 100000 },
	{ PK_LIMITS_CPU, "weight:200", "weight:200", POLICY_CPU_WEIGHT | 200 },
	{ PK_LIMITS_CPU, "weight:1", "weight:1", POLICY_CPU_WEIGHT | 1 },
	{ PK_LIMITS_CPU, "weight:10000", "weight:10000",
	    POLICY_CPU_WEIGHT | 10000 },

	/* PT_PORT */
	{ PK_NET_INBOUND_PORTS, "1", "1", 1 },
	{ PK_NET_INBOUND_PORTS, "3000", "3000", 3000 },
	{ PK_NET_HOST_LOOPBACK_PORTS, "65535", "65535", 65535 },

	/* PT_HOSTPORT: the number is the port */
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1:43052", "127.0.0.1:43052",
	    43052 },
	{ PK_NET_DNS_SERVER, "[::1]:53", "[::1]:53", 53 },
	{ PK_NET_DNS_SERVER, "[0:0:0::1]:53", "[::1]:53", 53 },
	{ PK_NET_DNS_SERVER, "[FD00::A]:5353", "[fd00::a]:5353", 5353 },

	/* PT_KEYNAME: a list key */
	{ PK_REPLACE, "network.domains.allow", "network.domains.allow",
	    PK_NET_DOMAINS_ALLOW },
	{ PK_REPLACE, "filesystem.deny_read", "filesystem.deny_read",
	    PK_FS_DENY_READ },

	/* PT_PATH: a trailing '/' goes */
	{ PK_FS_READ, "~", "~", 0 },
	{ PK_FS_READ, "~/", "~", 0 },
	{ PK_FS_READ, "~/x", "~/x", 0 },
	{ PK_FS_READ, "~/.config/pip/", "~/.config/pip", 0 },
	{ PK_FS_READ, "/", "/", 0 },
	{ PK_FS_READ, "/srv/data/", "/srv/data", 0 },
	{ PK_FS_WRITE, "build", "build", 0 },
	{ PK_FS_WRITE, "a/b~c", "a/b~c", 0 },
	{ PK_FS_DENY_WRITE, "/home/ünï", "/home/ünï", 0 },
	{ PK_FS_DENY_WRITE, "/a/.hidden/..x", "/a/.hidden/..x", 0 },

	/* PT_NAME_GLOB */
	{ PK_FS_MASK, ".env", ".env", 0 },
	{ PK_FS_MASK, ".env.*", ".env.*", 0 },
	{ PK_FS_MASK, "*.p[ek][my]", "*.p[ek][my]", 0 },
	{ PK_FS_MASK, "{id_rsa,id_ed25519}", "{id_rsa,id_ed25519}", 0 },

	/* PT_DOMAIN: lower-cased */
	{ PK_NET_DOMAINS_ALLOW, "example.com", "example.com", 0 },
	{ PK_NET_DOMAINS_ALLOW, "api.example.com", "api.example.com", 0 },
	{ PK_NET_DOMAINS_ALLOW, "*.example.com", "*.example.com", 0 },
	{ PK_NET_DOMAINS_ALLOW, "*.api.example.com", "*.api.example.com", 0 },
	{ PK_NET_DOMAINS_ALLOW, "PyPI.org", "pypi.org", 0 },
	{ PK_NET_DOMAINS_ALLOW, "xn--bcher-kva.example",
	    "xn--bcher-kva.example", 0 },
	{ PK_NET_DOMAINS_ALLOW, "a-b.c0.example.com", "a-b.c0.example.com", 0 },
	{ PK_NET_DOMAINS_DENY, "1password.com", "1password.com", 0 },
	{ PK_NET_DOMAINS_ALLOW, "*", "*", 0 },		/* every name */
	{ PK_NET_DOMAINS_DENY, "*", "*", 0 },

	/* PT_CIDR: the number is the prefix length */
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0/8", "10.0.0.0/8", 8 },
	{ PK_NET_CIDRS_ALLOW, "192.168.1.1/32", "192.168.1.1/32", 32 },
	{ PK_NET_CIDRS_ALLOW, "0.0.0.0/0", "0.0.0.0/0", 0 },
	{ PK_NET_CIDRS_ALLOW, "fd00::/8", "fd00::/8", 8 },
	{ PK_NET_CIDRS_ALLOW, "2001:DB8:0::/32", "2001:db8::/32", 32 },
	{ PK_NET_CIDRS_ALLOW, "::1/128", "::1/128", 128 },
	{ PK_NET_CIDRS_ALLOW, "::/0", "::/0", 0 },

	/* PT_ENV_GLOB */
	{ PK_ENV_STRIP, "AWS_*", "AWS_*", 0 },
	{ PK_ENV_STRIP, "GITHUB_TOKEN", "GITHUB_TOKEN", 0 },
	{ PK_ENV_STRIP, "*_TOKEN", "*_TOKEN", 0 },
	{ PK_ENV_STRIP, "_x1", "_x1", 0 },
	{ PK_ENV_STRIP, "*", "*", 0 },
	/* PT_SYSCALL */
	{ PK_HARDENING_SECCOMP_DENY, "clock_settime", "clock_settime", 0 },
	{ PK_HARDENING_SECCOMP_DENY, "socket", "socket", 0 },
	{ PK_HARDENING_SECCOMP_DENY, "io_uring_setup", "io_uring_setup", 0 },

	/* PT_COMMAND */
	{ PK_COMMAND_DENY, "git push", "git push", 0 },
	{ PK_COMMAND_DENY, "npm publish", "npm publish", 0 },
	{ PK_COMMAND_DENY, "dd if=/dev/zero", "dd if=/dev/zero", 0 },

	/* PT_USER, PT_GROUP: not looked up */
	{ PK_USERS, "alice", "alice", 0 },
	{ PK_USERS, "_svc-build1", "_svc-build1", 0 },
	{ PK_USERS, "machine$", "machine$", 0 },
	{ PK_USERS, "nosuchuser-greywall", "nosuchuser-greywall", 0 },
	{ PK_GROUPS, "devs", "devs", 0 },
	{ PK_GROUPS, "abcdefghijabcdefghijabcdefghijab",
	    "abcdefghijabcdefghijabcdefghijab", 0 },
};

static const struct reject rejects[] = {
	/* PT_BOOL: YAML 1.1 spellings are not booleans here */
	{ PK_NET_IPV6, "yes", "'network.ipv6' must be true or false, "
	    "not 'yes'" },
	{ PK_NET_IPV6, "no", "must be true or false" },
	{ PK_NET_IPV6, "on", "must be true or false" },
	{ PK_NET_IPV6, "off", "must be true or false" },
	{ PK_NET_IPV6, "1", "must be true or false" },
	{ PK_NET_IPV6, "0", "must be true or false" },
	{ PK_NET_IPV6, "True", "must be true or false" },
	{ PK_NET_IPV6, "", "must be true or false, not ''" },

	/* PT_ENUM */
	{ PK_FS_CWD, "RW", "'filesystem.cwd' must be none, ro or rw, "
	    "not 'RW'" },
	{ PK_FS_CWD, "rw ", "must be none, ro or rw" },
	{ PK_HARDENING_SECCOMP, "off", "must be default, not 'off'" },
	{ PK_HARDENING_LANDLOCK, "best_effort",
	    "must be required or best-effort" },

	/* PT_UINT */
	{ PK_LIMITS_PIDS, "0", "must be a whole number from 1 to 4194304" },
	{ PK_LIMITS_PIDS, "4194305", "from 1 to 4194304, not '4194305'" },
	{ PK_LIMITS_PIDS, "0512", "not '0512'" },
	{ PK_LIMITS_PIDS, "-1", "whole number" },
	{ PK_LIMITS_PIDS, "+5", "whole number" },
	{ PK_LIMITS_PIDS, "5.0", "whole number" },
	{ PK_LIMITS_PIDS, "99999999999999999999999", "whole number" },
	{ PK_LIMITS_PIDS, "", "whole number" },
	{ PK_LIMITS_SANDBOXES, "0", "must be a whole number from 1 to 100000" },
	{ PK_LIMITS_SANDBOXES, "100001", "from 1 to 100000, not '100001'" },

	/* PT_SIZE */
	{ PK_LIMITS_MEMORY, "4X", "'limits.memory': '4X' is not a size: use a "
	    "number with an optional K, M, G or T suffix" },
	{ PK_LIMITS_MEMORY, "4g", "is not a size" },
	{ PK_LIMITS_MEMORY, "4GiB", "is not a size" },
	{ PK_LIMITS_MEMORY, "4 G", "is not a size" },
	{ PK_LIMITS_MEMORY, "G", "is not a size" },
	{ PK_LIMITS_MEMORY, "1.5G", "is not a size" },
	{ PK_LIMITS_MEMORY, "0512M", "is not a size" },
	{ PK_LIMITS_MEMORY, "", "is not a size" },
	{ PK_LIMITS_MEMORY, "0", "must be more than zero, not '0'" },
	{ PK_LIMITS_MEMORY, "0G", "must be more than zero" },
	{ PK_LIMITS_MEMORY, "16777216T", "'16777216T' is too large" },
	{ PK_LIMITS_MEMORY, "18446744073709551616", "is too large" },
	{ PK_LIMITS_MEMORY, "99999999999999999999999G", "is too large" },

	/* PT_DURATION */
	{ PK_LIMITS_WALL_TIME, "0s", "must be more than zero, not '0s'" },
	{ PK_LIMITS_WALL_TIME, "2", "'2' is not a duration: use a number "
	    "with an s, m, h or d suffix" },
	{ PK_LIMITS_WALL_TIME, "1w", "is not a duration" },
	{ PK_LIMITS_WALL_TIME, "2H", "is not a duration" },
	{ PK_LIMITS_WALL_TIME, "1h30m", "is not a duration" },
	{ PK_LIMITS_WALL_TIME, "h", "is not a duration" },
	{ PK_LIMITS_WALL_TIME, "", "is not a duration" },
	{ PK_LIMITS_WALL_TIME, "366d", "'366d' is too long: the most is 365d" },
	{ PK_LIMITS_WALL_TIME, "31536001s", "is too long" },
	{ PK_LIMITS_WALL_TIME, "99999999999999999999999d", "is too long" },

	/* PT_CPU */
	{ PK_LIMITS_CPU, "0%", "'limits.cpu': '0%' is not a CPU quota: use a "
	    "percentage of one CPU from 1% to 100000%" },
	{ PK_LIMITS_CPU, "100001%", "is not a CPU quota" },
	{ PK_LIMITS_CPU, "50", "'limits.cpu': '50' is not a CPU limit: use a "
	    "quota such as '50%' or a weight such as 'weight:200'" },
	{ PK_LIMITS_CPU, "0.5", "is not a CPU limit" },
	{ PK_LIMITS_CPU, "%", "is not a CPU limit" },
	{ PK_LIMITS_CPU, "050%", "is not a CPU quota" },
	{ PK_LIMITS_CPU, "1.5%", "is not a CPU quota" },
	{ PK_LIMITS_CPU, "-5%", "is not a CPU quota" },
	{ PK_LIMITS_CPU, "99999999999999999999999%", "is not a CPU quota" },
	{ PK_LIMITS_CPU, "weight:0", "'limits.cpu': 'weight:0' is not a CPU "
	    "weight: use 'weight:N' with N from 1 to 10000" },
	{ PK_LIMITS_CPU, "weight:10001", "is not a CPU weight" },
	{ PK_LIMITS_CPU, "weight:", "is not a CPU weight" },
	{ PK_LIMITS_CPU, "weight: 5", "is not a CPU weight" },
	{ PK_LIMITS_CPU, "Weight:5", "is not a CPU limit" },
	{ PK_LIMITS_CPU, "shares:5", "is not a CPU limit" },
	{ PK_LIMITS_CPU, "", "is not a CPU limit" },

	/* PT_PORT */
	{ PK_NET_INBOUND_PORTS, "0", "must be a port number from 1 to 65535, "
	    "not '0'" },
	{ PK_NET_INBOUND_PORTS, "65536", "not '65536'" },
	{ PK_NET_INBOUND_PORTS, "080", "port number" },
	{ PK_NET_INBOUND_PORTS, "http", "port number" },
	{ PK_NET_HOST_LOOPBACK_PORTS, "-1", "port number" },

	/* PT_HOSTPORT */
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1", "the port is missing" },
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1:0", "the port must be a number "
	    "from 1 to 65535" },
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1:65536", "the port must be" },
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1:", "the port must be" },
	{ PK_NET_UPSTREAM_SOCKS5, "::1:53", "write an IPv6 address in "
	    "brackets" },
	{ PK_NET_UPSTREAM_SOCKS5, "[::1]", "needs ']:port'" },
	{ PK_NET_UPSTREAM_SOCKS5, "[::1:53", "needs ']:port'" },
	{ PK_NET_UPSTREAM_SOCKS5, "[::g]:53", "no valid IPv6 address" },
	{ PK_NET_UPSTREAM_SOCKS5, "[1.2.3.4]:53", "no valid IPv6 address" },
	{ PK_NET_UPSTREAM_SOCKS5, "127.1:80", "'127.1' is not an IPv4 "
	    "address" },
	{ PK_NET_UPSTREAM_SOCKS5, "256.0.0.1:80", "is not an IPv4 address" },
	{ PK_NET_UPSTREAM_SOCKS5, ":80", "the host name is not valid: it is "
	    "empty" },
	{ PK_NET_UPSTREAM_SOCKS5, "*.example.com:80", "takes no wildcard" },
	{ PK_NET_UPSTREAM_SOCKS5, "a_b:80", "only letters, digits" },
	{ PK_NET_UPSTREAM_SOCKS5, "socks5://127.0.0.1:1080",
	    "leave out the scheme" },
	{ PK_NET_UPSTREAM_SOCKS5, "h/x:80", "the host name is not valid" },
	/* The netstack connects to addresses: a name would fail each start. */
	{ PK_NET_UPSTREAM_SOCKS5, "localhost:43052", "'localhost:43052' is "
	    "not a numeric address and port: greywall does not look up host "
	    "names here; write the address, as in '127.0.0.1:43052'" },
	{ PK_NET_UPSTREAM_SOCKS5, "Proxy.Example.COM:1080", "not a numeric "
	    "address and port" },
	{ PK_NET_DNS_SERVER, "dns:53", "not a numeric address and port" },

	/* PT_KEYNAME */
	{ PK_REPLACE, "network.domains.allw", "'replace': "
	    "'network.domains.allw' is not a key; did you mean "
	    "'network.domains.allow'?" },
	{ PK_REPLACE, "filesystem.cwd", "is a single value" },
	{ PK_REPLACE, "users", "chooses files" },
	{ PK_REPLACE, "replace", "chooses files" },
	{ PK_REPLACE, "filesystem", "is not a key of the policy" },

	/* PT_PATH */
	{ PK_FS_READ, "", "is not a valid path: it is empty" },
	{ PK_FS_READ, "a/../b", "'a/../b' is not a valid path: '.' and '..' "
	    "are not accepted" },
	{ PK_FS_READ, "..", "'.' and '..' are not accepted" },
	{ PK_FS_READ, ".", "'.' and '..' are not accepted" },
	{ PK_FS_READ, "./x", "'.' and '..' are not accepted" },
	{ PK_FS_READ, "/a/.", "'.' and '..' are not accepted" },
	{ PK_FS_READ, "~/..", "'.' and '..' are not accepted" },
	{ PK_FS_READ, "~root/x", "only '~' (the user's own home) is "
	    "accepted, not '~user'" },
	{ PK_FS_READ, "~root", "not '~user'" },
	{ PK_FS_READ, "//x", "it contains '//'" },
	{ PK_FS_READ, "/a//b", "it contains '//'" },
	{ PK_FS_READ, "/a//", "it contains '//'" },
	{ PK_FS_READ, "[a", "'[' has no closing ']'" },
	{ PK_FS_READ, "/x/[a/b]", "'[' has no closing ']'" },
	{ PK_FS_READ, "/x/[]", "'[' has no closing ']'" },
	{ PK_FS_READ, "/x/a]", "']' has no opening '['" },
	{ PK_FS_READ, "{a,b", "'{' has no closing '}'" },
	{ PK_FS_READ, "/x/{a/b}", "'{' has no closing '}'" },
	{ PK_FS_READ, "a,b}", "'}' has no opening '{'" },
	{ PK_FS_READ, "/x/{}", "'{}' is empty" },
	{ PK_FS_READ, "{{{{{a}}}}}", "braces are nested more than 4 deep" },
	{ PK_FS_READ, "/a/b**", "'**' must be a whole path component" },
	{ PK_FS_READ, "/a/***/b", "'**' must be a whole path component" },
	{ PK_FS_READ, "a\\*", "backslash escapes are not supported" },
	{ PK_FS_READ, "/a\nb", "it contains a control character" },
	{ PK_FS_READ, "/a\tb", "'/a?b' is not a valid path" },
	{ PK_FS_READ, "/a\x7f", "control character" },
	/* Well-formed globs: one meaning, refused as the file is read. */
#define GLOB "is a glob pattern, and paths are literal"
	{ PK_FS_DENY_READ, "/a/**/b", GLOB },
	{ PK_FS_DENY_READ, "**/.env", GLOB },
	{ PK_FS_DENY_READ, "~/.ssh/id_*", GLOB },
	{ PK_FS_DENY_READ, "*.key", GLOB },
	{ PK_FS_DENY_READ, "{a,b}", GLOB },
	{ PK_FS_DENY_READ, "/x/{a,{b,c}}/y", GLOB },
	{ PK_FS_DENY_READ, ".env{,.local}", GLOB },
	{ PK_FS_DENY_WRITE, "/dev/sd[a-z]", GLOB },
	{ PK_FS_DENY_WRITE, "/x/[!.]?", GLOB },
	{ PK_FS_DENY_WRITE, "/x/[]]", GLOB },
	{ PK_FS_READ, "~/src/*", "name patterns go in filesystem.mask" },

	{ PK_FS_ALLOW_CWD, "/", "must be home or root, not '/'" },
	{ PK_FS_ALLOW_CWD, "tmp", "must be home or root" },

	/* PT_NAME_GLOB */
	{ PK_FS_MASK, "", "is not a valid file name pattern: it is empty" },
	{ PK_FS_MASK, "a/b", "it contains '/'" },
	{ PK_FS_MASK, "/", "it contains '/'" },
	{ PK_FS_MASK, ".", "'.' and '..' are not accepted" },
	{ PK_FS_MASK, "..", "'.' and '..' are not accepted" },
	{ PK_FS_MASK, "**", "a name pattern takes '*'" },
	{ PK_FS_MASK, "[x", "'[' has no closing ']'" },
	{ PK_FS_MASK, "{}", "'{}' is empty" },
	{ PK_FS_MASK, "\x1b[31m", "control character" },

	/* PT_DOMAIN: Fence's rules, plus labels, IPs and localhost */
	{ PK_NET_DOMAINS_ALLOW, "*example.com", "'*example.com' is not a "
	    "domain pattern: a wildcard is only accepted as a whole leading "
	    "label" },
	{ PK_NET_DOMAINS_ALLOW, "ex*.com", "a wildcard is only accepted" },
	{ PK_NET_DOMAINS_ALLOW, "example.*.com", "a wildcard is only" },
	{ PK_NET_DOMAINS_ALLOW, "example.com.*", "a wildcard is only" },
	{ PK_NET_DOMAINS_ALLOW, "*.*.example.com", "a wildcard is only" },
	{ PK_NET_DOMAINS_ALLOW, "**.example.com", "a wildcard is only" },
	{ PK_NET_DOMAINS_ALLOW, "**", "a wildcard is only accepted" },
	{ PK_NET_DOMAINS_ALLOW, "*.com", "a wildcard needs at least two "
	    "labels after '*.'" },
	{ PK_NET_DOMAINS_ALLOW, "*.", "it ends with a dot" },
	{ PK_NET_DOMAINS_ALLOW, "-a.com", "a label starts or ends with '-'" },
	{ PK_NET_DOMAINS_ALLOW, "a-.com", "a label starts or ends with '-'" },
	{ PK_NET_DOMAINS_ALLOW, "a..com", "it has an empty label" },
	{ PK_NET_DOMAINS_ALLOW, ".example.com", "it starts with a dot" },
	{ PK_NET_DOMAINS_ALLOW, "example.com.", "it ends with a dot" },
	{ PK_NET_DOMAINS_ALLOW, "example", "it needs at least two labels" },
	{ PK_NET_DOMAINS_ALLOW, "localhost", "host services are reached "
	    "through network.host_loopback.allow_ports" },
	{ PK_NET_DOMAINS_ALLOW, "192.168.1.1", "it is an IP address: "
	    "addresses belong in network.cidrs" },
	{ PK_NET_DOMAINS_DENY, "10.0.0.1", "it is an IP address" },
	{ PK_NET_DOMAINS_ALLOW, "1.2.3", "it ends in a numeric label" },
	{ PK_NET_DOMAINS_ALLOW, "::1", "leave out any scheme, path and port" },
	{ PK_NET_DOMAINS_ALLOW, "https://example.com", "leave out any "
	    "scheme, path and port" },
	{ PK_NET_DOMAINS_ALLOW, "example.com/path", "leave out any scheme" },
	{ PK_NET_DOMAINS_ALLOW, "example.com:443", "leave out any scheme" },
	{ PK_NET_DOMAINS_ALLOW, "under_score.com", "only letters, digits, "
	    "'-' and '.' are allowed" },
	{ PK_NET_DOMAINS_ALLOW, "ex ample.com", "only letters, digits" },
	{ PK_NET_DOMAINS_ALLOW, "bücher.example", "only letters, digits" },
	{ PK_NET_DOMAINS_ALLOW, "", "it is empty" },
	{ PK_NET_DOMAINS_ALLOW,
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    ".com", "a label is longer than 63 characters" },

	/* PT_CIDR */
	{ PK_NET_CIDRS_ALLOW, "10.1.2.3/8", "'10.1.2.3/8' has host bits set: "
	    "did you mean '10.0.0.0/8'?" },
	{ PK_NET_CIDRS_ALLOW, "192.168.1.1/24", "did you mean "
	    "'192.168.1.0/24'?" },
	{ PK_NET_CIDRS_ALLOW, "fd00::1/8", "did you mean 'fd00::/8'?" },
	{ PK_NET_CIDRS_ALLOW, "1.0.0.0/0", "did you mean '0.0.0.0/0'?" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0", "it needs a prefix length" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0/33", "the prefix length must be from "
	    "0 to 32" },
	{ PK_NET_CIDRS_ALLOW, "::/129", "from 0 to 128" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0/", "the prefix length" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0/08", "the prefix length" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0.0/-8", "the prefix length" },
	{ PK_NET_CIDRS_ALLOW, "10.0.0/8", "'10.0.0' is not an IPv4 address" },
	{ PK_NET_CIDRS_ALLOW, "example.com/8", "is not an IPv4 address" },
	{ PK_NET_CIDRS_ALLOW, "fd00:::/8", "is not an IPv6 address" },

	/* PT_ENV_GLOB */
	{ PK_ENV_STRIP, "", "is not a variable name pattern" },
	{ PK_ENV_STRIP, "1A", "not starting with a digit" },
	{ PK_ENV_STRIP, "A-B", "is not a variable name pattern" },
	{ PK_ENV_STRIP, "A=B", "is not a variable name pattern" },
	{ PK_ENV_STRIP, "A?", "is not a variable name pattern" },
	{ PK_ENV_STRIP, "A B", "is not a variable name pattern" },
	{ PK_HARDENING_SECCOMP_DENY, "no_such_call",
	    "'hardening.seccomp_deny': 'no_such_call' is not a system call" },
	{ PK_HARDENING_SECCOMP_DENY, "PTRACE", "is not a system call" },
	{ PK_HARDENING_SECCOMP_DENY, "", "is not a system call" },
	{ PK_HARDENING_SECCOMP_DENY, "ptrace x", "is not a system call" },

	/* PT_COMMAND */
	{ PK_COMMAND_DENY, "", "is not a valid command: it is empty" },
	{ PK_COMMAND_DENY, " git push", "starts or ends with a space" },
	{ PK_COMMAND_DENY, "git push ", "starts or ends with a space" },
	{ PK_COMMAND_DENY, "git\tpush", "control character" },
	{ PK_COMMAND_DENY, "git push\n", "control character" },

	/* PT_USER, PT_GROUP */
	{ PK_USERS, "Alice", "'Alice' is not a valid user name" },
	{ PK_USERS, "1alice", "is not a valid user name" },
	{ PK_USERS, "-alice", "is not a valid user name" },
	{ PK_USERS, "al ice", "is not a valid user name" },
	{ PK_USERS, "al$ice", "is not a valid user name" },
	{ PK_USERS, "$", "is not a valid user name" },
	{ PK_USERS, "", "is not a valid user name" },
	{ PK_USERS, "1000", "is not a valid user name" },
	{ PK_GROUPS, "abcdefghijabcdefghijabcdefghijabc",
	    "is not a valid group name" },
	{ PK_GROUPS, "dev.s", "is not a valid group name" },
};

static void
test_table(void)
{
	struct policy_value	 v;
	char			 err[512];
	int			 k, i, ok_rows = 1, ok_dflt = 1, r;

	for (k = 0; k < PK__MAX; k++) {
		const struct policy_keyinfo	*ki = &policy_keys[k];

		if (ki->name == NULL || policy_key_find(ki->name) != k) {
			ok_rows = 0;
			continue;
		}
		if ((ki->type == PT_ENUM) != (ki->enums[0] != NULL))
			ok_rows = 0;
		if (ki->list && ki->dflt != NULL)
			ok_rows = 0;
		if (ki->dflt == NULL)
			continue;
		r = policy_value_parse(k, ki->dflt, &v, err, sizeof(err));
		if (r != 0 || strcmp(v.str, ki->dflt) != 0) {
			printf("# default of %s: %s\n", ki->name,
			    r != 0 ? err : v.str);
			ok_dflt = 0;
		}
		free(v.str);
	}
	ok(ok_rows, "policy_keys: one row per key, in enum order");
	ok(ok_dflt, "policy_keys: every built-in default is valid and "
	    "canonical");

	ok(policy_key_find("filesystem.deny_read") == PK_FS_DENY_READ,
	    "policy_key_find finds filesystem.deny_read");
	ok(policy_key_find("client_may.add_write") == PK_CLIENT_MAY_ADD_WRITE,
	    "policy_key_find finds client_may.add_write");
	ok(policy_key_find("replace") == PK_REPLACE,
	    "policy_key_find finds the last key");
	ok(policy_key_find("users") == PK_USERS,
	    "policy_key_find finds the first key");
	ok(policy_key_find("filesystem") == -1 &&
	    policy_key_find("network.upstream.") == -1 &&
	    policy_key_find("") == -1 &&
	    policy_key_find("FILESYSTEM.READ") == -1,
	    "policy_key_find: mappings, near misses and case are not keys");

	ok(policy_keys[PK_NET_UPSTREAM].type == PT_ENUM &&
	    strcmp(policy_keys[PK_NET_UPSTREAM].enums[0], "none") == 0 &&
	    strcmp(policy_keys[PK_NET_UPSTREAM].dflt, "socks5") == 0,
	    "network.upstream: none is the narrowest, socks5 the default");
	ok(strcmp(policy_keys[PK_FS_PROTECTED].enums[0], "default") == 0 &&
	    strcmp(policy_keys[PK_FS_PROTECTED].enums[1], "none") == 0,
	    "filesystem.protected: default is narrower than none");
	ok(strcmp(policy_keys[PK_FS_CWD].enums[0], "none") == 0 &&
	    strcmp(policy_keys[PK_FS_CWD].enums[2], "rw") == 0 &&
	    policy_keys[PK_FS_CWD].enums[3] == NULL,
	    "filesystem.cwd: none, ro, rw");
	ok(policy_keys[PK_LIMITS_PIDS].max == 4194304 &&
	    policy_keys[PK_LIMITS_PIDS].dflt == NULL,
	    "limits.pids: max 4194304, no default");
	ok(policy_keys[PK_USERS].class == PC_SELECTOR &&
	    policy_keys[PK_FS_DENY_READ].class == PC_DENY &&
	    policy_keys[PK_FS_READ].class == PC_ALLOW &&
	    policy_keys[PK_NET_DNS_MODE].class == PC_ADMIN &&
	    policy_keys[PK_NET_IPV6].class == PC_SCALAR,
	    "classes of a few keys");
	i = 0;
	for (k = 0; k < PK__MAX; k++)
		i += policy_keys[k].list;
	ok(i == 20, "20 list keys (%d)", i);
	ok(policy_keys[PK_REPLACE].class == PC_FILE &&
	    policy_keys[PK_REPLACE].list, "replace: a file-level list");
}

static void
test_accepts(void)
{
	struct policy_value	 v;
	char			 err[512];
	size_t			 i;
	int			 r;

	for (i = 0; i < nitems(accepts); i++) {
		const struct accept	*a = &accepts[i];

		memset(&v, 0, sizeof(v));
		err[0] = '\0';
		r = policy_value_parse(a->k, a->in, &v, err, sizeof(err));
		if (!ok(r == 0 && v.str != NULL &&
		    strcmp(v.str, a->canon) == 0 && v.num == a->num,
		    "%s: '%s' -> '%s' %llu", policy_keys[a->k].name, a->in,
		    a->canon, (unsigned long long)a->num))
			printf("# got %d '%s' %llu: %s\n", r,
			    v.str != NULL ? v.str : "(null)",
			    (unsigned long long)v.num, err);
		free(v.str);
	}
}

static void
test_rejects(void)
{
	struct policy_value	 v;
	char			 err[512], shown[64];
	size_t			 i, j;
	int			 r;

	for (i = 0; i < nitems(rejects); i++) {
		const struct reject	*x = &rejects[i];

		/* Keep the TAP line on one line. */
		for (j = 0; x->in[j] != '\0' && j + 1 < sizeof(shown); j++)
			shown[j] = (unsigned char)x->in[j] < 0x20 ? '?' :
			    x->in[j];
		shown[j] = '\0';
		memset(&v, 0, sizeof(v));
		v.str = (char *)"stale";
		err[0] = '\0';
		r = policy_value_parse(x->k, x->in, &v, err, sizeof(err));
		if (!ok(r == -1 && v.str == NULL &&
		    strstr(err, x->why) != NULL &&
		    strchr(err, '\n') == NULL && strchr(err, '\t') == NULL,
		    "%s: '%s' refused", policy_keys[x->k].name, shown)) {
			printf("# got %d: %s\n", r, err);
			if (r == 0)
				free(v.str);
		}
	}
}

static void
test_misc(void)
{
	struct policy_value	 v;
	char			 err[512], big[5000], small[16];
	int			 r;

	/* A PATH_MAX path is refused; the message cuts the value. */
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	r = policy_value_parse(PK_FS_READ, big, &v, err, sizeof(err));
	ok(r == -1 && strstr(err, "longer than PATH_MAX") != NULL &&
	    strstr(err, "aaa...'") != NULL && strlen(err) < 200,
	    "an over-long path is refused, the message shows a cut value");

	/* Domains: 253 characters at most. */
	memset(big, 'a', 300);
	for (r = 63; r < 300; r += 64)
		big[r] = '.';
	big[253] = '\0';
	big[252] = 'm';
	r = policy_value_parse(PK_NET_DOMAINS_ALLOW, big, &v, err,
	    sizeof(err));
	ok(r == 0 && strlen(v.str) == 253, "a 253-character domain is "
	    "accepted");
	if (r == 0)
		free(v.str);
	big[253] = 'm';
	big[254] = '\0';
	r = policy_value_parse(PK_NET_DOMAINS_ALLOW, big, &v, err,
	    sizeof(err));
	ok(r == -1 && strstr(err, "longer than 253") != NULL,
	    "a 254-character domain is refused");

	/* Commands: 256 characters at most. */
	memset(big, 'x', 257);
	big[256] = '\0';
	r = policy_value_parse(PK_COMMAND_DENY, big, &v, err, sizeof(err));
	ok(r == 0, "a 256-character command is accepted");
	if (r == 0)
		free(v.str);
	big[256] = 'x';
	big[257] = '\0';
	r = policy_value_parse(PK_COMMAND_DENY, big, &v, err, sizeof(err));
	ok(r == -1 && strstr(err, "longer than 256") != NULL,
	    "a 257-character command is refused");

	/* A small buffer gets a truncated, terminated message. */
	memset(small, 'z', sizeof(small));
	r = policy_value_parse(PK_NET_IPV6, "yes", &v, small, sizeof(small));
	ok(r == -1 && small[sizeof(small) - 1] == '\0' &&
	    strncmp(small, "'network.ipv6'", 14) == 0,
	    "the message is cut to the buffer");
	r = policy_value_parse(PK_NET_IPV6, "yes", &v, NULL, 0);
	ok(r == -1 && v.str == NULL, "no message buffer at all");

	r = policy_value_parse(PK__MAX, "x", &v, err, sizeof(err));
	ok(r == -1 && v.str == NULL, "a key out of range is refused");
	r = policy_value_parse(PK_FS_READ, NULL, &v, err, sizeof(err));
	ok(r == -1 && v.str == NULL, "a NULL value is refused");

	/* The source is left to the caller. */
	v.src.file = "keep";
	v.src.line = 7;
	v.src.col = 9;
	r = policy_value_parse(PK_FS_CWD, "ro", &v, err, sizeof(err));
	ok(r == 0 && strcmp(v.src.file, "keep") == 0 && v.src.line == 7 &&
	    v.src.col == 9, "src is not touched");
	if (r == 0)
		free(v.str);
}

int
main(void)
{
	plan(14 + (int)nitems(accepts) + (int)nitems(rejects) + 10);
	test_table();
	test_accepts();
	test_rejects();
	test_misc();
	return (done_testing());
}
