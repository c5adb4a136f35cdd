#!/usr/bin/env python3
"""For each published validation run, ask the planner for its top K configurations on the same GPU count and
report where the published configuration ranks and how the planner's best compares with it.

A configuration matches on the keys in --match: by default the layout the sources publish (tp, pp; dp follows from
the GPU count). SC21 Table 1 and the Megatron-Core table publish neither the micro-batch nor the interleaving
depth, so those are left to the planner; --match tp,pp,vpp,micro_batch also pins the scenario files' assumed
values. --per-layout ranks layouts (the planner's best configuration of each tp, pp, dp) instead of every
configuration, and the table then says how many layouts there were.

usage: scripts/planner-published-check.py AISCALE [--top 10] [--vary tp,pp,vpp,micro_batch] [--match tp,pp]
                                          [--per-layout] DIR...
"""
import argparse
import glob
import json
import os
import subprocess
import sys

KEYS = ("tp", "pp", "vpp", "micro_batch")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aiscale")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--vary", default="tp,pp,vpp,micro_batch")
    ap.add_argument("--match", default="tp,pp")
    ap.add_argument("--per-layout", action="store_true")
    a = ap.parse_args()
    match = [KEYS.index(k) for k in a.match.split(",")]
    found = total = 0
    print(f"{'case':<28} {'published (tp,pp,vpp,mb)':<26} {'rank':>5} {'of':>5} {'published s':>12} {'best s':>10}  best")
    for d in a.dirs:
        for f in sorted(glob.glob(os.path.join(d, "*.json"))):
            sc = json.load(open(f))
            p = sc["parallelism"]
            pub = tuple(p.get(k, 1) for k in KEYS)
            gpus = sc["cluster"]["nodes"] * sc["cluster"].get("gpus_per_node", 8)
            sim = json.loads(subprocess.run([a.aiscale, "simulate", f, "--json"], check=True,
                                            capture_output=True, text=True).stdout)
            out = subprocess.run([a.aiscale, "plan", f, "--gpus", str(gpus), "--top", str(a.top), "--objective",
                                  "time", "--vary", a.vary, "--json"] + (["--per-layout"] if a.per_layout else []),
                                 check=True, capture_output=True, text=True)
            plan = json.loads(out.stdout)
            top = plan["ranked"]
            of = plan["counts"]["layouts"] if a.per_layout else plan["counts"]["meet"]
            rank = next((i + 1 for i, r in enumerate(top)
                         if all(r["parallelism"].get(KEYS[j], 1) == pub[j] for j in match)), None)
            best = top[0]
            bp = tuple(best["parallelism"][k] for k in KEYS)
            total += 1
            found += rank is not None
            print(f"{os.path.basename(f)[:-5]:<28} {str(pub):<26} {rank if rank else '-':>5} {of:>5} "
                  f"{sim['step_time_s']:>12.3f} {best['step_time_s']:>10.3f}  {bp}")
    what = "layouts" if a.per_layout else "configurations"
    print(f"published configuration (matched on {a.match}) in the top {a.top} {what}: {found}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
