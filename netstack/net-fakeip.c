/*
 * A sandbox's fake-IP pool: each name it resolves gets a slot, whose
 * IPv4 and IPv6 addresses stand for that name until the slot is reused,
 * so a connection to one of them can be sent to the proxy by name. Slot i
 * has fixed addresses (see gw-protocol.h), so an address finds its slot by
 * arithmetic and a name finds it through a hash table. When the pool is
 * full, the least recently used slot that no flow has pinned is reused.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"

#define FAKEIP_V4_NET		0xc6120000u	/* 198.18.0.0/15 */
#define FAKEIP_V4_MASK		0xfffe0000u
#define FAKEIP_FIRST		0x100		/* after the infrastructure */
#define FAKEIP_ALLOC_MIN	64

static const uint8_t	fakeip_v6_net[12] = {
	0xfd, 0x67, 0x77, 0x79, 0x66, 0x61, 0, 0, 0, 0, 0, 0
};

struct fakeip_slot {
	char		*name;
	uint32_t	 hash;
	uint32_t	 pins;		/* live flows using the addresses */
	int32_t		 hnext;		/* next slot in the bucket, or -1 */
	int32_t		 prev, next;	/* LRU list, if not pinned */
};

struct fakeip {
	struct fakeip_slot	*slot;
	size_t			 n;		/* slots named so far */
	size_t			 alloc;
	size_t			 cap;
	int32_t			*bucket;
	size_t			 nbucket;	/* a power of two */
	int32_t			 lru_head;	/* least recently used */
	int32_t			 lru_tail;
	uint64_t		 seed;
};

/*
 * FNV-1a with a per-pool secret seed and a final mix, so a sandbox cannot
 * choose names that all fall in one bucket without knowing the seed.
 */
static uint32_t
fakeip_hash(const struct fakeip *f, const char *s)
{
	uint64_t	h = f->seed ^ 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return ((uint32_t)h);
}

/* A cap from 1 to FAKEIP_CAP_MAX names; seed should be random. */
struct fakeip *
fakeip_new(size_t cap, uint64_t seed)
{
	struct fakeip	*f;
	size_t		 nb = 16;

	if (cap == 0 || cap > FAKEIP_CAP_MAX) {
		errno = EINVAL;
		return (NULL);
	}
	while (nb < cap)
		nb *= 2;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	if ((f->bucket = calloc(nb, sizeof(*f->bucket))) == NULL) {
		free(f);
		return (NULL);
	}
	memset(f->bucket, 0xff, nb * sizeof(*f->bucket));	/* all -1 */
	f->nbucket = nb;
	f->cap = cap;
	f->seed = seed;
	f->lru_head = f->lru_tail = -1;
	return (f);
}

void
fakeip_free(struct fakeip *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->slot[i].name);
	free(f->slot);
	free(f->bucket);
	free(f);
}

static void
lru_remove(struct fakeip *f, int32_t i)
{
	struct fakeip_slot	*s = &f->slot[i];

	if (s->prev == -1)
		f->lru_head = s->next;
	else
		f->slot[s->prev].next = s->next;
	if (s->next == -1)
		f->lru_tail = s->prev;
	else
		f->slot[s->next].prev = s->prev;
	s->prev = s->next = -1;
}

static void
lru_append(struct fakeip *f, int32_t i)
{
	struct fakeip_slot	*s = &f->slot[i];

	s->prev = f->lru_tail;
	s->next = -1;
	if (f->lru_tail == -1)
		f->lru_head = i;
	else
		f->slot[f->lru_tail].next = i;
	f->lru_tail = i;
}

/* Mark slot i as just used; a pinned slot is not on the list. */
static void
lru_touch(struct fakeip *f, int32_t i)
{
	if (f->slot[i].pins > 0 || f->lru_tail == i)
		return;
	lru_remove(f, i);
	lru_append(f, i);
}

static void
bucket_unlink(struct fakeip *f, int32_t i)
{
	int32_t	*p = &f->bucket[f->slot[i].hash & (f->nbucket - 1)];

	while (*p != i)
		p = &f->slot[*p].hnext;
	*p = f->slot[i].hnext;
	f->slot[i].hnext = -1;
}

static void
fakeip_addr(int32_t i, int family, void *out)
{
	uint32_t	 a = FAKEIP_V4_NET + FAKEIP_FIRST + (uint32_t)i;
	uint8_t		*p = out;

	if (family == AF_INET6) {
		memcpy(p, fakeip_v6_net, sizeof(fakeip_v6_net));
		a = FAKEIP_FIRST + (uint32_t)i;
		p += sizeof(fakeip_v6_net);
	}
	p[0] = a >> 24;
	p[1] = (a >> 16) & 0xff;
	p[2] = (a >> 8) & 0xff;
	p[3] = a & 0xff;
}

/* The slot an address belongs to, whether named yet or not; or -1. */
static int32_t
fakeip_index(int family, const void *addr)
{
	const uint8_t	*p = addr;
	uint32_t	 a;

	if (family == AF_INET6) {
		if (memcmp(p, fakeip_v6_net, sizeof(fakeip_v6_net)) != 0)
			return (-1);
		p += sizeof(fakeip_v6_net);
	} else if (family != AF_INET)
		return (-1);
	a = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	if (family == AF_INET)
		a -= FAKEIP_V4_NET;
	if (a < FAKEIP_FIRST || a - FAKEIP_FIRST >= FAKEIP_CAP_MAX)
		return (-1);
	return ((int32_t)(a - FAKEIP_FIRST));
}

static int32_t
fakeip_find(const struct fakeip *f, const char *name, uint32_t h)
{
	int32_t	i;

	for (i = f->bucket[h & (f->nbucket - 1)]; i != -1;
	    i = f->slot[i].hnext)
		if (f->slot[i].hash == h && strcmp(f->slot[i].name, name) == 0)
			return (i);
	return (-1);
}

/*
 * The address of name (as dns_query_parse() gives it: lower case, no
 * final dot) in family AF_INET (4 bytes) or AF_INET6 (16 bytes), written
 * to out in network order. A name keeps its slot while it is in the pool;
 * a new name takes a fresh slot, or when the pool is full, the least
 * recently used one that is not pinned. Returns 0, or -1 with errno
 * EINVAL, ENOMEM, or ENOSPC when every slot is pinned.
 */
int
fakeip_assign(struct fakeip *f, const char *name, int family, void *out)
{
	struct fakeip_slot	*s;
	size_t			 len = strlen(name), na;
	uint32_t		 h;
	int32_t			 i;
	char			*copy;

	if (len == 0 || len > DNS_NAME_MAX ||
	    (family != AF_INET && family != AF_INET6)) {
		errno = EINVAL;
		return (-1);
	}
	h = fakeip_hash(f, name);
	if ((i = fakeip_find(f, name, h)) != -1) {
		lru_touch(f, i);
		fakeip_addr(i, family, out);
		return (0);
	}
	if (f->n == f->cap && f->lru_head == -1) {
		errno = ENOSPC;
		return (-1);
	}
	if ((copy = strdup(name)) == NULL)
		return (-1);
	if (f->n < f->cap) {
		if (f->n == f->alloc) {
			na = f->alloc == 0 ? FAKEIP_ALLOC_MIN : f->alloc * 2;
			if (na > f->cap)
				na = f->cap;
			if ((s = reallocarray(f->slot, na, sizeof(*s))) ==
			    NULL) {
				free(copy);
				return (-1);
			}
			f->slot = s;
			f->alloc = na;
		}
		i = (int32_t)f->n++;
	} else {
		i = f->lru_head;
		lru_remove(f, i);
		bucket_unlink(f, i);
		free(f->slot[i].name);
	}
	s = &f->slot[i];
	s->name = copy;
	s->hash = h;
	s->pins = 0;
	s->hnext = f->bucket[h & (f->nbucket - 1)];
	f->bucket[h & (f->nbucket - 1)] = i;
	lru_append(f, i);
	fakeip_addr(i, family, out);
	return (0);
}

/*
 * The name an address of the pool stands for, or NULL if it is not a pool
 * address or no name has it. A lookup counts as a use of the slot.
 */
const char *
fakeip_name(struct fakeip *f, int family, const void *addr)
{
	int32_t	i;

	if ((i = fakeip_index(family, addr)) == -1 || (size_t)i >= f->n)
		return (NULL);
	lru_touch(f, i);
	return (f->slot[i].name);
}

/*
 * Whether an address is in the synthetic blocks, 198.18.0.0/15 or
 * fd67:7779:6661::/96, infrastructure included: such an address is never
 * a real destination, whether a name has it or not.
 */
int
fakeip_is_pool(int family, const void *addr)
{
	const uint8_t	*p = addr;
	uint32_t	 a;

	if (family == AF_INET6)
		return (memcmp(p, fakeip_v6_net, sizeof(fakeip_v6_net)) == 0);
	if (family != AF_INET)
		return (0);
	a = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	return ((a & FAKEIP_V4_MASK) == FAKEIP_V4_NET);
}

/*
 * Pin the slot of an address while a flow uses it, so that its name is
 * never given another address meanwhile; pins count. Returns 0, or -1
 * with errno ENOENT if no name has the address.
 */
int
fakeip_pin(struct fakeip *f, int family, const void *addr)
{
	struct fakeip_slot	*s;
	int32_t			 i;

	if ((i = fakeip_index(family, addr)) == -1 || (size_t)i >= f->n) {
		errno = ENOENT;
		return (-1);
	}
	s = &f->slot[i];
	if (s->pins == UINT32_MAX) {
		errno = EOVERFLOW;
		return (-1);
	}
	if (s->pins++ == 0)
		lru_remove(f, i);
	return (0);
}

/* Undo one fakeip_pin(); -1 with errno ENOENT if it was not pinned. */
int
fakeip_unpin(struct fakeip *f, int family, const void *addr)
{
	struct fakeip_slot	*s;
	int32_t			 i;

	if ((i = fakeip_index(family, addr)) == -1 || (size_t)i >= f->n ||
	    f->slot[i].pins == 0) {
		errno = ENOENT;
		return (-1);
	}
	s = &f->slot[i];
	if (--s->pins == 0)
		lru_append(f, i);
	return (0);
}

/* How many names the pool holds. */
size_t
fakeip_count(const struct fakeip *f)
{
	return (f->n);
}
