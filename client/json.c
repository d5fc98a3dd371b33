/*
 * gw's and gwctl's JSON output, built and encoded by jansson. File names,
 * commands and the like are bytes, not always UTF-8, while JSON text must
 * be Unicode. Each byte that is not part of a valid UTF-8 sequence is
 * written as the lone surrogate \udc80 to \udcff (U+DC00 plus the byte),
 * as Python's "surrogateescape" error handler does, so the output is
 * always valid UTF-8 and the original bytes come back exactly:
 *
 *	json.loads(line)["target"].encode("utf-8", "surrogateescape")
 *
 * Valid UTF-8 never encodes a surrogate, so the escape is unambiguous.
 * jansson refuses lone surrogates, so a byte to escape travels through
 * it as U+0000 followed by U+0080 to U+00FF, which a C string cannot
 * otherwise hold, and the encoded text is rewritten afterwards.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. */
static size_t
json_utf8_len(const unsigned char *p)
{
	unsigned int	c;
	size_t		n, i;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return (0);
	return (n);
}

/*
 * s as a JSON string, its invalid bytes marked for client_json_print();
 * NULL for NULL or when out of memory.
 */
json_t *
client_json_str(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*buf;
	size_t			 len = 0, n, i;
	json_t			*j;

	if (s == NULL)
		return (NULL);
	/* At worst each byte becomes a marker and a two-byte character. */
	if ((buf = malloc(strlen(s) * 3 + 1)) == NULL)
		return (NULL);
	while (*p != '\0') {
		if ((n = json_utf8_len(p)) > 0) {
			for (i = 0; i < n; i++)
				buf[len++] = *p++;
			continue;
		}
		buf[len++] = '\0';
		buf[len++] = 0xc0 | *p >> 6;
		buf[len++] = 0x80 | (*p & 0x3f);
		p++;
	}
	j = json_stringn(buf, len);
	free(buf);
	return (j);
}

/* An allocation failed since the last client_json_print(). */
static int	json_failed;

/* Set key in obj to v, which may be NULL after a failed allocation. */
void
client_json_set(json_t *obj, const char *key, json_t *v)
{
	if (obj == NULL || v == NULL || json_object_set_new(obj, key, v) == -1)
		json_failed = 1;
}

/* Append v to array arr, as client_json_set() does for objects. */
void
client_json_append(json_t *arr, json_t *v)
{
	if (arr == NULL || v == NULL || json_array_append_new(arr, v) == -1)
		json_failed = 1;
}

/*
 * Turn the markers of client_json_str in jansson's text into \udcXX:
 * jansson writes U+0000 as \u0000, and a literal backslash in a string
 * is written as \\, so every \u0000 is a marker.
 */
static void
json_unmark(char *s)
{
	char		*w = s;
	unsigned int	 b;

	while (*s != '\0') {
		if (s[0] == '\\' && strncmp(s + 1, "u0000", 5) == 0 &&
		    ((unsigned char)s[6] & 0xfe) == 0xc2 &&
		    ((unsigned char)s[7] & 0xc0) == 0x80) {
			b = ((unsigned char)s[6] & 0x03) << 6 |
			    ((unsigned char)s[7] & 0x3f);
			w += sprintf(w, "\\udc%02x", b);
			s += 8;
			continue;
		}
		if (s[0] == '\\' && s[1] != '\0')
			*w++ = *s++;
		*w++ = *s++;
	}
	*w = '\0';
}

/*
 * Print j on one line (or indented with JSON_INDENT(n) in flags) and
 * free it. Returns 0, or -1 after a message if it could not be built.
 */
int
client_json_print(FILE *f, json_t *j, size_t flags)
{
	char	*s;

	if (j == NULL || json_failed) {
		json_failed = 0;
		warnx("out of memory building JSON output");
		json_decref(j);
		return (-1);
	}
	s = json_dumps(j, flags | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	if (s == NULL) {
		warnx("cannot encode JSON output");
		return (-1);
	}
	json_unmark(s);
	fputs(s, f);
	fputc('\n', f);
	fflush(f);
	free(s);
	return (0);
}
