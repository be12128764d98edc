#!/usr/bin/env bash
# Builds the operator's container image and the Pod sandbox ("pause") image on this machine,
# without a Docker engine or a registry (docs/adr/0014):
# - base: Debian trixie from mmdebstrap (minbase, slimmed like debian:trixie-slim) plus the Node 24
#   of the `node` devDependency and the npm that Node release bundles, as in node:24-trixie-slim
#   (which has no ca-certificates either: Node carries its own root certificates);
# - operator: the Dockerfile, built by buildah with --build-arg BASE_IMAGE=<the base>;
# - pause: build/pause/linux/pause.c of the k8s.io/kubernetes module at the control plane's
#   K8S_VERSION, compiled static, in an image FROM scratch.
#
# Cached outside the repository, in a folder keyed by a hash of every input (this script, the
# Dockerfile, .dockerignore, scripts/bundle.ts, package.json, package-lock.json, src/, Node's version, K8S_VERSION):
# ${XDG_CACHE_HOME:-~/.cache}/cloud-credentials-operator/images/<hash>/ holding operator.tar and
# pause.tar (OCI archives that `ctr images import` loads under their names) and refs (lines
# "operator <ref>" and "pause <ref>"). The images are also in buildah's storage
# (/var/lib/containers/storage, shared with podman); the base is kept there under a hash of its
# own recipe, so a change to src/ does not run mmdebstrap again. About a minute cold (mmdebstrap
# half of it), half a minute when only the operator changed.
#
# Usage: scripts/build-image.sh         build if missing, print the folder
#        scripts/build-image.sh --path  only print the folder
set -euo pipefail

# The npm bundled with Node 24.21.0 (its CHANGELOG: "deps: upgrade npm to 11.19.0").
NPM_VERSION=11.19.0
DEBIAN_SUITE=trixie
DEBIAN_MIRROR=http://deb.debian.org

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# One source of the Kubernetes version: the control plane's script.
K8S_VERSION=$(sed -n 's/^K8S_VERSION=\([^[:space:]]*\)$/\1/p' "$here/build-control-plane.sh")
[[ -n $K8S_VERSION ]] || { echo "error: K8S_VERSION not found in $here/build-control-plane.sh" >&2; exit 1; }

# The repository's Node (node_modules/.bin/node may be a link or a wrapper: ask node itself).
node=$("$root/node_modules/.bin/node" -p process.execPath 2>/dev/null) ||
  { echo "error: no node_modules/.bin/node: run npm ci first" >&2; exit 1; }
node_version=$("$node" --version)
[[ $node_version == v24.* ]] || { echo "error: $node is $node_version, not Node 24" >&2; exit 1; }

hash=$(
  cd "$root"
  {
    printf '%s\0' scripts/build-image.sh scripts/bundle.ts Dockerfile .dockerignore package.json package-lock.json
    find src -type f -print0 | LC_ALL=C sort -z
  } | xargs -0 sha256sum
  echo "node $node_version"
  echo "kubernetes $K8S_VERSION"
) && hash=$(sha256sum <<<"$hash" | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cloud-credentials-operator/images
dest=$cache/$hash
operator_ref=localhost/cloud-credentials-operator:dev-$hash
pause_ref=localhost/cloud-credentials-operator-pause:$K8S_VERSION

if [[ ${1:-} == --path ]]; then echo "$dest"; exit 0; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
complete() { [[ -s $1/operator.tar && -s $1/pause.tar && -s $1/refs ]]; }

if complete "$dest"; then echo "$dest"; exit 0; fi

# --- Debian packages used to build ---------------------------------------------------------------
packages=(buildah mmdebstrap gcc libc6-dev)
missing=$(for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || echo "$p"
done | tr '\n' ' ')
if [[ -n $missing ]]; then
  [[ $(id -u) == 0 ]] || { echo "error: missing Debian packages (install as root): $missing" >&2; exit 1; }
  log "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $missing >&2; }
fi
[[ $(id -u) == 0 ]] || { echo "error: buildah and mmdebstrap run as root here" >&2; exit 1; }
command -v go >/dev/null || { echo "error: Go is needed to fetch the kubernetes module (install Go 1.26)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
echo "waiting for the build lock $cache/.lock" >&2
flock 9
if complete "$dest"; then echo "$dest"; exit 0; fi

work=$(mktemp -d "$cache/.build-XXXXXX")
containers=()
cleanup() {
  for c in "${containers[@]}"; do bh rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# overlay: the kernel's overlayfs works here on ext4 as root (vfs would copy every layer whole).
# chroot isolation: RUN needs no runc, cgroups or network namespace (RUN shares the host's network).
bh() { buildah --storage-driver overlay "$@"; }

# --- base ----------------------------------------------------------------------------------------
build_base() {
  local c mnt
  log "base: mmdebstrap $DEBIAN_SUITE"
  # minbase: the Essential packages and apt, as debian:trixie-slim; Node needs libc, libstdc++ and
  # libgcc_s from it. The dpkg excludes are debian:*-slim's; the hook drops logs and *-old copies.
  # shellcheck disable=SC2016
  mmdebstrap --mode=root --variant=minbase --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='rm -f "$1"/var/log/*.log "$1"/var/log/apt/* "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old' \
    "$DEBIAN_SUITE" "$work/rootfs.tar" \
    "deb $DEBIAN_MIRROR/debian $DEBIAN_SUITE main" \
    "deb $DEBIAN_MIRROR/debian $DEBIAN_SUITE-updates main" \
    "deb $DEBIAN_MIRROR/debian-security $DEBIAN_SUITE-security main" >&2
  log "base: node $node_version, npm $NPM_VERSION"
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  c=$(bh from --name "ccop-base-$$" scratch)
  containers+=("$c")
  mnt=$(bh mount "$c")
  # Not /dev: the runtime mounts its own.
  tar -C "$mnt" -x -p --numeric-owner --exclude='./dev/*' -f "$work/rootfs.tar"
  install -m 0755 "$node" "$mnt/usr/local/bin/node"
  # Where node:24 images have npm: /usr/local/lib/node_modules/npm, linked from /usr/local/bin.
  mkdir -p "$mnt/usr/local/lib/node_modules/npm"
  tar -C "$mnt/usr/local/lib/node_modules/npm" -x -z --strip-components=1 --no-same-owner \
    -f "$work/npm-$NPM_VERSION.tgz"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  bh umount "$c" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "NODE_VERSION=${node_version#v}" --cmd node "$c"
  bh commit --rm -q "$c" "$base_ref" >/dev/null
}
base_hash=$({ declare -f build_base; echo "$DEBIAN_SUITE $DEBIAN_MIRROR $NPM_VERSION $node_version"; } |
  sha256sum | cut -c1-12)
base_ref=localhost/cloud-credentials-operator-base:$base_hash
if bh inspect --type image "$base_ref" >/dev/null 2>&1; then
  log "base: $base_ref (already built)"
else
  build_base
  log "base: $base_ref"
fi

# --- operator ------------------------------------------------------------------------------------
# The deps stage's `npm ci` reaches the registry with this machine's npm settings (registry, CA
# file, proxies) and its npm cache, mounted for RUN only: the Dockerfile and the image are unchanged.
log "operator: buildah bud on $base_ref"
mkdir -p "$work/npm"
npm_get() { local v; v=$(cd "$work" && npm config get "$1"); [[ $v == null || $v == undefined ]] || echo "$v"; }
{
  echo "registry=$(npm_get registry)"
  cafile=$(npm_get cafile)
  if [[ -n $cafile ]]; then cp "$cafile" "$work/npm/ca.crt" && echo "cafile=/run/ccop-npm/ca.crt"; fi
  for key in proxy https-proxy noproxy; do v=$(npm_get $key); [[ -z $v ]] || echo "$key=$v"; done
  echo "cache=/run/ccop-npm-cache"
  echo "prefer-offline=true"
  echo "update-notifier=false"
} >"$work/npm/npmrc"
npm_cache=$(npm_get cache)
mkdir -p "$npm_cache"
# A rebuild of the same ref (its folder was removed) replaces the image instead of leaving it untagged.
bh rmi "$operator_ref" >/dev/null 2>&1 || true
bh bud --isolation chroot --network host --pull=never -q \
  --build-arg "BASE_IMAGE=$base_ref" --build-arg "VERSION=dev-$hash" \
  -v "$work/npm:/run/ccop-npm:ro" -v "$work/npm/npmrc:/usr/local/etc/npmrc:ro" \
  -v "$npm_cache:/run/ccop-npm-cache" \
  -f "$root/Dockerfile" -t "$operator_ref" "$root" >&2

# --- pause ---------------------------------------------------------------------------------------
pause_dir=$(cd "$work" && GOWORK=off GOFLAGS=-modcacherw GOTOOLCHAIN=local \
  go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/build/pause
pause_tag=$(sed -n 's/^TAG ?= *//p' "$pause_dir/Makefile")
log "pause $pause_tag from k8s.io/kubernetes@$K8S_VERSION"
# As its Makefile: -Os -Wall -Werror -static -DVERSION=v<TAG>-<revision>, stripped.
gcc -Os -Wall -Werror -static "-DVERSION=v$pause_tag-$K8S_VERSION" -o "$work/pause" "$pause_dir/linux/pause.c"
strip "$work/pause"
bh rmi "$pause_ref" >/dev/null 2>&1 || true
c=$(bh from --name "ccop-pause-$$" scratch)
containers+=("$c")
bh copy -q "$c" "$work/pause" /pause >/dev/null
bh config --entrypoint '["/pause"]' --user 65535:65535 "$c"
bh commit --rm -q "$c" "$pause_ref" >/dev/null

# --- archives ------------------------------------------------------------------------------------
out=$work/out
mkdir -p "$out"
log "writing $operator_ref and $pause_ref"
bh push -q "$operator_ref" "oci-archive:$out/operator.tar:$operator_ref"
bh push -q "$pause_ref" "oci-archive:$out/pause.tar:$pause_ref"
printf 'operator %s\npause %s\n' "$operator_ref" "$pause_ref" >"$out/refs"
# Older operator images leave buildah's storage (their archives stay in their folders).
bh images --filter 'reference=localhost/cloud-credentials-operator:dev-*' --format '{{.Name}}:{{.Tag}}' |
  while read -r ref; do [[ $ref == "$operator_ref" ]] || bh rmi "$ref" >/dev/null 2>&1 || true; done

rm -rf "$dest"
mv "$out" "$dest"
log "done: $dest"
echo "$dest"
