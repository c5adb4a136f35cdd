#!/usr/bin/env bash
# Bad input found by fuzzing: each case must end with exactly one "aiscale: error:" line, exit 2, and leave no
# output file behind. Usage: robustness.sh AISCALE WORKDIR
set -u
AISCALE=$1
WORK=$2
S=$(cd "$(dirname "$0")/../../scenarios" && pwd)/llama2-7b-8xa100.json
BIG=$(cd "$(dirname "$0")/../../scenarios" && pwd)/gpt3-175b-1024xa100.json
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
fail=0
# expect_error NAME FILE-THAT-MUST-NOT-EXIST ARGS...
expect_error() {
  local name=$1 left=$2
  shift 2
  local err rc
  err=$("$AISCALE" "$@" 2>&1 >/dev/null)
  rc=$?
  # Under AddressSanitizer (the dev-asan preset), SimGrid's actor stacks make ASan print a three-line advisory
  # (google/sanitizers#189); it is not aiscale's output.
  err=$(printf '%s\n' "$err" | grep -v -e '^==[0-9]*==WARNING: ASan is ignoring' -e '^False positive error reports' \
        -e '^For details see https://github.com/google/sanitizers/issues/189')
  if [ "$rc" -ne 2 ]; then echo "FAIL $name: exit $rc, expected 2: $err"; fail=1
  elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [[ "$err" != "aiscale: error: "* ]]; then
    echo "FAIL $name: not one error line: $err"; fail=1
  elif [ -n "$left" ] && [ -e "$left" ]; then echo "FAIL $name: left $left behind"; fail=1
  else echo "ok   $name: $err"; fi
  rm -f ./*.svg ./*.json ./*.dot ./*.csv ./*.jsonl
}
# 1. invalid UTF-8 in --set / --grid values
expect_error utf8-set "" simulate --set name=$'\xff' --json
expect_error utf8-grid u.jsonl sweep --grid name=$'a,\xff' -j 1 -o u.jsonl
# 2. sweep grids whose row count wraps around or is astronomically large
L=$(seq -s, 1 256)
expect_error grid-wrap wrap.csv sweep "$S" -j 1 -o wrap.csv --grid parallelism.tp=$L --grid parallelism.pp=$L \
  --grid parallelism.dp=$L --grid parallelism.cp=$L --grid parallelism.ep=$L --grid parallelism.vpp=$L \
  --grid parallelism.micro_batch=$L --grid training.global_batch=$L
L=$(seq -s, 1 1000)
expect_error grid-huge huge.csv sweep "$S" -j 1 -o huge.csv --grid parallelism.tp=$L --grid parallelism.pp=$L \
  --grid parallelism.dp=$L
# 3. too many GPU counts
expect_error gpus-range "" plan "$S" -j 1 --gpus-range 8..10000000:8 --top 1
# 4. non-finite option values
expect_error max-mape-nan "" validate --max-mape nan "$S"
expect_error max-mape-neg "" validate --max-mape -1 "$S"
expect_error bench-nan "" bench --seconds nan
# 5. a later output that cannot be written: nothing is written
expect_error plot-pair p.svg plan --gpus 1024 --top 1 --plot p.svg --scaling-plot /nonexistent/s.svg
expect_error trace-pair t.json simulate "$S" --engine event --trace t.json -o /nonexistent/o.txt
expect_error dot-pair a.dot topology "$S" --dot a.dot --simgrid /nonexistent/sg.xml
# a later output that fails while writing (a symlink into a missing directory): the earlier one is removed
ln -s /nonexistent/o.txt dangling
expect_error rollback t.json simulate "$S" --engine event --trace t.json -o dangling
[ -L dangling ] || { echo "FAIL rollback: the symlink was replaced"; fail=1; }
# 7. GPUs that cannot reach each other, for every engine and topology
for eng in analytic event; do
  expect_error "unreachable-$eng" "" simulate "$S" --engine $eng --set 'cluster.scale_up={"domain_size":1}'
done
expect_error unreachable-topology "" topology "$S" --set 'cluster.scale_up={"domain_size":1}'
# 8. network checks for the analytic engine too, and before building the graph
for s in cluster.scale_out.tiers=100 cluster.scale_out.switch_radix=7 cluster.scale_out.oversubscription=1024 \
         cluster.scale_out.nics_per_node=8000; do
  expect_error "analytic-$s" "" simulate "$BIG" --set "$s"
done
expect_error torus-dims "" simulate "$BIG" --set cluster.scale_out.topology=torus \
  --set 'cluster.scale_out.torus_dims="99999999999x2"'
# a sweep row with a network the topology rejects is an invalid row with its reason
"$AISCALE" sweep "$BIG" -j 1 --grid cluster.scale_out.nics_per_node=8,8000 -o net.csv 2>/dev/null
if ! grep -q '^1,8000,invalid,.*nics_per_node' net.csv; then echo "FAIL sweep-network: $(cat net.csv)"; fail=1
else echo "ok   sweep-network"; fi
rm -f net.csv
# 10. messages that name the problem
expect_error unknown-subcommand "" foo
expect_error empty-path "" validate ''
expect_error directory "" simulate "$WORK"
# 6. -o through a symlink or into a FIFO writes the target, never replaces the node
echo old > target && ln -s target link
"$AISCALE" simulate --csv -o link >/dev/null || { echo "FAIL symlink: exit $?"; fail=1; }
if [ ! -L link ] || ! grep -q step_time target; then echo "FAIL symlink: link replaced or target not written"; fail=1
else echo "ok   symlink"; fi
mkfifo fifo && (cat fifo > fifo.out &)
"$AISCALE" simulate --csv -o fifo >/dev/null || { echo "FAIL fifo: exit $?"; fail=1; }
sleep 0.2
if [ ! -p fifo ] || ! grep -q step_time fifo.out; then echo "FAIL fifo: FIFO replaced or nothing read"; fail=1
else echo "ok   fifo"; fi
# 6. a full standard output is an error
if [ -w /dev/full ]; then
  err=$("$AISCALE" simulate 2>&1 >/dev/full); rc=$?
  if [ $rc -eq 0 ] || [[ "$err" != "aiscale: error: "* ]]; then echo "FAIL stdout-full: exit $rc: $err"; fail=1
  else echo "ok   stdout-full: $err"; fi
fi
exit $fail
