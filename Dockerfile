# syntax=docker/dockerfile:1
# MedMij DVZA gateway. Build:  docker build --build-arg VERSION=$(git describe) --build-arg REVISION=$(git rev-parse HEAD) -t medmij-gateway .
# Run (config and certificates are mounted, never baked in):
#   docker run -v /srv/medmij:/etc/medmij-gateway:ro -e REDIS_URL=rediss://... \
#     -p 8443:8443 -p 9443:9443 medmij-gateway
# /etc/medmij-gateway holds gateway.yaml and whatever it names (certificates, list files);
# the listeners in that file must bind 0.0.0.0 to be reachable from outside the container.
#
# Audit trail: by default (`logging.audit: stderr`) it goes to the container's stderr, apart from
# the application log on stdout, for the platform's log shipper. To keep it in a file instead, set
# `logging.audit: /var/log/medmij-gateway/audit.log` and mount a volume there:
#   docker run -v medmij-audit:/var/log/medmij-gateway ...
# The gateway refuses to start (naming the key) when that path is not writable for uid 10001.

# Node 24 is the active LTS line and what oidc-provider 9 asks for (it warns below 22). Pinned to a
# patch release so a rebuild does not silently change the runtime; pin the digest as well
# (NODE_IMAGE=node:24.22.3-bookworm-slim@sha256:...) where the registry's digest is known.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Scripts are skipped here: `prepare` would run tsc before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY gateway ./gateway
COPY adapters ./adapters
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="medmij-gateway" \
      org.opencontainers.image.description="MedMij DVZA gateway: OAuth authorization server, FHIR resource server and whitelisted mTLS edge in front of a care provider's EHR" \
      org.opencontainers.image.licenses="EUPL-1.2" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
    MEDMIJ_GATEWAY_CONFIG=/etc/medmij-gateway/gateway.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json LICENSE ./
# Built-in data the code reads at run time (query catalogues, demo EHR patients), not operator config.
COPY --chown=root:root config/standards ./config/standards
COPY --chown=root:root adapters/demo/data ./adapters/demo/data
# The image holds no configuration, keys or certificates: they are mounted at /etc/medmij-gateway.
# The code stays root-owned (read-only for the gateway); only the audit folder is the gateway's.
RUN mkdir -p /etc/medmij-gateway /var/log/medmij-gateway \
 && chown 10001:10001 /var/log/medmij-gateway \
 && chmod 0750 /var/log/medmij-gateway
VOLUME ["/var/log/medmij-gateway"]
# A numeric uid:gid, not a name: Kubernetes' runAsNonRoot can only verify a numeric USER. 10001 is
# outside the base image's and the host's usual ranges, so it owns nothing by accident.
USER 10001:10001
EXPOSE 8443 9443 9090
# Follows the operations listener the mounted config names (or MEDMIJ_GATEWAY_HEALTH_URL), not a
# fixed address: `medmij-gateway health` reads operations.host/port and probes /health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/gateway/cli.js", "health"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/gateway/main.js"]
