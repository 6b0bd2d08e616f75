# CARLA 0.9.15 server, headless (Vulkan off-screen), for Bench2Drive and leaderboard 2.0.
#   docker build -f docker/server-0.9.15.Dockerfile -t closed-loop/carla-server:0.9.15 docker/
#   docker run --rm --gpus device=0 --net=host -e CARLA_RPC_PORT=2000 closed-loop/carla-server:0.9.15
# Bench2Drive's Town12/Town13 come in CARLA's AdditionalMaps package; give its release URL to add them:
#   --build-arg ADDITIONAL_MAPS_URL=<.../AdditionalMaps_0.9.15.tar.gz>
FROM carlasim/carla:0.9.15

ARG ADDITIONAL_MAPS_URL=""
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

USER 0
# The base image's Ubuntu release decides the package versions; pinning them here would break its next rebuild.
# hadolint ignore=DL3008
RUN if [ -n "${ADDITIONAL_MAPS_URL}" ]; then \
      apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && \
      rm -rf /var/lib/apt/lists/*; \
    fi
# The base image creates the user "carla" and does not publish its uid, so it is named, not numbered.
# hadolint ignore=DL3066
COPY --chown=carla:carla serve.sh /home/carla/serve.sh

# Back to the base image's own (named) user: CarlaUE4.sh refuses to run as root.
# hadolint ignore=DL3066
USER carla
WORKDIR /home/carla
RUN if [ -n "${ADDITIONAL_MAPS_URL}" ]; then \
      curl -fsSL "${ADDITIONAL_MAPS_URL}" -o Import/AdditionalMaps.tar.gz && bash ImportAssets.sh && \
      rm -f Import/AdditionalMaps.tar.gz; \
    fi

ENV CARLA_RENDER_FLAGS="-RenderOffScreen" \
    CARLA_RPC_PORT=2000 \
    CARLA_GPU=0
EXPOSE 2000-2002
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CARLA_RPC_PORT}"]
CMD ["/bin/bash", "/home/carla/serve.sh"]
