#!/usr/bin/env bash
# tests/check-deps.sh LIB...: fail if a file in src/<lib>/ includes a header of a library that
# its src/<lib>/module.mk does not list in <lib>_DEPS (an upward or undeclared dependency).
# Tools (src/bin) may include any library.
set -u
cd "$(dirname "$0")/.."
status=0
for lib in "$@"; do
  deps=$(sed -n "s/^${lib}_DEPS *:= *//p" "src/$lib/module.mk")
  for f in src/"$lib"/*.h src/"$lib"/*.cc src/"$lib"/*.cu src/"$lib"/*/*.h src/"$lib"/*/*.cc; do
    [ -e "$f" ] || continue
    for inc in $(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$f" | sort -u); do
      [ "$inc" = "$lib" ] && continue
      case " $deps " in
        *" $inc "*) ;;
        *) echo "check-deps: $f includes $inc/, which src/$lib/module.mk does not declare in ${lib}_DEPS" >&2
           status=1 ;;
      esac
    done
  done
done
[ $status -eq 0 ] && echo "check-deps: OK ($*)"
exit $status
