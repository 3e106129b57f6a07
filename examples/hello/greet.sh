#!/bin/sh
echo "$GREETING!"
echo "built on $(cat /etc/hostname 2>/dev/null || hostname), running as $(id -un) in $(pwd)"
