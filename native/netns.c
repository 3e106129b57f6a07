// A sandbox's bridge network in-process: a named network namespace (as `ip netns add` makes it), a veth
// pair from the host bridge into it, and the namespace's address, links and default route, all through
// rtnetlink. Done with `ip` it took a shell and two `ip` processes per sandbox (~10 ms, most of it process
// start-up); the kernel work itself is well under a millisecond.
//
// Namespaces belong to threads: the new namespace is entered by a thread made for it, never by one of
// libuv's pool threads, which would stay in it.
#define _GNU_SOURCE
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"

/** One rtnetlink request being composed: a header, then its fixed part and attributes. */
struct request {
  struct nlmsghdr header;  // NLMSG_HDRLEN long, so body is where NLMSG_DATA points
  char body[1024];
};

static void request_begin(struct request* req, uint16_t type, uint16_t flags, const void* fixed, size_t fixed_size) {
  memset(req, 0, sizeof *req);
  req->header.nlmsg_type = type;
  req->header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  req->header.nlmsg_len = NLMSG_LENGTH(fixed_size);
  memcpy(req->body, fixed, fixed_size);
}

static struct rtattr* request_tail(struct request* req) {
  return (struct rtattr*)((char*)req + NLMSG_ALIGN(req->header.nlmsg_len));
}

static struct rtattr* add_attr(struct request* req, unsigned short type, const void* data, size_t size) {
  struct rtattr* attr = request_tail(req);
  attr->rta_type = type;
  attr->rta_len = RTA_LENGTH(size);
  if (size > 0) memcpy(RTA_DATA(attr), data, size);
  req->header.nlmsg_len = NLMSG_ALIGN(req->header.nlmsg_len) + RTA_ALIGN(attr->rta_len);
  return attr;
}

static void add_string(struct request* req, unsigned short type, const char* text) {
  add_attr(req, type, text, strlen(text) + 1);
}

/** Nested attributes: open with nest_begin, add the members, close with nest_end. */
static struct rtattr* nest_begin(struct request* req, unsigned short type) {
  return add_attr(req, type, NULL, 0);
}

static void nest_end(struct request* req, struct rtattr* nest) {
  nest->rta_len = (unsigned short)((char*)request_tail(req) - (char*)nest);
}

/** Sends the request and waits for the kernel's acknowledgement: 0 or the errno it reports. */
static int talk(int sock, struct request* req) {
  static __thread uint32_t sequence;
  req->header.nlmsg_seq = ++sequence;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(sock, &req->header, req->header.nlmsg_len, 0, (struct sockaddr*)&kernel, sizeof kernel) < 0) return errno;
  char answer[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t got = recv(sock, answer, sizeof answer, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (struct nlmsghdr* msg = (struct nlmsghdr*)answer; NLMSG_OK(msg, (size_t)got); msg = NLMSG_NEXT(msg, got)) {
      if (msg->nlmsg_seq != req->header.nlmsg_seq || msg->nlmsg_type != NLMSG_ERROR) continue;
      return -((struct nlmsgerr*)NLMSG_DATA(msg))->error;
    }
  }
}

/** `ip link set NAME [master INDEX] up` */
static int link_up(int sock, const char* name, unsigned master) {
  struct request req;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  request_begin(&req, RTM_NEWLINK, 0, &link, sizeof link);
  add_string(&req, IFLA_IFNAME, name);
  if (master != 0) add_attr(&req, IFLA_MASTER, &master, sizeof master);
  return talk(sock, &req);
}

/** `ip link add NAME type veth peer name PEER netns NETNS_FD` */
static int add_veth(int sock, const char* name, const char* peer, int netns_fd) {
  struct request req;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
  request_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &link, sizeof link);
  add_string(&req, IFLA_IFNAME, name);
  struct rtattr* info = nest_begin(&req, IFLA_LINKINFO);
  add_string(&req, IFLA_INFO_KIND, "veth");
  struct rtattr* data = nest_begin(&req, IFLA_INFO_DATA);
  struct rtattr* peer_info = add_attr(&req, VETH_INFO_PEER, &link, sizeof link);
  add_string(&req, IFLA_IFNAME, peer);
  add_attr(&req, IFLA_NET_NS_FD, &netns_fd, sizeof netns_fd);
  nest_end(&req, peer_info);
  nest_end(&req, data);
  nest_end(&req, info);
  return talk(sock, &req);
}

/** `ip addr add ADDRESS/PREFIX dev INDEX` */
static int add_address(int sock, unsigned index, struct in_addr address, unsigned char prefix_length) {
  struct request req;
  struct ifaddrmsg addr = {.ifa_family = AF_INET, .ifa_prefixlen = prefix_length, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = index};
  request_begin(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &addr, sizeof addr);
  add_attr(&req, IFA_LOCAL, &address, sizeof address);
  add_attr(&req, IFA_ADDRESS, &address, sizeof address);
  return talk(sock, &req);
}

/** `ip route add default via GATEWAY dev INDEX` */
static int add_default_route(int sock, unsigned index, struct in_addr gateway) {
  struct request req;
  struct rtmsg route = {
      .rtm_family = AF_INET,
      .rtm_table = RT_TABLE_MAIN,
      .rtm_protocol = RTPROT_BOOT,
      .rtm_scope = RT_SCOPE_UNIVERSE,
      .rtm_type = RTN_UNICAST,
  };
  request_begin(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &route, sizeof route);
  add_attr(&req, RTA_GATEWAY, &gateway, sizeof gateway);
  add_attr(&req, RTA_OIF, &index, sizeof index);
  return talk(sock, &req);
}

/**
 * /run/netns as `ip netns add` leaves it: a mount point with shared propagation, so that a namespace
 * unmounted here is unmounted in every mount namespace that copied it.
 */
static int prepare_netns_dir(void) {
  if (mkdir(NETNS_DIR, 0755) != 0 && errno != EEXIST) return errno;
  if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) return errno;
  if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) != 0) return errno;
  return mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0 ? 0 : errno;
}

struct job {
  const struct netns_request* request;
  const char* failed_step;
  int err;
};

#define FAIL(step, code)   \
  do {                     \
    job->failed_step = step; \
    job->err = code;       \
    goto out;              \
  } while (0)

/** The whole set-up, on a thread of its own (it moves into the new namespace). */
static void* create_in_thread(void* arg) {
  struct job* job = arg;
  const struct netns_request* r = job->request;
  int host_sock = -1, sandbox_sock = -1, netns_fd = -1, err;
  int mounted = 0, created = 0;
  struct in_addr address, gateway;
  if (inet_pton(AF_INET, r->address, &address) != 1) FAIL("address", EINVAL);
  if (inet_pton(AF_INET, r->gateway, &gateway) != 1) FAIL("gateway", EINVAL);
  unsigned bridge = if_nametoindex(r->bridge);
  if (bridge == 0) FAIL("bridge", errno);
  host_sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (host_sock < 0) FAIL("netlink socket", errno);
  if ((err = prepare_netns_dir()) != 0) FAIL(NETNS_DIR, err);
  int file = open(r->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (file < 0) FAIL("create", errno);
  close(file);
  created = 1;
  if (unshare(CLONE_NEWNET) != 0) FAIL("unshare(CLONE_NEWNET)", errno);
  if (mount("/proc/thread-self/ns/net", r->path, "none", MS_BIND, NULL) != 0) FAIL("bind mount", errno);
  mounted = 1;
  netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0) FAIL("open namespace", errno);
  sandbox_sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sandbox_sock < 0) FAIL("netlink socket", errno);
  if ((err = add_veth(host_sock, r->veth, "eth0", netns_fd)) != 0) FAIL("add veth", err);
  if ((err = link_up(host_sock, r->veth, bridge)) != 0) FAIL("attach veth", err);
  if ((err = link_up(sandbox_sock, "lo", 0)) != 0) FAIL("lo up", err);
  if ((err = link_up(sandbox_sock, "eth0", 0)) != 0) FAIL("eth0 up", err);
  unsigned eth0 = if_nametoindex("eth0");  // a socket of this thread, so in the new namespace
  if (eth0 == 0) FAIL("eth0", errno);
  if ((err = add_address(sandbox_sock, eth0, address, r->prefix_length)) != 0) FAIL("add address", err);
  if ((err = add_default_route(sandbox_sock, eth0, gateway)) != 0) FAIL("add default route", err);
out:
  if (job->err != 0) {
    // The veth goes with the namespace, which goes with its last reference (the mount, this thread).
    if (mounted) umount2(r->path, MNT_DETACH);
    if (created) unlink(r->path);
  }
  if (sandbox_sock >= 0) close(sandbox_sock);
  if (netns_fd >= 0) close(netns_fd);
  if (host_sock >= 0) close(host_sock);
  return NULL;
}

int create_netns(const struct netns_request* request, const char** failed_step) {
  struct job job = {.request = request, .failed_step = NULL, .err = 0};
  pthread_t thread;
  int err = pthread_create(&thread, NULL, create_in_thread, &job);
  if (err != 0) {
    *failed_step = "pthread_create";
    return err;
  }
  pthread_join(thread, NULL);
  *failed_step = job.failed_step;
  return job.err;
}
