/*
 * What greywalld keeps of root's capabilities: only what building a
 * sandbox needs, in the effective, permitted and bounding sets, whoever
 * started it (systemd's CapabilityBoundingSet says the same; this holds
 * when it is started by hand too).
 *
 *   SYS_ADMIN	namespaces, mounts, pivot_root, sethostname
 *   NET_ADMIN	loopback in the sandbox's network namespace
 *   SETUID, SETGID	become the peer (setres*id, setfs*id, setgroups)
 *   SETPCAP	clear the sandbox's bounding set
 *   SYS_CHROOT	entering the new root
 *   KILL	signal sandboxes that run as other users
 *   CHOWN	give a user the store directory just made for it
 *   AUDIT_READ	read kernel audit records: Landlock and seccomp denials
 *   AUDIT_CONTROL	read the kernel's audit status, enable it with
 *		--audit enable; lets each sandbox's init set its loginuid
 *   BPF, PERFMON	load the denials program and attach it to the
 *		sys_exit tracepoint (denials.c); SYS_ADMIN would do too,
 *		these say why
 *
 * The audit and BPF ones only explain denials: greywalld runs on without
 * them. A missing one of the others is named and greywalld stops.
 *
 * No CAP_DAC_*: paths are opened with the peer's identity instead.
 */

#include <errno.h>
#include <stddef.h>

#include <cap-ng.h>

#include "greywalld.h"

static const unsigned int keep_caps[] = {
	CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP,
	CAP_SYS_CHROOT, CAP_KILL, CAP_CHOWN,
};

/*
 * Only for what explains denials: without them greywalld runs on and
 * says so (audit.c, denials.c, gwctl status), as on a kernel without
 * audit or BPF; a unit written before they were added still starts.
 */
static const unsigned int optional_caps[] = {
	CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_BPF, CAP_PERFMON,
};

/*
 * Keep keep_caps and whatever of optional_caps greywalld was given.
 * Returns 0, or -1 with errno: EPERM with *missing naming a needed
 * capability that greywalld was not given.
 */
static int
caps_keep(unsigned int c)
{
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_BOUNDING_SET, c) != 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

int
caps_restrict(const char **missing)
{
	int	have[nitems(optional_caps)];
	size_t	i;

	*missing = NULL;
	capng_get_caps_process();
	for (i = 0; i < nitems(keep_caps); i++)
		if (!capng_have_capability(CAPNG_PERMITTED, keep_caps[i])) {
			*missing = capng_capability_to_name(keep_caps[i]);
			errno = EPERM;
			return (-1);
		}
	for (i = 0; i < nitems(optional_caps); i++)
		have[i] = capng_have_capability(CAPNG_PERMITTED,
		    optional_caps[i]);
	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; i < nitems(keep_caps); i++)
		if (caps_keep(keep_caps[i]) == -1)
			return (-1);
	for (i = 0; i < nitems(optional_caps); i++) {
		if (!have[i]) {
			log_warnx("capability %s not given: the denials it"
			    " explains are not reported",
			    capng_capability_to_name(optional_caps[i]));
			continue;
		}
		if (caps_keep(optional_caps[i]) == -1)
			return (-1);
	}
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}
