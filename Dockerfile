# ordersync's image: `docker build -t ordersync .`
# The entrypoint is the CLI; the command picks the role:
#   docker run ordersync worker | consumer | codec-server | migrate | schedule create
# Every RUN below is a phase of scripts/release/image-steps.sh, which CI also runs
# in empty directories (`bash scripts/release/image-steps.sh check`), so the
# steps are exercised even where no image can be built.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so a source change does not re-install them.
COPY package.json package-lock.json ./
COPY scripts/release/image-steps.sh scripts/release/
RUN bash scripts/release/image-steps.sh deps /src
COPY . .
RUN bash scripts/release/image-steps.sh build /src /release

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ORDERSYNC_LOG_FORMAT=json \
    ORDERSYNC_METRICS_ADDRESS=0.0.0.0:9464 \
    ORDERSYNC_CODEC_LISTEN=0.0.0.0:8234
WORKDIR /app
COPY --from=build /release/ /app/
COPY --from=build /src/scripts/release/image-steps.sh /tmp/image-steps.sh
RUN bash /tmp/image-steps.sh runtime /app && rm /tmp/image-steps.sh
# The node image's unprivileged user; the files stay root's, so the process cannot change them.
USER node
EXPOSE 9464 8234
# Node is PID 1 with no shell in between: SIGTERM reaches ordersync, which drains.
ENTRYPOINT ["node", "/app/bin/ordersync"]
CMD ["worker"]
