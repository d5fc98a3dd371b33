/*
 * filesystem.mask and filesystem.protected: what the start walk
 * (sandbox-protect-walk.c) learnt of a directory, kept for the next
 * sandbox, so that a project's unchanged directories are not read again
 * (issue 14: a 100,000-file project started 70 ms slower than an empty
 * one, nearly all of it the kernel's getdents).
 *
 * What is kept, per directory (device, inode) and per peer uid and mask
 * pattern set: the entries the walk acts on (directories, ".git" of any
 * type, regular files and directories a mask pattern matches), each with
 * its type; never the other names. It is used only while the directory's
 * ctime is the one it was read at. The kernel sets a directory's ctime
 * on every change of its entries (create, unlink, rename in or out, link,
 * mkdir, rmdir, and a change of type needs one of those), and no one can
 * set it back: utimensat() sets only atime and mtime. A ctime is kept only
 * when it is older than CACHE_SETTLE seconds at the read, so a change
 * after the read, even within the same clock tick of a coarse file system
 * clock, gets a later ctime. Only local file systems whose ctime the
 * kernel keeps are cached (cache_fs[]); FUSE, NFS and the rest are read
 * every time. What a cached directory holds below it is still visited:
 * every subdirectory is opened, checked and looked up on its own.
 *
 * Where: one shared anonymous mapping made by greywalld at start
 * (sandbox_protect_cache_init, main), inherited by each init through
 * clone; init unmaps it before it becomes the peer
 * (sandbox_protect_cache_detach), so no process of a sandbox ever holds it.
 * Inits of concurrent sandboxes share it under a robust process-shared
 * mutex held for one lookup or insert; an init that dies holding it
 * leaves the next one to empty the cache. When full, it is emptied.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include <linux/magic.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define CACHE_SIZE	(16u << 20)	/* bytes, touched only as used */
#define CACHE_BUCKETS	16384u
#define CACHE_SETTLE	2		/* seconds a ctime must be old */

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC		0x58465342
#endif
#ifndef F2FS_SUPER_MAGIC
#define F2FS_SUPER_MAGIC	0xf2f52010
#endif

/* File systems whose directory ctime only the kernel sets. */
static const unsigned long cache_fs[] = {
	EXT4_SUPER_MAGIC,	/* also ext2 and ext3 */
	XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC, TMPFS_MAGIC, F2FS_SUPER_MAGIC,
};

struct crec {
	uint32_t	next;		/* offset of the next in the bucket */
	uint32_t	len;		/* bytes of data[] */
	uint64_t	dev, ino;
	int64_t		ctime_sec;
	int64_t		ctime_nsec;
	uint64_t	mask;		/* hash of the mask patterns */
	uint32_t	uid;
	uint32_t	pad;
	unsigned char	data[];		/* (type, name, NUL) ... */
};

struct cache {
	pthread_mutex_t	lock;
	uint32_t	used;		/* bytes from the start of the map */
	uint32_t	buckets[CACHE_BUCKETS];
};

static struct cache	*cache;
/* greywalld's robust futex list, registered again in init (see below). */
static void		*robust_head;
static size_t		 robust_len;

/* main: make the mapping; without it, every walk reads every directory. */
int
sandbox_protect_cache_init(void)
{
	pthread_mutexattr_t	 ma;
	void			*p;

	p = mmap(NULL, CACHE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	cache = p;
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&cache->lock, &ma) != 0) {
		munmap(p, CACHE_SIZE);
		cache = NULL;
		errno = EINVAL;
		return (-1);
	}
	pthread_mutexattr_destroy(&ma);
	cache->used = sizeof(*cache);
	/*
	 * init is made by a raw clone3, after which the kernel has no robust
	 * list for it (glibc's fork() would register it again): init does,
	 * so that its death while holding the lock is seen.
	 */
	if (syscall(SYS_get_robust_list, 0, &robust_head, &robust_len) == -1)
		robust_head = NULL;
	return (0);
}

/* init, as root: drop the mapping before any code of the peer's runs. */
void
sandbox_protect_cache_detach(void)
{
	if (cache != NULL && munmap(cache, CACHE_SIZE) == -1)
		sandbox_init_fail(errno, "unmap the walk's cache");
	cache = NULL;
}

static void
cache_empty(void)
{
	memset(cache->buckets, 0, sizeof(cache->buckets));
	cache->used = sizeof(*cache);
}

/*
 * Held for one lookup or insert only; a holder stopped for long (or one
 * whose death the kernel could not report) makes this walk read every
 * directory from then on, after one wait of 20 ms.
 */
static int
cache_lock(void)
{
	static int	registered;
	struct timespec	until;
	int		r;

	if (!registered) {
		registered = 1;
		if (robust_head != NULL)
			syscall(SYS_set_robust_list, robust_head, robust_len);
	}
	if (clock_gettime(CLOCK_REALTIME, &until) == -1)
		return (-1);
	until.tv_nsec += 20 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	r = pthread_mutex_timedlock(&cache->lock, &until);
	if (r == ETIMEDOUT) {
		/* Not again in this walk: one wait per start at most. */
		sandbox_protect_cache_detach();
		return (-1);
	}
	if (r == EOWNERDEAD) {
		/* Its holder died mid-insert: trust nothing in it. */
		cache_empty();
		if (pthread_mutex_consistent(&cache->lock) != 0)
			return (-1);
		return (0);
	}
	return (r == 0 ? 0 : -1);
}

/* A hash of the mask patterns: a record is only good for the same set. */
uint64_t
sandbox_protect_cache_maskhash(char *const *mask)
{
	uint64_t	 h = 1469598103934665603ull;
	const char	*p;

	for (; mask != NULL && *mask != NULL; mask++) {
		for (p = *mask; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;	/* the separator */
	}
	return (h);
}

static uint32_t
bucket(const struct stat *st)
{
	uint64_t	h = st->st_ino * 0x9e3779b97f4a7c15ull ^ st->st_dev;

	return ((uint32_t)(h >> 20) % CACHE_BUCKETS);
}

/* Whether the directory st, on the file system of fd, may be cached. */
int
sandbox_protect_cache_usable(int fd, const struct stat *st)
{
	static dev_t	last_dev;
	static int	last_ok = -1;
	struct statfs	sfs;
	struct timespec	now;
	size_t		i;

	if (cache == NULL)
		return (0);
	if (last_ok == -1 || last_dev != st->st_dev) {
		if (fstatfs(fd, &sfs) == -1)
			return (0);
		last_dev = st->st_dev;
		last_ok = 0;
		for (i = 0; i < nitems(cache_fs); i++)
			if ((unsigned long)sfs.f_type == cache_fs[i])
				last_ok = 1;
	}
	if (!last_ok || clock_gettime(CLOCK_REALTIME, &now) == -1)
		return (0);
	return (st->st_ctim.tv_sec < now.tv_sec - CACHE_SETTLE);
}

static int
rec_match(const struct crec *r, const struct stat *st, uid_t uid,
    uint64_t mask)
{
	return (r->dev == st->st_dev && r->ino == st->st_ino &&
	    r->ctime_sec == st->st_ctim.tv_sec &&
	    r->ctime_nsec == st->st_ctim.tv_nsec && r->uid == uid &&
	    r->mask == mask);
}

/*
 * The entries kept for directory st, copied into a malloc'd buffer
 * (*len bytes of type, name, NUL): 1; not kept: 0.
 */
int
sandbox_protect_cache_get(const struct stat *st, uid_t uid, uint64_t mask,
    unsigned char **data, size_t *len)
{
	const struct crec	*r;
	uint32_t		 off;
	int			 found = 0;

	*data = NULL;
	*len = 0;
	if (cache == NULL || cache_lock() == -1)
		return (0);
	for (off = cache->buckets[bucket(st)]; off != 0; off = r->next) {
		r = (const struct crec *)((char *)cache + off);
		if (!rec_match(r, st, uid, mask))
			continue;
		if ((*data = malloc(r->len + 1)) == NULL)
			break;
		memcpy(*data, r->data, r->len);
		*len = r->len;
		found = 1;
		break;
	}
	pthread_mutex_unlock(&cache->lock);
	return (found);
}

/* Keep len bytes of entries for directory st (one with the same key goes). */
void
sandbox_protect_cache_put(const struct stat *st, uid_t uid, uint64_t mask,
    const unsigned char *data, size_t len)
{
	struct crec	*r;
	uint32_t	 need, b;

	if (cache == NULL || len > CACHE_SIZE / 16)
		return;
	need = (sizeof(*r) + len + 7) & ~7u;
	if (cache_lock() == -1)
		return;
	if (cache->used + need > CACHE_SIZE)
		cache_empty();
	b = bucket(st);
	r = (struct crec *)((char *)cache + cache->used);
	memset(r, 0, sizeof(*r));
	r->dev = st->st_dev;
	r->ino = st->st_ino;
	r->ctime_sec = st->st_ctim.tv_sec;
	r->ctime_nsec = st->st_ctim.tv_nsec;
	r->mask = mask;
	r->uid = uid;
	r->len = len;
	memcpy(r->data, data, len);
	/* Newest first: a stale record of the same directory is passed by. */
	r->next = cache->buckets[b];
	cache->buckets[b] = cache->used;
	cache->used += need;
	pthread_mutex_unlock(&cache->lock);
}
