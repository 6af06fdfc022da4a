# shadowdiff: multi-stage build on the current Node LTS; runs as the unprivileged `node` user.
# The config is mounted at /etc/shadowdiff/config.toml; the outbox and NDJSON files live in
# /var/lib/shadowdiff (the working directory, so relative paths in the config land there).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY analysis ./analysis
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production \
    SHADOWDIFF_CONFIG=/etc/shadowdiff/config.toml \
    SHADOWDIFF_LISTEN_HOST=0.0.0.0 \
    SHADOWDIFF_ADMIN_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config.toml /etc/shadowdiff/config.toml
RUN mkdir -p /var/lib/shadowdiff && chown node:node /var/lib/shadowdiff
USER node
WORKDIR /var/lib/shadowdiff
VOLUME /var/lib/shadowdiff
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:9090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
