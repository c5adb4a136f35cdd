#!/usr/bin/env bash
# A sweep distributed over 2 local MPI ranks writes the same bytes as a single-process sweep.
set -euo pipefail
aiscale=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
# Under the dev-asan preset, LeakSanitizer reports OpenMPI's own allocations (libmpi and its dlopen'ed components,
# never aiscale frames); the sweep code's leaks are checked by the single-process sweep tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=
grid=(--set parallelism.dp=auto --grid parallelism.tp=1,2,4,8 --grid parallelism.pp=1,2,4,8,16
      --grid parallelism.micro_batch=1,2,4 --grid training.global_batch=512,1536,3072)
"$aiscale" sweep "${grid[@]}" -j 1 -o "$work/single.jsonl" 2>/dev/null
mpirun --oversubscribe -n 2 "$aiscale" sweep "${grid[@]}" -o "$work/mpi.jsonl"
cmp "$work/single.jsonl" "$work/mpi.jsonl"
echo "mpi sweep: identical ($(wc -l < "$work/mpi.jsonl") rows)"
