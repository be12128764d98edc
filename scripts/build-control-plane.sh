#!/usr/bin/env bash
# Builds the local Kubernetes control plane used by the tests and `npm run cluster:up`:
# etcd, kube-apiserver, kube-controller-manager, kubectl and helm, from Go modules.
#
# The binaries are cached outside the repository, in a folder keyed by a hash of this script
# (which holds every version): ${XDG_CACHE_HOME:-~/.cache}/cloud-credentials-operator/bin/control-plane-<hash>/
# test/harness/assets.ts computes the same folder. Building takes 15-30 minutes on 2 cores, once.
#
# Usage: scripts/build-control-plane.sh        build if missing, print the folder
#        scripts/build-control-plane.sh --path only print the folder
set -euo pipefail

K8S_VERSION=v1.35.4
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.22.0
BUILD_DATE=2026-01-01T00:00:00Z

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
hash=$(sha256sum "$here/build-control-plane.sh" | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cloud-credentials-operator/bin
dest=$cache/control-plane-$hash
binaries=(etcd kube-apiserver kube-controller-manager kubectl helm)

if [[ ${1:-} == --path ]]; then echo "$dest"; exit 0; fi

complete() { for b in "${binaries[@]}"; do [[ -x $1/$b ]] || return 1; done; }

if complete "$dest"; then echo "$dest"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is needed to build the control plane (install Go 1.26)" >&2; exit 1; }

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

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- kube-apiserver, kube-controller-manager, kubectl ---------------------------------------
# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths,
# so a wrapper module replaces each one with its published version (v1.X.Y -> v0.X.Y).
log "kubernetes $K8S_VERSION: resolving staging modules"
mkdir -p "$work/k8s" && cd "$work/k8s"
gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
staging_version=v0.${K8S_VERSION#v1.}
{
  echo "module cloud-credentials-operator/control-plane"
  grep -E '^go [0-9.]+$' "$gomod"
  grep -E '^godebug ' "$gomod" || true
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo "replace ("
  grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" |
    awk -v v="$staging_version" '{ printf "\t%s => %s %s\n", $1, $1, v }'
  echo ")"
  echo "tool ("
  echo "	k8s.io/kubernetes/cmd/kube-apiserver"
  echo "	k8s.io/kubernetes/cmd/kube-controller-manager"
  echo "	k8s.io/kubernetes/cmd/kubectl"
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
log "kubernetes: building (the long part)"
go build -trimpath -ldflags "$ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl

# --- etcd (its own wrapper: etcd's client versions clash with kubernetes') -------------------
log "etcd $ETCD_VERSION"
mkdir -p "$work/etcd" && cd "$work/etcd"
go mod init cloud-credentials-operator/etcd >/dev/null 2>&1
go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3

# --- helm --------------------------------------------------------------------------------------
log "helm $HELM_VERSION"
GOBIN=$out go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"

for b in "${binaries[@]}"; do [[ -x $out/$b ]] || { echo "error: $b was not built" >&2; exit 1; }; done
rm -rf "$dest"
mv "$out" "$dest"
log "done: $dest"
echo "$dest"
