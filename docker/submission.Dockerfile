# A CARLA leaderboard 2.0 submission: this package as the team code, one agent, its config and checkpoint,
# in the layout of the leaderboard's scripts/Dockerfile.master (CARLA_ROOT, SCENARIO_RUNNER_ROOT,
# LEADERBOARD_ROOT, TEAM_CODE_ROOT under /workspace; TEAM_AGENT, TEAM_CONFIG, CHALLENGE_TRACK_CODENAME,
# ROUTES, REPETITIONS, CHECKPOINT_ENDPOINT, DEBUG_CHALLENGE), so the leaderboard's own run_leaderboard.sh runs it.
# Build from the repository root after building the leaderboard2 evaluator image:
#   docker build -f docker/submission.Dockerfile -t leaderboard-user \
#     --build-arg AGENT_CONFIG=/workspace/team_code/agents/configs/leaderboard_agent.yaml \
#     --build-arg CHECKPOINT=checkpoints/drivejepa.pt .   # not under a folder .dockerignore leaves out (runs/)
# AGENT_CONFIG: a registered planner name or a config file path inside the image (the agent config reads the
# checkpoint path); CHECKPOINT: a file of the build context that must be in the image (empty: none).
ARG EVALUATOR_IMAGE=closed-loop/evaluator:leaderboard2
FROM ${EVALUATOR_IMAGE}

ARG AGENT_CONFIG=expert
ARG CHECKPOINT=""
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
USER 0
WORKDIR /workspace
ENV CARLA_ROOT=/workspace/CARLA \
    SCENARIO_RUNNER_ROOT=/workspace/scenario_runner \
    LEADERBOARD_ROOT=/workspace/leaderboard \
    TEAM_CODE_ROOT=/workspace/team_code
# The submission carries the client API, not the server (the leaderboard runs its own).
RUN mkdir -p "${CARLA_ROOT}" /workspace/results && \
    mv /opt/carla/PythonAPI "${CARLA_ROOT}/PythonAPI" && rm -rf /opt/carla && \
    mv /opt/scenario_runner "${SCENARIO_RUNNER_ROOT}" && mv /opt/leaderboard "${LEADERBOARD_ROOT}" && \
    mv /opt/closed-loop "${TEAM_CODE_ROOT}" && \
    if [ -n "${CHECKPOINT}" ]; then test -f "${TEAM_CODE_ROOT}/${CHECKPOINT}"; fi && \
    chown -R 1000:1000 /workspace
ENV PYTHONPATH="${SCENARIO_RUNNER_ROOT}:${CARLA_ROOT}/PythonAPI/carla:${LEADERBOARD_ROOT}:${TEAM_CODE_ROOT}" \
    TEAM_AGENT=${TEAM_CODE_ROOT}/agents/leaderboard_agent.py \
    TEAM_CONFIG=${AGENT_CONFIG} \
    TEAM_CHECKPOINT=${CHECKPOINT} \
    CHALLENGE_TRACK_CODENAME=SENSORS \
    ROUTES=${LEADERBOARD_ROOT}/data/routes_training.xml \
    REPETITIONS=1 \
    CHECKPOINT_ENDPOINT=/workspace/results/results.json \
    DEBUG_CHALLENGE=0
USER 1000
ENTRYPOINT []
CMD ["/bin/bash"]
