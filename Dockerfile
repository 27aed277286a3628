# syntax=docker/dockerfile:1
# MedMij DVZA gateway. Build:  docker build -t medmij-gateway .
# Run (config and certificates are mounted, never baked in):
#   docker run -v /srv/medmij:/etc/medmij-gateway:ro -e REDIS_URL=rediss://... \
#     -p 8443:8443 -p 9443:9443 medmij-gateway
# /etc/medmij-gateway holds gateway.yaml and whatever it names (certificates, list files);
# the listeners in that file must bind 0.0.0.0 to be reachable from outside the container.
# Node 24 is the active LTS line and what oidc-provider 9 asks for (it warns below 22).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Scripts are skipped here: `prepare` would run tsc before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY gateway ./gateway
COPY adapters ./adapters
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MEDMIJ_GATEWAY_CONFIG=/etc/medmij-gateway/gateway.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# Built-in data the code reads at run time (query catalogues, demo EHR patients), not operator config.
COPY --chown=root:root config/standards ./config/standards
COPY --chown=root:root adapters/demo/data ./adapters/demo/data
# The image holds no configuration, keys or certificates: they are mounted at /etc/medmij-gateway.
RUN mkdir -p /etc/medmij-gateway
USER node
EXPOSE 8443 9443 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9090/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "dist/gateway/main.js"]
