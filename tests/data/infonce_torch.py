"""Cross-check cases for simkern's InfoNCE, computed with PyTorch autograd.

Run from the repository root:  python3 tests/data/infonce_torch.py
Writes tests/data/infonce_torch.json, read by tests/tests/infonce_torch.rs.

Inputs are float32 (what simkern takes); the loss and gradients are
computed in float64 from those exact float32 values, so they are a
reference, not a float32 run of PyTorch.
"""
import json
import pathlib

import torch
import torch.nn.functional as F


def case(seed, n, m, d, tau, normalize, symmetric, explicit, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    q32 = (torch.randn(n, d, generator=g) * scale).float()
    k32 = (torch.randn(m, d, generator=g) * scale).float()
    pos = (torch.randint(0, m, (n,), generator=g) if explicit else torch.arange(n))
    q = q32.double().requires_grad_(True)
    k = k32.double().requires_grad_(True)
    qu = F.normalize(q, dim=1, eps=1e-12) if normalize else q
    ku = F.normalize(k, dim=1, eps=1e-12) if normalize else k
    logits = qu @ ku.T / tau
    loss = F.cross_entropy(logits, pos)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(logits.T, pos))
    loss.backward()
    return {
        "n": n, "m": m, "d": d, "tau": tau,
        "normalize": normalize, "symmetric": symmetric,
        "positives": pos.tolist() if explicit else None,
        "q": q32.flatten().tolist(), "k": k32.flatten().tolist(),
        "loss": loss.item(),
        "dq": q.grad.flatten().tolist(), "dk": k.grad.flatten().tolist(),
    }


cases = [
    case(1, 4, 4, 8, 0.05, True, False, False),
    case(2, 6, 6, 5, 0.07, True, True, False),
    case(3, 3, 7, 6, 0.1, False, False, True, scale=0.4),
    case(4, 5, 5, 16, 1.0, False, False, False, scale=0.25),
    case(5, 8, 8, 3, 0.01, True, False, False),
    case(6, 2, 9, 4, 0.5, True, False, True),
    case(7, 7, 7, 12, 100.0, True, True, False),
]
out = pathlib.Path(__file__).with_name("infonce_torch.json")
out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out} (torch {torch.__version__})")
