#!/usr/bin/env bash
# Builds the binaries of the local Kubernetes node (ADR 14): kubelet, kube-proxy and kube-scheduler
# (test/harness/node.ts starts the scheduler with the node) from the k8s.io/kubernetes module at the
# control plane's K8S_VERSION, and containerd, containerd-shim-runc-v2 and ctr from the containerd
# v2 module. runc, the CNI plugins (/usr/lib/cni), iptables and iproute2 come from Debian and are
# installed when missing (kube-proxy 1.35 clears conntrack entries through netlink, not conntrack).
# test/harness/node-containerd.toml is the containerd config checked with these binaries.
#
# The binaries are cached outside the repository, in a folder keyed by a hash of this script and
# of K8S_VERSION: ${XDG_CACHE_HOME:-~/.cache}/cloud-credentials-operator/bin/node-<hash>/
# Building takes about 6 minutes on 2 cores when the control plane was built before (shared Go
# build cache; containerd about 4 of them), longer from cold.
#
# Usage: scripts/build-node.sh        install missing packages, build if missing, print the folder
#        scripts/build-node.sh --path only print the folder
set -euo pipefail

CONTAINERD_VERSION=v2.4.2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# One source of the Kubernetes version and build date: the control plane's script.
control_plane_var() { sed -n "s/^$1=\([^[:space:]]*\)\$/\1/p" "$here/build-control-plane.sh"; }
K8S_VERSION=$(control_plane_var K8S_VERSION)
BUILD_DATE=$(control_plane_var BUILD_DATE)
[[ -n $K8S_VERSION && -n $BUILD_DATE ]] || {
  echo "error: K8S_VERSION or BUILD_DATE not found in $here/build-control-plane.sh" >&2
  exit 1
}
hash=$({ cat "$here/build-node.sh"; echo "$K8S_VERSION $BUILD_DATE"; } | sha256sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cloud-credentials-operator/bin
dest=$cache/node-$hash
binaries=(kubelet kube-proxy kube-scheduler containerd containerd-shim-runc-v2 ctr)
# Debian package => a file it installs.
declare -A packages=(
  [runc]=/usr/sbin/runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [iptables]=/usr/sbin/iptables
  [iproute2]=/usr/bin/ip
)

if [[ ${1:-} == --path ]]; then echo "$dest"; exit 0; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
complete() { for b in "${binaries[@]}"; do [[ -x $1/$b ]] || return 1; done; }
missing_packages() { for p in "${!packages[@]}"; do [[ -e ${packages[$p]} ]] || echo "$p"; done; }

if complete "$dest" && [[ -z $(missing_packages) ]]; then echo "$dest"; exit 0; fi

# --- Debian packages used at run time ---------------------------------------------------------
missing=$(missing_packages | sort | tr '\n' ' ')
if [[ -n $missing ]]; then
  [[ $(id -u) == 0 ]] || { echo "error: missing Debian packages (install as root): $missing" >&2; exit 1; }
  log "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp)
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >"$apt_log" 2>&1; then
    log "apt-get install failed; apt-get update and again"
    # shellcheck disable=SC2086
    { apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 $missing; } >"$apt_log" 2>&1 ||
      { cat "$apt_log" >&2; rm -f "$apt_log"; exit 1; }
  fi
  rm -f "$apt_log"
  for p in $missing; do log "installed $(dpkg-query -W -f='${Package} ${Version}' "$p")"; done
fi

if complete "$dest"; then echo "$dest"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is needed to build the node (install Go 1.26)" >&2; exit 1; }

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

# --- containerd, containerd-shim-runc-v2, ctr -----------------------------------------------
# Tags and ldflags as in containerd's Makefile (urfave_cli_no_docs; the shim adds no_grpc).
# Without cgo the btrfs snapshotter drops out by its own build constraint.
log "containerd $CONTAINERD_VERSION"
cpkg=github.com/containerd/containerd/v2
cldflags="-s -w -X $cpkg/version.Version=$CONTAINERD_VERSION -X $cpkg/version.Package=$cpkg"
GOBIN=$out go install -trimpath -tags urfave_cli_no_docs -ldflags "$cldflags" \
  "$cpkg/cmd/containerd@$CONTAINERD_VERSION" "$cpkg/cmd/ctr@$CONTAINERD_VERSION"
GOBIN=$out go install -trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "$cldflags" \
  "$cpkg/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION"

# --- kubelet, kube-proxy, kube-scheduler ---------------------------------------------------
# The same wrapper module as scripts/build-control-plane.sh: each k8s staging module replaced by
# its published version (v1.X.Y -> v0.X.Y), so the Go build cache is shared with the control plane.
log "kubernetes $K8S_VERSION: resolving staging modules"
mkdir -p "$work/k8s" && cd "$work/k8s"
gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
staging_version=v0.${K8S_VERSION#v1.}
{
  echo "module cloud-credentials-operator/node"
  grep -E '^go [0-9.]+$' "$gomod"
  grep -E '^godebug ' "$gomod" || true
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo "replace ("
  grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" |
    awk -v v="$staging_version" '{ printf "\t%s => %s %s\n", $1, $1, v }'
  echo ")"
  echo "tool ("
  echo "	k8s.io/kubernetes/cmd/kubelet"
  echo "	k8s.io/kubernetes/cmd/kube-proxy"
  echo "	k8s.io/kubernetes/cmd/kube-scheduler"
  echo ")"
} > go.mod
log "kubernetes: $(grep -c '=> k8s.io/' go.mod) staging modules replaced; go mod tidy"
go mod tidy
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
done
log "kubernetes: building kubelet, kube-proxy and kube-scheduler"
go build -trimpath -ldflags "$ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kube-scheduler

for b in "${binaries[@]}"; do [[ -x $out/$b ]] || { echo "error: $b was not built" >&2; exit 1; }; done
rm -rf "$dest"
mv "$out" "$dest"
log "done: $dest"
echo "$dest"
