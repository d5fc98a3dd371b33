/*
 * gw cache: list and clear the user's package caches in greywall's store
 * (STATEDIR/users/UID/caches, one directory per caches.paths entry, named
 * by its path below the home with '/' as "%2F"). The store is the
 * user's own: gw works on it with the user's rights, nothing more.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "client.h"

static unsigned long long	cache_bytes;

/* The store's caches directory: $GREYWALL_STATE_DIR (tests) or STATEDIR. */
static void
cache_dir(char *buf, size_t len)
{
	const char	*base = getenv("GREYWALL_STATE_DIR");

	if (base == NULL || base[0] != '/')
		base = GW_STATEDIR;
	snprintf(buf, len, "%s/users/%u/caches", base, (unsigned)getuid());
}

/* "%2F" back to '/', "%25" to '%'. */
static void
cache_decode(const char *name, char *out, size_t len)
{
	size_t	o = 0;

	for (; *name != '\0' && o + 1 < len; name++) {
		if (name[0] == '%' && strncasecmp(name + 1, "2F", 2) == 0) {
			out[o++] = '/';
			name += 2;
		} else if (name[0] == '%' && strncmp(name + 1, "25", 2) == 0) {
			out[o++] = '%';
			name += 2;
		} else
			out[o++] = *name;
	}
	out[o] = '\0';
}

static int
cache_size_cb(const char *path __unused, const struct stat *st,
    int flag __unused, struct FTW *ftw __unused)
{
	cache_bytes += (unsigned long long)st->st_blocks * 512;
	return (0);
}

/* Let the user remove what a tool made read-only (Go's module cache). */
static int
cache_open_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw __unused)
{
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return (0);
}

static int
cache_rm_cb(const char *path, const struct stat *st __unused, int flag,
    struct FTW *ftw __unused)
{
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 &&
	    errno != ENOENT) {
		warn("cannot remove '%s'", path);
		return (-1);
	}
	return (0);
}

static int
cache_clear_one(const char *dir, const char *name)
{
	char	path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return (-1);
	nftw(path, cache_open_cb, 16, FTW_PHYS);
	return (nftw(path, cache_rm_cb, 16, FTW_PHYS | FTW_DEPTH) == 0 ?
	    0 : -1);
}

/* Whether the store entry name (encoded) is the one the user named. */
static int
cache_named(const char *name, const char *want)
{
	char	dec[NAME_MAX + 1];

	cache_decode(name, dec, sizeof(dec));
	if (strncmp(want, "~/", 2) == 0)
		want += 2;
	return (strcmp(dec, want) == 0);
}

/* gw cache [list | clear [PATH...]] */
int
client_cache(int argc, char **argv)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[PATH_MAX], path[PATH_MAX], dec[NAME_MAX + 1];
	int		 clear, i, found, r = 0, any = 0;

	clear = argc >= 2 && strcmp(argv[1], "clear") == 0;
	if (argc >= 2 && !clear && strcmp(argv[1], "list") != 0)
		return (-2);
	if (!clear && argc > 2)
		return (-2);
	cache_dir(dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT) {
			if (!clear)
				printf("no caches yet in %s\n", dir);
			return (0);
		}
		warn("cannot open '%s'", dir);
		return (-1);
	}
	for (i = 2; clear && i < argc; i++) {
		rewinddir(d);
		found = 0;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0 &&
			    cache_named(de->d_name, argv[i]))
				found = 1;
		if (!found) {
			warnx("no cache '%s' in %s", argv[i], dir);
			r = -1;
		}
	}
	rewinddir(d);
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cache_decode(de->d_name, dec, sizeof(dec));
		if (clear) {
			for (i = 2; i < argc; i++)
				if (cache_named(de->d_name, argv[i]))
					break;
			if (argc > 2 && i == argc)
				continue;
			if (cache_clear_one(dir, de->d_name) == -1)
				r = -1;
			else
				printf("cleared ~/%s\n", dec);
			continue;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		cache_bytes = 0;
		nftw(path, cache_size_cb, 16, FTW_PHYS);
		printf("%10.1f MiB  ~/%s\n", cache_bytes / 1048576.0, dec);
		any = 1;
	}
	closedir(d);
	if (!clear && !any && r == 0)
		printf("no caches yet in %s\n", dir);
	return (r);
}
