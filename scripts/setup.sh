#!/usr/bin/env bash
# Installs every Debian and npm package Switchboard needs to build, run and test.
# Idempotent: it checks first and installs only what is missing, so running it
# again on a ready machine changes nothing and takes about a second.
#
#   scripts/setup.sh                 build + run + test dependencies
#   scripts/setup.sh --runtime       only what the server needs to build and run
#   scripts/setup.sh --runtime-libs  only the shared libraries the built binary links
#                                    (the Docker runtime stage)
#
# Used by `make run`, `make test`, .ci/run and docker/Dockerfile.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(
  build-essential cmake pkg-config ca-certificates
  libnice-dev libsrtp2-dev libssl-dev libusrsctp-dev libwebsockets-dev
  libjansson-dev libglib2.0-dev
)
test_pkgs=(
  clang libclang-rt-dev nodejs npm chromium iproute2 iptables curl procps
)

runtime_lib_pkgs=(
  ca-certificates libnice10 libsrtp2-1 libssl3 libusrsctp2 libwebsockets17 libjansson4
  libglib2.0-0
)

mode=${1:-}
case "$mode" in
  "") want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  --runtime) want=("${build_pkgs[@]}") ;;
  --runtime-libs) want=("${runtime_lib_pkgs[@]}") ;;
  *) echo "usage: $0 [--runtime|--runtime-libs]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  # nodejs from another repository (e.g. NodeSource) also counts.
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    command -v "$p" >/dev/null 2>&1 && continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_=""
  [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "$mode" ]; then
  # JavaScript test dependencies (ws client, playwright-core driving Debian's chromium).
  if [ ! -d "$here/tests/node_modules/ws" ] || [ ! -d "$here/tests/node_modules/playwright-core" ] \
     || [ "$here/tests/package-lock.json" -nt "$here/tests/node_modules/.package-lock.json" ]; then
    echo "setup: installing npm packages for tests"
    if ! (cd "$here/tests" && npm ci --no-audit --no-fund --loglevel=error 2>"$here/tests/.npm-error.log"); then
      cat "$here/tests/.npm-error.log" >&2
      # Behind a TLS-intercepting proxy whose CA this machine does not trust,
      # the registry's certificate cannot be verified. package-lock.json pins
      # every package by its sha512 integrity hash, which npm checks on its
      # own, so retrying without TLS verification cannot change what gets
      # installed.
      if grep -qE "SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF" "$here/tests/.npm-error.log"; then
        echo "setup: registry certificate not trusted here; retrying with lockfile integrity checks only" >&2
        (cd "$here/tests" && npm ci --no-audit --no-fund --loglevel=error --strict-ssl=false)
      else
        exit 1
      fi
    fi
    rm -f "$here/tests/.npm-error.log"
  fi
fi
echo "setup: ok"
