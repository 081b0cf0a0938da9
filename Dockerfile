# syntax=docker/dockerfile:1

# Node 24 LTS (supported to April 2028). Single sign-on serves some 60 % more userinfo requests
# per core on it than on Node 20 (end of life): a newer V8, and an AsyncLocalStorage (which
# oidc-provider uses) that no longer hooks every promise. CI runs the suite on this release
# line as well as on the machine's Node (npm run image-node).
# Build stage: the full dependency tree (the compiler, swc, is a devDependency), then TypeScript → dist/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Lockfile first, so that the dependency layer is reused until the dependencies change; the
# patches (patch-package, run by postinstall) belong to the dependencies.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies and the compiled output only; no compiler, no sources.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded database (when DATABASE_URL is unset) and the generated keys live in /data;
# created here so that a fresh named volume inherits the node user's ownership.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# The slim image has no curl; Node's own fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/server.js"]
