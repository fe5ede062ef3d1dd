#!/bin/sh
# timed.sh NAME COMMAND…: run COMMAND, then print how long it took and note it in
# _build/phases.txt, which `make test` prints at the end.
name=$1; shift
start=$(date +%s)
"$@"
status=$?
line=$(printf '  %-40s %4d s%s' "$name" $(( $(date +%s) - start )) "$([ $status -eq 0 ] || echo '  (failed)')")
mkdir -p _build
echo "phase:$line"
echo "$line" >> _build/phases.txt
exit $status
