"""Golden end-to-end steps of workload W1 on PyTorch, for the trainer tests.

W1: MLP 784-512-256-10, ReLU, softmax cross-entropy (mean over the batch),
Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0), float32, CPU.
Parameters get PyTorch's default Linear init after torch.manual_seed(0), the
three layers created in order dense0, dense1, dense2. The batch is the first 128
Fashion-MNIST training images in file order (pixel byte / 255) with their labels.
Three Adam steps run on that same batch: zero_grad, forward, loss, backward, step.

Writes, beside this script:
  w1_init.safetensors    the parameters before the first step
  w1_after3.safetensors  the parameters after the third step
  w1_golden.json         the loss of each step (before its update) and more
Tensor names and layouts are PyTorch's: dense{k}.weight [out, in], dense{k}.bias [out].

usage: python3 make_w1_golden.py [fashion-mnist folder]
"""
import gzip
import json
import os
import re
import struct
import sys

import numpy as np
import torch

DATA = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 128
STEPS = 3


def idx(name):
    """Reads a gzipped IDX file: images as [n, rows*cols] uint8, labels as [n] uint8."""
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols)
    return np.frombuffer(data, np.uint8, offset=8)


def write_safetensors(path, tensors):
    """Writes float32 tensors as safetensors: u64 LE header length, JSON header
    padded with spaces to a multiple of 8, then the raw LE data, sorted by name."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].detach().numpy(), dtype="<f4")
        raw = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """Reads back what write_safetensors wrote, as numpy float32 arrays."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return out


def compact(text):
    """Puts each innermost array of numbers on one line."""
    return re.sub(r"\[\s*([-0-9.e+,\s]+?)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text)


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense0 = torch.nn.Linear(784, 512)
        self.dense1 = torch.nn.Linear(512, 256)
        self.dense2 = torch.nn.Linear(256, 10)

    def forward(self, x):
        x = torch.relu(self.dense0(x))
        x = torch.relu(self.dense1(x))
        return self.dense2(x)


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def save_and_check(name, tensors):
    path = os.path.join(HERE, name)
    write_safetensors(path, tensors)
    back = read_safetensors(path)
    assert sorted(back) == sorted(tensors)
    for k, v in tensors.items():
        assert back[k].shape == tuple(v.shape), k
        assert np.array_equal(back[k], v.numpy()), k
    print("wrote", path, os.path.getsize(path), "bytes")


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(0)
    model = Mlp()
    init = snapshot(model)

    images = idx("train-images-idx3-ubyte.gz")[:BATCH]
    labels = idx("train-labels-idx1-ubyte.gz")[:BATCH]
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    assert x.dtype == torch.float32

    with torch.no_grad():
        initial_logits = model(x[:1])[0]

    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                           weight_decay=0.0, amsgrad=False, foreach=False)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(np.float32(loss.item())))
        print("loss", repr(losses[-1]))
    after = snapshot(model)

    save_and_check("w1_init.safetensors", init)
    save_and_check("w1_after3.safetensors", after)

    golden = {
        "torch_version": torch.__version__,
        "description": (
            "W1: MLP 784-512-256-10, ReLU, CrossEntropyLoss (mean), float32, CPU, "
            "torch.set_num_threads(1). Init: torch.manual_seed(0) then nn.Linear "
            "default init for dense0, dense1, dense2 in that order (w1_init.safetensors). "
            "Batch: first 128 Fashion-MNIST training images in file order, pixel "
            "byte/255 as float32, with their labels. Three steps on that same batch, "
            "each zero_grad, forward, loss, backward, Adam step (lr 1e-3, betas "
            "0.9/0.999, eps 1e-8, weight_decay 0, foreach=False); losses[s] is the "
            "loss of step s+1 before its update; w1_after3.safetensors holds the "
            "parameters after the third step."),
        "batch_size": BATCH,
        "steps": STEPS,
        "optimizer": {"name": "adam", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weight_decay": 0.0},
        "losses": losses,
        "first_labels": [int(v) for v in labels[:10]],
        "batch_byte_sum": int(images.astype(np.int64).sum()),
        "initial_logits_first_sample":
            initial_logits.numpy().astype(np.float64).tolist(),
        "init_file": "w1_init.safetensors",
        "after_file": "w1_after3.safetensors",
    }
    path = os.path.join(HERE, "w1_golden.json")
    with open(path, "w", encoding="ascii") as f:
        f.write(compact(json.dumps(golden, indent=1)))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
