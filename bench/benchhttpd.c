/*
 * benchhttpd - the HTTP server bench/network measures against.
 *
 * Usage: benchhttpd ADDRESS PORT
 *
 * One thread per connection, one request per connection (the reply says
 * "Connection: close"). The server must be faster than every path it is
 * measured through, so it touches no disk and parses only what it needs:
 *
 *   GET /N		200 with N zero bytes (N decimal, up to 2^40)
 *   PUT or POST /...	reads Content-Length bytes, discards them, 200
 *
 * Anything else gets 400, 404, 405 or 411. "Expect: 100-continue" is
 * answered, so curl -T does not wait a second before sending the body.
 * Bench code, not part of greywall: it is built by bench/network into a
 * temporary directory and never installed.
 */

#define _GNU_SOURCE		/* accept4 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HDR_MAX		8192
#define CHUNK		(1024 * 1024)
#define SIZE_MAX_BODY	(1ULL << 40)

static char	zeros[CHUNK];

static int
send_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static void
reply(int fd, const char *status)
{
	char	buf[256];
	int	n;

	n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status);
	(void)send_all(fd, buf, (size_t)n);
}

/* The value of header NAME in the header block HDR, or NULL. */
static const char *
header(const char *hdr, const char *name)
{
	const char	*p;
	size_t		 len = strlen(name);

	for (p = strstr(hdr, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			p += len + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return (p);
		}
	}
	return (NULL);
}

static int
parse_size(const char *s, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > SIZE_MAX_BODY ||
	    (*end != '\0' && *end != '\r' && *end != ' ' && *end != '?'))
		return (-1);
	*out = v;
	return (0);
}

static void
do_get(int fd, const char *path)
{
	char			 buf[256];
	unsigned long long	 size, left;
	size_t			 n;
	int			 h;

	if (*path != '/' || parse_size(path + 1, &size) == -1) {
		reply(fd, "404 Not Found");
		return;
	}
	h = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %llu\r\nConnection: close\r\n\r\n", size);
	/* A small reply goes out in one segment, headers and body. */
	if (size <= sizeof(buf) - (size_t)h) {
		memset(buf + h, 0, size);
		(void)send_all(fd, buf, (size_t)h + size);
		return;
	}
	if (send_all(fd, buf, (size_t)h) == -1)
		return;
	for (left = size; left > 0; left -= n) {
		n = left < CHUNK ? (size_t)left : CHUNK;
		if (send_all(fd, zeros, n) == -1)
			return;
	}
}

static void
do_put(int fd, const char *hdr, size_t have)
{
	const char		*v;
	unsigned long long	 size;
	char			*buf;
	ssize_t			 n;

	if ((v = header(hdr, "Transfer-Encoding")) != NULL ||
	    (v = header(hdr, "Content-Length")) == NULL ||
	    parse_size(v, &size) == -1) {
		reply(fd, "411 Length Required");
		return;
	}
	if ((v = header(hdr, "Expect")) != NULL &&
	    strncasecmp(v, "100-continue", 12) == 0 &&
	    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) == -1)
		return;
	if ((buf = malloc(CHUNK)) == NULL)
		return;
	size = have > size ? 0 : size - have;
	while (size > 0) {
		n = recv(fd, buf, size < CHUNK ? (size_t)size : CHUNK, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size -= (unsigned long long)n;
	}
	free(buf);
	if (size == 0)
		reply(fd, "200 OK");
}

static void *
conn_main(void *arg)
{
	char	 hdr[HDR_MAX + 1], *end, *sp, *path;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd = (int)(intptr_t)arg;

	for (;;) {
		if (len == HDR_MAX) {
			reply(fd, "400 Bad Request");
			goto out;
		}
		n = recv(fd, hdr + len, HDR_MAX - len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		len += (size_t)n;
		hdr[len] = '\0';
		if ((end = strstr(hdr, "\r\n\r\n")) != NULL)
			break;
	}
	end[2] = '\0';		/* keep the last header's CRLF for header() */
	if ((sp = strchr(hdr, ' ')) == NULL) {
		reply(fd, "400 Bad Request");
		goto out;
	}
	*sp = '\0';
	path = sp + 1;
	if (strcmp(hdr, "GET") == 0)
		do_get(fd, path);
	else if (strcmp(hdr, "PUT") == 0 || strcmp(hdr, "POST") == 0) {
		*sp = ' ';
		do_put(fd, hdr, len - (size_t)(end + 4 - hdr));
	} else
		reply(fd, "405 Method Not Allowed");
out:
	close(fd);
	return (NULL);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	pthread_attr_t		 attr;
	pthread_t		 t;
	int			 s, fd, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: benchhttpd address port\n");
		return (2);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "benchhttpd: bad address '%s'\n", argv[1]);
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 512) == -1) {
		perror("benchhttpd");
		return (1);
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		if ((fd = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			perror("benchhttpd: accept");
			return (1);
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (pthread_create(&t, &attr, conn_main,
		    (void *)(intptr_t)fd) != 0)
			close(fd);
	}
}
