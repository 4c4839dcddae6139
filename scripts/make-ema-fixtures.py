#!/usr/bin/python3
"""PyTorch reference for dnnkit's ExponentialMovingAverage (src/optim/ema.ts):
torch.optim.swa_utils.AveragedModel with an EMA avg_fn and use_buffers=True.

Run with Debian's PyTorch 1.13 (not the python3 first on PATH, which has no torch):

    /usr/bin/python3 scripts/make-ema-fixtures.py

Writes test/fixtures/train/ema.json: a small model (Linear 3->2, BatchNorm1d 2) is given six
successive sets of parameter and buffer values (stored), each folded into the average; stored
too are the averages after every update, for decay 0.9 with and without the warmup
min(decay, (1 + k)/(10 + k)) at update k (torch passes n_averaged = k - 1 to avg_fn).
num_batches_tracked is left out: dnnkit copies counters, torch truncates their average.
"""
import json
import os

import torch
import torch.nn as nn
from torch.optim.swa_utils import AveragedModel

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'train')
DECAY = 0.9


def model():
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def float_entries(m):
    return [(k, v) for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked')]


def main():
    torch.manual_seed(0)
    m = model()
    states = []
    for _ in range(6):
        with torch.no_grad():
            for _, v in float_entries(m):
                v.copy_(torch.randn(v.shape))
        states.append({k: v.flatten().tolist() for k, v in float_entries(m)})
    cases = {}
    for warmup in (False, True):
        def ema(avg, p, n, warmup=warmup):
            d = min(DECAY, (2 + float(n)) / (11 + float(n))) if warmup else DECAY
            return d * avg + (1 - d) * p
        avg = AveragedModel(m, avg_fn=ema, use_buffers=True)
        after = []
        for s in states:
            with torch.no_grad():
                for k, v in float_entries(m):
                    v.copy_(torch.tensor(s[k]).reshape(v.shape))
            avg.update_parameters(m)
            after.append({k: v.flatten().tolist() for k, v in float_entries(avg.module)})
        cases['warmup' if warmup else 'plain'] = after
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'ema.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'decay': DECAY, 'states': states, 'averages': cases}, f)


if __name__ == '__main__':
    main()
