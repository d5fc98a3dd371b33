/*
 * gwctl's requests: list, kill (one sandbox or a user's), reload, the
 * monitor subscription, status, and a user's effective policy (which
 * anyone may ask for their own). control.c hands them over after HELLO
 * from a gwctl client; every reply goes back through control_*.
 */

#include <sys/types.h>

#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greywalld.h"

/* root, or in the admin group by primary or supplementary gid. */
int
admin_allowed(const struct peer *p)
{
	int	i;

	if (p->uid == 0)
		return (1);
	if (!gw_conf.have_admin_gid)
		return (0);
	if (p->gid == gw_conf.admin_gid)
		return (1);
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gw_conf.admin_gid)
			return (1);
	return (0);
}

static void
admin_list(struct conn *c)
{
	struct sandbox		*sb;
	struct gw_sandbox_info	 info;
	struct gw_sandbox_stats	 stats;
	const char		*strs[3];

	TAILQ_FOREACH(sb, &sandboxes, entry) {
		memset(&info, 0, sizeof(info));
		info.id = sb->id;
		info.uid = sb->uid;
		info.pid = sb->pid;
		info.start_time = sb->start_time;
		sandbox_cgroup_stats(&sb->cg, &info.memory, &info.tasks);
		strs[0] = sb->user;
		strs[1] = sb->cmdline;
		strs[2] = sb->cwd;
		if (control_send(c, GW_MSG_ADMIN_LIST_ENTRY, sb->id, &info,
		    sizeof(info), strs, 3) == -1)
			return;
		memset(&stats, 0, sizeof(stats));
		stats.id = sb->id;
		stats.events = sb->ev.count;
		stats.bytes_out = sb->ev.bytes_out;
		stats.bytes_in = sb->ev.bytes_in;
		strs[0] = sb->ev.files != NULL ? sb->ev.files : "";
		if (control_send(c, GW_MSG_ADMIN_LIST_STATS, sb->id, &stats,
		    sizeof(stats), strs, 1) == -1)
			return;
	}
	control_send(c, GW_MSG_ADMIN_LIST_END, 0, NULL, 0, NULL, 0);
}

/* gwctl kill --user: each sandbox of the uid, as a list entry. */
static void
admin_kill_user(struct conn *c, uint32_t uid)
{
	struct sandbox		*sb;
	struct gw_sandbox_info	 info;
	const char		*strs[3];
	unsigned int		 n = 0;

	TAILQ_FOREACH(sb, &sandboxes, entry) {
		if (sb->uid != uid)
			continue;
		memset(&info, 0, sizeof(info));
		info.id = sb->id;
		info.uid = sb->uid;
		info.pid = sb->pid;
		info.start_time = sb->start_time;
		info.memory = UINT64_MAX;
		info.tasks = UINT32_MAX;
		strs[0] = sb->user;
		strs[1] = sb->cmdline;
		strs[2] = sb->cwd;
		/* Killed whatever happens to the reply. */
		sandbox_kill(sb);
		n++;
		if (control_send(c, GW_MSG_ADMIN_LIST_ENTRY, sb->id, &info,
		    sizeof(info), strs, 3) == -1)
			break;
	}
	if (n == 0) {
		control_send_error(c, GW_ERR_NOTFOUND, "uid %u has no"
		    " sandboxes", (unsigned)uid);
		return;
	}
	log_info("uid %u killed the %u sandboxes of uid %u",
	    (unsigned)control_peer(c)->uid, n, (unsigned)uid);
	control_send(c, GW_MSG_ADMIN_LIST_END, 0, NULL, 0, NULL, 0);
}

/*
 * One request from gwctl (control.c checked it comes from gwctl after
 * HELLO). Returns -1 after a protocol violation, which closed c.
 */
int
admin_dispatch(struct conn *c, struct gw_msg *m)
{
	struct gw_sandbox_id	sid;
	struct gw_kill_user	ku;
	struct gw_monitor	mon;
	const struct peer	*p = control_peer(c);
	const char		*strs[1];
	char			buf[1024];
	size_t			i;

	/* Authorization from SO_PEERCRED/SO_PEERGROUPS, checked first. */
	if (!admin_allowed(p)) {
		log_info("uid %u pid %d: %s refused: not an admin",
		    (unsigned)p->uid, (int)p->pid,
		    gw_msg_typename(m->hdr.type));
		control_send_error(c, GW_ERR_DENIED, "permission denied:"
		    " only root and members of group '%s' may do this",
		    gw_conf.admin_group);
		control_finish(c);
		return (0);
	}
	switch (m->hdr.type) {
	case GW_MSG_ADMIN_LIST:
		admin_list(c);
		break;
	case GW_MSG_STATUS:
		control_status(c, 1);
		break;
	case GW_MSG_ADMIN_KILL_USER:
		memcpy(&ku, m->data, sizeof(ku));
		if (ku.reserved != 0) {
			control_violation(c, m, "reserved field set");
			return (-1);
		}
		admin_kill_user(c, ku.uid);
		break;
	case GW_MSG_ADMIN_RELOAD:
		log_info("uid %u asked for a policy reload",
		    (unsigned)p->uid);
		if (admin_reload(buf, sizeof(buf)) == -1) {
			control_send_error(c, GW_ERR_SETUP, "policy not"
			    " reloaded, keeping the last good one: %s", buf);
			break;
		}
		/* What the loader noticed, for the admin who asked. */
		for (i = 0; i < gw_policy.nwarn; i++) {
			strs[0] = gw_policy.warn[i];
			if (control_send(c, GW_MSG_POLICY_TEXT, 0, NULL, 0,
			    strs, 1) != 0)
				return (0);
		}
		control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0);
		break;
	case GW_MSG_POLICY_SHOW:
	case GW_MSG_POLICY_JSON:
		admin_policy_show(c, m->str[0],
		    m->hdr.type == GW_MSG_POLICY_JSON);
		break;
	case GW_MSG_MONITOR:
		memcpy(&mon, m->data, sizeof(mon));
		if ((mon.flags & ~GW_MONITOR_UID) != 0) {
			control_violation(c, m, "unknown monitor flags");
			return (-1);
		}
		log_info("uid %u pid %d follows the events of %s",
		    (unsigned)p->uid, (int)p->pid,
		    (mon.flags & GW_MONITOR_UID) ? "one user" :
		    "every sandbox");
		control_monitor(c, &mon);
		break;
	case GW_MSG_ADMIN_KILL:
		memcpy(&sid, m->data, sizeof(sid));
		if (sandbox_kill_id(sid.id) == -1)
			control_send_error(c, GW_ERR_NOTFOUND,
			    "no sandbox with id %u", sid.id);
		else {
			log_info("uid %u killed sandbox %u",
			    (unsigned)p->uid, sid.id);
			control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0);
		}
		break;
	default:
		break;
	}
	return (0);
}

/*
 * Send a user's effective policy as YAML (or with json as JSON, see
 * policy_dump_json()): to the user itself, or with gwctl to an admin.
 * Long text goes out in line-aligned pieces (JSON has no newline, so in
 * pieces of a fixed size, which the client joins).
 */
void
admin_policy_show(struct conn *c, const char *name, int json)
{
	struct passwd	*pw;
	struct policy	 eff;
	char		**groups = NULL, *text = NULL, *p, *cut, save;
	const char	*strs[1];
	size_t		 ngroups = 0, i, len;
	int		 r;

	if (*name == '\0')
		pw = getpwuid(control_peer(c)->uid);
	else
		pw = getpwnam(name);
	if (pw == NULL) {
		control_send_error(c, GW_ERR_NOTFOUND, "no user '%s'", name);
		return;
	}
	if (policy_user_groups(pw, &groups, &ngroups) == -1 ||
	    policyset_effective(&gw_policy, pw->pw_name, groups, ngroups,
	    &eff) == -1) {
		log_warn("%s: effective policy for '%s'", __func__,
		    pw->pw_name);
		control_send_error(c, GW_ERR_INTERNAL, "cannot compute the"
		    " policy");
		goto out;
	}
	text = json ? policy_dump_json(&eff, pw->pw_name, pw->pw_dir) :
	    policy_dump(&eff, pw->pw_dir);
	policy_clear(&eff);
	if (text == NULL) {
		control_send_error(c, GW_ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (p = text; *p != '\0'; p = cut) {
		len = strlen(p);
		cut = p + (len > 16384 ? 16384 : len);
		if (*cut != '\0') {
			while (cut > p && cut[-1] != '\n')
				cut--;
			if (cut == p)
				cut = p + 16384;
		}
		save = *cut;
		*cut = '\0';
		strs[0] = p;
		r = control_send(c, GW_MSG_POLICY_TEXT, 0, NULL, 0, strs, 1);
		*cut = save;
		if (r != 0)
			goto out;
	}
	control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0);
out:
	free(text);
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
}

/*
 * Say loudly what the policy asks for that this version cannot do yet,
 * and what the loader noticed (files it ignores, unknown accounts).
 */
void
admin_warn_unenforced(void)
{
	char	buf[2048];
	size_t	i;

	for (i = 0; i < gw_policy.nwarn; i++)
		log_warnx("policy: %s", gw_policy.warn[i]);
	if (policyset_unenforced(&gw_policy, buf, sizeof(buf)) > 0)
		log_warnx("policy keys this greywalld does not enforce yet:"
		    " %s", buf);
}

/*
 * Re-read the policy directory. A new set replaces the old one only if
 * every file in it is good; otherwise the last good set stays and the
 * error is logged and returned in buf.
 */
int
admin_reload(char *buf, size_t len)
{
	struct policyset	set;
	struct policy_error	err;

	if (policyset_load(gw_conf.policy_dir, &set, &err) == -1) {
		policy_error_format(&err, buf, len);
		log_warnx("policy not reloaded, keeping the last good one: %s",
		    buf);
		return (-1);
	}
	policyset_clear(&gw_policy);
	gw_policy = set;
	sandbox_ident_flush();
	/* The group of terminals the prepared /dev/pts has may be another. */
	netns_pool_flush();
	log_info("policy reloaded from %s (%zu files)", gw_conf.policy_dir,
	    set.n);
	admin_warn_unenforced();
	/* The upstreams may have changed, or been fixed: check again. */
	upstream_check_run();
	return (0);
}
