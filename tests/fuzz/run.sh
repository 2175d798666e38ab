#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS — runs every libFuzzer target of BUILD_DIR for SECONDS each, from the
# seed corpus in tests/fuzz/corpus/<target> plus what earlier runs found (kept in
# BUILD_DIR/corpus, never in the repository). Exits non-zero on the first crash, naming the input.
set -u
build=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
status=0
for f in "$build"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  mkdir -p "$build/corpus/$name" "$build/crashes/$name"
  log="$build/crashes/$name/last.log"
  if "$f" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$build/crashes/$name/" \
      "$build/corpus/$name" "$here/corpus/$name" >"$log" 2>&1; then
    echo "fuzz: $name: $(grep -Eo '^Done [0-9]+ runs in [0-9]+ second' "$log" | head -1), corpus $(ls "$build/corpus/$name" | wc -l)"
  else
    echo "fuzz: $name: FAILED — $(grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -3 | tr '\n' ' ')"
    echo "fuzz: log in $log"
    status=1
  fi
done
exit $status
