# syntax=docker/dockerfile:1
# Lunettes: one image, the role is the argument (`docker run IMAGE gateway|actors|collect|all`).

FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY protocol protocol
COPY config config
COPY actors actors
COPY gateway gateway
COPY tools tools
# tools/bench.ts imports test/support; dist/test stays out of the final stage.
COPY test test
RUN npm run build

FROM node:24-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="lunettes" \
      org.opencontainers.image.description="Container lifecycle observability for Kubernetes: pod delivery SLIs, SLO verdicts, diagnosis and traces" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/lunettes-ts/lunettes"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts because `prepare` would run the build (and
# delete dist/).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/protocol dist/protocol
COPY --from=build /src/dist/config dist/config
COPY --from=build /src/dist/actors dist/actors
COPY --from=build /src/dist/gateway dist/gateway
COPY --from=build /src/dist/tools dist/tools
RUN ln -s /app/dist/tools/cli.js /usr/local/bin/lunettes && chmod 0755 /app/dist/tools/cli.js
# Nothing is written outside /tmp: run with a read-only root filesystem and a tmp volume.
VOLUME ["/tmp"]
USER 10001:10001
ENTRYPOINT ["lunettes"]
CMD ["all"]
