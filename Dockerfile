# syntax=docker/dockerfile:1
# Outpost production image: `docker compose up -d` (see docker-compose.yml), or
#   docker build -t outpost . && docker run -e OUTPOST_SECRET=... -p 3000:3000 -v outpost-storage:/app/storage outpost
# Without DATABASE_URL the app uses its embedded PGlite database under /app/storage.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- stage 1: all dependencies, then the SvelteKit build (build/) -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json .npmrc ./
# `prepare` (svelte-kit sync) tolerates the missing sources at this point; it runs again in the build.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- stage 2: production dependencies + the build -----------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    OUTPOST_DATA_DIR=/app/storage \
    OUTPOST_SKIP_BUILD=1
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: skips `prepare` (svelte-kit is a dev dependency); no runtime dependency needs
# an install script (@node-rs/argon2 ships prebuilt binaries as optional packages).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/build ./build
COPY server.js ./
COPY migrations ./migrations
RUN mkdir -p /app/storage && chown node:node /app/storage
USER node
VOLUME ["/app/storage"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.js"]
