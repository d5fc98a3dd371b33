/*
 * Become the peer: its supplementary groups (as SO_PEERGROUPS reported
 * them), gid and uid, with every capability gone (effective, permitted,
 * inheritable, ambient and the bounding set) and no_new_privs set, so no
 * later execve() can gain privilege, even for a peer that is root.
 */

#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "sandbox.h"

void
sandbox_creds_drop(const struct sandbox_spec *spec)
{
	unsigned long long	bnd;
	int			cap;

	if (setgroups(spec->ngroups, spec->groups) == -1)
		sandbox_init_fail(errno, "set supplementary groups");
	if (setresgid(spec->gid, spec->gid, spec->gid) == -1)
		sandbox_init_fail(errno, "set gid %u", (unsigned)spec->gid);

	/*
	 * The bounding set needs CAP_SETPCAP, so clear it while root: what
	 * /proc/self/status shows in it (greywalld's unit left it a few),
	 * or, if that cannot be read, every bit in turn until the kernel
	 * says EINVAL: it may know more capabilities than our headers. The
	 * check at the end reads it again.
	 */
	bnd = sandbox_status_mask("CapBnd");
	for (cap = 0; cap < 64; cap++) {
		if (!(bnd & (1ULL << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL && cap > 0)
			break;
		sandbox_init_fail(errno, "drop capability %d from the"
		    " bounding set", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		sandbox_init_fail(errno, "clear ambient capabilities");

	if (setresuid(spec->uid, spec->uid, spec->uid) == -1)
		sandbox_init_fail(errno, "set uid %u", (unsigned)spec->uid);
	/* setresuid() set the file system uid too. */
	sandbox_fsid_forget();

	/*
	 * A non-root uid lost its capabilities above; root keeps them.
	 * libcap-ng remembers the daemon's pid from caps_restrict(): point
	 * it at this process.
	 */
	capng_setpid(getpid());
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		sandbox_init_fail(errno, "clear capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		sandbox_init_fail(errno, "set no_new_privs");

	/* Check with a fresh read from the kernel, not our own copy. */
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
	    capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE)
		sandbox_init_fail(0, "capabilities remain after dropping them");
}
