#!/usr/bin/env bash
# Kills a sweep halfway (SIGINT, then SIGKILL), checks the output holds only whole rows, resumes it and compares
# with an uninterrupted run byte for byte.
set -euo pipefail
aiscale=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
grid=(--set parallelism.dp=auto --grid parallelism.tp=1,2,4,8 --grid parallelism.pp=1,2,4,8,16
      --grid parallelism.micro_batch=1,2,4,8 --grid training.global_batch=512,1024,1536,2048,3072,4096
      --grid parallelism.recompute=none,selective,full --grid parallelism.zero=0,1,2,3
      --grid parallelism.sequence_parallel=true,false --grid training.seq_len=1024,2048,4096)
"$aiscale" sweep "${grid[@]}" -j 2 -o "$work/full.csv" 2>/dev/null
rows=$(wc -l < "$work/full.csv")
[ "$rows" -gt 1000 ] || { echo "full sweep too small: $rows lines"; exit 1; }

check_whole_rows() {  # every line ends with a newline and has the header's number of fields
  local f=$1
  [ -z "$(tail -c1 "$f")" ] || { echo "$f ends in a partial line"; exit 1; }
  awk -F, -v want="$(head -1 "$f" | awk -F, '{print NF}')" \
    'NR > 1 { n = 0; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c == "\"") q = !q; else if (c == "," && !q) n++ }
              if (n + 1 != want) { print "line " NR " has " n + 1 " fields, want " want; exit 1 } }' "$f"
}

for sig in INT KILL; do
  out="$work/part-$sig.csv"
  "$aiscale" sweep "${grid[@]}" -j 2 -o "$out" 2>/dev/null &
  pid=$!
  # Wait until some rows are out, then interrupt well before the end.
  for _ in $(seq 1 200); do
    [ -f "$out" ] && [ "$(wc -l < "$out")" -gt 50 ] && break
    sleep 0.01
  done
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  got=$(wc -l < "$out")
  echo "SIG$sig: stopped after $got of $rows lines"
  check_whole_rows "$out"
  "$aiscale" sweep "${grid[@]}" -j 2 -o "$out" --resume 2>/dev/null
  cmp "$work/full.csv" "$out" || { echo "resume after SIG$sig differs from the uninterrupted run"; exit 1; }
done
echo "sweep resume: ok"
