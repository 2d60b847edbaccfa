# The Gatehouse server's image: Node 20 on Debian slim. The build stage installs everything,
# compiles and bundles the server and prunes the development packages; the final stage holds only
# the built server and its production dependencies, and runs as the unprivileged user `node`.
# Building, running, compose and the environment: docs/deployment.md.
# e2e/test/dockerfile.once.test.ts replays these steps and starts the result.

FROM node:20-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary when one matches (glibc on x64 and arm64) and
# compiles from source otherwise (no match, or no access to GitHub): that needs python3, make and
# g++, and Node's headers, which the image has under /usr/local (nodedir: not downloaded).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# The manifests alone first, so that the install is cached until they change. npm ci checks every
# workspace's manifest against the lockfile, the client's and e2e's included.
COPY package.json package-lock.json .npmrc ./
COPY scripts/install-hint.mjs scripts/
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/server/tsconfig.json packages/server/
COPY packages/server/src packages/server/src
COPY scripts/bundle.mjs scripts/
# Compiled, then bundled as `npm run build` does (esbuild is a development package: before the
# prune). Production install only: pruning keeps the compiled better-sqlite3 (no second compilation).
# npm may install a package of the server's in packages/server/node_modules rather than the root's
# (the lockfile has commander, which the CLI needs, there): that folder is copied too, made if
# npm made none.
RUN npx tsc -b packages/server \
  && node scripts/bundle.mjs \
  && npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p packages/server/node_modules

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=9000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist
COPY --from=build /app/packages/server/node_modules packages/server/node_modules
# SQLite and development secrets live in DATA_DIR (NODE_ENV=development only: production needs
# PostgreSQL); the server creates nothing anywhere else.
RUN mkdir -m 0700 /data && chown node:node /data
USER node
EXPOSE 9000
# Liveness: /health answers as long as the process serves requests. Each check starts a Node
# (about 0.1 s of CPU and 50 MB for a moment): every 30 s keeps that negligible. 30 s of grace
# covers migrations at the first start; three misses in a row (90 s) mark the container
# unhealthy, not one slow answer. The slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# As `npm start`, without npm: the V8 flags are explained in the README ("Production"), and
# start.cjs sizes libuv's thread pool before the server loads. SIGTERM reaches Node directly.
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=256", "--no-allocation-site-pretenuring", "packages/server/dist/start.cjs"]
