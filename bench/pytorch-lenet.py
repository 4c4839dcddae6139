#!/usr/bin/python3
"""LeNet-5 training step in native PyTorch (the figure the JS benchmark is compared with).

Not part of `npm run bench` (CI has no PyTorch): run it by hand with Debian's PyTorch 1.13,
    /usr/bin/python3 bench/pytorch-lenet.py [--threads 2] [--batch 64]
It writes bench/results/pytorch-lenet.json, which `npm run bench` prints, labelled as a
separate run. The model is dnnkit's zoo LeNet-5 (32x32 input, tanh, 2x2 average pools,
C5 as a 5x5 conv, FC 84, FC 10), SGD lr 0.01 momentum 0.9, cross-entropy, random data.
"""
import argparse
import datetime
import json
import os
import statistics
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument('--threads', type=int, default=2)
parser.add_argument('--batch', type=int, default=64)
parser.add_argument('--steps', type=int, default=60)
parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), 'results', 'pytorch-lenet.json'))
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
    nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
    nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
    nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(args.batch, 1, 32, 32) - 0.5
y = torch.arange(args.batch) % 10


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(10):
    step()
times = []
for _ in range(args.steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
med = statistics.median(times)
result = {
    'imagesPerSec': args.batch / med,
    'medianMs': med * 1e3,
    'batch': args.batch,
    'threads': args.threads,
    'torch': torch.__version__,
    'date': datetime.datetime.now(datetime.timezone.utc).isoformat(),
    'load': list(os.getloadavg()),
}
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, 'w') as f:
    json.dump(result, f, indent=1)
    f.write('\n')
print(f"PyTorch {torch.__version__}, {args.threads} threads, batch {args.batch}: "
      f"{result['imagesPerSec']:.0f} images/s ({med * 1e3:.2f} ms/step), load {os.getloadavg()[0]:.1f}")
