/*
 * Unit tests for policy/policy.c: built-in defaults, merging files for a
 * user, selectors, deny-beats-allow, client overlays (narrowing and
 * client_may) and the YAML dump with provenance.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

/* Parse text as policy file name into p; bail out on error. */
static void
parse(const char *name, const char *text, int flags, struct policy *p)
{
	struct policy_error	err;

	if (policy_parse(name, text, strlen(text), flags, p, &err) == -1) {
		printf("Bail out! %s:%u:%u: %s\n", err.file, err.line, err.col,
		    err.msg);
		exit(1);
	}
}

static int
has(const struct policy *p, enum policy_key k, const char *s)
{
	size_t	i;

	for (i = 0; i < p->e[k].n; i++)
		if (strcmp(p->e[k].v[i].str, s) == 0)
			return (1);
	return (0);
}

static const char *
scalar(const struct policy *p, enum policy_key k)
{
	return (p->e[k].set ? p->e[k].one.str : "(unset)");
}

/* The effective policy of user (in groups) from the two files below. */
static struct policyset	 set;

static void
effective(const char *user, char *const *groups, size_t n, struct policy *out)
{
	if (policyset_effective(&set, user, groups, n, out) == -1) {
		printf("Bail out! policyset_effective\n");
		exit(1);
	}
}

/* Apply an overlay; returns 0, or -1 with err. */
static int
narrow(struct policy *eff, const char *text, struct policy_error *err)
{
	struct policy	ov;
	int		r;

	memset(&ov, 0, sizeof(ov));
	if (policy_parse("ov.yaml", text, strlen(text), POLICY_PARSE_OVERLAY,
	    &ov, err) == -1) {
		policy_clear(&ov);
		return (-2);
	}
	r = policy_narrow(eff, &ov, err);
	policy_clear(&ov);
	return (r);
}

/*
 * replace: broad by default, narrow for the CI group: a later file's
 * list replaces what earlier files gave, only for the peers it selects,
 * and files after it add to the replaced list again.
 */
static void
test_replace(void)
{
	struct policyset	 s;
	struct policy		 eff;
	char			*ci[] = { "ci" }, *dev[] = { "dev" };
	char			*text;

	memset(&s, 0, sizeof(s));
	s.n = 3;
	s.v = calloc(3, sizeof(*s.v));
	parse("00-default.yaml", "default: true\nnetwork:\n"
	    "  domains: { allow: [\"*\"], deny: [\"evil.example\"] }\n", 0,
	    &s.v[0].pol);
	parse("50-ci.yaml", "groups: [ci]\n"
	    "replace: [network.domains.allow, network.domains.deny]\n"
	    "network:\n  domains:\n    allow: [\"*.pypi.org\"]\n"
	    "    deny: []\n", 0, &s.v[1].pol);
	parse("60-all.yaml", "default: true\nnetwork:\n"
	    "  domains: { allow: [\"deb.debian.org\"] }\n", 0, &s.v[2].pol);

	if (policyset_effective(&s, "bob", dev, 1, &eff) == -1)
		exit(1);
	ok(eff.e[PK_NET_DOMAINS_ALLOW].n == 2 &&
	    has(&eff, PK_NET_DOMAINS_ALLOW, "*") &&
	    has(&eff, PK_NET_DOMAINS_ALLOW, "deb.debian.org") &&
	    eff.e[PK_NET_DOMAINS_ALLOW].replaced.file == NULL,
	    "replace: a peer the file does not select keeps the union");
	policy_clear(&eff);

	if (policyset_effective(&s, "ci1", ci, 1, &eff) == -1)
		exit(1);
	ok(eff.e[PK_NET_DOMAINS_ALLOW].n == 2 &&
	    !has(&eff, PK_NET_DOMAINS_ALLOW, "*") &&
	    has(&eff, PK_NET_DOMAINS_ALLOW, "*.pypi.org") &&
	    has(&eff, PK_NET_DOMAINS_ALLOW, "deb.debian.org"),
	    "replace: the CI group's list drops '*', a later file adds again");
	ok(eff.e[PK_NET_DOMAINS_ALLOW].replaced.file != NULL &&
	    strcmp(eff.e[PK_NET_DOMAINS_ALLOW].replaced.file,
	    "50-ci.yaml") == 0 &&
	    eff.e[PK_NET_DOMAINS_ALLOW].replaced.line == 2,
	    "replace: the list says where it was replaced");
	ok(eff.e[PK_NET_DOMAINS_DENY].set &&
	    eff.e[PK_NET_DOMAINS_DENY].n == 0,
	    "replace: 'deny: []' empties a denial list on purpose");
	ok(!eff.e[PK_REPLACE].set, "replace: is not merged");
	text = policy_dump(&eff, NULL);
	ok(text != NULL && strstr(text, "    allow:  # replaced at"
	    " 50-ci.yaml:2\n      - \"*.pypi.org\"  # 50-ci.yaml:5\n") !=
	    NULL, "replace: the dump names the replacing file");
	free(text);
	policy_clear(&eff);
	policyset_clear(&s);
}

/* policy_check: what a start refuses, with the value at fault. */
static void
test_check(void)
{
	struct policy		p;
	struct policy_error	err;

	memset(&p, 0, sizeof(p));
	if (policy_defaults(&p) == -1)
		exit(1);
	parse("10-dns.yaml", "default: true\nnetwork:\n  dns:\n"
	    "    mode: upstream\n", 0, &p);
	ok(policy_check(&p, NULL, &err) == -1 && err.line == 4 &&
	    err.col == 11 && strcmp(err.file, "10-dns.yaml") == 0 &&
	    strstr(err.msg, "network.dns.server is not set") != NULL,
	    "check: dns.mode upstream without a server (%s)", err.msg);
	parse("20-dns.yaml", "default: true\nnetwork:\n  dns:\n"
	    "    server: \"10.0.0.53:53\"\n", 0, &p);
	ok(policy_check(&p, NULL, &err) == 0, "check: with a server it passes");
	parse("30-c.yaml", "default: true\ncaches:\n"
	    "  paths: [\"/var/cache/x\"]\n", 0, &p);
	ok(policy_check(&p, NULL, &err) == 0,
	    "check: caches.paths is not checked without a home");
	ok(policy_check(&p, "/home/u", &err) == -1 && err.line == 3 &&
	    strstr(err.msg, "'/var/cache/x' is not below the home directory"
	    " /home/u") != NULL, "check: an absolute cache outside the home"
	    " (%s)", err.msg);
	policy_clear(&p);
}

static void
test_json(void)
{
	struct policy	 p;
	char		*text;

	memset(&p, 0, sizeof(p));
	if (policy_defaults(&p) == -1)
		exit(1);
	parse("10-a.yaml", "default: true\nfilesystem:\n"
	    "  read: [\"~/.config\", \"/etc/\\u00e9\"]\n", 0, &p);
	text = policy_dump_json(&p, "al\"ice", "/home/a");
	ok(text != NULL && strncmp(text, "{\"user\": \"al\\\"ice\", "
	    "\"policy\": {\"network.upstream\": ", 46) == 0,
	    "json: the user, escaped, then the policy");
	ok(text != NULL && strstr(text, "\"filesystem.read\": {\"values\": "
	    "[{\"value\": \"~/.config\", \"source\": {\"file\": \"10-a.yaml\", "
	    "\"line\": 3, \"column\": 10}, \"expanded\": \"/home/a/.config\"}, "
	    "{\"value\": \"/etc/\\u00E9\"") != NULL,
	    "json: a list entry with its source and expansion, ASCII only");
	ok(text != NULL && strstr(text, "\"filesystem.cwd\": {\"value\": "
	    "\"rw\", \"source\": {\"file\": \"(built-in)\", \"line\": 0, "
	    "\"column\": 0}, \"enforced\": true}") != NULL,
	    "json: a built-in default");
	ok(text != NULL && strstr(text, "\"limits.memory\": {\"value\": "
	    "null, \"enforced\": true}") != NULL, "json: an unset value");
	ok(text != NULL && strstr(text, "\"replaced\": null") != NULL &&
	    strstr(text, "\"users\"") == NULL &&
	    strstr(text, "\"replace\"") == NULL,
	    "json: no selectors, no replace:");
	free(text);
	policy_clear(&p);
}

static void
test_suggest(void)
{
	char	buf[128];

	ok(policy_key_suggest("filesystem", "wirte", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "filesystem.write") == 0, "suggest: a swap");
	ok(policy_key_suggest("", "netwrok", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "network") == 0, "suggest: at the top");
	ok(policy_key_suggest("", "cwd", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "filesystem.cwd") == 0, "suggest: the wrong level");
	ok(policy_key_suggest("network", "qqqqqqq", buf, sizeof(buf)) == -1,
	    "suggest: nothing near");
}

int
main(void)
{
	struct policy		 eff, d;
	struct policy_error	 err;
	char			*groups_dev[] = { "users", "devs" };
	char			*groups_none[] = { "users" };
	char			*text, buf[1024];
	int			 k;

	plan(72 + 6 + 4 + 5 + 4);

	/* Built-in defaults. */
	memset(&d, 0, sizeof(d));
	ok(policy_defaults(&d) == 0, "defaults load");
	ok(strcmp(scalar(&d, PK_FS_CWD), "rw") == 0, "default cwd rw");
	ok(strcmp(scalar(&d, PK_HARDENING_LANDLOCK), "required") == 0,
	    "default landlock required");
	ok(strcmp(scalar(&d, PK_NET_UPSTREAM_SOCKS5), "127.0.0.1:43052") == 0,
	    "default upstream 127.0.0.1:43052");
	ok(d.e[PK_CLIENT_MAY_ADD_WRITE].set &&
	    d.e[PK_CLIENT_MAY_ADD_WRITE].one.num == 0,
	    "default client_may.add_write false");
	ok(!d.e[PK_LIMITS_PIDS].set, "no default pids limit");
	policy_clear(&d);

	/* Two files: everyone, then the devs group. */
	set.n = 3;
	set.v = calloc(3, sizeof(*set.v));
	parse("00-all.yaml",
	    "default: true\n"
	    "filesystem:\n"
	    "  cwd: ro\n"
	    "  read: [\"~/.config/pip\", \"~/.ssh\"]\n"
	    "  deny_read: [\"~/.ssh\"]\n"
	    "limits:\n"
	    "  pids: 512\n", 0, &set.v[0].pol);
	parse("10-devs.yaml",
	    "groups: [devs]\n"
	    "filesystem:\n"
	    "  cwd: rw\n"
	    "  read: [\"~/src\", \"~/.config/pip\"]\n"
	    "  write: [\"~/.cache/pip\"]\n"
	    "network:\n"
	    "  domains:\n"
	    "    allow: [\"pypi.org\", \"evil.example.com\"]\n"
	    "    deny: [\"evil.example.com\"]\n", 0, &set.v[1].pol);
	parse("20-alice.yaml",
	    "users: [alice]\n"
	    "client_may:\n"
	    "  add_read: true\n"
	    "hardening:\n"
	    "  landlock: best-effort\n", 0, &set.v[2].pol);

	ok(policy_selects(&set.v[0].pol, "bob", groups_none, 1),
	    "default: true selects anyone");
	ok(policy_selects(&set.v[1].pol, "bob", groups_dev, 2),
	    "groups: selects a member");
	ok(!policy_selects(&set.v[1].pol, "bob", groups_none, 1),
	    "groups: skips a non-member");
	ok(policy_selects(&set.v[2].pol, "alice", groups_none, 1) &&
	    !policy_selects(&set.v[2].pol, "bob", groups_dev, 2),
	    "users: selects by name only");

	effective("bob", groups_none, 1, &eff);
	ok(strcmp(scalar(&eff, PK_FS_CWD), "ro") == 0, "bob: cwd ro");
	ok(has(&eff, PK_FS_READ, "~/.config/pip") &&
	    !has(&eff, PK_FS_READ, "~/.ssh"), "deny_read beats read");
	ok(has(&eff, PK_FS_DENY_READ, "~/.ssh"), "the denial stays");
	ok(eff.e[PK_FS_WRITE].n == 0, "bob: no write paths");
	policy_clear(&eff);

	effective("dave", groups_dev, 2, &eff);
	ok(strcmp(scalar(&eff, PK_FS_CWD), "rw") == 0,
	    "dave (devs): the later file's cwd wins");
	ok(strcmp(eff.e[PK_FS_CWD].one.src.file, "10-devs.yaml") == 0 &&
	    eff.e[PK_FS_CWD].one.src.line == 3, "and keeps its source");
	ok(eff.e[PK_FS_READ].n == 2 && has(&eff, PK_FS_READ, "~/src"),
	    "lists are unions without duplicates");
	ok(strcmp(eff.e[PK_FS_READ].v[0].src.file, "00-all.yaml") == 0,
	    "a duplicate keeps its first source");
	ok(has(&eff, PK_NET_DOMAINS_ALLOW, "pypi.org") &&
	    !has(&eff, PK_NET_DOMAINS_ALLOW, "evil.example.com"),
	    "domains.deny beats domains.allow");
	ok(strcmp(scalar(&eff, PK_LIMITS_PIDS), "512") == 0,
	    "scalars from earlier files stay");

	/* Overlays. */
	ok(narrow(&eff, "filesystem:\n  deny_read: [\"~/secret\"]\n",
	    &err) == 0 && has(&eff, PK_FS_DENY_READ, "~/secret"),
	    "an overlay may add a denial");
	ok(narrow(&eff, "filesystem:\n  read: [\"~/src\"]\n", &err) == 0 &&
	    eff.e[PK_FS_READ].n == 1, "an allow list may shrink to a subset");
	ok(narrow(&eff, "filesystem:\n  read: [\"~/.aws\"]\n", &err) == -1,
	    "but not grow");
	ok(strstr(err.msg, "'filesystem.read' entry '~/.aws' would widen"
	    " the policy (client_may.add_read is not granted)") != NULL &&
	    err.line == 2 && err.col == 10 &&
	    strcmp(err.file, "ov.yaml") == 0, "the refusal names the entry"
	    " and its position (%s:%u:%u: %s)", err.file, err.line, err.col,
	    err.msg);
	ok(narrow(&eff, "filesystem:\n  cwd: ro\n", &err) == 0 &&
	    strcmp(scalar(&eff, PK_FS_CWD), "ro") == 0, "cwd rw -> ro ok");
	ok(narrow(&eff, "filesystem:\n  cwd: rw\n", &err) == -1 &&
	    strstr(err.msg, "'filesystem.cwd: rw' would widen the policy"
	    " (the administrator set 'ro' at ov.yaml:2)") != NULL,
	    "cwd ro -> rw refused (%s)", err.msg);
	/* filesystem.allow_cwd: an allow list of named values. */
	ok(narrow(&eff, "filesystem:\n  allow_cwd: [home]\n", &err) == -1 &&
	    strstr(err.msg, "'filesystem.allow_cwd' entry 'home' would widen"
	    " the policy") != NULL && err.line == 2 && err.col == 15,
	    "an overlay cannot allow the home as cwd (%s)", err.msg);
	ok(narrow(&eff, "filesystem:\n  allow_cwd: [\"/\"]\n", &err) == -2 &&
	    strstr(err.msg, "'filesystem.allow_cwd' must be home or root,"
	    " not '/'") != NULL, "allow_cwd takes home or root (%s)", err.msg);
	ok(narrow(&eff, "filesystem:\n  allow_cwd: []\n", &err) == 0 &&
	    eff.e[PK_FS_ALLOW_CWD].n == 0, "an empty allow_cwd narrows");
	ok(narrow(&eff, "filesystem:\n  read: [\"~/src/*\"]\n", &err) == -2 &&
	    strstr(err.msg, "is a glob pattern, and paths are literal") !=
	    NULL && err.line == 2 && err.col == 10,
	    "a glob path is refused as the overlay is read, with its position");
	ok(narrow(&eff, "limits:\n  pids: 100\n", &err) == 0,
	    "a lower limit is narrower");
	ok(narrow(&eff, "limits:\n  pids: 1000\n", &err) == -1,
	    "a higher limit is refused");
	ok(narrow(&eff, "limits:\n  memory: \"1G\"\n", &err) == 0,
	    "any limit narrows an unset one");
	ok(narrow(&eff, "limits:\n  cpu: \"50%\"\n", &err) == 0 &&
	    narrow(&eff, "limits:\n  cpu: \"20%\"\n", &err) == 0,
	    "cpu: any quota narrows an unset one, a lower one narrows more");
	ok(narrow(&eff, "limits:\n  cpu: \"30%\"\n", &err) == -1,
	    "cpu: a higher quota is refused");
	ok(narrow(&eff, "limits:\n  cpu: \"weight:1\"\n", &err) == -1,
	    "cpu: a weight does not narrow a quota");
	ok(narrow(&eff, "network:\n  upstream: none\n", &err) == 0 &&
	    strcmp(scalar(&eff, PK_NET_UPSTREAM), "none") == 0,
	    "network may be dropped");
	ok(narrow(&eff, "network:\n  upstream:\n    socks5: \"1.2.3.4:1\"\n",
	    &err) == -1 && strstr(err.msg, "only be set by the"
	    " administrator") != NULL, "the upstream is the admin's");
	ok(narrow(&eff, "client_may:\n  add_write: true\n", &err) == -1,
	    "client_may is the admin's");
	ok(narrow(&eff, "network:\n  ipv6: false\n", &err) == 0,
	    "ipv6 true -> false ok");
	ok(narrow(&eff, "network:\n  ipv6: true\n", &err) == -1,
	    "ipv6 false -> true refused");
	ok(narrow(&eff, "filesystem:\n  protected: none\n", &err) == -1,
	    "protected default -> none refused");
	ok(narrow(&eff, "network:\n  domains:\n    allow: [\"x.example\"]\n",
	    &err) == -1, "a new domain is refused");
	ok(narrow(&eff, "users: [x]\n", &err) == -2,
	    "an overlay cannot have a selector");
	policy_clear(&eff);

	/* client_may.add_read lets alice add read paths. */
	effective("alice", groups_none, 1, &eff);
	ok(narrow(&eff, "filesystem:\n  read: [\"~/.aws\"]\n", &err) == 0 &&
	    has(&eff, PK_FS_READ, "~/.aws"), "client_may.add_read grants it");
	ok(narrow(&eff, "filesystem:\n  write: [\"~/x\"]\n", &err) == -1 &&
	    strstr(err.msg, "client_may.add_write is not granted") != NULL,
	    "but not writes");
	policy_clear(&eff);

	/* The dump. */
	effective("dave", groups_dev, 2, &eff);
	narrow(&eff, "network:\n  upstream: none\n", &err);
	text = policy_dump(&eff, "/home/dave");
	ok(text != NULL, "dump");
	ok(strstr(text, "filesystem:\n  cwd: rw  # 10-devs.yaml:3\n") != NULL,
	    "a scalar with its file and line");
	ok(strstr(text, "  read:\n    - \"~/.config/pip\"  #"
	    " /home/dave/.config/pip  # 00-all.yaml:4\n") != NULL,
	    "a list entry, with ~ expanded");
	ok(strstr(text, "  mask: []\n") != NULL && strstr(text,
	    "    - \"pypi.org\"  # 10-devs.yaml:8\n") != NULL,
	    "an entry of an enforced key has no note");
	for (k = 0; k < PK__MAX && policy_key_enforced(k); k++)
		;
	ok(k == PK__MAX, "every key is enforced, network.inbound.allow_ports"
	    " too (first not: %s)", k < PK__MAX ? policy_keys[k].name : "-");
	ok(strstr(text, "  upstream: none  # ov.yaml:2\n") != NULL,
	    "upstream: none");
	ok(strstr(text, "  landlock: \"required\"") == NULL &&
	    strstr(text, "  landlock: required  # (built-in)\n") != NULL,
	    "a built-in default, unquoted enum");
	ok(strstr(text, "# pids: not set") == NULL &&
	    strstr(text, "  pids: 512  # 00-all.yaml:7") != NULL,
	    "a set limit");
	ok(strstr(text, "  memory: not set") != NULL || strstr(text,
	    "# memory: not set") != NULL, "an unset limit says so");
	free(text);
	policy_clear(&eff);

	ok(policy_path_expand("~", "/home/u", "/w", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/home/u") == 0, "~ is the home");
	ok(policy_path_expand("~/.ssh", "/home/u", "/w", buf, sizeof(buf)) ==
	    0 && strcmp(buf, "/home/u/.ssh") == 0, "~/x is below it");
	ok(policy_path_expand("~/x", "/", NULL, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/x") == 0, "a home of / gives no double slash");
	ok(policy_path_expand("build/**", "/home/u", "/src/p", buf,
	    sizeof(buf)) == 0 && strcmp(buf, "/src/p/build/**") == 0,
	    "a relative path is taken against the cwd");
	ok(policy_path_expand("/etc/x", "/home/u", "/w", buf, sizeof(buf)) ==
	    0 && strcmp(buf, "/etc/x") == 0, "an absolute path is kept");
	ok(policy_path_expand("~/x", "/home/u", NULL, buf, 5) == -1 &&
	    errno == ENAMETOOLONG, "too long is an error");
	buf[0] = '\0';
	(void)policyset_unenforced(&set, buf, sizeof(buf));
	ok(strstr(buf, "filesystem.protected") == NULL &&
	    strstr(buf, "network.domains.allow") == NULL &&
	    strstr(buf, "limits.pids") == NULL,
	    "unenforced keys are named with their source (%s)", buf);
	ok(strstr(buf, "filesystem.cwd") == NULL &&
	    strstr(buf, "filesystem.read") == NULL, "cwd and read are"
	    " enforced");

	/*
	 * The shipped default allows every name and address: an overlay
	 * may narrow "*" and "0.0.0.0/0" to what they cover, not widen back.
	 */
	memset(&eff, 0, sizeof(eff));
	parse("00-default.yaml", "default: true\nnetwork:\n"
	    "  domains: { allow: [\"*\"], deny: [] }\n"
	    "  cidrs: { allow: [\"0.0.0.0/0\", \"::/0\"] }\n", 0, &eff);
	ok(narrow(&eff, "network:\n  domains:\n    allow: [\"*.pypi.org\","
	    " \"pythonhosted.org\"]\n", &err) == 0 &&
	    eff.e[PK_NET_DOMAINS_ALLOW].n == 2 &&
	    has(&eff, PK_NET_DOMAINS_ALLOW, "*.pypi.org") &&
	    !has(&eff, PK_NET_DOMAINS_ALLOW, "*"),
	    "'*' narrows to '*.pypi.org' and a name (%s)", err.msg);
	ok(narrow(&eff, "network:\n  domains:\n    allow: [\"*.files.pypi.org"
	    "\"]\n", &err) == 0, "'*.pypi.org' narrows to '*.files.pypi.org'");
	ok(narrow(&eff, "network:\n  domains:\n    allow: [\"pypi.org\"]\n",
	    &err) == -1 && strstr(err.msg, "'network.domains.allow' entry"
	    " 'pypi.org' would widen the policy") != NULL,
	    "but not to its apex (%s)", err.msg);
	ok(narrow(&eff, "network:\n  domains:\n    allow: [\"*\"]\n",
	    &err) == -1, "nor back to '*'");
	ok(narrow(&eff, "network:\n  cidrs:\n    allow: [\"10.0.0.0/8\","
	    " \"fd00::/8\"]\n", &err) == 0 &&
	    eff.e[PK_NET_CIDRS_ALLOW].n == 2 &&
	    has(&eff, PK_NET_CIDRS_ALLOW, "fd00::/8"),
	    "0.0.0.0/0 and ::/0 narrow to 10.0.0.0/8 and fd00::/8 (%s)",
	    err.msg);
	ok(narrow(&eff, "network:\n  cidrs:\n    allow: [\"10.1.0.0/16\"]\n",
	    &err) == 0, "10.0.0.0/8 narrows to 10.1.0.0/16");
	ok(narrow(&eff, "network:\n  cidrs:\n    allow: [\"10.0.0.0/8\"]\n",
	    &err) == -1 && strstr(err.msg, "'network.cidrs.allow' entry"
	    " '10.0.0.0/8' would widen the policy") != NULL,
	    "but not back (%s)", err.msg);
	ok(narrow(&eff, "network:\n  cidrs:\n    allow: [\"fd00::/8\"]\n",
	    &err) == -1, "nor to a network dropped before");
	ok(narrow(&eff, "network:\n  domains:\n    deny: [\"*\"]\n",
	    &err) == 0 && has(&eff, PK_NET_DOMAINS_DENY, "*"),
	    "an overlay may deny every name");
	policy_clear(&eff);

	policy_clear(&set.v[0].pol);
	policy_clear(&set.v[1].pol);
	policy_clear(&set.v[2].pol);
	free(set.v);

	test_replace();
	test_check();
	test_json();
	test_suggest();
	return (done_testing());
}
