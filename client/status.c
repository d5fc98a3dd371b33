/*
 * gwctl status and gw doctor: ask greywalld for its status items and
 * print them, as a table or as JSON. The daemon decides what each view
 * holds (status.c there); this only prints, sanitizing its strings.
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

static const char *const levels[] = { "ok", "info", "warn", "FAIL" };

/*
 * Send GW_MSG_STATUS on sock and print the answer. Returns the number of
 * items with GW_STATUS_FAIL, or -1 after a message.
 */
int
client_status(int sock, int json)
{
	static struct gw_msg	 m;
	struct gw_status_item	 it;
	const char		*lv;
	json_t			*j = NULL, *items = NULL, *item;
	int			 nfail = 0;

	if (gw_msg_send(sock, GW_MSG_STATUS, 0, NULL, 0, NULL, 0, -1) == -1) {
		warn("cannot send to greywalld");
		return (-1);
	}
	if (json && ((j = json_object()) == NULL ||
	    (items = json_array()) == NULL)) {
		json_decref(j);
		warn("malloc");
		return (-1);
	}
	for (;;) {
		if (client_expect(sock, &m) == -1)
			goto fail;
		if (m.hdr.type == GW_MSG_OK)
			break;
		if (m.hdr.type != GW_MSG_STATUS_ITEM) {
			warnx("unexpected %s from greywalld",
			    gw_msg_typename(m.hdr.type));
			goto fail;
		}
		memcpy(&it, m.data, sizeof(it));
		lv = it.level < nitems(levels) ? levels[it.level] : "?";
		if (it.level == GW_STATUS_FAIL)
			nfail++;
		if (json) {
			item = json_object();
			client_json_set(item, "name",
			    client_json_str(m.str[0]));
			client_json_set(item, "level", json_string(
			    it.level == GW_STATUS_FAIL ? "fail" : lv));
			client_json_set(item, "value",
			    client_json_str(m.str[1]));
			client_json_append(items, item);
		} else {
			str_sanitize((char *)m.str[0]);
			str_sanitize((char *)m.str[1]);
			printf("%-15s %-5s %s\n", m.str[0], lv, m.str[1]);
		}
		gw_msg_clear(&m);
	}
	if (json) {
		client_json_set(j, "items", items);
		client_json_set(j, "ok", json_boolean(nfail == 0));
		if (client_json_print(stdout, j, JSON_INDENT(2)) == -1)
			return (-1);
	}
	fflush(stdout);
	return (nfail);
fail:
	json_decref(j);
	json_decref(items);
	return (-1);
}
