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
 *		sys_exit tracepoint (denials.c)
 *
 * No CAP_DAC_*: paths are opened with the peer's identity instead.
 */

#include <errno.h>

#include <cap-ng.h>

#include "greywalld.h"

static const unsigned int keep_caps[] = {
	CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP,
	CAP_SYS_CHROOT, CAP_KILL, CAP_CHOWN, CAP_AUDIT_READ, CAP_AUDIT_CONTROL,
	CAP_BPF, CAP_PERFMON,
};

int
caps_restrict(void)
{
	size_t	i;

	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; i < nitems(keep_caps); i++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    CAPNG_BOUNDING_SET, keep_caps[i]) != 0) {
			errno = EINVAL;
			return (-1);
		}
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}
