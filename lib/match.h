/*
 * Matchers shared by the policy engine, greywalld and the netstack
 * helper: domain patterns and CIDRs. Pure: no I/O, no logging.
 */
#ifndef GW_MATCH_H
#define GW_MATCH_H

#include <stddef.h>

#define DNS_NAME_MAX		253	/* a name as text, no trailing dot */

/* net-rules.c */
struct net_rules;

struct net_rules *net_rules_new(char *const *, char *const *, char *const *,
		    char **);
void		 net_rules_free(struct net_rules *);
int		 net_rules_name(const struct net_rules *, const char *,
		    const char **);
int		 net_rules_addr(const struct net_rules *, int, const void *,
		    const char **);
int		 net_domain_covers(const char *, const char *);
int		 net_cidr_covers(const char *, const char *);

#endif /* GW_MATCH_H */
