/*
 * Tests for policy/policy-yaml.c: the example policy from ARCHITECTURE.md
 * with every value and a few sources, each kind of error with its exact
 * line, column and message, overlays, and two files merged into one
 * struct policy.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

/* ARCHITECTURE.md section 6, verbatim. */
static const char example[] =
"users: [alice]                  # or groups: [devs], or default: true\n"
"network:\n"
"  upstream: { socks5: \"127.0.0.1:43052\" }   # or none: deny all egress\n"
"  dns: { mode: fake-ip }                     "
    "# or { mode: upstream, server: \"127.0.0.1:43053\" }\n"
"  domains: { allow: [\"pypi.org\", \"*.pythonhosted.org\"], deny: [] }\n"
"  cidrs: { allow: [] }\n"
"  ipv6: true\n"
"  host_loopback: { allow_ports: [] }\n"
"  inbound: { allow_ports: [3000, 8080] }\n"
"filesystem:\n"
"  cwd: rw                       # rw | ro | none\n"
"  read: [\"~/.config/pip\"]\n"
"  write: [\"~/.cache/pip\"]\n"
"  deny_read: [\"~/.ssh\", \"~/.gnupg\", \"~/.aws\"]\n"
"  deny_write: []\n"
"  mask: [\".env\", \".env.*\"]\n"
"  protected: default            "
    "# shell rc files, .git/hooks, .git/config, IDE dirs\n"
"env:\n"
"  strip: [\"AWS_*\", \"GITHUB_TOKEN\"]\n"
"command:\n"
"  deny: [\"git push\", \"npm publish\"]   "
    "# advisory guard, documented as such\n"
"limits: { pids: 512, memory: \"4G\", wall_time: \"2h\" }\n"
"hardening: { landlock: required, seccomp: default }\n"
"monitor: { stream_to_client: true }\n"
"client_may: { add_read: false, add_write: false }\n";

/* What the example sets; lists as entries separated by '|'. */
static const struct {
	enum policy_key	 k;
	const char	*val;
	uint64_t	 num;
} example_values[] = {
	{ PK_USERS, "alice", 0 },
	{ PK_NET_UPSTREAM, "socks5", 1 },
	{ PK_NET_UPSTREAM_SOCKS5, "127.0.0.1:43052", 43052 },
	{ PK_NET_DNS_MODE, "fake-ip", 0 },
	{ PK_NET_DOMAINS_ALLOW, "pypi.org|*.pythonhosted.org", 0 },
	{ PK_NET_DOMAINS_DENY, "", 0 },
	{ PK_NET_CIDRS_ALLOW, "", 0 },
	{ PK_NET_IPV6, "true", 1 },
	{ PK_NET_HOST_LOOPBACK_PORTS, "", 0 },
	{ PK_NET_INBOUND_PORTS, "3000|8080", 0 },
	{ PK_FS_CWD, "rw", 2 },
	{ PK_FS_READ, "~/.config/pip", 0 },
	{ PK_FS_WRITE, "~/.cache/pip", 0 },
	{ PK_FS_DENY_READ, "~/.ssh|~/.gnupg|~/.aws", 0 },
	{ PK_FS_DENY_WRITE, "", 0 },
	{ PK_FS_MASK, ".env|.env.*", 0 },
	{ PK_FS_PROTECTED, "default", 0 },
	{ PK_ENV_STRIP, "AWS_*|GITHUB_TOKEN", 0 },
	{ PK_COMMAND_DENY, "git push|npm publish", 0 },
	{ PK_LIMITS_PIDS, "512", 512 },
	{ PK_LIMITS_MEMORY, "4G", 4ULL << 30 },
	{ PK_LIMITS_WALL_TIME, "2h", 7200 },
	{ PK_HARDENING_LANDLOCK, "required", 0 },
	{ PK_HARDENING_SECCOMP, "default", 0 },
	{ PK_MONITOR_STREAM, "true", 1 },
	{ PK_CLIENT_MAY_ADD_READ, "false", 0 },
	{ PK_CLIENT_MAY_ADD_WRITE, "false", 0 },
};

struct bad {
	int		 flags;
	const char	*yaml;
	uint32_t	 line, col;
	const char	*msg;		/* exact */
};

#define OVL	POLICY_PARSE_OVERLAY

static const struct bad bads[] = {
	/* Unknown keys, at the key */
	{ 0, "users: [a]\nfilesystem:\n  deny_reed: []\n", 3, 3,
	    "unknown key 'filesystem.deny_reed'; did you mean "
	    "'filesystem.deny_read'?" },
	{ 0, "users: [a]\nfilesystem:\n  wirte: []\n", 3, 3,
	    "unknown key 'filesystem.wirte'; did you mean "
	    "'filesystem.write'?" },
	{ 0, "users: [a]\ndomains: {allow: []}\n", 2, 1,
	    "unknown key 'domains'; did you mean 'network.domains'?" },
	{ 0, "users: [a]\nfilesystem: {zzzzzz: 1}\n", 2, 14,
	    "unknown key 'filesystem.zzzzzz'" },
	{ 0, "users: [a]\nnetwork:\n  dns: {mode: fake-ip, port: 53}\n", 3, 24,
	    "unknown key 'network.dns.port'" },
	{ 0, "users: [a]\nuser: [b]\n", 2, 1, "unknown key 'user'; did you "
	    "mean 'users'?" },
	{ 0, "users: [a]\nnetwork: {upstream: {socks4: x}}\n", 2, 22,
	    "unknown key 'network.upstream.socks4'; did you mean "
	    "'network.upstream.socks5'?" },
	{ 0, "users: [a]\nnetwork.ipv6: true\n", 2, 1,
	    "unknown key 'network.ipv6': dotted keys are not accepted, nest "
	    "the mappings" },
	{ 0, "users: [a]\n\"\": 1\n", 2, 1, "unknown key ''" },
	{ 0, "users: [a]\n<<: {x: 1}\n", 2, 1, "unknown key '<<'" },
	{ 0, "users: [a]\n\"a\\x01b\": 1\n", 2, 1, "unknown key 'a?b'" },
	{ 0, "users: [a]\n? [x]\n: 1\n", 2, 3,
	    "a key must be a name, not a list or mapping" },

	/* Duplicates: the second one */
	{ 0, "users: [a]\nnetwork:\n  ipv6: true\n  ipv6: false\n", 4, 3,
	    "duplicate key 'network.ipv6'" },
	{ 0, "users: [a]\nusers: [b]\n", 2, 1, "duplicate key 'users'" },
	{ 0, "users: [a]\nlimits: {pids: 1}\nlimits: {memory: 1G}\n", 3, 1,
	    "duplicate key 'limits'" },
	{ 0, "users: [a]\nnetwork: {upstream: {socks5: \"1.2.3.4:1\", "
	    "socks5: \"1.2.3.4:2\"}}\n", 2, 43,
	    "duplicate key 'network.upstream.socks5'" },

	/* Wrong shapes */
	{ 0, "users: [a]\nfilesystem:\n  read: /x\n", 3, 9,
	    "'filesystem.read' must be a list" },
	{ 0, "users: [a]\nfilesystem:\n  read: {a: b}\n", 3, 9,
	    "'filesystem.read' must be a list" },
	{ 0, "users: [a]\nfilesystem:\n  cwd: [rw]\n", 3, 8,
	    "'filesystem.cwd' must be a single value, not a list" },
	{ 0, "users: [a]\nfilesystem: {cwd: {a: b}}\n", 2, 19,
	    "'filesystem.cwd' must be a single value, not a mapping" },
	{ 0, "users: [a]\nlimits: 5\n", 2, 9, "'limits' must be a mapping" },
	{ 0, "users: [a]\nnetwork: [ipv6]\n", 2, 10,
	    "'network' must be a mapping" },
	{ 0, "users: [a]\nnetwork: {inbound: {allow_ports: [22, [1]]}}\n",
	    2, 39, "'network.inbound.allow_ports' entries must be single "
	    "values, not lists" },
	{ 0, "users: [a]\nenv:\n  strip:\n    - A\n    - {B: 1}\n", 5, 7,
	    "'env.strip' entries must be single values, not mappings" },
	{ 0, "- users\n", 1, 1,
	    "a policy must be a mapping of keys, like 'users: [alice]'" },
	{ 0, "users\n", 1, 1,
	    "a policy must be a mapping of keys, like 'users: [alice]'" },

	/* Bad values, at the value */
	{ 0, "users: [a]\nnetwork: {ipv6: yes}\n", 2, 17,
	    "'network.ipv6' must be true or false, not 'yes'" },
	{ 0, "users: [a]\nlimits:\n  memory: 4X\n", 3, 11,
	    "'limits.memory': '4X' is not a size: use a number with an "
	    "optional K, M, G or T suffix" },
	{ 0, "users: [a]\nlimits: {pids: 0x10}\n", 2, 16,
	    "'limits.pids' must be a whole number from 1 to 4194304, "
	    "not '0x10'" },
	{ 0, "users: [a]\nfilesystem:\n  deny_read:\n    - ~/.ssh\n"
	    "    - a/../b\n", 5, 7, "'filesystem.deny_read': 'a/../b' is not "
	    "a valid path: '.' and '..' are not accepted: they would make "
	    "rules ambiguous" },
	{ 0, "users: [a]\nnetwork:\n  domains: {allow: [ok.com, "
	    "\"*example.com\"]}\n", 3, 29, "'network.domains.allow': "
	    "'*example.com' is not a domain pattern: a wildcard is only "
	    "accepted as a whole leading label, as in '*.example.com'" },
	{ 0, "users: [Alice]\n", 1, 9, "'users': 'Alice' is not a valid "
	    "user name: use up to 32 of a-z, 0-9, '_' and '-', starting with "
	    "a letter or '_'" },
	{ 0, "users: [a]\nenv: {strip: [\"A\\0B\"]}\n", 2, 15,
	    "'env.strip' has a NUL character in its value" },

	/* Missing values */
	{ 0, "users: [a]\nfilesystem:\n  read:\n", 3, 8,
	    "'filesystem.read' has no value" },
	{ 0, "users: [a]\nfilesystem:\n  cwd: ~\n", 3, 8,
	    "'filesystem.cwd' has no value" },
	{ 0, "users: [a]\nnetwork: {ipv6: null}\n", 2, 17,
	    "'network.ipv6' has no value" },
	{ 0, "users: [a]\nnetwork:\n", 2, 9, "'network' has no value" },
	{ 0, "users: [a]\nnetwork: {inbound: {allow_ports: [22, ~]}}\n", 2,
	    39, "'network.inbound.allow_ports' has an empty entry" },
	{ 0, "users: [a]\nfilesystem: {read: [~]}\n", 2, 21,
	    "'filesystem.read' has an empty entry: a bare ~ is YAML's null; "
	    "write \"~\" for the home directory" },

	/* Anchors, aliases, tags */
	{ 0, "users: &x [a]\n", 1, 8, "anchors and aliases are not allowed" },
	{ 0, "users: [a]\nnetwork: &n {ipv6: true}\n", 2, 10,
	    "anchors and aliases are not allowed" },
	{ 0, "users: [a]\ngroups: *x\n", 2, 9,
	    "anchors and aliases are not allowed" },
	{ 0, "users: !!seq [a]\n", 1, 8,
	    "tags are not allowed: the key says what a value is" },
	{ 0, "users: [!!str a]\n", 1, 9,
	    "tags are not allowed: the key says what a value is" },
	{ 0, "users: [a]\nlimits: !custom {pids: 1}\n", 2, 9,
	    "tags are not allowed: the key says what a value is" },

	/* Block scalars */
	{ 0, "users: [a]\ncommand:\n  deny:\n    - |\n      git push\n", 4,
	    7, "block scalars (| and >) are not allowed: write the value on "
	    "one line" },
	{ 0, "users: [a]\nfilesystem:\n  cwd: >\n    ro\n", 3, 8,
	    "block scalars (| and >) are not allowed: write the value on "
	    "one line" },
	{ 0, "? >\n  users\n: [a]\n", 1, 3, "block scalars (| and >) are "
	    "not allowed: write the value on one line" },

	/* Documents */
	{ 0, "users: [a]\n---\nusers: [b]\n", 2, 1,
	    "a policy file holds one YAML document, not several" },
	{ 0, "---\nusers: [a]\n...\n---\n", 4, 1,
	    "a policy file holds one YAML document, not several" },
	{ 0, "", 1, 1, "empty policy: a file needs a selector (users, groups "
	    "or default)" },
	{ 0, "# nothing\n\n", 1, 1, "empty policy: a file needs a selector "
	    "(users, groups or default)" },
	{ 0, "---\n", 1, 1, "empty policy: a file needs a selector (users, "
	    "groups or default)" },
	{ 0, "{}\n", 1, 1, "empty policy: a file needs a selector (users, "
	    "groups or default)" },
	{ OVL, "", 1, 1, "empty policy: an overlay needs at least one key" },
	{ OVL, "{}", 1, 1, "empty policy: an overlay needs at least one key" },

	/* Selectors */
	{ 0, "filesystem: {cwd: ro}\n", 1, 1, "no selector: a policy file "
	    "needs 'users', 'groups' or 'default: true'" },
	{ 0, "\n\nfilesystem: {cwd: ro}\n", 1, 1, "no selector: a policy "
	    "file needs 'users', 'groups' or 'default: true'" },
	{ 0, "default: false\n", 1, 10, "default: false selects nobody; "
	    "remove the file or use users/groups" },
	{ 0, "default: yes\n", 1, 10,
	    "'default' must be true or false, not 'yes'" },
	{ 0, "users: [a]\ndefault: true\n", 2, 1,
	    "'default' cannot be combined with 'users' or 'groups'" },
	{ 0, "default: true\ngroups: [a]\n", 2, 1,
	    "'groups' cannot be combined with 'default'" },
	{ 0, "users: []\n", 1, 8, "'users' is empty and selects nobody" },
	{ 0, "groups:\n  []\n", 2, 3, "'groups' is empty and selects nobody" },
	{ OVL, "users: [a]\n", 1, 1, "a client overlay cannot have 'users'" },
	{ OVL, "filesystem: {cwd: ro}\ngroups: [a]\n", 2, 1,
	    "a client overlay cannot have 'groups'" },
	{ OVL, "default: true\n", 1, 1,
	    "a client overlay cannot have 'default'" },

	/* network.upstream */
	{ 0, "users: [a]\nnetwork: {upstream: socks5}\n", 2, 21,
	    "'network.upstream' must be none or a mapping like { socks5: "
	    "\"127.0.0.1:43052\" }, not 'socks5'" },
	{ 0, "users: [a]\nnetwork: {upstream: [none]}\n", 2, 21,
	    "'network.upstream' must be none or a mapping like { socks5: "
	    "\"127.0.0.1:43052\" }, not a list" },
	{ 0, "users: [a]\nnetwork:\n  upstream: {}\n", 3, 13,
	    "'network.upstream' needs a socks5 address, as in { socks5: "
	    "\"127.0.0.1:43052\" }, or none" },
	{ 0, "users: [a]\nnetwork:\n  upstream:\n", 3, 12,
	    "'network.upstream' has no value" },
	{ 0, "users: [a]\nnetwork:\n  upstream:\n    socks5: x\n", 4, 13,
	    "'network.upstream.socks5': 'x' is not host:port: the port is "
	    "missing, as in '127.0.0.1:1080'" },

	/* libyaml's errors, at its marks */
	{ 0, "users: [a\n", 2, 1, "YAML syntax error: while parsing a flow "
	    "sequence: did not find expected ',' or ']'" },
	{ 0, "users: [a]\nfilesystem: {read: \"x\n", 3, 1, "YAML syntax error: "
	    "while scanning a quoted scalar: found unexpected end of stream" },
	{ 0, "users: [a]\n  bad: indent\n", 2, 3, "YAML syntax error: "
	    "while parsing a block mapping: did not find expected key" },
	{ 0, "users: [a]\n\tnetwork: {}\n", 2, 1, "a tab character: YAML "
	    "indents with spaces only, replace it with spaces (libyaml: found "
	    "character that cannot start any token)" },
	{ 0, "users: [a]\nnetwork:\n  dns:\n  \t mode: x\n", 4, 3,
	    "a tab character: YAML indents with spaces only, replace it with "
	    "spaces (libyaml: found character that cannot start any token)" },

	/* replace: */
	{ 0, "users: [a]\nreplace: [filesystem.read]\n", 2, 11,
	    "'replace' names 'filesystem.read', which this file does not "
	    "set: give its new entries here, or 'filesystem.read: []' to "
	    "empty it" },
	{ 0, "users: [a]\nreplace: []\n", 2, 10, "'replace' is empty: name "
	    "the lists this file replaces, or remove it" },
	{ OVL, "replace: [filesystem.read]\nfilesystem: {read: [/x]}\n", 1,
	    1, "a client overlay cannot have 'replace': its lists already "
	    "replace the administrator's (and may only narrow them)" },
	{ 0, "users: [a]\nenv: {strip: [A\x01" "B]}\n", 2, 16,
	    "not a valid YAML text: control characters are not allowed (0x1)" },
	{ 0, "users: [a]\nenv: {strip: [\xff]}\n", 2, 15,
	    "not a valid YAML text: invalid leading UTF-8 octet (0xff)" },

	/*
	 * Depth: every node that could nest is checked against its key at
	 * its first event, so deep nesting ends at the first wrong node
	 * and the schema never gets near POLICY_DEPTH_MAX.
	 */
	{ 0, "users: [[[[[[[[[[[[[[[[a]]]]]]]]]]]]]]]]\n", 1, 9,
	    "'users' entries must be single values, not lists" },
	{ 0, "users: [a]\nlimits: {pids: {a: {b: {c: {d: {e: {f: 1}}}}}}}\n",
	    2, 16, "'limits.pids' must be a single value, not a mapping" },
	{ 0, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n", 1, 1,
	    "a policy must be a mapping of keys, like 'users: [alice]'" },
};

static int
parse(const char *name, const char *s, int flags, struct policy *p,
    struct policy_error *err)
{
	return (policy_parse(name, s, strlen(s), flags, p, err));
}

/* The entries of a list key joined with '|', or a scalar's value. */
static void
joined(const struct policy *p, enum policy_key k, char *buf, size_t size)
{
	const struct policy_entry	*e = &p->e[k];
	size_t				 i;
	int				 off = 0;

	buf[0] = '\0';
	if (!policy_keys[k].list) {
		snprintf(buf, size, "%s", e->one.str != NULL ? e->one.str :
		    "(null)");
		return;
	}
	for (i = 0; i < e->n && off < (int)size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i ? "|" : "",
		    e->v[i].str);
}

static int
src_is(const struct policy_value *v, const char *file, uint32_t line,
    uint32_t col)
{
	if (v->src.file == file && v->src.line == line && v->src.col == col)
		return (1);
	printf("# source %s:%u:%u\n", v->src.file != NULL ? v->src.file :
	    "(null)", v->src.line, v->src.col);
	return (0);
}

static void
test_example(void)
{
	static const char	 name[] = "/etc/greywall/policy.d/alice.yaml";
	struct policy		 p;
	struct policy_error	 err;
	char			 buf[256];
	size_t			 i;
	int			 r, nset = 0, k;

	memset(&p, 0, sizeof(p));
	r = parse(name, example, 0, &p, &err);
	if (!ok(r == 0, "the ARCHITECTURE.md example parses"))
		printf("# %s:%u:%u: %s\n", err.file, err.line, err.col,
		    err.msg);

	for (i = 0; i < nitems(example_values); i++) {
		k = example_values[i].k;
		joined(&p, k, buf, sizeof(buf));
		if (!ok(p.e[k].set && strcmp(buf, example_values[i].val) == 0 &&
		    (policy_keys[k].list ||
		    p.e[k].one.num == example_values[i].num),
		    "example: %s = '%s'", policy_keys[k].name,
		    example_values[i].val))
			printf("# got set=%d '%s' %llu\n", p.e[k].set, buf,
			    (unsigned long long)p.e[k].one.num);
	}
	for (k = 0; k < PK__MAX; k++)
		nset += p.e[k].set;
	ok(nset == (int)nitems(example_values) && !p.e[PK_GROUPS].set &&
	    !p.e[PK_DEFAULT].set && !p.e[PK_NET_DNS_SERVER].set,
	    "example: nothing else is set (%d keys)", nset);
	ok(p.e[PK_NET_DOMAINS_DENY].set && p.e[PK_NET_DOMAINS_DENY].n == 0 &&
	    p.e[PK_NET_DOMAINS_DENY].v == NULL,
	    "example: 'deny: []' is set with no entries");

	ok(src_is(&p.e[PK_USERS].v[0], name, 1, 9),
	    "example: users[0] from line 1 column 9");
	ok(src_is(&p.e[PK_NET_UPSTREAM].one, name, 3, 13),
	    "example: network.upstream from its mapping, 3:13");
	ok(src_is(&p.e[PK_NET_UPSTREAM_SOCKS5].one, name, 3, 23),
	    "example: network.upstream.socks5 from 3:23");
	ok(src_is(&p.e[PK_NET_DOMAINS_ALLOW].v[1], name, 5, 34),
	    "example: network.domains.allow[1] from 5:34");
	ok(src_is(&p.e[PK_NET_INBOUND_PORTS].v[1], name, 9, 34),
	    "example: network.inbound.allow_ports[1] from 9:34");
	ok(src_is(&p.e[PK_FS_DENY_READ].v[2], name, 14, 37),
	    "example: filesystem.deny_read[2] from 14:37");
	ok(src_is(&p.e[PK_LIMITS_WALL_TIME].one, name, 22, 47),
	    "example: limits.wall_time from 22:47");
	ok(src_is(&p.e[PK_CLIENT_MAY_ADD_WRITE].one, name, 25, 43),
	    "example: client_may.add_write from 25:43");
	policy_clear(&p);
}

static void
test_errors(void)
{
	static const char	 name[] = "bad.yaml";
	struct policy		 p;
	struct policy_error	 err;
	size_t			 i, j;
	char			 shown[48];
	int			 r;

	for (i = 0; i < nitems(bads); i++) {
		const struct bad	*b = &bads[i];

		for (j = 0; b->yaml[j] != '\0' && j + 1 < sizeof(shown); j++)
			shown[j] = (unsigned char)b->yaml[j] < 0x20 ? ' ' :
			    b->yaml[j];
		shown[j] = '\0';
		memset(&p, 0, sizeof(p));
		r = parse(name, b->yaml, b->flags, &p, &err);
		if (!ok(r == -1 && strcmp(err.file, name) == 0 &&
		    err.line == b->line && err.col == b->col &&
		    strcmp(err.msg, b->msg) == 0, "%u:%u %s [%s]", b->line,
		    b->col, b->msg, shown))
			printf("# got %d %s:%u:%u: %s\n", r, err.file,
			    err.line, err.col, err.msg);
		policy_clear(&p);
	}
}

static void
test_forms(void)
{
	struct policy		 p;
	struct policy_error	 err;
	char			 buf[256];
	int			 r;

	/* Block lists, every quoting style, a trailing '/', case. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "users: [a]\nfilesystem:\n  read:\n    - /a/\n"
	    "    - \"~\"\n    - '~/b'\n  write: [c]\nnetwork:\n  domains:\n"
	    "    allow:\n    - Example.COM\n", 0, &p, &err);
	joined(&p, PK_FS_READ, buf, sizeof(buf));
	ok(r == 0 && strcmp(buf, "/a|~|~/b") == 0 &&
	    src_is(&p.e[PK_FS_READ].v[1], "f", 5, 7) &&
	    strcmp(p.e[PK_NET_DOMAINS_ALLOW].v[0].str, "example.com") == 0 &&
	    src_is(&p.e[PK_NET_DOMAINS_ALLOW].v[0], "f", 11, 7),
	    "block sequences, quoted scalars, canonical values");
	policy_clear(&p);

	/* Explicit document markers and a %YAML directive. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "%YAML 1.1\n---\nusers: [a]\n...\n", 0, &p, &err);
	ok(r == 0 && src_is(&p.e[PK_USERS].v[0], "f", 3, 9),
	    "'---', '...' and %%YAML are accepted");
	policy_clear(&p);

	/* A flow mapping at the top; quoted keys. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "{users: [a], \"network\": {dns: {mode: upstream, "
	    "'server': \"127.0.0.1:53\"}}}", 0, &p, &err);
	ok(r == 0 && p.e[PK_NET_DNS_MODE].one.num == 1 &&
	    strcmp(p.e[PK_NET_DNS_SERVER].one.str, "127.0.0.1:53") == 0 &&
	    src_is(&p.e[PK_NET_DNS_SERVER].one, "f", 1, 58),
	    "flow mapping at the top, quoted keys");
	policy_clear(&p);

	/* Quoted values are typed by their key, like plain ones. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "groups: [\"devs\", ops]\nnetwork: {ipv6: \"false\"}\n"
	    "limits: {pids: '64'}\n", 0, &p, &err);
	ok(r == 0 && p.e[PK_NET_IPV6].one.num == 0 &&
	    p.e[PK_LIMITS_PIDS].one.num == 64 && p.e[PK_GROUPS].n == 2,
	    "quoted scalars are typed by their key");
	policy_clear(&p);

	/* Duplicate list entries collapse (policy_add). */
	memset(&p, 0, sizeof(p));
	r = parse("f", "users: [a, b, a]\n", 0, &p, &err);
	joined(&p, PK_USERS, buf, sizeof(buf));
	ok(r == 0 && strcmp(buf, "a|b") == 0, "duplicate entries collapse");
	policy_clear(&p);

	/* default: true alone. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "default: true\nfilesystem: {cwd: ro}\n", 0, &p, &err);
	ok(r == 0 && p.e[PK_DEFAULT].one.num == 1 &&
	    p.e[PK_FS_CWD].one.num == 1, "'default: true' is a selector");
	policy_clear(&p);

	/* users and groups together. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "users: [a]\ngroups: [b]\n", 0, &p, &err);
	ok(r == 0 && p.e[PK_USERS].n == 1 && p.e[PK_GROUPS].n == 1,
	    "users and groups may be combined");
	policy_clear(&p);

	/* upstream: none. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "users: [a]\nnetwork:\n  upstream: none\n", 0, &p,
	    &err);
	ok(r == 0 && strcmp(p.e[PK_NET_UPSTREAM].one.str, "none") == 0 &&
	    p.e[PK_NET_UPSTREAM].one.num == 0 &&
	    !p.e[PK_NET_UPSTREAM_SOCKS5].set &&
	    src_is(&p.e[PK_NET_UPSTREAM].one, "f", 3, 13),
	    "upstream: none");
	policy_clear(&p);

	/* upstream as a block mapping: the source is its first key. */
	memset(&p, 0, sizeof(p));
	r = parse("f", "users: [a]\nnetwork:\n  upstream:\n"
	    "    socks5: \"[::1]:1080\"\n", 0, &p, &err);
	ok(r == 0 && strcmp(p.e[PK_NET_UPSTREAM].one.str, "socks5") == 0 &&
	    p.e[PK_NET_UPSTREAM].one.num == 1 &&
	    src_is(&p.e[PK_NET_UPSTREAM].one, "f", 4, 5) &&
	    strcmp(p.e[PK_NET_UPSTREAM_SOCKS5].one.str, "[::1]:1080") == 0 &&
	    src_is(&p.e[PK_NET_UPSTREAM_SOCKS5].one, "f", 4, 13),
	    "upstream as a mapping sets socks5 and its address");
	policy_clear(&p);

	/* Overlays: no selector needed. */
	memset(&p, 0, sizeof(p));
	r = parse("gw-overlay", "filesystem:\n  cwd: ro\n  deny_read: "
	    "[\"~/.ssh\"]\nnetwork: {upstream: none}\n", OVL, &p, &err);
	ok(r == 0 && p.e[PK_FS_CWD].one.num == 1 &&
	    p.e[PK_FS_DENY_READ].n == 1 && !p.e[PK_USERS].set &&
	    p.e[PK_NET_UPSTREAM].one.num == 0,
	    "an overlay needs no selector");
	policy_clear(&p);
	memset(&p, 0, sizeof(p));
	r = parse("gw-overlay", "limits: {}\n", OVL, &p, &err);
	ok(r == 0, "an overlay with an empty mapping is not empty");
	policy_clear(&p);
}

/* Two files into one policy: lists are unions, scalars last-wins. */
static void
test_merge(void)
{
	static const char	 a[] = "10-base.yaml", b[] = "20-alice.yaml";
	struct policy		 p;
	struct policy_error	 err;
	char			 buf[256];
	int			 r1, r2;

	memset(&p, 0, sizeof(p));
	r1 = parse(a, "default: true\nfilesystem:\n  cwd: rw\n"
	    "  deny_read: [\"~/.ssh\", \"~/.aws\"]\n  read: []\n"
	    "limits: {pids: 512}\n", 0, &p, &err);
	r2 = parse(b, "users: [alice]\nfilesystem:\n  cwd: ro\n"
	    "  deny_read: [\"~/.aws\", \"~/.gnupg\"]\n"
	    "network: {ipv6: false}\n", 0, &p, &err);
	ok(r1 == 0 && r2 == 0, "two files parse into one policy");
	joined(&p, PK_FS_DENY_READ, buf, sizeof(buf));
	ok(strcmp(buf, "~/.ssh|~/.aws|~/.gnupg") == 0 &&
	    src_is(&p.e[PK_FS_DENY_READ].v[1], a, 4, 25) &&
	    src_is(&p.e[PK_FS_DENY_READ].v[2], b, 4, 25),
	    "lists are unions; an entry keeps its first source");
	ok(strcmp(p.e[PK_FS_CWD].one.str, "ro") == 0 &&
	    p.e[PK_FS_CWD].one.num == 1 &&
	    src_is(&p.e[PK_FS_CWD].one, b, 3, 8),
	    "scalars: the last file wins, with its source");
	ok(p.e[PK_LIMITS_PIDS].one.num == 512 &&
	    src_is(&p.e[PK_LIMITS_PIDS].one, a, 6, 16) &&
	    p.e[PK_NET_IPV6].one.num == 0,
	    "keys set in one file only keep their value");
	ok(p.e[PK_FS_READ].set && p.e[PK_FS_READ].n == 0,
	    "an empty list from the first file stays set");
	ok(p.e[PK_DEFAULT].set && p.e[PK_USERS].n == 1,
	    "selector checks are per file");

	/* An error in a later file leaves values behind; clear frees them. */
	r1 = parse("30-bad.yaml", "users: [bob]\nenv: {strip: [X_*]}\n"
	    "limits: {pids: 0}\n", 0, &p, &err);
	ok(r1 == -1 && err.line == 3 && err.col == 16 &&
	    strcmp(err.file, "30-bad.yaml") == 0 && p.e[PK_ENV_STRIP].n == 1 &&
	    p.e[PK_LIMITS_PIDS].one.num == 512,
	    "a failed parse may leave part of the file in the policy");
	policy_clear(&p);
	ok(!p.e[PK_USERS].set && p.e[PK_USERS].v == NULL,
	    "policy_clear empties it");
}

static void
test_limits(void)
{
	struct policy		 p;
	struct policy_error	 err;
	char			*big, *s;
	size_t			 n, i;
	int			 r;

	/* Size. */
	n = 1024 * 1024 + 1;
	if ((big = malloc(n)) == NULL)
		abort();
	memset(big, ' ', n);
	memcpy(big, "users: [a]\n", 11);
	memset(&p, 0, sizeof(p));
	r = policy_parse("big", big, n, 0, &p, &err);
	ok(r == -1 && err.line == 1 && err.col == 1 &&
	    strcmp(err.msg, "the file is larger than 1 MiB") == 0,
	    "a file over 1 MiB is refused");
	big[n - 1] = '\n';
	r = policy_parse("big", big, n - 1, 0, &p, &err);
	ok(r == 0, "a file of exactly 1 MiB is read");
	policy_clear(&p);

	/* Deep flow nesting ends at its first event, not at its end. */
	memset(big, '[', n - 1);
	r = policy_parse("deep", big, n - 1, 0, &p, &err);
	ok(r == -1 && err.line == 1 && err.col == 1,
	    "a MiB of '[' is refused at 1:1");

	/* Lists are capped: policy_add() is quadratic in their length. */
	s = big;
	s += sprintf(s, "users: [a]\nenv:\n  strip:\n");
	for (i = 0; i < 1025; i++)
		s += sprintf(s, "    - V%zu\n", i);
	memset(&p, 0, sizeof(p));
	r = policy_parse("long", big, s - big, 0, &p, &err);
	ok(r == -1 && err.line == 1028 && err.col == 7 &&
	    strcmp(err.msg, "'env.strip' has more than 1024 entries") == 0,
	    "the 1025th entry of a list is refused");
	if (r == 0 || err.line != 1028)
		printf("# %u:%u: %s\n", err.line, err.col, err.msg);
	ok(p.e[PK_ENV_STRIP].n == 1024, "1024 entries are kept");
	policy_clear(&p);
	free(big);

	/* Not NUL-terminated: only len bytes are read. */
	memset(&p, 0, sizeof(p));
	r = policy_parse("f", "users: [a]\nusers: [b]\n", 11, 0, &p, &err);
	ok(r == 0 && p.e[PK_USERS].n == 1, "only len bytes are parsed");
	policy_clear(&p);
	r = policy_parse("f", NULL, 0, 0, &p, &err);
	ok(r == -1 && err.line == 1 && strncmp(err.msg, "empty policy", 12) ==
	    0, "a NULL buffer of length 0 is an empty file");
	r = policy_parse(NULL, "users: [a]", 10, 0, &p, &err);
	ok(r == 0 && err.file[0] == '\0' && p.e[PK_USERS].v[0].src.file ==
	    NULL, "a NULL name is allowed");
	policy_clear(&p);
}

int
main(void)
{
	plan(1 + (int)nitems(example_values) + 10 + (int)nitems(bads) + 11 +
	    8 + 8);
	test_example();
	test_errors();
	test_forms();
	test_merge();
	test_limits();
	return (done_testing());
}
