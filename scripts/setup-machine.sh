#!/usr/bin/env bash
# Install and start the real components the tests and the demo use:
# ZooKeeper (started per test session by the tests), a Docker engine, a local
# registry binary, HAProxy, and a locally built busybox image (there is no Docker Hub).
# Idempotent: does nothing that is already done.  Needs root for apt and dockerd.
set -euo pipefail

APT_PACKAGES=(zookeeper docker.io busybox-static docker-registry haproxy git python3-venv)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup-machine: missing packages ${missing[*]}; run as root to install them" >&2
        exit 1
    fi
    echo "setup-machine: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Docker engine: start one if none answers.
if ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
        echo "setup-machine: starting dockerd"
        mkdir -p /var/log
        setsid nohup dockerd >/var/log/paasta-dockerd.log 2>&1 </dev/null &
        for _ in $(seq 1 60); do
            docker info >/dev/null 2>&1 && break
            sleep 0.5
        done
    fi
fi

if docker info >/dev/null 2>&1; then
    bash "$(dirname "$0")/build-busybox-image.sh"
else
    echo "setup-machine: no Docker engine; tasks will run as local processes" >&2
fi
