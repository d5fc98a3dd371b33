/*
 * Policies as values: adding entries, merging files for a peer, checking
 * that a client overlay only narrows, and printing the result with where
 * each entry came from. Nothing here logs; errors come back to the caller.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy.h"

void
policy_clear(struct policy *p)
{
	size_t	k, i;

	for (k = 0; k < PK__MAX; k++) {
		free(p->e[k].one.str);
		for (i = 0; i < p->e[k].n; i++)
			free(p->e[k].v[i].str);
		free(p->e[k].v);
	}
	memset(p, 0, sizeof(*p));
}

/*
 * Add a value: a scalar replaces what was there (last wins), a list entry
 * is appended unless the list already has it. The string is copied;
 * src.file is not, and must outlive the policy.
 */
int
policy_add(struct policy *p, enum policy_key k, const struct policy_value *val)
{
	struct policy_entry	*e = &p->e[k];
	struct policy_value	*nv;
	char			*s;
	size_t			 i;

	if ((s = strdup(val->str)) == NULL)
		return (-1);
	e->set = 1;
	if (!policy_keys[k].list) {
		free(e->one.str);
		e->one = *val;
		e->one.str = s;
		return (0);
	}
	for (i = 0; i < e->n; i++) {
		if (strcmp(e->v[i].str, s) == 0) {
			free(s);
			return (0);
		}
	}
	if ((nv = reallocarray(e->v, e->n + 1, sizeof(*nv))) == NULL) {
		free(s);
		return (-1);
	}
	e->v = nv;
	e->v[e->n] = *val;
	e->v[e->n].str = s;
	e->n++;
	return (0);
}

/* Whether a list key holds str (canonical text). */
static int
policy_has(const struct policy_entry *e, const char *str)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i].str, str) == 0)
			return (1);
	return (0);
}

/*
 * Whether an overlay's allow-list entry str is within what list e allows:
 * the same entry, or for domains and CIDRs one that matches more
 * ("*.pypi.org" is within "*", "10.1.0.0/16" within "10.0.0.0/8").
 */
static int
policy_covers(enum policy_key k, const struct policy_entry *e,
    const char *str)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->v[i].str, str) == 0)
			return (1);
		if (k == PK_NET_DOMAINS_ALLOW &&
		    net_domain_covers(e->v[i].str, str))
			return (1);
		if (k == PK_NET_CIDRS_ALLOW &&
		    net_cidr_covers(e->v[i].str, str))
			return (1);
	}
	return (0);
}

/* The entry of src's replace: that names key k, or NULL. */
static const struct policy_value *
policy_replaces(const struct policy *src, enum policy_key k)
{
	const struct policy_entry	*r = &src->e[PK_REPLACE];
	size_t				 i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].num == (uint64_t)k)
			return (&r->v[i]);
	return (NULL);
}

/*
 * Merge src into dst: scalars take src's value (last wins), lists are
 * unions, an empty list given explicitly still counts as set. A list
 * src names in replace: is emptied first, so src's entries are all that
 * is left of it (later files add to it again). Selectors and replace:
 * are not merged: they only choose files and say how they merge.
 */
int
policy_merge(struct policy *dst, const struct policy *src)
{
	const struct policy_entry	*e;
	const struct policy_value	*rv;
	struct policy_entry		*d;
	size_t				 k, i;

	for (k = 0; k < PK__MAX; k++) {
		e = &src->e[k];
		if (!e->set || policy_keys[k].class == PC_SELECTOR ||
		    policy_keys[k].class == PC_FILE)
			continue;
		d = &dst->e[k];
		if (policy_keys[k].list &&
		    (rv = policy_replaces(src, k)) != NULL) {
			for (i = 0; i < d->n; i++)
				free(d->v[i].str);
			free(d->v);
			d->v = NULL;
			d->n = 0;
			d->replaced = rv->src;
		}
		dst->e[k].set = 1;
		if (!policy_keys[k].list) {
			if (policy_add(dst, k, &e->one) == -1)
				return (-1);
			continue;
		}
		for (i = 0; i < e->n; i++)
			if (policy_add(dst, k, &e->v[i]) == -1)
				return (-1);
	}
	return (0);
}

/* The built-in defaults every effective policy starts from. */
int
policy_defaults(struct policy *p)
{
	struct policy_value	v;
	char			err[256];
	size_t			k;

	for (k = 0; k < PK__MAX; k++) {
		if (policy_keys[k].dflt == NULL)
			continue;
		if (policy_value_parse(k, policy_keys[k].dflt, &v, err,
		    sizeof(err)) == -1) {
			errno = EINVAL;
			return (-1);
		}
		v.src.file = "(built-in)";
		v.src.line = v.src.col = 0;
		if (policy_add(p, k, &v) == -1) {
			free(v.str);
			return (-1);
		}
		free(v.str);
	}
	return (0);
}

/* Drop list entries of key k that also appear in key deny. */
static void
policy_subtract(struct policy *p, enum policy_key k, enum policy_key deny)
{
	struct policy_entry	*e = &p->e[k];
	size_t			 i, j = 0;

	for (i = 0; i < e->n; i++) {
		if (policy_has(&p->e[deny], e->v[i].str))
			free(e->v[i].str);
		else
			e->v[j++] = e->v[i];
	}
	e->n = j;
}

/* A denial beats an allowance for the same path or name. */
void
policy_finish(struct policy *p)
{
	policy_subtract(p, PK_FS_READ, PK_FS_DENY_READ);
	policy_subtract(p, PK_FS_WRITE, PK_FS_DENY_WRITE);
	policy_subtract(p, PK_FS_WRITE, PK_FS_DENY_READ);
	policy_subtract(p, PK_NET_DOMAINS_ALLOW, PK_NET_DOMAINS_DENY);
}

/*
 * Whether a file's selector picks the peer: default: true, the user's
 * name in users:, or one of the peer's group names in groups:.
 */
int
policy_selects(const struct policy *f, const char *user,
    char *const *groups, size_t ngroups)
{
	size_t	i;

	if (f->e[PK_DEFAULT].set && f->e[PK_DEFAULT].one.num)
		return (1);
	if (policy_has(&f->e[PK_USERS], user))
		return (1);
	for (i = 0; i < ngroups; i++)
		if (policy_has(&f->e[PK_GROUPS], groups[i]))
			return (1);
	return (0);
}

static void
policy_errorf(struct policy_error *err, const struct policy_src *src,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
policy_errorf(struct policy_error *err, const struct policy_src *src,
    const char *fmt, ...)
{
	va_list	ap;

	memset(err, 0, sizeof(*err));
	if (src != NULL) {
		snprintf(err->file, sizeof(err->file), "%s", src->file);
		err->line = src->line;
		err->col = src->col;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* Whether scalar value v is at most as wide as cur for key k. */
static int
policy_scalar_narrower(enum policy_key k, const struct policy_value *v,
    const struct policy_entry *cur)
{
	switch (policy_keys[k].type) {
	case PT_BOOL:
	case PT_ENUM:
	case PT_UINT:
	case PT_SIZE:
	case PT_DURATION:
		/* Unset numeric limits mean "no limit": anything narrows. */
		if (!cur->set)
			return (1);
		return (v->num <= cur->one.num);
	case PT_CPU:
		/* A quota and a weight do not compare: keep the form. */
		if (!cur->set)
			return (1);
		return ((v->num & POLICY_CPU_WEIGHT) ==
		    (cur->one.num & POLICY_CPU_WEIGHT) &&
		    v->num <= cur->one.num);
	default:
		return (cur->set && strcmp(v->str, cur->one.str) == 0);
	}
}

/*
 * Apply a client overlay to an effective policy, refusing anything that
 * would widen it. Denials are added. An allowance list in the overlay
 * replaces the effective one and may only name entries the administrator
 * allowed, except that client_may.add_read and add_write let a client add
 * read and write paths; a domain or CIDR entry may also be a narrower
 * one (see policy_covers()). Scalars may only move towards the narrow end.
 * On error nothing is guaranteed about eff: the caller discards it.
 */
int
policy_narrow(struct policy *eff, const struct policy *ov,
    struct policy_error *err)
{
	const struct policy_entry	*o;
	struct policy_entry		 kept;
	const struct policy_keyinfo	*ki;
	size_t				 k, i;
	int				 may_add;

	/* Keys a client may never touch come first: the clearest refusal. */
	for (k = 0; k < PK__MAX; k++) {
		o = &ov->e[k];
		ki = &policy_keys[k];
		if (o->set && (ki->class == PC_SELECTOR ||
		    ki->class == PC_FILE || ki->class == PC_ADMIN)) {
			policy_errorf(err, ki->list && o->n > 0 ?
			    &o->v[0].src : &o->one.src, "'%s' can only be set"
			    " by the administrator", ki->name);
			return (-1);
		}
	}
	for (k = 0; k < PK__MAX; k++) {
		o = &ov->e[k];
		ki = &policy_keys[k];
		if (!o->set)
			continue;
		switch (ki->class) {
		case PC_SELECTOR:
		case PC_FILE:
		case PC_ADMIN:
			break;
		case PC_DENY:
			for (i = 0; i < o->n; i++)
				if (policy_add(eff, k, &o->v[i]) == -1)
					goto oom;
			break;
		case PC_ALLOW:
			may_add = (k == PK_FS_READ &&
			    eff->e[PK_CLIENT_MAY_ADD_READ].one.num) ||
			    (k == PK_FS_WRITE &&
			    eff->e[PK_CLIENT_MAY_ADD_WRITE].one.num);
			for (i = 0; i < o->n; i++) {
				if (may_add || policy_covers(k, &eff->e[k],
				    o->v[i].str))
					continue;
				policy_errorf(err, &o->v[i].src, "'%s' entry"
				    " '%s' would widen the policy%s",
				    ki->name, o->v[i].str,
				    k == PK_FS_READ ? " (client_may.add_read is"
				    " not granted)" : k == PK_FS_WRITE ?
				    " (client_may.add_write is not granted)" :
				    "");
				return (-1);
			}
			/* Replace the list with the overlay's. */
			kept = eff->e[k];
			memset(&eff->e[k], 0, sizeof(eff->e[k]));
			eff->e[k].set = 1;
			for (i = 0; i < o->n; i++) {
				if (policy_add(eff, k, &o->v[i]) == -1) {
					for (i = 0; i < kept.n; i++)
						free(kept.v[i].str);
					free(kept.v);
					goto oom;
				}
			}
			for (i = 0; i < kept.n; i++)
				free(kept.v[i].str);
			free(kept.v);
			break;
		case PC_SCALAR:
			if (!policy_scalar_narrower(k, &o->one, &eff->e[k])) {
				if (eff->e[k].set &&
				    eff->e[k].one.src.line == 0)
					policy_errorf(err, &o->one.src,
					    "'%s: %s' would widen the policy"
					    " (it is '%s', %s)", ki->name,
					    o->one.str, eff->e[k].one.str,
					    eff->e[k].one.src.file);
				else if (eff->e[k].set)
					policy_errorf(err, &o->one.src,
					    "'%s: %s' would widen the policy"
					    " (the administrator set '%s' at"
					    " %s:%u)", ki->name, o->one.str,
					    eff->e[k].one.str,
					    eff->e[k].one.src.file,
					    eff->e[k].one.src.line);
				else
					policy_errorf(err, &o->one.src,
					    "'%s: %s' would widen the policy",
					    ki->name, o->one.str);
				return (-1);
			}
			if (policy_add(eff, k, &o->one) == -1)
				goto oom;
			break;
		}
	}
	policy_finish(eff);
	return (0);
oom:
	policy_errorf(err, NULL, "out of memory");
	return (-1);
}

/*
 * What a sandbox start refuses in an effective policy whatever the
 * request: the checks greywalld -n and a reload make for every peer the
 * files name (policyset_check()) and a start makes for its own peer, so
 * neither passes what the other refuses. home is the peer's home from the
 * password database, or NULL where no peer is known (then what depends on
 * it is not checked). Returns 0, or -1 with err at the value at fault.
 */
int
policy_check(const struct policy *p, const char *home,
    struct policy_error *err)
{
	const struct policy_entry	*e;
	char				 buf[PATH_MAX];
	size_t				 i, l;

	e = &p->e[PK_NET_DNS_MODE];
	if (p->e[PK_NET_UPSTREAM].one.num != 0 && e->set &&
	    e->one.num == 1 && !p->e[PK_NET_DNS_SERVER].set) {
		policy_errorf(err, &e->one.src, "network.dns.mode is"
		    " 'upstream' but network.dns.server is not set (for"
		    " every sandbox of this policy)");
		return (-1);
	}
	e = &p->e[PK_CACHES_PATHS];
	for (i = 0; home != NULL && i < e->n; i++) {
		l = strlen(home);
		if (policy_path_expand(e->v[i].str, home, home, buf,
		    sizeof(buf)) == -1 || l < 2 || strncmp(buf, home, l) != 0 ||
		    buf[l] != '/') {
			policy_errorf(err, &e->v[i].src, "caches.paths entry"
			    " '%s' is not below the home directory %s",
			    e->v[i].str, home);
			return (-1);
		}
	}
	return (0);
}

/*
 * Whether this version of greywalld enforces key k. The rest is parsed,
 * merged and shown, marked as not enforced yet, until the filesystem,
 * network and containment layers land.
 */
int
policy_key_enforced(enum policy_key k)
{
	switch (k) {
	case PK_USERS:
	case PK_GROUPS:
	case PK_DEFAULT:
	case PK_NET_UPSTREAM:
	case PK_NET_UPSTREAM_SOCKS5:
	case PK_NET_UPSTREAM_CHECK:
	case PK_NET_DNS_MODE:
	case PK_NET_DNS_SERVER:
	case PK_NET_DOMAINS_ALLOW:
	case PK_NET_DOMAINS_DENY:
	case PK_NET_CIDRS_ALLOW:
	case PK_NET_IPV6:
	case PK_NET_HOST_LOOPBACK_PORTS:
	case PK_NET_INBOUND_PORTS:	/* gw exec -p */
	case PK_FS_CWD:
	case PK_FS_READ:		/* literal paths; globs are refused */
	case PK_FS_WRITE:
	case PK_FS_DENY_READ:
	case PK_FS_DENY_WRITE:
	case PK_FS_MASK:
	case PK_FS_PROTECTED:
	case PK_FS_ALLOW_CWD:
	case PK_FS_HOME:
	case PK_FS_PROJECT:
	case PK_FS_REVIEW:		/* gw exec --review */
	case PK_REVIEW_MAX_AGE:
	case PK_REVIEW_MAX_SIZE:
	case PK_CACHES_STORE:
	case PK_CACHES_PATHS:
	case PK_CACHES_REAL:
	case PK_ENV_STRIP:
	case PK_HARDENING_LANDLOCK:
	case PK_LIMITS_PIDS:		/* refused where no cgroup can */
	case PK_LIMITS_MEMORY:
	case PK_LIMITS_CPU:
	case PK_LIMITS_WALL_TIME:
	case PK_LIMITS_SANDBOXES:
	case PK_HARDENING_SECCOMP:
	case PK_HARDENING_SECCOMP_DENY:
	case PK_MONITOR_STREAM:
	case PK_COMMAND_DENY:		/* an advisory guard on argv */
	case PK_COMMAND_ALLOW:
	case PK_COMMAND_DEFAULTS:
	case PK_CLIENT_MAY_ADD_READ:
	case PK_CLIENT_MAY_ADD_WRITE:
	case PK_REPLACE:
		return (1);
	default:
		return (0);
	}
}

static void
dump_src(FILE *f, enum policy_key k, const struct policy_src *src)
{
	const char	*note;

	note = policy_key_enforced(k) ? "" : " (not enforced yet)";
	if (src->line == 0)
		fprintf(f, "  # %s%s\n", src->file, note);
	else
		fprintf(f, "  # %s:%u%s\n", src->file, src->line, note);
}

static void
dump_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int
dump_needs_quotes(enum policy_type t)
{
	switch (t) {
	case PT_BOOL:
	case PT_ENUM:
	case PT_UINT:
	case PT_SIZE:
	case PT_DURATION:
	case PT_PORT:
		return (0);
	default:
		return (1);
	}
}

/* Split "a.b.c" into at most 4 components; returns how many. */
static size_t
dump_split(const char *name, char comp[4][32])
{
	size_t	n = 0, l;

	while (n < 4) {
		l = strcspn(name, ".");
		snprintf(comp[n++], 32, "%.*s", (int)l, name);
		if (name[l] == '\0')
			break;
		name += l + 1;
	}
	return (n);
}

/*
 * Print an effective policy as YAML in the schema's own shape, each value
 * with a comment naming the file and line it came from, and for paths
 * with "~" what they mean for the user whose home is given (may be NULL).
 * Returns a string to free, or NULL when out of memory.
 */
char *
policy_dump(const struct policy *p, const char *home)
{
	char				 exp[PATH_MAX];
	const struct policy_keyinfo	*ki;
	const struct policy_entry	*e;
	char				 comp[4][32], prev[4][32];
	char				*buf = NULL;
	size_t				 len = 0, n, np = 0, d, i, k;
	FILE				*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	for (k = 0; k < PK__MAX; k++) {
		ki = &policy_keys[k];
		e = &p->e[k];
		if (ki->class == PC_SELECTOR || ki->class == PC_FILE ||
		    k == PK_NET_UPSTREAM_SOCKS5)
			continue;
		n = dump_split(ki->name, comp);
		/* Open the mappings this key needs that the last one lacked. */
		for (d = 0; d + 1 < n && d + 1 < np; d++)
			if (strcmp(comp[d], prev[d]) != 0)
				break;
		for (; d < n - 1; d++)
			fprintf(f, "%*s%s:\n", (int)(2 * d), "", comp[d]);
		memcpy(prev, comp, sizeof(prev));
		np = n;

		fprintf(f, "%*s", (int)(2 * (n - 1)), "");
		if (k == PK_NET_UPSTREAM && e->set &&
		    strcmp(e->one.str, "socks5") == 0) {
			e = &p->e[PK_NET_UPSTREAM_SOCKS5];
			fprintf(f, "upstream:\n%*ssocks5: ", (int)(2 * n), "");
			dump_quoted(f, e->set ? e->one.str : "");
			dump_src(f, PK_NET_UPSTREAM_SOCKS5, &e->one.src);
		} else if (ki->list) {
			fprintf(f, "%s:%s", comp[n - 1], e->n == 0 ? " []" :
			    "");
			if (e->replaced.file != NULL)
				fprintf(f, "  # replaced at %s:%u",
				    e->replaced.file, e->replaced.line);
			fputc('\n', f);
			for (i = 0; i < e->n; i++) {
				fprintf(f, "%*s- ", (int)(2 * n), "");
				if (dump_needs_quotes(ki->type))
					dump_quoted(f, e->v[i].str);
				else
					fputs(e->v[i].str, f);
				if (home != NULL && ki->type == PT_PATH &&
				    e->v[i].str[0] == '~' &&
				    policy_path_expand(e->v[i].str, home, NULL,
				    exp, sizeof(exp)) == 0)
					fprintf(f, "  # %s", exp);
				dump_src(f, k, &e->v[i].src);
			}
		} else if (!e->set) {
			fprintf(f, "# %s: not set\n", comp[n - 1]);
		} else {
			fprintf(f, "%s: ", comp[n - 1]);
			if (dump_needs_quotes(ki->type))
				dump_quoted(f, e->one.str);
			else
				fputs(e->one.str, f);
			dump_src(f, k, &e->one.src);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

/* A value's origin: { "file", "line", "column" }, line 0 for built-in. */
static json_t *
json_src(const struct policy_src *src)
{
	return (json_pack("{s:s, s:I, s:I}", "file", src->file != NULL ?
	    src->file : "", "line", (json_int_t)src->line, "column",
	    (json_int_t)src->col));
}

/* One value: { "value", "source", and "expanded" for "~" paths }. */
static json_t *
json_value(enum policy_key k, const struct policy_value *v, const char *home)
{
	char	 exp[PATH_MAX];
	json_t	*o, *s;

	if ((o = json_object()) == NULL)
		return (NULL);
	if ((s = json_stringn(v->str, strlen(v->str))) == NULL ||
	    json_object_set_new(o, "value", s) == -1 ||
	    (s = json_src(&v->src)) == NULL ||
	    json_object_set_new(o, "source", s) == -1)
		goto fail;
	if (home != NULL && policy_keys[k].type == PT_PATH &&
	    v->str[0] == '~' && policy_path_expand(v->str, home, NULL, exp,
	    sizeof(exp)) == 0 && ((s = json_stringn(exp, strlen(exp))) ==
	    NULL || json_object_set_new(o, "expanded", s) == -1))
		goto fail;
	return (o);
fail:
	json_decref(o);
	return (NULL);
}

/*
 * The effective policy as JSON, for programs (gw policy --json):
 *
 *   { "user": NAME, "policy": { "KEY": ENTRY, ... } }
 *
 * with every key of the schema by its dotted name, in the schema's order
 * (selectors and replace: are not part of an effective policy). A single
 * value's ENTRY is { "value": TEXT or null when not set, "source": SRC,
 * "enforced": BOOL }, a list's is { "values": [ { "value": TEXT,
 * "source": SRC, "expanded": PATH }, ... ], "replaced": SRC or null,
 * "enforced": BOOL }. SRC is { "file", "line", "column" } (line and
 * column 0 for a built-in default) and "expanded" is given for paths with
 * "~" when home is. Values are the canonical text, as in the YAML form.
 * Documented in gw(1); keep it stable. Returns a string to free, or NULL.
 */
char *
policy_dump_json(const struct policy *p, const char *user, const char *home)
{
	const struct policy_keyinfo	*ki;
	const struct policy_entry	*e;
	json_t				*root = NULL, *pol, *ent, *a, *x;
	size_t				 k, i;
	char				*out = NULL;

	if ((root = json_object()) == NULL ||
	    (x = json_string(user != NULL ? user : "")) == NULL ||
	    json_object_set_new(root, "user", x) == -1 ||
	    (pol = json_object()) == NULL ||
	    json_object_set_new(root, "policy", pol) == -1)
		goto out;
	for (k = 0; k < PK__MAX; k++) {
		ki = &policy_keys[k];
		e = &p->e[k];
		if (ki->class == PC_SELECTOR || ki->class == PC_FILE)
			continue;
		if ((ent = json_object()) == NULL ||
		    json_object_set_new(pol, ki->name, ent) == -1)
			goto out;
		if (ki->list) {
			if ((a = json_array()) == NULL ||
			    json_object_set_new(ent, "values", a) == -1)
				goto out;
			for (i = 0; i < e->n; i++)
				if ((x = json_value(k, &e->v[i], home)) ==
				    NULL || json_array_append_new(a, x) == -1)
					goto out;
			x = e->replaced.file != NULL ?
			    json_src(&e->replaced) : json_null();
			if (x == NULL ||
			    json_object_set_new(ent, "replaced", x) == -1)
				goto out;
		} else if (e->set) {
			if ((x = json_value(k, &e->one, home)) == NULL)
				goto out;
			if (json_object_update(ent, x) == -1) {
				json_decref(x);
				goto out;
			}
			json_decref(x);
		} else if (json_object_set_new(ent, "value",
		    json_null()) == -1)
			goto out;
		if (json_object_set_new(ent, "enforced",
		    json_boolean(policy_key_enforced(k))) == -1)
			goto out;
	}
	out = json_dumps(root, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
out:
	json_decref(root);
	return (out);
}

/*
 * Name, in buf, the keys a policy set uses that this version does not
 * enforce yet, each with where it is first set. Returns how many.
 */
size_t
policyset_unenforced(const struct policyset *set, char *buf, size_t len)
{
	const struct policy_entry	*e;
	const struct policy_src		*src;
	size_t				 k, i, n = 0, off = 0;
	int				 w;

	buf[0] = '\0';
	for (k = 0; k < PK__MAX; k++) {
		if (policy_key_enforced(k))
			continue;
		if (policy_keys[k].dflt != NULL) {
			w = snprintf(buf + off, len - off, "%s%s (built-in"
			    " default)", n > 0 ? ", " : "",
			    policy_keys[k].name);
			if (w > 0 && (size_t)w < len - off)
				off += w;
			n++;
			continue;
		}
		for (i = 0; i < set->n; i++) {
			e = &set->v[i].pol.e[k];
			if (!e->set || (policy_keys[k].list && e->n == 0))
				continue;
			src = policy_keys[k].list ? &e->v[0].src : &e->one.src;
			w = snprintf(buf + off, len - off, "%s%s (%s:%u)",
			    n > 0 ? ", " : "", policy_keys[k].name, src->file,
			    src->line);
			if (w > 0 && (size_t)w < len - off)
				off += w;
			n++;
			break;
		}
	}
	return (n);
}

/*
 * Expand a filesystem policy path for a peer: "~" and "~/x" use home (from
 * the password database, never the client's $HOME), a relative path is
 * taken against cwd (the directory the client sent), an absolute path is
 * kept. cwd may be NULL when there is none, which leaves relative paths
 * unexpanded. Globs are kept as they are. Returns 0, or -1 with
 * ENAMETOOLONG.
 */
int
policy_path_expand(const char *path, const char *home, const char *cwd,
    char *out, size_t len)
{
	int	n;

	if (strcmp(path, "~") == 0)
		n = snprintf(out, len, "%s", home);
	else if (strncmp(path, "~/", 2) == 0)
		n = snprintf(out, len, "%s%s%s", home,
		    strcmp(home, "/") == 0 ? "" : "/", path + 2);
	else if (path[0] == '/' || cwd == NULL)
		n = snprintf(out, len, "%s", path);
	else
		n = snprintf(out, len, "%s%s%s", cwd,
		    strcmp(cwd, "/") == 0 ? "" : "/", path);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* "file:line:col: message", or "file: message" without a place. */
void
policy_error_format(const struct policy_error *err, char *buf, size_t len)
{
	if (err->line > 0)
		snprintf(buf, len, "%s:%u:%u: %s", err->file, err->line,
		    err->col, err->msg);
	else
		snprintf(buf, len, "%s: %s", err->file, err->msg);
}
