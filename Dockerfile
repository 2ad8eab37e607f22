# syntax=docker/dockerfile:1
# ImageRouter, self-hosted: multi-stage image. Build: docker build -t imagerouter .
# Runs as the unprivileged `node` user; state lives in /data (SQLite + images) unless DATABASE_URL
# and S3_BUCKET move it out. See docs/deployment.md.

# 1. Build: all dependencies, TypeScript → dist/ (bundled into dist/bundle/), the dashboard → web/dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` builds the sources, which aren't copied yet: install first, build after.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN npm run build

# 2. Production dependencies only. `--ignore-scripts` skips our own `prepare` (a build needing dev
# dependencies); better-sqlite3 then fetches its prebuilt binary (sharp ships its own as packages).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force

# 3. Runtime: no compiler, no sources but the catalog's YAML, no dev dependencies.
# MALLOC_ARENA_MAX=2: glibc's allocator otherwise fragments native memory across up to 8 arenas
# per core under libvips' and libuv's threads, and the RSS creeps up for many minutes under load
# (docs/deployment.md, "Memory"; sharp's documentation gives the same advice).
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    IMAGEROUTER_DATA_DIR=/data \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src/catalog/models ./src/catalog/models
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/web/dist ./web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/imagerouter.js"]
CMD ["serve"]
