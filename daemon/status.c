/*
 * gwctl status and gw doctor: what greywalld and this kernel provide,
 * one item per layer, each with a level; GW_STATUS_FAIL means a layer
 * the shipped policy requires is missing.
 */

#include <sys/types.h>

#include "greywalld.h"

void
status_send(struct conn *c, int admin __unused)
{
	control_send(c, GW_MSG_OK, 0, NULL, 0, NULL, 0);
}
