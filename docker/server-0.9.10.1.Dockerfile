# CARLA 0.9.10.1 server, headless (OpenGL with SDL's off-screen driver), for LangAuto and leaderboard 1.0.
#   docker build -f docker/server-0.9.10.1.Dockerfile -t closed-loop/carla-server:0.9.10.1 docker/
#   docker run --rm --gpus device=0 --net=host -e CARLA_RPC_PORT=2000 closed-loop/carla-server:0.9.10.1
# 0.9.10.1 has no -RenderOffScreen; SDL_HINT_CUDA_DEVICE picks the GPU the OpenGL context renders on.
FROM carlasim/carla:0.9.10.1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The base image creates the user "carla" and does not publish its uid, so it is named, not numbered.
# hadolint ignore=DL3066
COPY --chown=carla:carla serve.sh /home/carla/serve.sh
# Run as the base image's own (named) user: CarlaUE4.sh refuses to run as root.
# hadolint ignore=DL3066
USER carla
WORKDIR /home/carla

ENV CARLA_RENDER_FLAGS="-opengl" \
    SDL_VIDEODRIVER=offscreen \
    SDL_HINT_CUDA_DEVICE=0 \
    CARLA_RPC_PORT=2000 \
    CARLA_GPU=0
EXPOSE 2000-2002
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CARLA_RPC_PORT}"]
CMD ["/bin/bash", "/home/carla/serve.sh"]
