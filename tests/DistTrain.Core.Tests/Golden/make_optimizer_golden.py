"""Golden trajectories of torch.optim (Adam, AdamW, SGD) for the optimizer tests.

One parameter vector of 37 float32 values (odd, so vectorized kernels run their
scalar tail) takes 6 steps, each fed a fixed gradient. The gradients come from
torch.randn under a fixed seed, scaled per element so that some are tiny (1e-8,
1e-6: the eps term dominates), some large (~10), some exactly zero (always, or
on some steps only), which exercises eps and the bias corrections.

Everything runs in float32 on the CPU with the single-tensor (non-foreach)
implementation. Floats are written as the shortest decimal that round-trips the
double holding the float32 value, so parsing them (as double or float) gives the
float32 value back exactly.

usage: python3 make_optimizer_golden.py   (writes optimizers.json beside it)
"""
import json
import os
import re

import numpy as np
import torch

LENGTH = 37
STEPS = 6
SEED = 1234

# Per-element scale of the gradient: a repeating pattern of magnitudes.
SCALE_PATTERN = [1.0, 1e-6, 10.0, 0.0, 0.1, 1e-8, 3.0, 1.0, 0.01, 25.0, 1e-3]
# (element, step) pairs whose gradient is exactly zero on that step only
# (steps counted from 0), so a moment decays without a fresh gradient.
ZERO_AT = [(7, 1), (7, 3), (12, 0), (20, 2), (20, 3), (36, 5)]


def floats(t):
    """A float32 tensor as a (nested) list of Python floats, exactly."""
    return np.asarray(t.detach().numpy(), dtype=np.float32).astype(np.float64).tolist()


def compact(text):
    """Puts each innermost array of numbers on one line."""
    return re.sub(r"\[\s*([-0-9.e+,\s]+?)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text)


def make_inputs():
    g = torch.Generator().manual_seed(SEED)
    initial = torch.randn(LENGTH, generator=g, dtype=torch.float32)
    initial[5] = 0.0
    scale = torch.tensor([SCALE_PATTERN[i % len(SCALE_PATTERN)] for i in range(LENGTH)],
                         dtype=torch.float32)
    gradients = torch.randn(STEPS, LENGTH, generator=g, dtype=torch.float32) * scale
    gradients[:, scale == 0] = 0.0  # +0, not the -0 that 0 * negative gives
    for element, step in ZERO_AT:
        gradients[step, element] = 0.0
    return initial, gradients


CASES = [
    dict(name="adam_defaults", optimizer="adam",
         lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0),
    dict(name="adam_lr0.01_wd0.1", optimizer="adam",
         lr=0.01, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1),
    dict(name="adamw_lr0.01_wd0.1", optimizer="adamw",
         lr=0.01, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1),
    dict(name="sgd_lr0.1", optimizer="sgd",
         lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
    dict(name="sgd_lr0.05_momentum0.9", optimizer="sgd",
         lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False),
    dict(name="sgd_lr0.05_momentum0.9_wd0.01", optimizer="sgd",
         lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=False),
    dict(name="sgd_lr0.05_momentum0.9_dampening0.1", optimizer="sgd",
         lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.0, nesterov=False),
]


def build(case, param):
    kind = case["optimizer"]
    if kind == "adam":
        return torch.optim.Adam([param], lr=case["lr"], betas=tuple(case["betas"]),
                                eps=case["eps"], weight_decay=case["weight_decay"],
                                amsgrad=False, foreach=False)
    if kind == "adamw":
        return torch.optim.AdamW([param], lr=case["lr"], betas=tuple(case["betas"]),
                                 eps=case["eps"], weight_decay=case["weight_decay"],
                                 amsgrad=False, foreach=False)
    return torch.optim.SGD([param], lr=case["lr"], momentum=case["momentum"],
                           dampening=case["dampening"], weight_decay=case["weight_decay"],
                           nesterov=case["nesterov"], foreach=False)


def run(case, initial, gradients):
    param = torch.nn.Parameter(initial.clone())
    opt = build(case, param)
    trajectory = []
    for s in range(STEPS):
        opt.zero_grad()
        param.grad = gradients[s].clone()
        opt.step()
        trajectory.append(floats(param))
    st = opt.state[param]
    if case["optimizer"] in ("adam", "adamw"):
        state = {"exp_avg": floats(st["exp_avg"]),
                 "exp_avg_sq": floats(st["exp_avg_sq"]),
                 "step": int(st["step"].item())}
    elif st.get("momentum_buffer") is not None:
        state = {"momentum_buffer": floats(st["momentum_buffer"])}
    else:
        state = {}
    out = dict(case)
    out["initial"] = floats(initial)
    out["gradients"] = floats(gradients)
    out["parameters"] = trajectory
    out["state"] = state
    return out


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    initial, gradients = make_inputs()
    doc = {
        "torch_version": torch.__version__,
        "description": "torch.optim trajectories, float32, CPU, foreach=False; "
                       "parameters[s] holds the parameters after step s+1 "
                       "(steps fed gradients[0..s]); state is after the last step.",
        "length": LENGTH,
        "steps": STEPS,
        "cases": [run(c, initial, gradients) for c in CASES],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json")
    with open(path, "w", encoding="ascii") as f:
        f.write(compact(json.dumps(doc, indent=1)))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
