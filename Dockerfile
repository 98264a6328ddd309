# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and the better-sqlite3 native addon.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY console ./console
COPY schemas ./schemas
COPY src ./src
COPY connectors ./connectors
COPY bench ./bench
# `npm ci` runs `prepare`, which compiles to dist/ and builds the console into dist/console.
RUN npm ci && npm prune --omit=dev

# Runtime stage: only what `staffwire` needs, as an unprivileged user.
FROM node:20-bookworm-slim
# Listening on every interface of the container: the port is published, not the loopback.
ENV NODE_ENV=production \
    STAFFWIRE_DATA_DIR=/data \
    STAFFWIRE_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json staffwire.config.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY flows ./flows
COPY connectors ./connectors
# SQL migrations are read at start-up from the package, not compiled into dist/.
COPY src/store/sqlite/migrations ./src/store/sqlite/migrations
COPY src/store/postgres/migrations ./src/store/postgres/migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["node", "/app/bin/staffwire.js"]
CMD ["serve"]
