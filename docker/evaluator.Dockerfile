# The evaluator image: this package, the pinned official evaluator checkouts, and the CARLA server
# they need, so the supervisor starts, watches and restarts its servers as child processes.
# Build from the repository root, one target per benchmark family:
#   docker build -f docker/evaluator.Dockerfile --target bench2drive  -t closed-loop/evaluator:bench2drive .
#   docker build -f docker/evaluator.Dockerfile --target leaderboard2 -t closed-loop/evaluator:leaderboard2 .
#   docker build -f docker/evaluator.Dockerfile --target langauto     -t closed-loop/evaluator:langauto .
# Run (docker/compose.evaluate.yml does this): GPUs with the graphics capability, host networking.
ARG PYTHON_IMAGE=python:3.11.9-slim-bookworm

FROM carlasim/carla:0.9.15 AS carla-0.9.15
FROM carlasim/carla:0.9.10.1 AS carla-0.9.10.1

# --- common: Python 3.11, this package and its requirements, the leaderboard's own imports ---
FROM ${PYTHON_IMAGE} AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Debian's point releases move these versions; the image is pinned by its base tag instead.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends \
      git ca-certificates libvulkan1 libomp5 xdg-user-dirs libsdl2-2.0-0 libgl1 libglib2.0-0 libjpeg62-turbo \
      libtiff6 libpng16-16 && \
    rm -rf /var/lib/apt/lists/* && \
    useradd --create-home --uid 1000 runner
WORKDIR /opt/closed-loop
COPY requirements.txt docker/evaluator-requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt -r evaluator-requirements.txt
COPY --chown=1000:1000 . /opt/closed-loop
ENV NVIDIA_DRIVER_CAPABILITIES=all \
    PYTHONPATH=/opt/closed-loop \
    SDL_VIDEODRIVER=dummy \
    CARLA_ROOT=/opt/carla

# --- Bench2Drive / leaderboard 2.0 on CARLA 0.9.15 ---
FROM base AS carla-0.9.15-client
# The official 0.9.15 client wheels stop at Python 3.10; carla-0-9-15 is a build of the same client for 3.11.
# The evaluators call pkg_resources.get_distribution("carla"): a metadata entry under that name answers it.
RUN pip uninstall -y carla && pip install --no-cache-dir carla-0-9-15==0.0.1 && \
    site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" && \
    mkdir -p "${site}/carla-0.9.15.dist-info" && \
    printf 'Metadata-Version: 2.1\nName: carla\nVersion: 0.9.15\n' > "${site}/carla-0.9.15.dist-info/METADATA"
COPY --from=carla-0.9.15 --chown=1000:1000 /home/carla /opt/carla

FROM carla-0.9.15-client AS bench2drive
ARG BENCH2DRIVE_SHA=7ec25d1c9f7522d923ce5f3420986cef1cb2d956
RUN git init -q /opt/Bench2Drive && \
    git -C /opt/Bench2Drive fetch -q --depth 1 https://github.com/Thinklab-SJTU/Bench2Drive.git "${BENCH2DRIVE_SHA}" && \
    git -C /opt/Bench2Drive checkout -q FETCH_HEAD && rm -rf /opt/Bench2Drive/.git
ENV LEADERBOARD_ROOT=/opt/Bench2Drive/leaderboard \
    SCENARIO_RUNNER_ROOT=/opt/Bench2Drive/scenario_runner
USER 1000
ENTRYPOINT ["python", "/opt/closed-loop/run_closed_loop.py", "--sim", "carla", "--evaluator", "bench2drive"]

FROM carla-0.9.15-client AS leaderboard2
ARG LEADERBOARD_SHA=aec81319de6bec57372f25aa94083c9ab0bd4223
ARG SCENARIO_RUNNER_SHA=d7bcaf0dee05fdfd720bda45740b8c9f11ee478a
RUN git init -q /opt/leaderboard && \
    git -C /opt/leaderboard fetch -q --depth 1 https://github.com/carla-simulator/leaderboard.git "${LEADERBOARD_SHA}" && \
    git -C /opt/leaderboard checkout -q FETCH_HEAD && rm -rf /opt/leaderboard/.git && \
    git init -q /opt/scenario_runner && \
    git -C /opt/scenario_runner fetch -q --depth 1 https://github.com/carla-simulator/scenario_runner.git \
      "${SCENARIO_RUNNER_SHA}" && \
    git -C /opt/scenario_runner checkout -q FETCH_HEAD && rm -rf /opt/scenario_runner/.git
ENV LEADERBOARD_ROOT=/opt/leaderboard \
    SCENARIO_RUNNER_ROOT=/opt/scenario_runner
USER 1000
ENTRYPOINT ["python", "/opt/closed-loop/run_closed_loop.py", "--sim", "carla", "--evaluator", "leaderboard2"]

# --- LangAuto / leaderboard 1.0 on CARLA 0.9.10.1 ---
# CARLA 0.9.10.1's client exists only for Python 3.7, so LMDrive's evaluator runs in its own Python 3.7
# environment (--evaluator-python /opt/py37/bin/python) with agent files written for it; the supervisor
# itself runs on Python 3.11.
FROM base AS langauto
ARG LMDRIVE_SHA=308d8da0b4ff3463b1649fe483a9b2c56b108189
RUN pip install --no-cache-dir uv==0.5.11 && \
    uv python install 3.7.9 && \
    uv venv --python 3.7.9 /opt/py37 && \
    uv pip install --python /opt/py37/bin/python py-trees==0.8.3 networkx==2.2 shapely==1.7.1 numpy==1.18.4 \
      dictor==0.1.2 requests==2.27.1 tabulate==0.8.10 pexpect==4.8.0 transforms3d==0.3.1 six==1.16.0 \
      psutil==5.9.8 xmlschema==1.0.18 ephem==4.1.5 opencv-python==4.2.0.32 pygame==2.1.2 setuptools==59.6.0 && \
    git init -q /opt/LMDrive && \
    git -C /opt/LMDrive fetch -q --depth 1 https://github.com/opendilab/LMDrive.git "${LMDRIVE_SHA}" && \
    git -C /opt/LMDrive checkout -q FETCH_HEAD && rm -rf /opt/LMDrive/.git
COPY --from=carla-0.9.10.1 --chown=1000:1000 /home/carla /opt/carla
RUN echo "/opt/carla/PythonAPI/carla/dist/carla-0.9.10-py3.7-linux-x86_64.egg" > \
      "$(/opt/py37/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/carla.pth"
ENV LEADERBOARD_ROOT=/opt/LMDrive/leaderboard \
    SCENARIO_RUNNER_ROOT=/opt/LMDrive/scenario_runner
USER 1000
ENTRYPOINT ["python", "/opt/closed-loop/run_closed_loop.py", "--sim", "carla", "--evaluator", "langauto", \
            "--evaluator-python", "/opt/py37/bin/python"]
