#!/usr/bin/env bash
# From expert collection to the shipped cpu checkpoints (models/<name>/checkpoints/cpu.pt), with the seeds
# and step counts they were trained with. One thread per process; every step resumes where it stopped.
#
#   scripts/reproduce_checkpoints.sh [DATASET] [RUNS]      # defaults: runs/expert_v1, runs/
#
# Run it with the project's environment active (python resolves to .venv). The shipped checkpoints were made
# with these commands and seeds on a busy 2-core CPU machine (two trainings side by side, about 3 h in all;
# the LMGenDrive DAgger round of step 4 about 45 min more on an otherwise idle machine).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-runs/expert_v1}
RUNS=${2:-runs}
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1

# 1. Collection: the first EPISODES episodes of seed 0 (training routes only, 10 % of routes held out for
#    validation), 120 s of simulated driving at most per episode, recovery bursts on.
EPISODES=31
resume=(); [ -f "$DATA/manifest.json" ] && resume=(--resume)
python -m agents.collect --out "$DATA" --workers 1 --episodes "$EPISODES" --seed 0 --max-episode-seconds 120 \
    "${resume[@]}"
python -m agents.collect.stats --data "$DATA"

# 2. Drive-JEPA's vocabulary (k-means of the expert plans) scored by the EPDMS scorer at every SCORE_EVERY-th sample.
SCORE_EVERY=4
[ -f "$DATA/vocabularies/kmeans256.npy" ] || python -m models.common.vocabulary --data "$DATA" --name kmeans256 \
    --size 256 --seed 0
python -m agents.collect.score_vocabulary --data "$DATA" --vocab kmeans256 --every "$SCORE_EVERY"

# 3. Training (recipes models/<name>/recipes/cpu.yaml, seed 0; the flags shorten them to what fitted the CPU
#    budget). The shipped runs were shortened or lengthened while running, so these commands give the same
#    recipe, not identical weights (the cosine schedule follows max_steps). Drive-JEPA started with --max-steps
#    2000, was resumed at step 500 with 1400, then continued from its step-1400 weights and optimiser in a new
#    run folder with the current scorer targets (steps 0-1400 had masked the targets of proposals far from every
#    vocabulary entry) with --max-steps 6500 --max-minutes 60, which stopped it at step 4802 (here: all 6500).
#    LMGenDrive stage 1 ran 1200 steps and was resumed at step 1250 with 7000; stage 2 (turns drawn 3x, the
#    recipe's turn_weight) started afresh from that encoder with 2200 and --max-minutes 62, which stopped it at
#    step 1789 (here: all 2200).
train() {  # OUT, then the command; resumes when OUT/last.pt exists
    local out=$1; shift
    local again=(); [ -f "$out/last.pt" ] && again=(--resume)
    "$@" --out "$out" "${again[@]}"
}
train "$RUNS/drivejepa" python -m models.drivejepa.train --preset cpu --data "$DATA" --vocabulary kmeans256 \
    --seed 0 --max-steps 6500
train "$RUNS/lmgendrive" python -m models.lmgendrive.train --preset cpu --data "$DATA" --stage 1 --seed 0 \
    --max-steps 7000
train "$RUNS/lmgendrive" python -m models.lmgendrive.train --preset cpu --data "$DATA" --stage 2 --seed 0 \
    --max-steps 2200
train "$RUNS/driveva" python -m models.driveva.train --preset cpu --data "$DATA" --seed 0 --max-steps 800

# 4. One DAgger round for LMGenDrive: the stage-2 model drives the first DAGGER_EPISODES episodes of seed 1 (as
#    LMDrive's agent: instructions, 20 warm-up ticks, 10 Hz plans), the expert labels; then stage 2 continues from
#    its step-1789 weights (a fresh optimiser) on the expert data and the round together at a low learning rate.
#    The shipped round was cut by time (--minutes 25), which gave these 76 episodes.
DAGGER=${DATA}_dagger1
DAGGER_EPISODES=76
driver="$RUNS/lmgendrive_dagger_driver.yaml"
printf 'planner: lmgendrive\nplanner_overrides: {checkpoint: %s}\n' "$RUNS/lmgendrive/last.pt" > "$driver"  # + agent_lmgendrive.yaml
resume=(); [ -f "$DAGGER/manifest.json" ] && resume=(--resume)
python -m agents.collect --out "$DAGGER" --driver-config "$driver" --workers 1 --episodes "$DAGGER_EPISODES" --seed 1 \
    "${resume[@]}"
if [ ! -f "$RUNS/lmgendrive_dagger/stage2/last.pt" ]; then
    mkdir -p "$RUNS/lmgendrive_dagger/stage2"
    cp "$RUNS/lmgendrive/last.pt" "$RUNS/lmgendrive_dagger/stage2/last.pt"
fi
python -m models.lmgendrive.train --preset cpu --data "$DATA,$DAGGER" --stage 2 --seed 0 --max-steps 2900 --lr 3e-5 \
    --val-every 100000 --out "$RUNS/lmgendrive_dagger" --resume

# 5. The shipped checkpoints.
for name in drivejepa driveva; do
    mkdir -p "models/$name/checkpoints"
    cp "$RUNS/$name/last.pt" "models/$name/checkpoints/cpu.pt"
done
cp "$RUNS/lmgendrive_dagger/last.pt" models/lmgendrive/checkpoints/cpu.pt
