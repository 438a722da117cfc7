# utils/stages.sh: stage control for recipes (run.sh). Source it after parse_options.sh;
# the recipe defines stage (first stage to run) and stop_stage (last one).
#
#   stage=0
#   stop_stage=100
#   . utils/parse_options.sh
#   . utils/stages.sh
#   if stage_begins 1 "extract features"; then
#     ...   # every stage: idempotent (re-running it redoes or skips its work safely),
#     ...   # outputs under data/ and exp/, job logs under exp/<step>/log/
#   fi
#
# stage_begins N "what" is true when stage <= N <= stop_stage; it then prints a banner with
# the time to stderr. "run.sh --stage 2 --stop-stage 3" runs stages 2 and 3 only.

if [[ ! "${stage:-}" =~ ^-?[0-9]+$ ]] || [[ ! "${stop_stage:-}" =~ ^-?[0-9]+$ ]]; then
  echo "${0##*/}: --stage and --stop-stage must be integers (got '${stage:-}' and '${stop_stage:-}')" >&2
  exit 1
fi

stage_begins() {
  local n=$1
  shift
  if [ "$stage" -le "$n" ] && [ "$stop_stage" -ge "$n" ]; then
    echo "${0##*/}: === stage $n: $* ($(date '+%F %T')) ===" >&2
    return 0
  fi
  return 1
}

