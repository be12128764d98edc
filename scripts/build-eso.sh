#!/usr/bin/env bash
# Builds External Secrets Operator (ESO) from its Go module (github.com/external-secrets/external-secrets)
# at a pinned version, for the peer benchmark (issue 16: `npm run bench -- --peer eso` runs ESO's
# webhook provider against the fake identity platform beside our operator; bench/eso.ts drives it).
# Nothing of ESO is committed here: its module comes from the Go module proxy like any module.
# Its go.mod has a replace directive, so `go install <module>@<version>` refuses it: the module is
# copied out of the module cache into a writable folder and built there with `go build`.
#
# The binary and the CRDs it serves (the module's config/crds/bases) are cached outside the
# repository: ${XDG_CACHE_HOME:-~/.cache}/cloud-credentials-operator/bin/eso-<version>/external-secrets
# and .../eso-<version>/crds/*.yaml
#
# Usage: scripts/build-eso.sh        build if missing, print the folder
#        scripts/build-eso.sh --path only print the folder
set -euo pipefail

ESO_VERSION=v0.16.2
ESO_MODULE=github.com/external-secrets/external-secrets

cache=${XDG_CACHE_HOME:-$HOME/.cache}/cloud-credentials-operator/bin
dest=$cache/eso-$ESO_VERSION

if [[ ${1:-} == --path ]]; then echo "$dest"; exit 0; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
complete() { [[ -x $1/external-secrets && -f $1/crds/external-secrets.io_externalsecrets.yaml ]]; }

if complete "$dest"; then echo "$dest"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is needed to build ESO (install Go 1.26)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
echo "waiting for the build lock $cache/.lock" >&2
flock 9
if complete "$dest"; then echo "$dest"; exit 0; fi

work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out/crds"
# cgo as Go's default (on where a C compiler is): a bench binary need not be static, and a change of
# CGO_ENABLED would rebuild every package that imports net (nearly all of ESO's).
export GOWORK=off GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local

log "ESO $ESO_VERSION: downloading $ESO_MODULE@$ESO_VERSION"
moddir=$(cd "$work" && go mod download -json "$ESO_MODULE@$ESO_VERSION" |
  sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p')
[[ -n $moddir && -f $moddir/go.mod ]] || { echo "error: go mod download gave no module folder" >&2; exit 1; }
# The module cache is read-only; the build writes nothing into the source, but a copy keeps the
# cache pristine and lets the build run as any user.
cp -r "$moddir" "$work/src"
chmod -R u+w "$work/src"

log "ESO $ESO_VERSION: go build (a first build: 15 minutes of CPU, longer on a busy machine)"
(cd "$work/src" && go build -trimpath -o "$out/external-secrets" .)
find "$work/src/config/crds/bases" -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$out/crds/" \;

complete "$out" || { echo "error: ESO was not built" >&2; exit 1; }
"$out/external-secrets" --help >/dev/null
rm -rf "$dest"
mv "$out" "$dest"
log "done: $dest"
echo "$dest"
