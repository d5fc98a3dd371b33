/*
 * Policy files: libyaml events to struct policy. The mappings nest as the
 * dotted names in policy_keys[] say (a prefix of a key's name is a
 * mapping), every value goes through policy_value_parse() and policy_add(),
 * and the first problem ends the parse with the file, line and column of
 * the node at fault. Nothing here logs.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"

/*
 * Bounds on the work one file can cause. A real policy is a few KiB and
 * three mappings deep; lists are capped because policy_add() looks for
 * duplicates, which is quadratic in the length of a list.
 */
#define POLICY_SIZE_MAX		(1024 * 1024)
#define POLICY_DEPTH_MAX	8
#define POLICY_LIST_MAX		1024
#define POLICY_KEYLEN_MAX	64	/* > any name in the schema */

struct yp {
	yaml_parser_t		 parser;
	yaml_event_t		 ev;
	int			 have;	/* ev must be deleted */
	int			 depth;
	int			 flags;
	const char		*name;
	const char		*buf;
	size_t			 len;
	struct policy		*p;
	struct policy_error	*err;
	int			 sel[PK_DEFAULT + 1]; /* selectors seen */
};
_Static_assert(PK_USERS < PK_DEFAULT && PK_GROUPS < PK_DEFAULT,
    "yp.sel is indexed by the selector keys");

static int	 yp_fail(struct yp *, yaml_mark_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 yp_mapping(struct yp *, const char *, size_t *);

/* Point the error at a 0-based libyaml mark. */
static int
yp_at(struct yp *yp, yaml_mark_t mark)
{
	yp->err->line = (uint32_t)mark.line + 1;
	yp->err->col = (uint32_t)mark.column + 1;
	return (-1);
}

static int
yp_fail(struct yp *yp, yaml_mark_t mark, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(yp->err->msg, sizeof(yp->err->msg), fmt, ap);
	va_end(ap);
	return (yp_at(yp, mark));
}

/* Line 1, column 1: for what belongs to the file as a whole. */
static yaml_mark_t
yp_top(void)
{
	yaml_mark_t	mark;

	memset(&mark, 0, sizeof(mark));
	return (mark);
}

/*
 * Whether libyaml's syntax error is a tab: libyaml says "found character
 * that cannot start any token" or the like, which does not name it. The
 * culprit is a tab at the error's mark, or one in the indentation of the
 * mark's line. *mark is set to the tab's place.
 */
static int
yp_tab(struct yp *yp, yaml_mark_t *mark)
{
	const yaml_mark_t	*pm = &yp->parser.problem_mark;
	const char		*line, *p, *end = yp->buf + yp->len;
	size_t			 l = 0, col, ind;

	if (yp->buf == NULL)
		return (-1);
	for (line = yp->buf; line < end && l < pm->line; line++)
		if (*line == '\n')
			l++;
	/* The buffer need not end in a NUL: no strspn(). */
	for (ind = 0; line + ind < end && (line[ind] == ' ' ||
	    line[ind] == '\t'); ind++)
		;
	for (p = line, col = 0; p < end && *p != '\n'; p++) {
		if (*p == '\t' && (col == pm->column ||
		    (size_t)(p - line) < ind))
			break;
		/* Columns count characters, as libyaml's do. */
		if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
	}
	if (p >= end || *p != '\t')
		return (-1);
	memset(mark, 0, sizeof(*mark));
	mark->line = pm->line;
	mark->column = col;
	return (0);
}

/*
 * libyaml's own error, at its mark. A reader error (bad encoding, a
 * control character) has only a byte offset: count lines and UTF-8
 * characters up to it, as libyaml's marks do.
 */
static int
yp_syntax(struct yp *yp)
{
	yaml_parser_t	*ps = &yp->parser;
	yaml_mark_t	 mark = yp_top();
	size_t		 i;

	switch (ps->error) {
	case YAML_READER_ERROR:
		for (i = 0; i < ps->problem_offset && i < yp->len; i++) {
			if (yp->buf[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)yp->buf[i] & 0xc0) != 0x80)
				mark.column++;
		}
		return (yp_fail(yp, mark, "not a valid YAML text: %s (0x%x)",
		    ps->problem != NULL ? ps->problem : "unreadable input",
		    (unsigned int)ps->problem_value));
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (yp_tab(yp, &mark) == 0)
			return (yp_fail(yp, mark, "a tab character: YAML "
			    "indents with spaces only, replace it with "
			    "spaces (libyaml: %s)", ps->problem != NULL ?
			    ps->problem : "syntax error"));
		return (yp_fail(yp, ps->problem_mark, "YAML syntax error: "
		    "%s%s%s", ps->context != NULL ? ps->context : "",
		    ps->context != NULL ? ": " : "",
		    ps->problem != NULL ? ps->problem : "unknown problem"));
	case YAML_MEMORY_ERROR:
		return (yp_fail(yp, mark, "out of memory"));
	default:
		return (yp_fail(yp, mark, "YAML error"));
	}
}

/*
 * The next event, refusing what the schema never needs anywhere: aliases
 * and anchors (they make one node appear in several places, and with
 * billion-laughs nesting, cost without bound), explicit tags (the type
 * of a value comes from its key, never from the file), block scalars
 * (their trailing newlines and folding are easy to get wrong in a path or
 * a command) and nesting deeper than any key.
 */
static int
yp_next(struct yp *yp)
{
	yaml_event_t	*ev = &yp->ev;
	const char	*anchor = NULL, *tag = NULL;

	if (yp->have) {
		yaml_event_delete(ev);
		yp->have = 0;
	}
	if (!yaml_parser_parse(&yp->parser, ev))
		return (yp_syntax(yp));
	yp->have = 1;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return (yp_fail(yp, ev->start_mark,
		    "anchors and aliases are not allowed"));
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		tag = (const char *)ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)ev->data.sequence_start.anchor;
		tag = (const char *)ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)ev->data.mapping_start.anchor;
		tag = (const char *)ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return (yp_fail(yp, ev->start_mark,
		    "anchors and aliases are not allowed"));
	if (tag != NULL)
		return (yp_fail(yp, ev->start_mark,
		    "tags are not allowed: the key says what a value is"));
	if (ev->type == YAML_SCALAR_EVENT &&
	    (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE))
		return (yp_fail(yp, ev->start_mark, "block scalars (| and >) "
		    "are not allowed: write the value on one line"));

	switch (ev->type) {
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++yp->depth > POLICY_DEPTH_MAX)
			return (yp_fail(yp, ev->start_mark, "nested more than "
			    "%d levels deep", POLICY_DEPTH_MAX));
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		yp->depth--;
		break;
	default:
		break;
	}
	return (0);
}

/* A missing value: "key:" with nothing after it, "~" or "null". */
static int
yp_is_null(const yaml_event_t *ev)
{
	const char	*s = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return (0);
	return (ev->data.scalar.length == 0 || strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0);
}

static int
yp_no_value(struct yp *yp, enum policy_key k, const char *what)
{
	const yaml_event_t	*ev = &yp->ev;

	if (policy_keys[k].type == PT_PATH &&
	    strcmp((const char *)ev->data.scalar.value, "~") == 0)
		return (yp_fail(yp, ev->start_mark, "'%s' %s: a bare ~ is "
		    "YAML's null; write \"~\" for the home directory",
		    policy_keys[k].name, what));
	return (yp_fail(yp, ev->start_mark, "'%s' %s", policy_keys[k].name,
	    what));
}

/* The current scalar event as a value of k, added to the policy. */
static int
yp_value(struct yp *yp, enum policy_key k)
{
	const yaml_event_t	*ev = &yp->ev;
	const char		*s = (const char *)ev->data.scalar.value;
	struct policy_value	 v;
	int			 r;

	if (memchr(s, '\0', ev->data.scalar.length) != NULL)
		return (yp_fail(yp, ev->start_mark, "'%s' has a NUL character "
		    "in its value", policy_keys[k].name));
	if (policy_keys[k].list && yp->p->e[k].n >= POLICY_LIST_MAX)
		return (yp_fail(yp, ev->start_mark, "'%s' has more than %d "
		    "entries", policy_keys[k].name, POLICY_LIST_MAX));
	if (policy_value_parse(k, s, &v, yp->err->msg,
	    sizeof(yp->err->msg)) == -1)
		return (yp_at(yp, ev->start_mark));
	if (k == PK_DEFAULT && v.num == 0) {
		free(v.str);
		return (yp_fail(yp, ev->start_mark, "default: false selects "
		    "nobody; remove the file or use users/groups"));
	}
	v.src.file = yp->name;
	v.src.line = (uint32_t)ev->start_mark.line + 1;
	v.src.col = (uint32_t)ev->start_mark.column + 1;
	r = policy_add(yp->p, k, &v);
	free(v.str);
	if (r == -1)
		return (yp_fail(yp, ev->start_mark, "out of memory"));
	return (0);
}

/* A key with one value: the current event is that value. */
static int
yp_scalar(struct yp *yp, enum policy_key k)
{
	const yaml_event_t	*ev = &yp->ev;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (yp_is_null(ev))
			return (yp_no_value(yp, k, "has no value"));
		return (yp_value(yp, k));
	case YAML_SEQUENCE_START_EVENT:
		return (yp_fail(yp, ev->start_mark, "'%s' must be a single "
		    "value, not a list", policy_keys[k].name));
	default:
		return (yp_fail(yp, ev->start_mark, "'%s' must be a single "
		    "value, not a mapping", policy_keys[k].name));
	}
}

/*
 * A list key: a sequence of scalars. An empty sequence still marks the key
 * as set (policy_add() is never called for it), except for the selectors,
 * where an empty list would select nobody.
 */
static int
yp_list(struct yp *yp, enum policy_key k)
{
	yaml_mark_t	mark = yp->ev.start_mark;
	size_t		n = 0;

	if (yp->ev.type == YAML_SCALAR_EVENT && yp_is_null(&yp->ev))
		return (yp_no_value(yp, k, "has no value"));
	if (yp->ev.type != YAML_SEQUENCE_START_EVENT)
		return (yp_fail(yp, mark, "'%s' must be a list",
		    policy_keys[k].name));
	for (;;) {
		if (yp_next(yp) == -1)
			return (-1);
		switch (yp->ev.type) {
		case YAML_SEQUENCE_END_EVENT:
			if (n == 0 && policy_keys[k].class == PC_SELECTOR)
				return (yp_fail(yp, mark, "'%s' is empty and "
				    "selects nobody", policy_keys[k].name));
			if (n == 0 && policy_keys[k].class == PC_FILE)
				return (yp_fail(yp, mark, "'%s' is empty: name "
				    "the lists this file replaces, or remove "
				    "it", policy_keys[k].name));
			yp->p->e[k].set = 1;
			return (0);
		case YAML_SCALAR_EVENT:
			if (yp_is_null(&yp->ev))
				return (yp_no_value(yp, k,
				    "has an empty entry"));
			if (yp_value(yp, k) == -1)
				return (-1);
			n++;
			break;
		case YAML_SEQUENCE_START_EVENT:
			return (yp_fail(yp, yp->ev.start_mark, "'%s' entries "
			    "must be single values, not lists",
			    policy_keys[k].name));
		default:
			return (yp_fail(yp, yp->ev.start_mark, "'%s' entries "
			    "must be single values, not mappings",
			    policy_keys[k].name));
		}
	}
}

/*
 * network.upstream is "none" or a mapping { socks5: "host:port" }, which
 * also sets network.upstream to "socks5", with the mapping as its source.
 */
static int
yp_upstream(struct yp *yp, enum policy_key k)
{
	const yaml_event_t	*ev = &yp->ev;
	struct policy_value	 v;
	yaml_mark_t		 mark = ev->start_mark;
	size_t			 n;
	char			 q[64];
	int			 r;

	if (ev->type == YAML_SCALAR_EVENT) {
		if (yp_is_null(ev))
			return (yp_no_value(yp, k, "has no value"));
		if (strcmp((const char *)ev->data.scalar.value, "none") == 0)
			return (yp_value(yp, k));
		str_display(q, sizeof(q), (const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		return (yp_fail(yp, mark, "'%s' must be none or a mapping "
		    "like { socks5: \"127.0.0.1:43052\" }, not '%s'",
		    policy_keys[k].name, q));
	}
	if (ev->type != YAML_MAPPING_START_EVENT)
		return (yp_fail(yp, mark, "'%s' must be none or a mapping "
		    "like { socks5: \"127.0.0.1:43052\" }, not a list",
		    policy_keys[k].name));

	if (policy_value_parse(k, "socks5", &v, yp->err->msg,
	    sizeof(yp->err->msg)) == -1)
		return (yp_at(yp, mark));
	v.src.file = yp->name;
	v.src.line = (uint32_t)mark.line + 1;
	v.src.col = (uint32_t)mark.column + 1;
	r = policy_add(yp->p, k, &v);
	free(v.str);
	if (r == -1)
		return (yp_fail(yp, mark, "out of memory"));

	if (yp_mapping(yp, policy_keys[k].name, &n) == -1)
		return (-1);
	if (n == 0)
		return (yp_fail(yp, mark, "'%s' needs a socks5 address, as in "
		    "{ socks5: \"127.0.0.1:43052\" }, or none",
		    policy_keys[k].name));
	return (0);
}

/*
 * What a dotted path names: returns the first row whose name is path or
 * starts with path and a '.', or -1; *exact says the row is path itself,
 * *prefix that some key lies under path (so path is a mapping).
 */
static int
yp_lookup(const char *path, int *exact, int *prefix)
{
	size_t	len = strlen(path);
	int	k, first = -1;

	*exact = *prefix = 0;
	for (k = 0; k < PK__MAX; k++) {
		if (strncmp(policy_keys[k].name, path, len) != 0)
			continue;
		if (policy_keys[k].name[len] == '\0')
			*exact = 1;
		else if (policy_keys[k].name[len] == '.')
			*prefix = 1;
		else
			continue;
		if (first == -1)
			first = k;
	}
	return (first);
}

/* The selectors may only appear in a policy.d file, and not mixed. */
static int
yp_selector(struct yp *yp, enum policy_key k, yaml_mark_t mark)
{
	if (yp->flags & POLICY_PARSE_OVERLAY)
		return (yp_fail(yp, mark, "a client overlay cannot have '%s'",
		    policy_keys[k].name));
	if (k == PK_DEFAULT && (yp->sel[PK_USERS] || yp->sel[PK_GROUPS]))
		return (yp_fail(yp, mark, "'default' cannot be combined with "
		    "'users' or 'groups'"));
	if (k != PK_DEFAULT && yp->sel[PK_DEFAULT])
		return (yp_fail(yp, mark, "'%s' cannot be combined with "
		    "'default'", policy_keys[k].name));
	yp->sel[k] = 1;
	return (0);
}

/*
 * The mapping at path ("" for the top level); the current event is its
 * MAPPING_START. Each key names a mapping (then recurse) or a key of the
 * schema; *ret_n counts the keys.
 */
static int
yp_mapping(struct yp *yp, const char *path, size_t *ret_n)
{
	struct {
		int	row;
		size_t	len;
	}			 seen[2 * PK__MAX];
	char			 full[2 * POLICY_KEYLEN_MAX];
	char			 shown[2 * POLICY_KEYLEN_MAX + 16], q[64];
	char			 sug[2 * POLICY_KEYLEN_MAX];
	const yaml_event_t	*ev = &yp->ev;
	const char		*key;
	yaml_mark_t		 kmark;
	size_t			 klen, nseen = 0, i, n = 0;
	int			 row, exact, prefix;

	for (;; n++) {
		if (yp_next(yp) == -1)
			return (-1);
		if (ev->type == YAML_MAPPING_END_EVENT)
			break;
		kmark = ev->start_mark;
		if (ev->type != YAML_SCALAR_EVENT)
			return (yp_fail(yp, kmark, "a key must be a name, not "
			    "a list or mapping"));
		key = (const char *)ev->data.scalar.value;
		klen = ev->data.scalar.length;
		str_display(q, sizeof(q), key, klen);
		snprintf(shown, sizeof(shown), "%s%s%s", path,
		    path[0] != '\0' ? "." : "", q);

		/* Dotted keys would be a second spelling of the nesting. */
		row = -1;
		if (klen > 0 && klen < POLICY_KEYLEN_MAX &&
		    memchr(key, '\0', klen) == NULL &&
		    memchr(key, '.', klen) == NULL) {
			snprintf(full, sizeof(full), "%s%s%s", path,
			    path[0] != '\0' ? "." : "", key);
			row = yp_lookup(full, &exact, &prefix);
		}
		if (row == -1 && memchr(key, '.', klen) != NULL)
			return (yp_fail(yp, kmark, "unknown key '%s': dotted "
			    "keys are not accepted, nest the mappings", shown));
		if (row == -1 && klen < POLICY_KEYLEN_MAX &&
		    memchr(key, '\0', klen) == NULL &&
		    policy_key_suggest(path, key, sug, sizeof(sug)) == 0)
			return (yp_fail(yp, kmark, "unknown key '%s'; did you "
			    "mean '%s'?", shown, sug));
		if (row == -1)
			return (yp_fail(yp, kmark, "unknown key '%s'", shown));
		for (i = 0; i < nseen; i++)
			if (seen[i].row == row && seen[i].len == strlen(full))
				return (yp_fail(yp, kmark,
				    "duplicate key '%s'", full));
		if (nseen < nitems(seen)) {
			seen[nseen].row = row;
			seen[nseen++].len = strlen(full);
		}
		if (exact && policy_keys[row].class == PC_SELECTOR &&
		    yp_selector(yp, row, kmark) == -1)
			return (-1);
		if (exact && policy_keys[row].class == PC_FILE &&
		    (yp->flags & POLICY_PARSE_OVERLAY))
			return (yp_fail(yp, kmark, "a client overlay cannot "
			    "have '%s': its lists already replace the "
			    "administrator's (and may only narrow them)",
			    policy_keys[row].name));

		if (yp_next(yp) == -1)
			return (-1);
		if (exact && prefix) {
			if (yp_upstream(yp, row) == -1)
				return (-1);
		} else if (exact) {
			if ((policy_keys[row].list ? yp_list(yp, row) :
			    yp_scalar(yp, row)) == -1)
				return (-1);
		} else if (ev->type == YAML_MAPPING_START_EVENT) {
			if (yp_mapping(yp, full, NULL) == -1)
				return (-1);
		} else if (yp_is_null(ev))
			return (yp_fail(yp, ev->start_mark, "'%s' has no value",
			    full));
		else
			return (yp_fail(yp, ev->start_mark, "'%s' must be a "
			    "mapping", full));
	}
	if (ret_n != NULL)
		*ret_n = n;
	return (0);
}

/*
 * Every list that replace: names must be set in the same file: replacing
 * with nothing by accident would silently drop the earlier files' entries
 * ("allow: []" says it on purpose).
 */
static int
yp_replace_check(struct yp *yp)
{
	const struct policy_entry	*r = &yp->p->e[PK_REPLACE];
	const struct policy_value	*v;
	yaml_mark_t			 mark;
	size_t				 i;

	for (i = 0; i < r->n; i++) {
		v = &r->v[i];
		if (yp->p->e[v->num].set)
			continue;
		mark = yp_top();
		mark.line = v->src.line - 1;
		mark.column = v->src.col - 1;
		return (yp_fail(yp, mark, "'replace' names '%s', which this "
		    "file does not set: give its new entries here, or "
		    "'%s: []' to empty it", v->str, v->str));
	}
	return (0);
}

/* The stream: exactly one document whose root is a mapping. */
static int
yp_stream(struct yp *yp)
{
	const yaml_event_t	*ev = &yp->ev;
	size_t			 n = 0;

	if (yp_next(yp) == -1)		/* STREAM_START */
		return (-1);
	if (yp_next(yp) == -1)
		return (-1);
	if (ev->type == YAML_STREAM_END_EVENT)
		goto empty;
	if (yp_next(yp) == -1)		/* after DOCUMENT_START */
		return (-1);
	if (ev->type == YAML_MAPPING_START_EVENT) {
		if (yp_mapping(yp, "", &n) == -1)
			return (-1);
	} else if (!yp_is_null(ev))
		return (yp_fail(yp, ev->start_mark, "a policy must be a "
		    "mapping of keys, like 'users: [alice]'"));
	if (n == 0)
		goto empty;
	if (yp_next(yp) == -1)		/* DOCUMENT_END */
		return (-1);
	if (yp_next(yp) == -1)
		return (-1);
	if (ev->type != YAML_STREAM_END_EVENT)
		return (yp_fail(yp, ev->start_mark, "a policy file holds one "
		    "YAML document, not several"));

	if (!(yp->flags & POLICY_PARSE_OVERLAY) && !yp->sel[PK_USERS] &&
	    !yp->sel[PK_GROUPS] && !yp->sel[PK_DEFAULT])
		return (yp_fail(yp, yp_top(), "no selector: a policy file "
		    "needs 'users', 'groups' or 'default: true'"));
	return (yp_replace_check(yp));

empty:
	if (yp->flags & POLICY_PARSE_OVERLAY)
		return (yp_fail(yp, yp_top(), "empty policy: an overlay needs "
		    "at least one key"));
	return (yp_fail(yp, yp_top(), "empty policy: a file needs a "
	    "selector (users, groups or default)"));
}

/*
 * Parse one policy file (flags 0) or client overlay (POLICY_PARSE_OVERLAY:
 * no selectors) into p, which may already hold values: lists grow, scalars
 * are replaced. Sources point at name, which must outlive p. Returns 0, or
 * -1 with err filled in; p may then hold part of the file, and the caller
 * must policy_clear() it (or the policy it was merging into).
 */
int
policy_parse(const char *name, const char *buf, size_t len, int flags,
    struct policy *p, struct policy_error *err)
{
	struct yp	yp;
	int		r;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name != NULL ? name : "");
	memset(&yp, 0, sizeof(yp));
	yp.flags = flags;
	yp.name = name;
	yp.buf = buf;
	yp.len = len;
	yp.p = p;
	yp.err = err;

	if (len > POLICY_SIZE_MAX)
		return (yp_fail(&yp, yp_top(), "the file is larger than "
		    "1 MiB"));
	if (!yaml_parser_initialize(&yp.parser))
		return (yp_fail(&yp, yp_top(), "out of memory"));
	yaml_parser_set_input_string(&yp.parser,
	    (const unsigned char *)(buf != NULL ? buf : ""), len);
	r = yp_stream(&yp);
	if (yp.have)
		yaml_event_delete(&yp.ev);
	yaml_parser_delete(&yp.parser);
	return (r);
}
