# Shared by the training scripts (train-v2.sh ... train-v6.sh, study-stretch.sh): source it after setting RUN,
# STAGES (every stage name, in order) and optionally ONLY and THREADS.
#   run_store "$@"          handles --save DIR / --restore DIR (copy every stage's checkpoint,
#                           metrics, run.json and best model out of / back into $RUN, only the
#                           figures of the stages in LIGHT, and the files of RUN_FILES) and
#                           exits; returns for any other arguments
#   build_private_trainer   a private copy of the trainer in $RUN, so that rebuilding the
#                           working tree never changes a running run; sets T
#   stage NAME ARGS...      `trainer ARGS...` under NAME's lock (resumes it, or skips it when
#                           finished); with ONLY set, only that stage runs
#   need_real_ink           fails unless $UNIPEN holds the real writers' ink
#   need_file FILE HINT     fails, saying HINT (how to make it), unless FILE exists
#   best_stage NAME...      prints `NAME CER`: of the finished stages given, the one with the
#                           lowest validation mean CER (`best_cer` in its state.json; no test
#                           data is read); says on stderr what each scored or that it is
#                           unfinished and left out; fails when none is finished

run_store() {
  case "${1:-}" in
    --save)
      for stage in $STAGES; do
        [ -d "$RUN/$stage/checkpoint" ] || continue
        mkdir -p "$2/$stage"
        # A running stage renames a fresh checkpoint into place every two minutes: copy until
        # the state read after the weights is the state copied before them.
        for try in 1 2 3 4 5 6; do
          if cp "$RUN/$stage/checkpoint/state.json" "$RUN/$stage/metrics.csv" "$RUN/$stage/run.json" "$2/$stage/" &&
            { case " ${LIGHT:-} " in *" $stage "*) true ;;
                *) cp "$RUN/$stage/checkpoint/model.bpk" "$RUN/$stage/checkpoint/optim.bpk" "$2/$stage/" &&
                   { [ ! -f "$RUN/$stage/best.inkline" ] || cp "$RUN/$stage/best.inkline" "$2/$stage/"; } ;;
              esac; } &&
            cmp -s "$RUN/$stage/checkpoint/state.json" "$2/$stage/state.json"; then
            break
          fi
          [ "$try" = 6 ] && { echo "cannot take a steady copy of $RUN/$stage" >&2; exit 1; }
          sleep 2
        done
      done
      for f in ${RUN_FILES:-}; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$2/"; done
      exit 0
      ;;
    --restore)
      for stage in $STAGES; do
        src="$2/$stage"
        # Stop 19 saved the v2 teacher alone at the top of DIR.
        [ "$stage" = teacher ] && [ ! -d "$src" ] && src="$2"
        [ -f "$src/state.json" ] || continue
        mkdir -p "$RUN/$stage/checkpoint"
        for f in model.bpk optim.bpk state.json; do
          [ -f "$src/$f" ] && cp "$src/$f" "$RUN/$stage/checkpoint/"
        done
        cp "$src/metrics.csv" "$src/run.json" "$RUN/$stage/"
        [ -f "$src/best.inkline" ] && cp "$src/best.inkline" "$RUN/$stage/"
      done
      for f in ${RUN_FILES:-}; do [ -f "$2/$f" ] && cp "$2/$f" "$RUN/"; done
      exit 0
      ;;
  esac
}

build_private_trainer() {
  mkdir -p "$RUN"
  if [ ! -x "$RUN/trainer" ]; then
    cargo build --release -p trainer >&2
    cp target/release/trainer "$RUN/trainer"
  fi
  T="nice -n 5 $RUN/trainer"
}

need_real_ink() {
  [ -f "$UNIPEN/lines.jsonl.gz" ] || { echo "no real ink at $UNIPEN (set UNIPEN=DIR)" >&2; exit 1; }
}

need_file() {
  [ -f "$1" ] || { echo "no $1: $2" >&2; exit 1; }
}

stage() {
  local name=$1
  shift
  if [ -z "${ONLY:-}" ] || [ "$ONLY" = "$name" ]; then
    flock "$RUN/$name.lock" $T "$@"
  fi
}

best_stage() {
  local best="" best_cer="" stage state cer
  for stage in "$@"; do
    state="$RUN/$stage/checkpoint/state.json"
    [ -f "$state" ] || continue
    if ! grep -q '"done": true' "$state"; then
      echo "$stage: not finished, left out" >&2
      continue
    fi
    cer=$(sed -n 's/.*"best_cer": *\([0-9.]*\).*/\1/p' "$state")
    echo "$stage: best validation mean CER $cer" >&2
    if [ -z "$best" ] || awk -v a="$cer" -v b="$best_cer" 'BEGIN { exit !(a < b) }'; then
      best=$stage
      best_cer=$cer
    fi
  done
  [ -n "$best" ] || { echo "no finished stage among: $*" >&2; return 1; }
  echo "$best $best_cer"
}
