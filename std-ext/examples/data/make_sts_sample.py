"""Writes sts_sample.csv: 40 synthetic STS-style pairs (gold score 0..5,
two 8-dim embeddings). Each pair shares a latent z mixed with noise by a
random amount; the gold score is the rounded cosine of the clean latents.

Run: python3 std-ext/examples/data/make_sts_sample.py
"""
import math
import pathlib
import random

random.seed(5)
lines = ["# gold,a_0..a_7,b_0..b_7: synthetic STS-style pairs from make_sts_sample.py (seed 5)"]
for _ in range(40):
    z = [random.gauss(0, 1) for _ in range(8)]
    mix = random.random()
    w = [mix * zi + (1 - mix) * random.gauss(0, 1) for zi in z]
    a = [zi + 0.2 * random.gauss(0, 1) for zi in z]
    b = [wi + 0.2 * random.gauss(0, 1) for wi in w]
    cos = sum(x * y for x, y in zip(z, w)) / math.sqrt(sum(x * x for x in z) * sum(y * y for y in w))
    gold = round(max(0, min(5, 2.5 + 2.5 * cos)), 0)  # integer scores: many ties
    lines.append(",".join([f"{gold:.0f}"] + [f"{v:.4f}" for v in a + b]))
pathlib.Path(__file__).with_name("sts_sample.csv").write_text("\n".join(lines) + "\n")
