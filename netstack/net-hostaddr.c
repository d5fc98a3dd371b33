/*
 * What "the host itself" is, for the netstack: the addresses a connection
 * through the upstream would take back to this machine (loopback, the
 * unspecified address, link-local, every address of every interface),
 * and the host's own name tables, /etc/hosts and the nameservers of
 * resolv.conf, parsed from their text. Pure: greywalld main reads the
 * files and the interface list, the helper asks the questions.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"

struct hostset {
	struct hostaddr	*a;
	size_t		 n;
};

struct hosts_entry {
	char		*name;		/* lower case, no final dot */
	struct hostaddr	 addr;
};

struct hostsfile {
	struct hosts_entry	*e;
	size_t			 n;
};

static int
hostaddr_cmp(const void *a, const void *b)
{
	const struct hostaddr	*x = a, *y = b;

	if (x->family != y->family)
		return (x->family < y->family ? -1 : 1);
	return (memcmp(x->addr, y->addr, 16));
}

/*
 * A set of interface addresses, AF_INET (first 4 bytes of addr) or
 * AF_INET6; others are ignored. Returns NULL with errno on ENOMEM.
 */
struct hostset *
hostset_new(const struct hostaddr *v, size_t n)
{
	struct hostset	*s;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	if (n > 0 && (s->a = calloc(n, sizeof(*s->a))) == NULL) {
		free(s);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		if (v[i].family != AF_INET && v[i].family != AF_INET6)
			continue;
		memset(&s->a[s->n], 0, sizeof(s->a[s->n]));
		s->a[s->n].family = v[i].family;
		memcpy(s->a[s->n].addr, v[i].addr,
		    v[i].family == AF_INET ? 4 : 16);
		s->n++;
	}
	if (s->n > 0)
		qsort(s->a, s->n, sizeof(*s->a), hostaddr_cmp);
	return (s);
}

void
hostset_free(struct hostset *s)
{
	if (s == NULL)
		return;
	free(s->a);
	free(s);
}

size_t
hostset_count(const struct hostset *s)
{
	return (s != NULL ? s->n : 0);
}

/*
 * Whether an address is the host's own, as a proxy on this host would
 * connect to it: the rule that says so ("loopback", "unspecified",
 * "link-local", "host address"), or NULL. IPv4-mapped and
 * IPv4-compatible IPv6 forms are judged as their IPv4 address. s may be
 * NULL (no interface addresses known: only the fixed ranges).
 */
const char *
hostset_match(const struct hostset *s, int family, const void *addr)
{
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	static const uint8_t	 zero[16];
	const uint8_t		*a = addr;
	struct hostaddr		 key;

	if (family == AF_INET6 && (memcmp(a, mapped, 12) == 0 ||
	    (memcmp(a, zero, 12) == 0 && memcmp(a + 12, zero, 3) != 0) ||
	    (memcmp(a, zero, 12) == 0 && a[15] > 1))) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		if (a[0] == 127)
			return ("loopback");
		if (a[0] == 0)
			return ("unspecified");
		if (a[0] == 169 && a[1] == 254)
			return ("link-local");
	} else if (family == AF_INET6) {
		if (memcmp(a, zero, 15) == 0)
			return (a[15] == 1 ? "loopback" : "unspecified");
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			return ("link-local");
	} else
		return (NULL);
	if (s == NULL || s->n == 0)
		return (NULL);
	memset(&key, 0, sizeof(key));
	key.family = family;
	memcpy(key.addr, a, family == AF_INET ? 4 : 16);
	if (bsearch(&key, s->a, s->n, sizeof(*s->a), hostaddr_cmp) != NULL)
		return ("host address");
	return (NULL);
}

/* Lower-case a name without its final dot into out; 0, or -1. */
static int
hosts_canon(const char *s, size_t len, char *out)
{
	size_t	i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return (-1);
	for (i = 0; i < len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 'a' - 'A' :
		    s[i];
	out[len] = '\0';
	return (0);
}

static int
hosts_entry_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct hosts_entry *)a)->name,
	    ((const struct hosts_entry *)b)->name));
}

void
hostsfile_free(struct hostsfile *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->e[i].name);
	free(h->e);
	free(h);
}

static int
hosts_add(struct hostsfile *h, size_t *alloc, const char *name, size_t nlen,
    const struct hostaddr *a)
{
	struct hosts_entry	*ne;
	char			 canon[DNS_NAME_MAX + 1];
	size_t			 na;

	if (hosts_canon(name, nlen, canon) == -1)
		return (0);		/* not a name a sandbox can ask */
	if (h->n == *alloc) {
		na = *alloc == 0 ? 64 : *alloc * 2;
		if ((ne = reallocarray(h->e, na, sizeof(*ne))) == NULL)
			return (-1);
		h->e = ne;
		*alloc = na;
	}
	if ((h->e[h->n].name = strdup(canon)) == NULL)
		return (-1);
	h->e[h->n].addr = *a;
	h->n++;
	return (0);
}

/*
 * The entries of a hosts(5) text: "address name [alias...]" lines, '#'
 * comments. Lines whose address does not parse are skipped, as the C
 * library does. Returns NULL with errno ENOMEM.
 */
struct hostsfile *
hostsfile_parse(const char *text, size_t len)
{
	struct hostsfile	*h;
	struct hostaddr		 a;
	const char		*p = text, *end = text + len, *eol, *w, *we;
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 alloc = 0, wl;
	int			 first;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	for (; p < end; p = eol + (eol < end)) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		first = 1;
		for (w = p; w < eol; w = we) {
			while (w < eol && (*w == ' ' || *w == '\t' ||
			    *w == '\r'))
				w++;
			if (w == eol || *w == '#')
				break;
			for (we = w; we < eol && *we != ' ' && *we != '\t' &&
			    *we != '\r' && *we != '#'; we++)
				;
			wl = we - w;
			if (first) {
				first = 0;
				memset(&a, 0, sizeof(a));
				if (wl >= sizeof(addr))
					break;
				memcpy(addr, w, wl);
				addr[wl] = '\0';
				/* A zone ("fe80::1%eth0") is link-local. */
				if (strchr(addr, '%') != NULL)
					*strchr(addr, '%') = '\0';
				if (inet_pton(AF_INET, addr, a.addr) == 1)
					a.family = AF_INET;
				else if (inet_pton(AF_INET6, addr, a.addr) == 1)
					a.family = AF_INET6;
				else
					break;
				continue;
			}
			if (hosts_add(h, &alloc, w, wl, &a) == -1) {
				hostsfile_free(h);
				errno = ENOMEM;
				return (NULL);
			}
		}
	}
	if (h->n > 0)
		qsort(h->e, h->n, sizeof(*h->e), hosts_entry_cmp);
	return (h);
}

/*
 * The addresses a hosts file gives a name (lower case, no final dot):
 * up to max of them in out; returns how many there are in all.
 */
size_t
hostsfile_find(const struct hostsfile *h, const char *name,
    struct hostaddr *out, size_t max)
{
	struct hosts_entry	 key, *hit;
	size_t			 lo, i, n = 0;

	if (h == NULL || h->n == 0)
		return (0);
	key.name = (char *)name;
	if ((hit = bsearch(&key, h->e, h->n, sizeof(*h->e),
	    hosts_entry_cmp)) == NULL)
		return (0);
	for (lo = hit - h->e; lo > 0 && strcmp(h->e[lo - 1].name, name) == 0;
	    lo--)
		;
	for (i = lo; i < h->n && strcmp(h->e[i].name, name) == 0; i++) {
		if (n < max)
			out[n] = h->e[i].addr;
		n++;
	}
	return (n);
}

size_t
hostsfile_count(const struct hostsfile *h)
{
	return (h != NULL ? h->n : 0);
}

/*
 * The "nameserver" lines of a resolv.conf(5) text, as port 53 socket
 * addresses, at most max of them (the C library uses 3). Returns how
 * many were stored.
 */
size_t
resolv_parse(const char *text, size_t len, struct sockaddr_storage *out,
    size_t max)
{
	const char		*p = text, *end = text + len, *eol, *w;
	char			 addr[INET6_ADDRSTRLEN + 1];
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	size_t			 n = 0, wl;

	for (; p < end && n < max; p = eol + (eol < end)) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(eol - p) < 11 || strncmp(p, "nameserver", 10) != 0 ||
		    (p[10] != ' ' && p[10] != '\t'))
			continue;
		for (w = p + 10; w < eol && (*w == ' ' || *w == '\t'); w++)
			;
		for (wl = 0; w + wl < eol && w[wl] != ' ' && w[wl] != '\t' &&
		    w[wl] != '\r' && w[wl] != '#' && w[wl] != ';'; wl++)
			;
		if (wl == 0 || wl >= sizeof(addr))
			continue;
		memcpy(addr, w, wl);
		addr[wl] = '\0';
		memset(&out[n], 0, sizeof(out[n]));
		sin = (struct sockaddr_in *)&out[n];
		sin6 = (struct sockaddr_in6 *)&out[n];
		if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons(53);
			n++;
		} else if (strchr(addr, '%') == NULL &&
		    inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(53);
			n++;
		}
	}
	return (n);
}
