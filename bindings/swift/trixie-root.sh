#!/usr/bin/env bash
# Makes sure a Debian 13 (trixie) root with Swift exists and prints its path.
#
# Debian 12 packages no Swift; trixie packages `swiftlang`. The root is built once with
# debootstrap outside the work tree and reused on later runs; it is rebuilt only when the
# ready-marker is missing (an interrupted build is started again from scratch).
# Needs root (debootstrap, chroot). Everything it writes goes under $SYNCLINE_TRIXIE_ROOT.
set -euo pipefail

root="${SYNCLINE_TRIXIE_ROOT:-/var/cache/syncline/trixie}"
# The Debian mirror this machine's apt already uses (deb822 or one-line sources), unless given.
host_mirror() {
    local uri
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' \
        | grep -v -- '-security' | head -n 1)
    [[ -n "$uri" ]] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        | awk '{print $2}' | grep -v -- '-security' | head -n 1)
    echo "$uri"
}
mirror="${SYNCLINE_DEBIAN_MIRROR:-$(host_mirror)}"
marker="$root/.syncline-swift-ready"

if [[ -f "$marker" ]]; then
    echo "$root"
    exit 0
fi

log() { echo "trixie-root: $*" >&2; }

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

# A half-built root from an interrupted run is not trusted.
if [[ -d "$root" ]]; then
    log "removing incomplete root $root"
    for m in proc dev/pts dev sys; do
        mountpoint -q "$root/$m" && umount -l "$root/$m"
    done
    rm -rf --one-file-system "$root"
fi
mkdir -p "$(dirname "$root")"

log "debootstrap trixie into $root (takes a few minutes)"
# With no mirror known, debootstrap falls back to its own default.
debootstrap --variant=minbase trixie "$root" ${mirror:+"$mirror"} >&2

log "installing swiftlang and libc6-dev in the root"
mount -t proc proc "$root/proc"
trap 'umount -l "$root/proc" || true' EXIT
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >&2
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get clean >&2
chroot "$root" swift --version >&2

touch "$marker"
echo "$root"
