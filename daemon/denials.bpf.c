// SPDX-License-Identifier: GPL-2.0
/*
 * Denials, in the kernel: the system calls of sandboxed processes that
 * fail with ENOENT, EACCES, EROFS or EPERM, sent to greywalld through a
 * ring buffer. Runs on the raw sys_exit tracepoint (no
 * tracefs, no kernel audit needed). Processes outside a sandbox's cgroup
 * cost one map lookup per call and are never recorded; nothing here
 * waits for user space.
 *
 * Only sys_exit is traced: a call of the path family that failed with
 * one of those errors still has its arguments in its registers and its
 * path in its memory, including calls the seccomp filter or the protected
 * paths' supervisor (seccomp user notification) answered, which never
 * reach sys_enter. An EPERM from a call on the seccomp map is a seccomp
 * refusal.
 *
 * x86_64 only: the system call numbers and pt_regs layout below.
 */

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "denials-bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ENOENT		2
#define EPERM		1
#define EACCES		13
#define EROFS		30
#define AT_FDCWD	-100

#define O_ACCMODE	00000003
#define O_RDONLY	00000000
#define O_CREAT		00000100
#define O_TRUNC		00001000
#define O_DIRECTORY	00200000

/* The user-space register layout of x86_64 (asm/ptrace.h). */
struct regs {
	unsigned long	r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long	ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

/* The call, from its registers. */
struct pending {
	int		nr;
	int		op;
	int		dfd;
	int		dfd2;
	unsigned long	path;		/* user pointer */
	unsigned long	path2;		/* rename, link: the new name */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DENIALS_SANDBOXES);
	__type(key, __u64);
	__type(value, struct denials_cg);
} sandboxes SEC(".maps");

/*
 * Each sandbox's init (host tgid), keyed like sandboxes. Its failed calls
 * are its own setup or the protect supervisor's work for a caller (which
 * it reports itself): left out before the rate limit, so a flood of
 * refused writes is not counted five times against it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DENIALS_SANDBOXES);
	__type(key, __u64);
	__type(value, __u32);
} inits SEC(".maps");

/* Non-zero for system calls the seccomp filter refuses with EPERM. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} seccomp_nrs SEC(".maps");

/* Each CPU's copy of the path, looked at before a record is reserved. */
struct scratch {
	char	path[DENIALS_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DENIALS_RING_BYTES);
} ring SEC(".maps");

static __always_inline int
open_op(unsigned long flags)
{
	if (flags & O_CREAT)
		return (DENIALS_OP_CREATE);
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return (DENIALS_OP_WRITE);
	if (flags & O_DIRECTORY)
		return (DENIALS_OP_LIST);
	return (DENIALS_OP_READ);
}

/* Fill p for a call of the path family; 0 if nr is not one. */
static __always_inline int
classify(struct pending *p, int nr, const struct regs *r)
{
	unsigned long	a0 = r->di, a1 = r->si, a2 = r->dx, a3 = r->r10;
	__u64		how = 0;

	p->nr = nr;
	p->dfd = p->dfd2 = AT_FDCWD;
	p->path2 = 0;
	switch (nr) {
	case 2:		/* open */
		p->path = a0;
		p->op = open_op(a1);
		return (1);
	case 85:	/* creat */
		p->path = a0;
		p->op = DENIALS_OP_CREATE;
		return (1);
	case 4: case 6: case 89: case 137:
		/* stat, lstat, readlink, statfs */
		p->path = a0;
		p->op = DENIALS_OP_STAT;
		return (1);
	case 21:	/* access: asking to write is a write */
		p->path = a0;
		p->op = (a1 & 2) ? DENIALS_OP_WRITE : DENIALS_OP_STAT;
		return (1);
	case 59:	/* execve */
		p->path = a0;
		p->op = DENIALS_OP_EXEC;
		return (1);
	case 80:	/* chdir */
		p->path = a0;
		p->op = DENIALS_OP_LIST;
		return (1);
	case 83: case 133:	/* mkdir, mknod */
		p->path = a0;
		p->op = DENIALS_OP_CREATE;
		return (1);
	case 84: case 87:	/* rmdir, unlink */
		p->path = a0;
		p->op = DENIALS_OP_DELETE;
		return (1);
	case 76: case 90: case 92: case 94:
		/* truncate, chmod, chown, lchown */
		p->path = a0;
		p->op = DENIALS_OP_WRITE;
		return (1);
	case 82: case 86:	/* rename, link */
		p->path = a0;
		p->path2 = a1;
		p->op = nr == 82 ? DENIALS_OP_RENAME : DENIALS_OP_CREATE;
		return (1);
	case 88:	/* symlink */
		p->path = a1;
		p->op = DENIALS_OP_CREATE;
		return (1);
	case 257:	/* openat */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = open_op(a2);
		return (1);
	case 437:	/* openat2 */
		p->dfd = (int)a0;
		p->path = a1;
		if (bpf_probe_read_user(&how, sizeof(how), (void *)a2) != 0)
			how = 0;
		p->op = open_op(how);
		return (1);
	case 262: case 332: case 267:
		/* newfstatat, statx, readlinkat */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = DENIALS_OP_STAT;
		return (1);
	case 269: case 439:	/* faccessat, faccessat2: W_OK is a write */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = (a2 & 2) ? DENIALS_OP_WRITE : DENIALS_OP_STAT;
		return (1);
	case 322:	/* execveat */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = DENIALS_OP_EXEC;
		return (1);
	case 258: case 259:	/* mkdirat, mknodat */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = DENIALS_OP_CREATE;
		return (1);
	case 263:	/* unlinkat */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = DENIALS_OP_DELETE;
		return (1);
	case 260: case 268: case 452:	/* fchownat, fchmodat, fchmodat2 */
		p->dfd = (int)a0;
		p->path = a1;
		p->op = DENIALS_OP_WRITE;
		return (1);
	case 264: case 316: case 265:	/* renameat, renameat2, linkat */
		p->dfd = (int)a0;
		p->path = a1;
		p->dfd2 = (int)a2;
		p->path2 = a3;
		p->op = nr == 265 ? DENIALS_OP_CREATE : DENIALS_OP_RENAME;
		return (1);
	case 266:	/* symlinkat */
		p->dfd = (int)a1;
		p->path = a2;
		p->op = DENIALS_OP_CREATE;
		return (1);
	}
	return (0);
}

static const char sys_paths[DENIALS_SYS_N][DENIALS_SYS_LEN] =
    DENIALS_SYS_PATHS;

/* Is head (a path's start) below a system directory whose bit is set? */
static __always_inline int
sys_below(const char *head, __u32 skip)
{
	int	i, j;

	for (i = 0; i < DENIALS_SYS_N; i++) {
		if (!(skip & (1U << i)))
			continue;
		for (j = 0; j < DENIALS_SYS_LEN; j++) {
			if (sys_paths[i][j] == '\0')
				return (1);
			if (head[j] != sys_paths[i][j])
				break;
		}
	}
	return (0);
}

/* A ".." component: the text's prefix says nothing of where it goes. */
static __always_inline int
has_dotdot(const char *p)
{
	int	j;

	for (j = 0; j < DENIALS_PATH_MAX - 3; j++) {
		if (p[j] == '\0')
			return (0);
		if (p[j] == '/' && p[j + 1] == '.' && p[j + 2] == '.' &&
		    (p[j + 3] == '/' || p[j + 3] == '\0'))
			return (1);
	}
	return (1);
}

/* Within the sandbox's rate? Counts what it refuses. */
static __always_inline int
rate_ok(struct denials_cg *cg)
{
	__u64	now = bpf_ktime_get_ns();

	if (now - cg->window >= DENIALS_WINDOW_NS) {
		cg->window = now;
		cg->count = 0;
	}
	if (cg->count >= DENIALS_RATE) {
		__sync_fetch_and_add(&cg->dropped, 1);
		return (0);
	}
	cg->count++;
	return (1);
}

SEC("raw_tp/sys_exit")
int
denials_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct denials_cg	*cg;
	struct denials_rec	*rec;
	struct pending		 seen;
	struct regs		 r;
	__u64			 cgid;
	__u64			 id;
	long			 ret = (long)ctx->args[1];
	unsigned long		 path;
	__u32			 nr, *sc, *it;
	struct scratch		*sp;
	__u32			 zero = 0;
	int			 err = (int)-ret, n, dfd;

	/*
	 * Every system call of the host passes here: the return value
	 * first (nearly all succeed), the cgroup lookup only for failures.
	 */
	if (err != ENOENT && err != EACCES && err != EROFS && err != EPERM)
		return (0);
	cgid = bpf_get_current_cgroup_id();
	if ((cg = bpf_map_lookup_elem(&sandboxes, &cgid)) == NULL)
		return (0);
	if (bpf_probe_read_kernel(&r, sizeof(r), (void *)ctx->args[0]) != 0)
		return (0);
	id = bpf_get_current_pid_tgid();
	if ((it = bpf_map_lookup_elem(&inits, &cgid)) != NULL &&
	    *it == (__u32)(id >> 32))
		return (0);
	nr = (__u32)r.orig_ax;
	/*
	 * The argument registers are as the call got them, and its path
	 * is still in the caller's memory: a failed call changed neither.
	 */
	if (!classify(&seen, (int)nr, &r)) {
		/* Not of the path family: the seccomp filter's refusals. */
		if (err != EPERM || (sc = bpf_map_lookup_elem(&seccomp_nrs,
		    &nr)) == NULL || *sc == 0)
			return (0);
		seen.op = DENIALS_OP_CALL;
		seen.dfd = AT_FDCWD;
		seen.path = seen.path2 = 0;
	}
	/* A rename or link fails to write at its new name. */
	path = seen.path;
	dfd = seen.dfd;
	if (seen.path2 != 0 && err != ENOENT) {
		path = seen.path2;
		dfd = seen.dfd2;
	}
	/*
	 * The path, copied once: what is left out and what is sent are
	 * decided on the copy, which the caller can no longer change, and
	 * before anything is reserved (a discarded record would hold its
	 * place in the ring until greywalld reads past it).
	 */
	if ((sp = bpf_map_lookup_elem(&scratch, &zero)) == NULL)
		return (0);
	n = -1;
	if (path != 0)
		n = bpf_probe_read_user_str(sp->path, sizeof(sp->path),
		    (void *)path);
	/* Not found below a system directory: the host's answer. */
	if (err == ENOENT && cg->sys_skip != 0 && n > 0 &&
	    n < (int)sizeof(sp->path) && sys_below(sp->path, cg->sys_skip) &&
	    !has_dotdot(sp->path)) {
		__sync_fetch_and_add(&cg->skipped, 1);
		return (0);
	}
	if (!rate_ok(cg))
		return (0);
	if ((rec = bpf_ringbuf_reserve(&ring, sizeof(*rec), 0)) == NULL) {
		__sync_fetch_and_add(&cg->dropped, 1);
		return (0);
	}
	rec->cgid = cgid;
	rec->dropped = cg->dropped;
	rec->tgid = (__u32)(id >> 32);
	rec->op = seen.op;
	rec->nr = (int)nr;
	rec->err = err;
	rec->dfd = dfd;
	rec->truncated = 0;
	rec->path[0] = '\0';
	if (n > 0) {
		if (bpf_probe_read_kernel(rec->path, sizeof(rec->path),
		    sp->path) != 0)
			rec->path[0] = '\0';
		else if (n == sizeof(rec->path))
			rec->truncated = 1;
	}
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	__sync_fetch_and_add(&cg->sent, 1);
	bpf_ringbuf_submit(rec, 0);
	return (0);
}
