#!/usr/bin/env python3
"""Times fused causal attention on one GPU through PyTorch's scaled_dot_product_attention and fits the
calibration-profile entry aiscale uses for it: time = executed FLOPs / (efficiency x peak) + fixed cost per call.

aiscale-calibrate (C++/CUDA) times GEMMs, HBM and NCCL but links no attention library; this script covers fused
attention on a machine with PyTorch. Backends: "cudnn" (cuDNN's fused attention, which Transformer Engine selects
on Hopper: transformer_engine/pytorch/attention/dot_product_attention/utils.py, "Disabling FlashAttention to give
FusedAttention preference on Hopper+") and "flash" (PyTorch's FlashAttention-2 kernels).

Shapes: batch x heads x sequence with head dim 128, causal, bf16, on pseudo-random inputs, after 1.5 s of GEMMs to
bring the clocks up; median of 25 timed calls (CUDA events). FLOPs follow FlashAttention's benchmarks: forward
4*b*h*s^2*d/2 (causal), backward 2.5x that (it recomputes QK^T).

usage: scripts/attention-bench.py OUT.json [--peak-tflops 989.4] [--min-seq 2048]
"""
import argparse
import json
import sys
import time


def fit(rows, peak):
    """Least squares of t = F*x + t0 minimising relative error; returns efficiency, t0 (s), max |residual|."""
    a11 = a12 = a22 = b1 = b2 = 0.0
    for f, t in rows:
        u, v = f / t, 1 / t
        a11, a12, a22, b1, b2 = a11 + u * u, a12 + u * v, a22 + v * v, b1 + u, b2 + v
    det = a11 * a22 - a12 * a12
    x, t0 = (b1 * a22 - b2 * a12) / det, (a11 * b2 - a12 * b1) / det
    if t0 < 0:
        x, t0 = b1 / a11, 0.0
    return 1 / (x * peak), t0, max(abs((f * x + t0) / t - 1) for f, t in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--peak-tflops", type=float, default=989.4, help="dense bf16 peak (H100/H200 SXM datasheet)")
    ap.add_argument("--min-seq", type=int, default=2048, help="shortest sequence in the fit")
    a = ap.parse_args()
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dev = "cuda"
    x = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    start = time.time()
    while time.time() - start < 1.5:
        (x @ x).sum().item()

    def bench(fn, reps=25, warm=5):
        for _ in range(warm):
            fn()
        torch.cuda.synchronize()
        ts = []
        for _ in range(reps):
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            fn()
            e1.record()
            e1.synchronize()
            ts.append(e0.elapsed_time(e1) / 1e3)
        ts.sort()
        return ts[len(ts) // 2]

    doc = {"torch": torch.__version__, "cudnn": torch.backends.cudnn.version(),
           "gpu": torch.cuda.get_device_name(), "head_dim": 128, "causal": True, "dtype": "bf16", "points": []}
    shapes = [(1, h, 4096) for h in (4, 7, 8, 12, 16, 24, 32, 48, 64)] + [
        (4, 16, 4096), (1, 16, 1024), (1, 16, 2048), (1, 16, 8192), (1, 16, 16384), (4, 16, 2048), (16, 16, 1024),
        (1, 8, 8192), (1, 8, 16384)]
    backends = [("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash", SDPBackend.FLASH_ATTENTION)]
    for b, h, s in shapes:
        q = torch.randn(b, h, s, 128, device=dev, dtype=torch.bfloat16, requires_grad=True)
        k = torch.randn_like(q, requires_grad=True)
        v = torch.randn_like(q, requires_grad=True)
        for name, backend in backends:
            with sdpa_kernel(backend):
                g = torch.randn_like(F.scaled_dot_product_attention(q, k, v, is_causal=True))
                fwd = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
                both = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True).backward(g))
            doc["points"].append({"kernel": name, "b": b, "h": h, "s": s, "fwd_s": fwd, "bwd_s": both - fwd})
            q.grad = k.grad = v.grad = None
    peak = a.peak_tflops * 1e12
    doc["fits"] = {}
    for name, _ in backends:
        entry = {}
        for phase, mult in (("fwd", 1.0), ("bwd", 2.5)):
            rows = [(mult * 4 * p["b"] * p["h"] * p["s"] ** 2 * 128 / 2, p[phase + "_s"]) for p in doc["points"]
                    if p["kernel"] == name and p["s"] >= a.min_seq]
            eff, t0, worst = fit(rows, peak)
            entry[phase] = {"efficiency": round(eff, 3), "overhead_us": round(t0 * 1e6, 1),
                            "max_rel_residual": round(worst, 3), "points": len(rows)}
        doc["fits"][name] = entry
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    for p in doc["points"]:
        f0 = 4 * p["b"] * p["h"] * p["s"] ** 2 * 128 / 2
        print(f"{p['kernel']:6s} b{p['b']:<2d} h{p['h']:<3d} s{p['s']:<6d} fwd {p['fwd_s'] * 1e6:8.1f} us "
              f"{f0 / p['fwd_s'] / 1e12:6.1f} TFLOP/s  bwd {p['bwd_s'] * 1e6:8.1f} us "
              f"{2.5 * f0 / p['bwd_s'] / 1e12:6.1f} TFLOP/s")
    print(json.dumps(doc["fits"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
