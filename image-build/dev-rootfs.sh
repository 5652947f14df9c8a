#!/usr/bin/env bash
# Builds (or reuses) the development/test rootfs: Debian sid with Asterisk 22.
#
# The rootfs lives outside the clone, under $PBX_ROOTFS_CACHE (default /var/cache/pbx-appliance),
# keyed by a hash of this recipe, so a fresh clone (what CI runs) reuses it and a changed recipe
# rebuilds it. Prints the rootfs path on stdout as its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PBX_ROOTFS_CACHE:-/var/cache/pbx-appliance}
mirror=${PBX_DEBIAN_MIRROR:-http://deb.debian.org/debian}

packages=$(grep -v '^\s*#' "$here/dev-rootfs.packages" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
key=$(cat "$here/dev-rootfs.sh" "$here/dev-rootfs.packages" | sha256sum | cut -c1-16)
target="$cache/rootfs-$key"

if [ -f "$target/.pbx-rootfs-complete" ]; then
  echo "$target"
  exit 0
fi

mkdir -p "$cache"
tmp="$cache/.building-$key-$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT

echo "building dev rootfs in $target (Debian sid, about a minute)" >&2
# Check-Valid-Until: the mirror's Release files can be older than their validity window.
mmdebstrap --variant=apt --mode=root \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --aptopt='APT::Install-Recommends "false"' \
  --include="$packages" \
  --customize-hook='chroot "$1" sh -c "rm -f /etc/asterisk/*.conf"' \
  --customize-hook='ln -sfn it_IT_m_Carlo "$1/usr/share/asterisk/sounds/it"' \
  sid "$tmp" "$mirror" >&2

# Debian's sample configs are removed above: the supervisor renders every file Asterisk reads.
# Language "it" looks for sounds/it; Debian ships the Italian prompts as it_IT_m_Carlo.
touch "$tmp/.pbx-rootfs-complete"
rm -rf "$target"
mv "$tmp" "$target"
trap - EXIT

# Older builds of the recipe are dead weight (350 MB each).
for old in "$cache"/rootfs-*; do
  [ "$old" = "$target" ] || rm -rf "$old"
done
echo "$target"
