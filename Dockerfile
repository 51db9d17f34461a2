# One image per service, from one file:
#   docker build --build-arg APP=rides -t ghcr.io/taxi-kafka/rides:0.1.0 .
# APP is one of the apps docker-compose.yml builds (rides, transaction, email, analytics, web).
#
# Builders: Docker with BuildKit (`docker build` on Docker 23+, or buildx) and buildah/podman
# (1.28+; `--format docker` keeps the HEALTHCHECK). Not the classic Docker builder: it has no
# `RUN --mount`. No `# syntax=` line, so no frontend image is pulled from a registry: the
# builder's own Dockerfile parser is used.
#
# Behind a TLS-inspecting proxy, pass its CA bundle as a build secret (docs/deploy.md):
#   docker build --secret id=ca,src=/path/to/ca.pem --build-arg APP=rides .
# It is mounted for the `npm ci` steps only, never copied into a layer; without it the build
# uses Node's own CA store.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the whole workspace, then the esbuild bundle of one app --------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
COPY package.json package-lock.json ./
# Its postinstall applies patches/ to node_modules with patch-package (kafkajs: ADR 033).
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca \
    NODE_EXTRA_CA_CERTS="$(test -s /run/secrets/ca && echo /run/secrets/ca)" \
    npm ci --no-audit --no-fund
COPY nx.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
# APP only from here on: every layer above is the same for all apps, so they share it.
ARG APP
# dist/apps/$APP: main.js, its source map, a package.json + lock of its production deps only, and
# for web the page's files in public/.
RUN test -n "$APP" || { echo "--build-arg APP=<an app under apps/> is required" >&2; exit 1; } \
    && npx nx build "$APP" --skip-nx-cache

# ---- runtime: Node, the bundle and its production dependencies; nothing else -----------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
# How Node and malloc run the service (heap sized from the container's memory limit, malloc
# settings) is the runtime profile, deploy/runtime/profile.env (ADR 034): the entrypoint puts it in
# the environment, then execs the command, so node stays PID 1. The same file runs the services in
# `npm start`, the end-to-end tests and the bench.
ENV NODE_ENV=production \
    TAXI_SERVICE=${APP}
WORKDIR /app
COPY --from=build /workspace/dist/apps/${APP}/package.json /workspace/dist/apps/${APP}/package-lock.json ./
# The production install gets the workspace's patches too (kafkajs: ADR 033; the service refuses
# to start without it), applied by the same patch-package, mounted from the build stage for this
# step only. The patch file stays in the image beside what it changed.
COPY patches ./patches
# npm is needed for this install only; removed afterwards, it is one tool less that can run in
# production (its files stay in the base image's layers: this is not about size).
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca \
    --mount=type=bind,from=build,source=/workspace/node_modules,target=/tmp/build/node_modules \
    NODE_EXTRA_CA_CERTS="$(test -s /run/secrets/ca && echo /run/secrets/ca)" \
    npm ci --omit=dev --no-audit --no-fund \
    && node /tmp/build/node_modules/patch-package/index.js --error-on-fail --error-on-warn \
    && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=build /workspace/dist/apps/${APP}/ ./
COPY deploy/docker/healthcheck.js ./
COPY deploy/runtime/profile.env deploy/runtime/with-profile.sh ./runtime/
# The one writable place for a service's local state (rides keeps its read model there, email its
# .eml outbox when no SMTP_URL is set: both defaults point here), owned by the service's user so
# that a volume mounted on it starts out writable. Declared a VOLUME so that the image also runs
# with a read-only root and nothing mounted (`docker run --read-only`, a pod without volumes): the
# engine then gives it an anonymous volume.
RUN mkdir -p /var/lib/taxi/${APP} && chown 1000:1000 /var/lib/taxi/${APP}
VOLUME ["/var/lib/taxi/${APP}"]
# Files stay root-owned and read-only to the process. Numeric uid:gid of the image's `node`
# user, so Kubernetes can check runAsNonRoot without resolving a name.
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["node", "healthcheck.js"]
# node as PID 1, not npm or a shell (the entrypoint execs it): SIGTERM reaches the service, which
# shuts down gracefully.
ENTRYPOINT ["/bin/sh", "/app/runtime/with-profile.sh"]
CMD ["node", "main.js"]
