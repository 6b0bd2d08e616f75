#!/bin/bash
# Start this image's CARLA server headless: RPC on CARLA_RPC_PORT, streaming on the next port,
# rendering on graphics adapter CARLA_GPU (inside a container limited to one GPU, that is 0).
set -euo pipefail
port="${CARLA_RPC_PORT:-2000}"
read -r -a render <<< "${CARLA_RENDER_FLAGS:--RenderOffScreen}"
exec ./CarlaUE4.sh "${render[@]}" -nosound -carla-rpc-port="${port}" -carla-streaming-port="$((port + 1))" \
  -graphicsadapter="${CARLA_GPU:-0}" "$@"
