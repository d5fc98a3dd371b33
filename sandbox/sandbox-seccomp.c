/*
 * The sandbox's seccomp filter (libseccomp), built once when greywalld
 * starts and loaded by each sandbox's init after every other step, so
 * init and the command it forks both run under it.
 *
 * A deny list: everything is allowed except what lets a process leave or
 * reshape its sandbox, reach into other processes or the kernel, or
 * inject input into a terminal. Calls from a foreign ABI (i386 int 0x80,
 * x32) kill the process: their numbers would dodge every rule below.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/personality.h>
#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"

/* Denied outright with EPERM. Keep in sync with greywalld(8). */
static const int deny_syscalls[] = {
	/* other processes */
	SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
	/* kernel keyrings */
	SYS_keyctl, SYS_add_key, SYS_request_key,
	/* kernel programs and counters */
	SYS_bpf, SYS_perf_event_open, SYS_userfaultfd,
	/* the mount API: the tree is greywalld's */
	SYS_mount, SYS_umount2, SYS_fsopen, SYS_fsconfig, SYS_fsmount,
	SYS_fspick, SYS_move_mount, SYS_open_tree, SYS_mount_setattr,
	SYS_pivot_root, SYS_chroot,
	/* new or other namespaces */
	SYS_unshare, SYS_setns,
	/* io_uring bypasses this filter for the calls it performs */
	SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
	/* the machine */
	SYS_kexec_load, SYS_kexec_file_load, SYS_init_module,
	SYS_finit_module, SYS_delete_module, SYS_reboot, SYS_swapon,
	SYS_swapoff, SYS_acct,
	/* file handles open files by inode, past the mount tree */
	SYS_open_by_handle_at, SYS_name_to_handle_at,
};

/*
 * The i-th system call the filter refuses with EPERM whatever its
 * arguments, or -1 past the last (greywalld's denials map). main.
 */
int
sandbox_seccomp_denied(size_t i)
{
	return (i < nitems(deny_syscalls) ? deny_syscalls[i] : -1);
}

/* clone() flags that would make new namespaces. */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
	CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP,
};

/*
 * personality() bits that weaken the address space, and the low byte,
 * which selects an execution domain other than Linux (PER_LINUX32, ...).
 */
static const unsigned long personality_bits[] = {
	ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ADDR_COMPAT_LAYOUT,
	MMAP_PAGE_ZERO, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80,
};
/* No real persona sets bit 31; 0xffffffff only reads the current one. */
#define PERSONALITY_QUERY_BIT	0x80000000UL

/* ioctls that push input into, or reprogram, a terminal. */
static const unsigned long deny_ioctls[] = { TIOCSTI, TIOCLINUX };

#define DENY	SCMP_ACT_ERRNO(EPERM)

/*
 * The compiled programs, shared by every sandbox. filter denies, and
 * asks the kernel to log each denial (SECCOMP_FILTER_FLAG_LOG: an audit
 * record greywalld turns into an event, see audit.c); quiet only sends
 * clone3 back to clone, which libc does on every fork and is no denial
 * worth an event.
 */
static struct sock_fprog	filter, quiet;

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG	(1UL << 1)
#endif

/*
 * Build the filter and compile it to BPF once: libseccomp takes over a
 * millisecond for it, which every sandbox start would otherwise pay.
 * Returns 0, or -1 with errno.
 */
int
sandbox_seccomp_prepare(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 r;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	/* A binary search on the syscall number, not a linear chain. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		goto fail;

	for (i = 0; i < nitems(deny_syscalls); i++)
		if ((r = seccomp_rule_add(ctx, DENY, deny_syscalls[i], 0)) < 0)
			goto fail;
	for (i = 0; i < nitems(clone_ns_flags); i++)
		if ((r = seccomp_rule_add(ctx, DENY, SYS_clone, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i],
		    clone_ns_flags[i]))) < 0)
			goto fail;
	for (i = 0; i < nitems(personality_bits); i++)
		if ((r = seccomp_rule_add(ctx, DENY, SYS_personality, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, personality_bits[i] |
		    PERSONALITY_QUERY_BIT, personality_bits[i]))) < 0)
			goto fail;
	/* Compare the low 32 bits only: the kernel ignores the rest. */
	for (i = 0; i < nitems(deny_ioctls); i++)
		if ((r = seccomp_rule_add(ctx, DENY, SYS_ioctl, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL,
		    deny_ioctls[i]))) < 0)
			goto fail;

	r = sandbox_seccomp_export(ctx, &filter);
	seccomp_release(ctx);
	if (r == -1)
		return (-1);

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	/*
	 * clone3 passes its flags in memory, where seccomp cannot look:
	 * ENOSYS makes libc fall back to clone, whose flags it can.
	 */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SYS_clone3,
	    0)) < 0)
		goto fail;
	r = sandbox_seccomp_export(ctx, &quiet);
	seccomp_release(ctx);
	return (r);
fail:
	seccomp_release(ctx);
	errno = -r;
	return (-1);
}

/*
 * Compile a libseccomp filter into prog. libseccomp exports to an fd: a
 * memfd, read back into memory. Returns 0, or -1 with errno.
 */
int
sandbox_seccomp_export(void *ctx, struct sock_fprog *prog)
{
	struct stat	 st;
	size_t		 len;
	char		*buf = NULL;
	int		 fd, r;

	if ((fd = memfd_create("greywall-seccomp", MFD_CLOEXEC)) == -1)
		return (-1);
	if ((r = seccomp_export_bpf(ctx, fd)) < 0) {
		close(fd);
		errno = -r;
		return (-1);
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (buf = malloc(st.st_size)) == NULL ||
	    pread(fd, buf, st.st_size, 0) != st.st_size) {
		r = errno != 0 ? errno : EIO;
		close(fd);
		free(buf);
		errno = r;
		return (-1);
	}
	close(fd);
	len = st.st_size;
	if (len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		free(buf);
		errno = EINVAL;
		return (-1);
	}
	prog->len = len / sizeof(struct sock_filter);
	prog->filter = (struct sock_filter *)buf;
	return (0);
}

/*
 * Load the compiled filters; no_new_privs must be set. A kernel without
 * SECCOMP_FILTER_FLAG_LOG (before 4.14) gets the filter unlogged.
 */
int
sandbox_seccomp_load(void)
{
	if (filter.filter == NULL || quiet.filter == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &quiet) == -1)
		return (-1);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_LOG, &filter) == 0)
		return (0);
	if (errno != EINVAL)
		return (-1);
	return (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter));
}

/*
 * hardening.seccomp_deny: a second, small filter for this sandbox that
 * denies the policy's extra system calls with EPERM. The kernel applies
 * both filters; the stricter answer wins. Built only when the list is not
 * empty. Returns 0, or -1 with errno.
 */
int
sandbox_seccomp_extra(const struct policy_entry *e, struct sock_fprog *prog)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 nr, r = 0;

	memset(prog, 0, sizeof(*prog));
	if (e->n == 0)
		return (0);
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	for (i = 0; i < e->n && r == 0; i++) {
		if ((nr = seccomp_syscall_resolve_name(e->v[i].str)) ==
		    __NR_SCMP_ERROR) {
			r = -EINVAL;
			break;
		}
		r = seccomp_rule_add(ctx, DENY, nr, 0);
	}
	if (r == 0 && sandbox_seccomp_export(ctx, prog) == -1)
		r = -errno;
	seccomp_release(ctx);
	if (r != 0) {
		errno = -r;
		return (-1);
	}
	return (0);
}

/* In the sandbox's init: the shared filter, then the policy's extra. */
void
sandbox_seccomp_apply(const struct sandbox_spec *spec)
{
	if (filter.filter == NULL)
		sandbox_init_fail(0, "seccomp: no filter was built");
	if (sandbox_seccomp_load() == -1)
		sandbox_init_fail(errno, "seccomp: load the filter");
	if (spec->seccomp_extra != NULL &&
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
	    spec->seccomp_extra) == -1)
		sandbox_init_fail(errno, "seccomp: load hardening.seccomp_deny");
}
