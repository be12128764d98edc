# syntax=docker/dockerfile:1
# The operator's container image. Node 24 runs one bundle of the TypeScript sources and the
# production dependencies they import (scripts/bundle.ts, docs/adr/0016), so the image holds bundle/
# and nothing else: no node_modules, no sources. scripts/image-stage.ts replays this file's install,
# bundle and start commands without Docker, and test/unit/image.test.ts checks them.
#
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" -t cloud-credentials-operator:0.1.0 .
#
# Same major.minor as the `node` devDependency the tests run on (the test checks it).
ARG NODE_VERSION=24.21
# Every stage's base: the official image. scripts/build-image.sh (npm run image:build) builds this
# file on a local equivalent instead, with --build-arg BASE_IMAGE=... (docs/adr/0014).
ARG BASE_IMAGE=node:${NODE_VERSION}-trixie-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency, esbuild among them, without install scripts: esbuild's binary comes as an
# optional dependency, and the `node` devDependency (which downloads Node) stays empty: the base
# image is Node 24.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts/bundle.ts ./scripts/
RUN npm run bundle

FROM ${BASE_IMAGE}
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="cloud-credentials-operator" \
      org.opencontainers.image.description="Kubernetes operator that keeps Microsoft 365 credentials (device-code sign-in, refresh and access tokens) working, declared as YAML." \
      org.opencontainers.image.source="https://github.com/cloud-credentials-operator/cloud-credentials-operator" \
      org.opencontainers.image.documentation="https://github.com/cloud-credentials-operator/cloud-credentials-operator/tree/main/docs" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
WORKDIR /app
# Owned by root and only readable by the operator's user: it cannot change its own code.
COPY --from=build /app/bundle ./bundle
# Read-only root filesystem: nothing is written at run time; anything that wants a home (npm, if
# someone runs it in the container) gets the /tmp the chart mounts as an emptyDir.
# MALLOC_ARENA_MAX: at most two malloc arenas, not up to eight per core; MALLOC_MMAP_THRESHOLD_:
# large blocks go back to the system when freed (both: OPERATOR_ENV in
# test/harness/operator-process.ts, which says what it saved).
ENV NODE_ENV=production \
    HOME=/tmp \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=65536
# Numeric, so that the kubelet can check runAsNonRoot; the chart's podSecurityContext uses the same.
USER 10001:10001
EXPOSE 8080
# The heap flags of docs/adr/0005 (OPERATOR_NODE_FLAGS in test/harness/operator-process.ts).
# Node is PID 1: the operator handles SIGTERM itself and starts no child processes.
ENTRYPOINT ["node", "--max-old-space-size=160", "--max-semi-space-size=2", "--optimize-for-size", "bundle/main.js"]
# Arguments replace this: docker run IMAGE --help, or --kubeconfig PATH outside a cluster.
CMD ["--in-cluster=true"]
