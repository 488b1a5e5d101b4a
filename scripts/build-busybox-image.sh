#!/usr/bin/env bash
# Build busybox:latest from the host's static busybox (no registry needed).
set -euo pipefail
if docker image inspect busybox:latest >/dev/null 2>&1; then
    exit 0
fi
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "build-busybox-image: busybox-static is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/www" "$work/rootfs/etc"
cp "$BUSYBOX" "$work/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -cf "$work/busybox.tar" .
docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' "$work/busybox.tar" busybox:latest >/dev/null
echo "build-busybox-image: built busybox:latest"
