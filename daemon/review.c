/*
 * gw exec --review, greywalld's part: whether a sandbox is reviewed
 * (filesystem.review or the client's flag), the checks before it starts
 * (a writable project of the user's own, no write path inside it, the
 * per-user review.max_size), and the review made in the user's store
 * (sandbox/sandbox-review.c) with its meta/info. Everything in the
 * store is done with the peer's file system identity; what the command
 * wrote is read, applied and discarded by gw, as the user.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "greywalld.h"

/* Whether this sandbox's project goes on an overlay. */
int
review_wanted(const struct policy *pol, uint32_t flags)
{
	return ((flags & GW_OPEN_REVIEW) ||
	    pol->e[PK_FS_REVIEW].one.num == REVIEW_ON);
}

static const char *
review_src(const struct policy_value *v, char *buf, size_t len)
{
	if (v->src.line > 0)
		snprintf(buf, len, "%s:%u", v->src.file, v->src.line);
	else
		snprintf(buf, len, "%s", v->src.file);
	return (buf);
}

/*
 * Check and make the review (rv) of a sandbox whose project is project
 * (projfd its top, opened as the peer) and working directory cwd; wr
 * are its write paths, storefd the user's store (opened here if -1).
 * Sends the error and returns -1 when it cannot be reviewed.
 */
int
review_begin(struct conn *c, const struct policy *pol, int cwd_mode,
    const char *project, int projfd, const char *cwd, char *const *argv,
    char *const *wr, int *storefd, char *store, size_t storelen,
    struct sandbox_review *rv)
{
	const struct peer	*pr = control_peer(c);
	const struct policy_entry *se = &pol->e[PK_REVIEW_MAX_SIZE];
	struct stat		 st;
	struct timespec		 now;
	uint64_t		 used;
	size_t			 l, i;
	_cleanup_free_ char	*cmd = NULL, *text = NULL;
	char			 src[300];
	int			 n;

	if (cwd_mode != CWD_RW || strcmp(cwd, "/") == 0) {
		control_send_error(c, GW_ERR_SETUP, "--review needs a writable"
		    " project (filesystem.cwd: rw), and '%s' is not one", cwd);
		return (-1);
	}
	if (strchr(project, '\n') != NULL || strchr(cwd, '\n') != NULL) {
		control_send_error(c, GW_ERR_SETUP, "--review: the project's"
		    " path has a newline in it");
		return (-1);
	}
	/* A write path inside the project would bypass the overlay. */
	l = strlen(project);
	for (; wr != NULL && *wr != NULL; wr++)
		if (strncmp(*wr, project, l) == 0 && ((*wr)[l] == '/' ||
		    (*wr)[l] == '\0')) {
			control_send_error(c, GW_ERR_SETUP, "--review: the"
			    " filesystem.write path '%s' is inside the project"
			    " '%s', where its writes would not be reviewed;"
			    " remove it from the policy", *wr, project);
			return (-1);
		}
	if (fstat(projfd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		control_send_error(c, GW_ERR_SETUP, "--review: cannot stat the"
		    " project '%s'", project);
		return (-1);
	}
	if (st.st_uid != pr->uid) {
		control_send_error(c, GW_ERR_SETUP, "--review: the project"
		    " '%s' is not yours (owner uid %u)", project,
		    (unsigned)st.st_uid);
		return (-1);
	}
	if (*storefd == -1) {
		*storefd = sandbox_home_store_open(gw_conf.state_dir, pr->uid,
		    pr->gid);
		if (*storefd == -1) {
			log_warn("uid %u: review store in %s",
			    (unsigned)pr->uid, gw_conf.state_dir);
			control_send_error(c, GW_ERR_SETUP, "--review: cannot"
			    " open your store in %s/users: %s",
			    gw_conf.state_dir, strerror(errno));
			return (-1);
		}
		snprintf(store, storelen, "%s/users/%u", gw_conf.state_dir,
		    (unsigned)pr->uid);
	}
	if (sandbox_review_usage(*storefd, pr->uid, pr->gid, &used) == -1) {
		control_send_error(c, GW_ERR_SETUP, "--review: cannot read"
		    " your pending reviews in %s/reviews: %s", store,
		    strerror(errno));
		return (-1);
	}
	if (used >= se->one.num) {
		control_send_error(c, GW_ERR_LIMIT, "--review: your pending"
		    " reviews hold %.1f MiB, at least review.max_size (%s,"
		    " %s): 'gw review' lists them, 'gw apply' or 'gw discard'"
		    " frees them", used / 1048576.0, se->one.str,
		    review_src(&se->one, src, sizeof(src)));
		return (-1);
	}
	if (sandbox_review_create(*storefd, pr->uid, pr->gid, &st,
	    rv) == -1) {
		log_warn("uid %u: make a review in %s", (unsigned)pr->uid,
		    store);
		control_send_error(c, GW_ERR_SETUP, "--review: cannot make"
		    " the review in %s/reviews: %s", store, strerror(errno));
		return (-1);
	}
	/* The command line, one line of printable text. */
	for (l = 0, i = 0; argv[i] != NULL; i++)
		l += strlen(argv[i]) + 1;
	if ((cmd = calloc(1, l + 1)) == NULL)
		goto oom;
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	str_sanitize(cmd);
	if (strlen(cmd) > 1000)
		cmd[1000] = '\0';
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	n = asprintf(&text, "version 1\nproject %s\ncwd %s\ncommand %s\n"
	    "started %lld.%09ld\nexpires %lld\n", project, cwd, cmd,
	    (long long)now.tv_sec, now.tv_nsec, (long long)now.tv_sec +
	    (long long)pol->e[PK_REVIEW_MAX_AGE].one.num);
	if (n == -1) {
		text = NULL;
		goto oom;
	}
	if (sandbox_review_info(rv, pr->uid, pr->gid, text, n) == -1) {
		control_send_error(c, GW_ERR_SETUP, "--review: cannot write"
		    " the review's meta/info in %s/reviews/%s: %s", store,
		    rv->id, strerror(errno));
		sandbox_review_close(rv);
		return (-1);
	}
	return (0);
oom:
	sandbox_review_close(rv);
	control_send_error(c, GW_ERR_INTERNAL, "out of memory");
	return (-1);
}
