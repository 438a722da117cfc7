# utils/parse_options.sh: command-line options for recipe scripts. Source it (do not run it)
# after setting the script's defaults; it consumes the leading options from "$@".
#
# Usage (in a script):
#   nj=4                  # number of parallel jobs
#   cmd=utils/run.pl      # job wrapper (run.pl, queue.pl, slurm.pl)
#   use_gpu=false
#   help_message="Usage: $0 [options] <data-dir>"
#   . utils/parse_options.sh
#   [ $# -eq 1 ] || { echo "$help_message" >&2; exit 1; }
#
# Then "script --nj 8 --use-gpu true data/train" sets nj=8 and use_gpu=true and leaves
# "data/train" in $1. Rules:
#   --name value and --name=value; "-" in a name stands for "_" (--use-gpu -> use_gpu).
#   The variable must already be set (a default), else the option is refused.
#   A variable whose default is true or false only takes true or false.
#   --config <file> sources <file> (shell "name=value" lines) at that point of the command line.
#   --help prints $help_message (if set) and the options, read from the script's own
#   "name=value  # comment" lines above the line that sources parse_options.sh, with their
#   current values; then exits 0.
#   Option parsing stops at the first argument not starting with "--", or after "--".

_po_name=${0##*/}

_po_list_options() {
  # Top-level lower-case assignments in the calling script, up to the sourcing line.
  local line var comment value
  [ -r "$0" ] || return 0
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(\.|source)[[:space:]].*parse_options\.sh ]] && break
    if [[ "$line" =~ ^([a-z][a-zA-Z0-9_]*)=([^#]*)(#[[:space:]]*(.*))?$ ]]; then
      var=${BASH_REMATCH[1]}
      comment=${BASH_REMATCH[4]}
      [ "$var" = help_message ] && continue
      value=${!var-}
      if [ -n "$comment" ]; then
        printf '  --%-22s # %s\n' "${var//_/-} <${value}>" "$comment"
      else
        printf '  --%s\n' "${var//_/-} <${value}>"
      fi
    fi
  done < "$0"
}

while true; do
  [ $# -eq 0 ] && break
  case "$1" in
    --help|-h)
      if [ -n "${help_message:-}" ]; then printf '%s\n' "$help_message"; else echo "Usage: $0 [options] ..."; fi
      echo "Options (current values in <>):"
      _po_list_options
      printf '  --%-22s # %s\n' "config <file>" "read name=value lines from <file>"
      printf '  --%-22s # %s\n' "help" "print this text"
      exit 0 ;;
    --)
      shift
      break ;;
    --*)
      if [[ "$1" == *=* ]]; then
        _po_opt=${1%%=*}
        _po_val=${1#*=}
        shift
      else
        _po_opt=$1
        if [ $# -lt 2 ]; then
          echo "$_po_name: option $_po_opt needs a value" >&2
          exit 1
        fi
        _po_val=$2
        shift 2
      fi
      _po_var=${_po_opt#--}
      _po_var=${_po_var//-/_}
      if [ "$_po_var" = config ]; then
        if [ ! -r "$_po_val" ]; then
          echo "$_po_name: cannot read config file $_po_val" >&2
          exit 1
        fi
        # shellcheck disable=SC1090
        . "$_po_val" || { echo "$_po_name: error in config file $_po_val" >&2; exit 1; }
        continue
      fi
      if [[ ! "$_po_var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!_po_var+set}" ] \
         || [ "$_po_var" = help_message ]; then
        echo "$_po_name: invalid option $_po_opt (see $_po_name --help)" >&2
        exit 1
      fi
      _po_old=${!_po_var}
      if { [ "$_po_old" = true ] || [ "$_po_old" = false ]; } \
         && [ "$_po_val" != true ] && [ "$_po_val" != false ]; then
        echo "$_po_name: option $_po_opt takes true or false, not '$_po_val'" >&2
        exit 1
      fi
      printf -v "$_po_var" '%s' "$_po_val"
      ;;
    *)
      break ;;
  esac
done
unset _po_opt _po_val _po_var _po_old
true
