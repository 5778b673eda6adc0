#!/bin/sh
# Runs a command in a fresh, private network namespace holding only lo and a
# veth pair with the test-only address 10.77.0.1/24, so browsers gather ICE
# candidates there and no test traffic can reach a real interface. The
# namespace disappears with the command. Root: plain unshare; otherwise a user
# namespace maps us to root.
set -eu
if [ "${SB_IN_NETNS:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    exec env SB_IN_NETNS=1 unshare --net "$0" "$@"
  fi
  exec env SB_IN_NETNS=1 unshare --user --map-root-user --net "$0" "$@"
fi
ip link set lo up
ip link add sbcap0 type veth peer name sbcap1
ip addr add 10.77.0.1/24 dev sbcap0
ip addr add 10.77.0.2/24 dev sbcap1
ip link set sbcap0 up
ip link set sbcap1 up
# Firefox only gathers host candidates on an interface that has a route out;
# a default route into the veth keeps every packet inside this namespace.
ip route add default via 10.77.0.2 dev sbcap0
exec "$@"
