{
  "targets": [
    {
      "target_name": "host_fs",
      "sources": ["native/host_fs.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
