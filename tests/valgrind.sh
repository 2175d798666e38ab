#!/usr/bin/env bash
# valgrind.sh BUILD_DIR — a representative subset of the test programs under valgrind's memcheck,
# from a build without sanitizers (`make valgrind`): the pure cores that parse outside input
# (YAML, JSON patches, selectors, quantities, protobuf, tokens, OCI specs, DNS, cron zones),
# defaulting and validation, the watch cache and the workqueue, and integration programs that
# run the store against a real etcd, an in-process API server (h2o, TLS, watches) and the
# client. Any memcheck error or definite leak fails the program; the logs go to
# BUILD_DIR/valgrind/<name>.log. (test_informer is left out: 20-50 times slower under memcheck
# it misses its own deadlines for the informer's sync, with no memcheck error.)
set -u
build=$(cd "${1:?usage: valgrind.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "valgrind: not installed (deploy/install-deps.sh)"; exit 1; }
programs=(
  unit/test_yaml unit/test_patch unit/test_selector unit/test_quantity unit/test_protobuf
  unit/test_jwt unit/test_ocispec unit/test_dns unit/test_tz unit/test_cron unit/test_defaults
  unit/test_validate unit/test_schema unit/test_wcache unit/test_workqueue unit/test_store_crypt
  unit/test_rbac unit/test_table unit/test_kubeconfig unit/test_wsframe
  integration/test_store integration/test_client
  integration/test_api_crud integration/test_watch_replay
)
mkdir -p "$build/valgrind"
status=0
for p in "${programs[@]}"; do
  name=${p#*/}
  bin=$build/$name
  [ -x "$bin" ] || { echo "valgrind: $name: not built"; status=1; continue; }
  log=$build/valgrind/$name.log
  start=$(date +%s)
  # The test programs run from the build dir, as under ctest (some read tests/unit/data).
  (cd "$build" && C8S_SOURCE_DIR="$here/.." valgrind --quiet --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --track-origins=yes --suppressions="$here/valgrind.supp" --log-file="$log" \
    "$bin" >"$log.out" 2>&1)
  rc=$?
  secs=$(($(date +%s) - start))
  errors=$(grep -c '^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|definitely lost\|Mismatched\|overlap\)' "$log")
  if [ "$rc" = 0 ]; then
    echo "valgrind: $name: clean (${secs} s)"
  else
    echo "valgrind: $name: FAILED (exit $rc, $errors error lines; $log)"
    status=1
  fi
done
exit $status
