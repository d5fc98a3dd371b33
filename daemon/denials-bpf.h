/*
 * What the denials BPF program (denials.bpf.c, in the kernel) and its
 * loader (denials.c, greywalld main) share: the ring buffer's record and
 * the per-sandbox map's value. Fixed-size types only: both sides are
 * built from this header, one by clang -target bpf.
 */

#ifndef DENIALS_BPF_H
#define DENIALS_BPF_H

/* Longest path a record carries, NUL included; longer ones are cut. */
#define DENIALS_PATH_MAX	512
#define DENIALS_COMM_MAX	16
/* Sandboxes the kernel side tracks at once. */
#define DENIALS_SANDBOXES	4096
/* Records per sandbox per window; the rest are counted, not sent. */
#define DENIALS_RATE		5000
#define DENIALS_WINDOW_NS	1000000000ULL
/* The ring buffer, shared by every sandbox. */
#define DENIALS_RING_BYTES	(1U << 22)

/* What the failed call tried to do to its path. */
enum denials_op {
	DENIALS_OP_NONE = 0,
	DENIALS_OP_READ,	/* open for reading */
	DENIALS_OP_WRITE,	/* open for writing, truncate, chmod, ... */
	DENIALS_OP_CREATE,	/* O_CREAT, creat, mkdir, mknod, link */
	DENIALS_OP_STAT,	/* stat, access, readlink, statfs */
	DENIALS_OP_EXEC,	/* execve, execveat */
	DENIALS_OP_LIST,	/* O_DIRECTORY, chdir */
	DENIALS_OP_DELETE,	/* unlink, rmdir */
	DENIALS_OP_RENAME,
	DENIALS_OP_CALL,	/* a system call the seccomp filter refuses */
	DENIALS_OP__MAX
};

/* One failed call, sent from the sys_exit tracepoint. */
struct denials_rec {
	unsigned long long	cgid;		/* the sandbox's cgroup */
	unsigned long long	dropped;	/* this sandbox's, so far */
	unsigned int		tgid;		/* host pid namespace */
	unsigned int		op;		/* enum denials_op */
	int			nr;		/* system call number */
	int			err;		/* positive errno */
	int			dfd;		/* AT_FDCWD or a directory fd */
	unsigned int		truncated;	/* the path was cut */
	char			comm[DENIALS_COMM_MAX];
	char			path[DENIALS_PATH_MAX];
};

/*
 * The system directories every sandbox sees as the host's own: an
 * ENOENT below one was the host's answer, nothing hidden. The program
 * leaves such records out for the directories whose bit greywalld set in
 * sys_skip (none with a deny entry, a read or write path or the project
 * at or below it). A compiler's include search and node's module lookup
 * fail thousands of times a second there.
 */
#define DENIALS_SYS_PATHS	{ "/usr/", "/bin/", "/sbin/", "/lib/", \
				  "/lib32/", "/lib64/", "/libx32/", "/etc/", \
				  "/opt/" }
#define DENIALS_SYS_N		9
#define DENIALS_SYS_LEN		9	/* the longest, its NUL included */

/* The value of the sandboxes map, keyed by cgroup id. */
struct denials_cg {
	unsigned int		sandbox;	/* greywalld's sandbox id */
	unsigned int		count;		/* records in this window */
	unsigned long long	window;		/* its start, ns */
	unsigned long long	dropped;	/* rate limit, ring full */
	unsigned long long	sent;
	unsigned long long	skipped;	/* ENOENT below sys_skip */
	unsigned int		sys_skip;	/* bit i: DENIALS_SYS_PATHS[i] */
	unsigned int		reserved;
};

#endif
