// native/netns.c: a sandbox's network namespace on the host bridge.
#pragma once

struct netns_request {
  const char* path;     // the namespace's file, /run/netns/<name>
  const char* veth;     // host end of the pair; the sandbox's end is eth0
  const char* bridge;   // host bridge the veth joins
  const char* address;  // the sandbox's IPv4 address
  unsigned char prefix_length;
  const char* gateway;  // default route
};

/** Makes it all (blocking); 0, or an errno with the step that failed. Nothing is left after a failure. */
int create_netns(const struct netns_request* request, const char** failed_step);
