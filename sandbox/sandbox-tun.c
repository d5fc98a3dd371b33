/*
 * The sandbox's only network interface: a TUN device created by init in
 * the sandbox's new network namespace, configured with rtnetlink (no
 * ip(8)), and handed to the daemon, which gives it to the netstack
 * helper. Inside, the sandbox sees one point-to-point link with a /32
 * (and /128) address and default routes through it.
 *
 * The device carries a virtio-net header per packet (IFF_VNET_HDR) and
 * takes the checksum and TCP segmentation offloads: the sandbox's kernel
 * hands the netstack TCP segments of up to 64 KiB with the checksum left
 * to do, and takes such segments from it, while the link keeps its MTU of
 * NET_TUN_MTU. This is the kernel's documented interface for large
 * segments (it is how virtio-net and vhost move them).
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

struct nlreq {
	struct nlmsghdr	 nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg	 rt;
	};
	char		 attrs[128];
};

static void
nl_attr(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr	*rta;

	rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its acknowledgement. */
static int
nl_talk(int fd, struct nlreq *r)
{
	char		 buf[1024];
	struct nlmsghdr	*nh;
	struct nlmsgerr	*e;
	ssize_t		 n;

	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, r, r->nh.nlmsg_len, 0) == -1)
		return (-1);
	if ((n = recv(fd, buf, sizeof(buf), 0)) == -1)
		return (-1);
	nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type != NLMSG_ERROR) {
		errno = EPROTO;
		return (-1);
	}
	e = NLMSG_DATA(nh);
	if (e->error != 0) {
		errno = -e->error;
		return (-1);
	}
	return (0);
}

static void
nl_init(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = flags;
}

static int
nl_addr(int fd, int ifindex, int family, const void *addr, int plen)
{
	struct nlreq	r;
	uint32_t	flags = IFA_F_NODAD | IFA_F_PERMANENT;
	size_t		alen = family == AF_INET ? 4 : 16;

	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(r.ifa));
	r.ifa.ifa_family = family;
	r.ifa.ifa_prefixlen = plen;
	r.ifa.ifa_index = ifindex;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	nl_attr(&r, IFA_LOCAL, addr, alen);
	nl_attr(&r, IFA_ADDRESS, addr, alen);
	nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	return (nl_talk(fd, &r));
}

static int
nl_default_route(int fd, int ifindex, int family)
{
	struct nlreq	r;
	uint32_t	oif = ifindex;

	nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(r.rt));
	r.rt.rtm_family = family;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_BOOT;
	/* Point-to-point: no gateway, everything goes out of the TUN. */
	r.rt.rtm_scope = family == AF_INET ? RT_SCOPE_LINK :
	    RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return (nl_talk(fd, &r));
}

static int
nl_link_up(int fd, int ifindex, uint32_t mtu)
{
	struct nlreq	r;

	nl_init(&r, RTM_NEWLINK, 0, sizeof(r.ifi));
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	return (nl_talk(fd, &r));
}

/*
 * Create and configure the TUN device in init's (new) network namespace;
 * returns its fd. Runs as root in init before the mount tree hides
 * /dev/net/tun. Any failure stops the sandbox: no TUN, no network.
 */
int
sandbox_tun_create(int slot, int ipv6)
{
	_cleanup_close_ int	 fd = -1, nl = -1;
	struct sockaddr_nl	 sa;
	struct ifreq		 ifr;
	struct in_addr		 a4;
	struct in6_addr		 a6;
	int			 ifindex, hdrsz;

	/* The device is created in the namespace the fd was opened in. */
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) == -1)
		sandbox_init_fail(errno, "open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", NET_TUN_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		sandbox_init_fail(errno, "create the TUN device");
	/* The netstack reads exactly this header (net-lwip.c). */
	hdrsz = sizeof(struct virtio_net_hdr);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) == -1)
		sandbox_init_fail(errno, "set the TUN's virtio header size");
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 |
	    TUN_F_TSO6) == -1)
		sandbox_init_fail(errno, "enable the TUN's offloads");
	if ((ifindex = if_nametoindex(NET_TUN_NAME)) == 0)
		sandbox_init_fail(errno, "find the TUN device");

	if ((nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		sandbox_init_fail(errno, "rtnetlink socket");
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(nl, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		sandbox_init_fail(errno, "bind rtnetlink socket");

	if (nl_link_up(nl, ifindex, NET_TUN_MTU) == -1)
		sandbox_init_fail(errno, "bring up " NET_TUN_NAME);
	net_addr_sandbox4(slot, &a4);
	if (nl_addr(nl, ifindex, AF_INET, &a4, 32) == -1)
		sandbox_init_fail(errno, "set the IPv4 address of "
		    NET_TUN_NAME);
	if (nl_default_route(nl, ifindex, AF_INET) == -1)
		sandbox_init_fail(errno, "add the IPv4 default route");
	if (ipv6) {
		net_addr_sandbox6(slot, &a6);
		if (nl_addr(nl, ifindex, AF_INET6, &a6, 128) == -1)
			sandbox_init_fail(errno, "set the IPv6 address of "
			    NET_TUN_NAME);
		if (nl_default_route(nl, ifindex, AF_INET6) == -1)
			sandbox_init_fail(errno, "add the IPv6 default route");
	}
	return (TAKE_FD(fd));
}
