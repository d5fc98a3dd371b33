/*
 * The policy engine: the policy.d schema, the YAML parser, merging,
 * overlays and the directory loader. Pure: no daemon state, no logging;
 * errors come back with file, line and column (struct policy_error).
 */
#ifndef GW_POLICY_H
#define GW_POLICY_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "match.h"

/* filesystem.cwd, in policy_keys[PK_FS_CWD].enums order. */
enum cwd_mode {
	CWD_NONE = 0,
	CWD_RO,
	CWD_RW,
};

/* filesystem.allow_cwd, in policy_keys[PK_FS_ALLOW_CWD].enums order. */
enum allow_cwd {
	ALLOW_CWD_HOME = 0,
	ALLOW_CWD_ROOT,
};

/* filesystem.home, in policy_keys[PK_FS_HOME].enums order. */
enum home_mode {
	HOME_NONE = 0,		/* nothing at the home path */
	HOME_READONLY,		/* an empty read-only directory */
	HOME_PRIVATE,		/* a private writable tmpfs, discarded */
};

/* filesystem.project, in policy_keys[PK_FS_PROJECT].enums order. */
enum project_mode {
	PROJECT_CWD = 0,	/* the working directory only */
	PROJECT_WORKTREE,	/* the whole git work tree around it */
};

/* filesystem.review, in policy_keys[PK_FS_REVIEW].enums order. */
enum review_mode {
	REVIEW_ON = 0,		/* the project on an overlay, reviewed */
	REVIEW_OFF,
};

/* caches.store, in policy_keys[PK_CACHES_STORE].enums order. */
enum cache_store {
	CACHES_NONE = 0,
	CACHES_PRIVATE,		/* greywall's per-user store */
};

/* network.upstream_check, in its enums order. */
enum upstream_check_mode {
	UPSTREAM_CHECK_REQUIRED = 0,
	UPSTREAM_CHECK_WARN,
	UPSTREAM_CHECK_OFF,
};

/* hardening.landlock, in policy_keys[PK_HARDENING_LANDLOCK].enums order. */
enum landlock_mode {
	LANDLOCK_REQUIRED = 0,
	LANDLOCK_BEST_EFFORT,
};


/*
 * Policy: every key of the policy.d schema has an id and a row in
 * policy_keys[] (policy-schema.c) giving its dotted name, value type and
 * how it merges and narrows. A struct policy holds, per key, either one
 * scalar or a list, each value with the file, line and column it came from.
 */
enum policy_key {
	PK_USERS,			/* selectors */
	PK_GROUPS,
	PK_DEFAULT,
	PK_NET_UPSTREAM,		/* "none" or "socks5" */
	PK_NET_UPSTREAM_SOCKS5,
	PK_NET_UPSTREAM_CHECK,
	PK_NET_DNS_MODE,
	PK_NET_DNS_SERVER,
	PK_NET_DOMAINS_ALLOW,
	PK_NET_DOMAINS_DENY,
	PK_NET_CIDRS_ALLOW,
	PK_NET_IPV6,
	PK_NET_HOST_LOOPBACK_PORTS,
	PK_NET_INBOUND_PORTS,
	PK_FS_CWD,
	PK_FS_READ,
	PK_FS_WRITE,
	PK_FS_DENY_READ,
	PK_FS_DENY_WRITE,
	PK_FS_MASK,
	PK_FS_PROTECTED,
	PK_FS_ALLOW_CWD,
	PK_FS_HOME,
	PK_FS_PROJECT,
	PK_FS_REVIEW,
	PK_REVIEW_MAX_AGE,
	PK_REVIEW_MAX_SIZE,
	PK_CACHES_STORE,
	PK_CACHES_PATHS,
	PK_CACHES_REAL,
	PK_ENV_STRIP,
	PK_COMMAND_DENY,
	PK_COMMAND_ALLOW,
	PK_COMMAND_DEFAULTS,
	PK_LIMITS_PIDS,
	PK_LIMITS_MEMORY,
	PK_LIMITS_CPU,
	PK_LIMITS_WALL_TIME,
	PK_LIMITS_SANDBOXES,
	PK_HARDENING_LANDLOCK,
	PK_HARDENING_SECCOMP,
	PK_HARDENING_SECCOMP_DENY,
	PK_MONITOR_STREAM,
	PK_CLIENT_MAY_ADD_READ,
	PK_CLIENT_MAY_ADD_WRITE,
	PK_REPLACE,			/* this file's lists that replace */
	PK__MAX
};

enum policy_type {
	PT_BOOL,		/* true | false */
	PT_ENUM,		/* one of policy_keyinfo.enums */
	PT_UINT,		/* decimal, 1..policy_keyinfo.max */
	PT_SIZE,		/* "512M", "4G", bytes; u64 */
	PT_DURATION,		/* "90s", "30m", "2h", "1d"; seconds */
	PT_CPU,			/* "50%" or "weight:200"; see below */
	PT_HOSTPORT,		/* "127.0.0.1:43052", "[::1]:53", "host:port" */
	PT_PORT,		/* 1..65535 */
	PT_PATH,		/* "/abs", "~", "~/rel", "rel"; globs allowed */
	PT_NAME_GLOB,		/* a file name or glob, no '/': ".env.*" */
	PT_DOMAIN,		/* "example.com", "*.example.com" */
	PT_CIDR,		/* "10.0.0.0/8", "fd00::/8" */
	PT_ENV_GLOB,		/* "AWS_*", "GITHUB_TOKEN" */
	PT_COMMAND,		/* "git push": words, no control characters */
	PT_SYSCALL,		/* "ptrace": a system call libseccomp knows */
	PT_USER,		/* a user name */
	PT_GROUP,		/* a group name */
	PT_KEYNAME,		/* "network.domains.allow": a list key */
};

/* How a key merges and what a client overlay may do with it. */
enum policy_class {
	PC_SELECTOR,		/* file selectors: not merged, not in overlays */
	PC_ALLOW,		/* list of allowances: union; client may not add */
	PC_DENY,		/* list of denials: union; client may add */
	PC_SCALAR,		/* last wins; client may only narrow (rank) */
	PC_ADMIN,		/* last wins; client may not set at all */
	PC_FILE,		/* how this file merges: not merged, not in
				   overlays (replace) */
};

/*
 * limits.cpu as a number: a quota in percent of one CPU ("150%" is 150),
 * or a relative weight from 1 to 10000 ("weight:200") with
 * POLICY_CPU_WEIGHT set. Only values of the same form compare.
 */
#define POLICY_CPU_WEIGHT	(1ULL << 32)
#define POLICY_CPU_QUOTA_MAX	100000	/* percent: 1000 CPUs */
#define POLICY_CPU_WEIGHT_MAX	10000	/* as cgroup v2 cpu.weight */

struct policy_keyinfo {
	const char		*name;		/* "filesystem.deny_read" */
	enum policy_type	 type;
	enum policy_class	 class;
	int			 list;		/* a YAML sequence */
	uint64_t		 max;		/* PT_UINT upper bound */
	/*
	 * PT_ENUM values, from the narrowest to the widest: a client may
	 * move a value only towards the start. For PT_BOOL in PC_SCALAR,
	 * false is narrower than true.
	 */
	const char		*enums[4];
	const char		*dflt;		/* built-in default, or NULL */
};
extern const struct policy_keyinfo	policy_keys[PK__MAX];

struct policy_src {
	const char	*file;		/* as given to policy_parse() */
	uint32_t	 line;		/* 1-based */
	uint32_t	 col;		/* 1-based */
};

struct policy_value {
	char			*str;	/* canonical text, as printed */
	/*
	 * bool, enum index, uint, size, seconds, port; for users and
	 * groups whether the account exists (set by policyset_check()).
	 */
	uint64_t		 num;
	struct policy_src	 src;
};

struct policy_entry {
	int			 set;	/* scalar given / list present */
	struct policy_value	 one;	/* scalar keys */
	struct policy_value	*v;	/* list keys */
	size_t			 n;
	/*
	 * Where a file's replace: emptied this list before adding its own
	 * entries (file NULL: never); only in merged policies.
	 */
	struct policy_src	 replaced;
};

struct policy {
	struct policy_entry	 e[PK__MAX];
};

struct policy_error {
	char		file[256];
	uint32_t	line;
	uint32_t	col;
	char		msg[512];
};

/* policy-schema.c */
#define POLICY_SUGGEST_MAX	64	/* longest name it compares */
int		 policy_key_find(const char *);
int		 policy_key_suggest(const char *, const char *, char *,
		    size_t);
int		 policy_value_parse(enum policy_key, const char *,
		    struct policy_value *, char *, size_t);

/* policy-yaml.c */
#define POLICY_PARSE_OVERLAY	0x1	/* a client overlay: no selectors */
int		 policy_parse(const char *, const char *, size_t, int,
		    struct policy *, struct policy_error *);

/* One file of policy.d, parsed. */
struct policyfile {
	char		*path;
	struct policy	 pol;
};

/*
 * The files of policy.d, and what the loader noticed but did not refuse
 * ("FILE[:LINE:COL]: warning: ..."): files it ignores, selectors naming
 * no user or group of this system.
 */
struct policyset {
	struct policyfile	*v;
	size_t			 n;
	char			**warn;
	size_t			 nwarn;
};

/* policy.c */
void		 policy_clear(struct policy *);
int		 policy_add(struct policy *, enum policy_key,
		    const struct policy_value *);
int		 policy_merge(struct policy *, const struct policy *);
int		 policy_defaults(struct policy *);
void		 policy_finish(struct policy *);
int		 policy_selects(const struct policy *, const char *,
		    char *const *, size_t);
int		 policy_narrow(struct policy *, const struct policy *,
		    struct policy_error *);
int		 policy_check(const struct policy *, const char *,
		    struct policy_error *);
char		*policy_dump(const struct policy *, const char *);
char		*policy_dump_json(const struct policy *, const char *,
		    const char *);	/* policy, user, home */
int		 policy_path_expand(const char *, const char *, const char *,
		    char *, size_t);
int		 policy_key_enforced(enum policy_key);
size_t		 policyset_unenforced(const struct policyset *, char *, size_t);

/* policy-dir.c */
struct passwd;
void		 policyset_clear(struct policyset *);
int		 policyset_load(const char *, struct policyset *,
		    struct policy_error *);
int		 policyset_effective(const struct policyset *, const char *,
		    char *const *, size_t, struct policy *);
int		 policy_user_groups(const struct passwd *, char ***, size_t *);
int		 policyset_check(struct policyset *,
		    struct policy_error *);

/* policy.c (was in greywalld.c) */
void		 policy_error_format(const struct policy_error *, char *,
		    size_t);

#endif /* GW_POLICY_H */
