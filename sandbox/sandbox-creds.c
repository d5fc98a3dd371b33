/*
 * Become the peer: its supplementary groups (as SO_PEERGROUPS reported
 * them), gid and uid, with every capability gone (effective, permitted,
 * inheritable, ambient and the bounding set) and no_new_privs set, so no
 * later execve() can gain privilege, even for a peer that is root.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * The bounding set as the kernel has it now, one bit per capability, up
 * to the last one it knows (PR_CAPBSET_READ says EINVAL past it).
 */
unsigned long long
sandbox_creds_bounding(void)
{
	unsigned long long	bnd = 0;
	int			cap, r;

	for (cap = 0; cap < 64; cap++) {
		if ((r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == -1)
			break;
		if (r != 0)
			bnd |= 1ULL << cap;
	}
	return (bnd);
}

void
sandbox_creds_drop(const struct sandbox_spec *spec)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	unsigned long long		bnd;
	int				cap;
	size_t				i;

	if (setgroups(spec->ngroups, spec->groups) == -1)
		sandbox_init_fail(errno, "set supplementary groups");
	if (setresgid(spec->gid, spec->gid, spec->gid) == -1)
		sandbox_init_fail(errno, "set gid %u", (unsigned)spec->gid);

	/*
	 * The bounding set needs CAP_SETPCAP, so clear it while root: what
	 * greywalld had in it (its unit left it a few), or, if greywalld
	 * never looked, every bit in turn until the kernel says EINVAL: it
	 * may know more capabilities than our headers. The check at the end
	 * asks the kernel again.
	 */
	bnd = sandbox_inherited_capbnd();
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

	/* A non-root uid lost its capabilities above; root keeps them. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1)
		sandbox_init_fail(errno, "clear capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		sandbox_init_fail(errno, "set no_new_privs");

	/* Check with a fresh read from the kernel, not our own copy. */
	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		sandbox_init_fail(errno, "read capabilities back");
	for (i = 0; i < nitems(data); i++)
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0)
			sandbox_init_fail(0, "capabilities remain after"
			    " dropping them");
	if ((bnd = sandbox_creds_bounding()) != 0)
		sandbox_init_fail(0, "capabilities remain in the bounding set"
		    " (%#llx)", bnd);
}
