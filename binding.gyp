{
  "targets": [
    {
      "target_name": "host",
      "sources": ["native/host.c", "native/netns.c", "native/spawn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
