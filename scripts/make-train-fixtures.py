#!/usr/bin/python3
"""PyTorch anchor for dnnkit's trainer: the built-in fashion-cnn (at 8x8 input, so the
fixture stays small) trained for a few SGD steps in PyTorch, to compare with fit().

Run with Debian's PyTorch 1.13 (not the python3 first on PATH, which has no torch):

    /usr/bin/python3 scripts/make-train-fixtures.py

Writes test/fixtures/train/fashion-cnn-sgd.json. The initial weights and the images come from
an integer LCG that the test recomputes exactly, so they need not be stored; stored are the
loss of each step, and for every state_dict entry after training its first 64 values, sum and
sum of squares, plus the eval-mode logits of the first batch.
"""
import json
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'train')


class Lcg:
    """x <- (1664525 x + 1013904223) mod 2^32; values (x / 2^32 - 0.5) * scale as float32."""

    def __init__(self, seed):
        self.x = seed % 2**32

    def values(self, n, scale):
        out = []
        for _ in range(n):
            self.x = (1664525 * self.x + 1013904223) % 2**32
            out.append((self.x / 2**32 - 0.5) * scale)
        return torch.tensor(out, dtype=torch.float32)


def fashion_cnn(image_size=8, num_classes=10):
    side = image_size // 2 // 2
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Linear(128, num_classes))


def main():
    torch.set_num_threads(1)
    model = fashion_cnn()
    gen = Lcg(12345)
    # Parameters get LCG values scaled by 2/sqrt(fan_in); BN weight 1 + small, bias small.
    with torch.no_grad():
        for name, p in model.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            scale = 2.0 / fan_in ** 0.5 if p.dim() > 1 else 0.2
            v = gen.values(p.numel(), scale).reshape(p.shape)
            p.copy_(v + 1 if name in ('1.weight', '5.weight') else v)
    batch, steps = 8, 6
    images = Lcg(777).values(batch * steps * 64, 4.0).reshape(batch * steps, 1, 8, 8)
    labels = torch.tensor([i % 10 for i in range(batch * steps)])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    losses = []
    model.train()
    for s in range(steps):
        x, y = images[s * batch:(s + 1) * batch], labels[s * batch:(s + 1) * batch]
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(images[:batch])
    state = {}
    for k, v in model.state_dict().items():
        f = v.detach().to(torch.float64).reshape(-1)
        state[k] = {'shape': list(v.shape), 'head': v.reshape(-1)[:64].to(torch.float32).tolist(),
                    'sum': f.sum().item(), 'sumSquares': (f * f).sum().item()}
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'fashion-cnn-sgd.json')
    with open(path, 'w') as f:
        json.dump({'torch': torch.__version__, 'imageSize': 8, 'batch': batch, 'steps': steps,
                   'optimizer': {'lr': 0.05, 'momentum': 0.9, 'nesterov': True},
                   'losses': losses, 'state': state,
                   'evalLogits': logits.reshape(-1).tolist()}, f, separators=(',', ':'))
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
