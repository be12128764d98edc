#!/usr/bin/env bash
# Builds rclone from its Go module (github.com/rclone/rclone) at a pinned version, for the sync
# benchmark (issue 15: `npm run bench:sync` compares our FolderSync engine with rclone's onedrive
# backend against the fake Microsoft Graph; bench/rclone-notes.md tells how rclone is pointed at it).
# Nothing of rclone is committed here: it is built from the Go module proxy like any module.
#
# The binary is cached outside the repository, in a folder keyed by a hash of this script (which
# holds the version): ${XDG_CACHE_HOME:-~/.cache}/cloud-credentials-operator/bin/rclone-<hash>/rclone
#
# Usage: scripts/build-rclone.sh        build if missing, print the folder
#        scripts/build-rclone.sh --path only print the folder
set -euo pipefail

RCLONE_VERSION=v1.76.0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
hash=$(sha256sum "$here/build-rclone.sh" | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cloud-credentials-operator/bin
dest=$cache/rclone-$hash

if [[ ${1:-} == --path ]]; then echo "$dest"; exit 0; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
complete() { [[ -x $1/rclone ]]; }

if complete "$dest"; then echo "$dest"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is needed to build rclone (install Go 1.26)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
echo "waiting for the build lock $cache/.lock" >&2
flock 9
if complete "$dest"; then echo "$dest"; exit 0; fi

work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out"
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-modcacherw GOTOOLCHAIN=local

# The version string as rclone's own release build sets it (fs.Version), without debug info.
log "rclone $RCLONE_VERSION"
GOBIN=$out go install -trimpath -ldflags "-s -w -X github.com/rclone/rclone/fs.Version=$RCLONE_VERSION" \
  "github.com/rclone/rclone@$RCLONE_VERSION"

complete "$out" || { echo "error: rclone was not built" >&2; exit 1; }
"$out/rclone" version >&2
rm -rf "$dest"
mv "$out" "$dest"
log "done: $dest"
echo "$dest"
