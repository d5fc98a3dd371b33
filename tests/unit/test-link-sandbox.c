/*
 * The sandbox library links without the daemon's: this program takes the
 * address of every function sandbox.h declares and is linked with
 * libgwsandbox, libgwproto and libgwcommon only. A sandbox file that
 * called into greywalld (control_*, events_*, gw_base, gw_conf) would
 * fail this link, and so the build. At run time it builds the sandbox's
 * seccomp filter, which needs nothing else either.
 */

#include <stdint.h>
#include <stdio.h>

#include "sandbox.h"
#include "tap.h"

static const void *const sandbox_api[] = {
	(const void *)sandbox_ns_spawn,
	(const void *)sandbox_ns_setup,
	(const void *)sandbox_ns_prepare,
	(const void *)sandbox_fsid_set,
	(const void *)sandbox_mount_ro_self,
	(const void *)sandbox_mount_cwd_tree,
	(const void *)sandbox_mount_setup,
	(const void *)sandbox_mount_close_late,
	(const void *)sandbox_mount_system_path,
	(const void *)sandbox_mount_dev_node,
	(const void *)sandbox_mount_home_file,
	(const void *)sandbox_fsid_forget,
	(const void *)sandbox_protect_masked,
	(const void *)sandbox_home_store_open,
	(const void *)sandbox_home_project,
	(const void *)sandbox_home_exists,
	(const void *)sandbox_review_create,
	(const void *)sandbox_review_close,
	(const void *)sandbox_review_info,
	(const void *)sandbox_review_usage,
	(const void *)sandbox_review_mount,
	(const void *)sandbox_protect_mount,
	(const void *)sandbox_protect_cache_init,
	(const void *)sandbox_protect_cache_detach,
	(const void *)sandbox_protect_cache_maskhash,
	(const void *)sandbox_protect_cache_usable,
	(const void *)sandbox_protect_cache_get,
	(const void *)sandbox_protect_cache_put,
	(const void *)sandbox_protect_prepare,
	(const void *)sandbox_protect_install,
	(const void *)sandbox_protect_listener,
	(const void *)sandbox_protect_supervise_init,
	(const void *)sandbox_protect_serve,
	(const void *)sandbox_protect_git_olddir,
	(const void *)sandbox_protect_git_found,
	(const void *)sandbox_protect_git_is_gitdir,
	(const void *)sandbox_protect_git_apply,
	(const void *)sandbox_protect_git_refused,
	(const void *)sandbox_protect_git_old_path,
	(const void *)sandbox_protect_git_move,
	(const void *)sandbox_protect_git_config,
	(const void *)sandbox_creds_drop,
	(const void *)sandbox_landlock_detect,
	(const void *)sandbox_landlock_abi,
	(const void *)sandbox_landlock_apply,
	(const void *)sandbox_pty_open,
	(const void *)sandbox_pty_is_master,
	(const void *)sandbox_pty_stdio_refused,
	(const void *)sandbox_seccomp_prepare,
	(const void *)sandbox_seccomp_export,
	(const void *)sandbox_seccomp_load,
	(const void *)sandbox_seccomp_extra,
	(const void *)sandbox_seccomp_apply,
	(const void *)sandbox_tun_create,
	(const void *)init_event_parse,
	(const void *)init_msg_parse,
	(const void *)init_msg_send,
	(const void *)init_msg_recv,
	(const void *)sandbox_init_sigset,
	(const void *)sandbox_mark,
	(const void *)sandbox_init_run,
	(const void *)sandbox_init_fail,
};

int
main(void)
{
	size_t	i, n = 0;

	plan(2);
	for (i = 0; i < sizeof(sandbox_api) / sizeof(sandbox_api[0]); i++)
		n += sandbox_api[i] != NULL;
	ok(n == sizeof(sandbox_api) / sizeof(sandbox_api[0]),
	    "every sandbox.h function is defined in the sandbox library (%zu)",
	    n);
	ok(sandbox_seccomp_prepare() == 0,
	    "the sandbox's seccomp filter builds without the daemon");
	return (done_testing());
}
