#!/usr/bin/python3
"""Independent counter for the dnnkit model zoo (development only; CI never runs it).

Builds every zoo architecture in PyTorch (torchvision where it matches the paper, a module of
our own otherwise), runs one forward pass on a zero batch with forward hooks, and counts
weights, biases and MACs per CONV/FC layer:

    CONV MACs = N * M * P * Q * (C / groups) * R * S     (the naive loop nest, zeros included)
    FC   MACs = N * in_features * out_features
    weights   = elements of the CONV/FC weight tensors; biases = their bias elements;
    BN params = BatchNorm weight + bias (running statistics are buffers, not counted).

Writes test/fixtures/zoo/counts.json; test/models/zoo-counts.test.ts compares dnnkit's
summary() against it with exact integers.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 scripts/count-zoo.py
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'zoo', 'counts.json')


# --- LeNet-5 (LeCun et al. 1998): C3 fully connected, subsampling as 2x2 average pooling ---
def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


# --- AlexNet (Krizhevsky et al. 2012) as in the paper: 96 filters, CONV2/4/5 in two groups.
# torchvision's alexnet is the later single-tower variant (64 filters), so it is built here.
def alexnet():
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))


# --- VGG-16 (Simonyan & Zisserman 2014, configuration D): torchvision matches the paper ---
def vgg16():
    return torchvision.models.vgg16()


# --- GoogLeNet (Szegedy et al. 2014, Table 1). torchvision's googlenet adds batch norm and
# uses a 3x3 conv in the "5x5" branch, so the paper's network is built here (no LRN, no
# auxiliary classifiers). Pooling uses ceil mode, as the original Caffe model does.
class Inception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.b1 = nn.Sequential(nn.Conv2d(cin, c1, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.Conv2d(cin, c3r, 1), nn.ReLU(), nn.Conv2d(c3r, c3, 3, padding=1), nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(cin, c5r, 1), nn.ReLU(), nn.Conv2d(c5r, c5, 5, padding=2), nn.ReLU())
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), nn.Conv2d(cin, pp, 1), nn.ReLU())

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


def googlenet():
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        Inception(192, 64, 96, 128, 16, 32, 32), Inception(256, 128, 128, 192, 32, 96, 64),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        Inception(480, 192, 96, 208, 16, 48, 64), Inception(512, 160, 112, 224, 24, 64, 64),
        Inception(512, 128, 128, 256, 24, 64, 64), Inception(512, 112, 144, 288, 32, 64, 64),
        Inception(528, 256, 160, 320, 32, 128, 128),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        Inception(832, 256, 160, 320, 32, 128, 128), Inception(832, 384, 192, 384, 48, 128, 128),
        nn.AvgPool2d(7, 1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000))


# --- ResNet-50 v1 (He et al. 2015): torchvision's is v1.5 (stride on the 3x3 conv); move the
# stride to the first 1x1 conv of each downsampling bottleneck, as in the paper.
def resnet50():
    m = torchvision.models.resnet50()
    for layer in (m.layer2, m.layer3, m.layer4):
        block = layer[0]
        block.conv1.stride = (2, 2)
        block.conv2.stride = (1, 1)
    return m


# --- MobileNet v1 (Howard et al. 2017, Table 1), width 1.0, 224x224. The table's last
# depthwise layer says s2 but keeps 7x7: it is stride 1, as in every released model.
def mobilenet():
    def conv_bn(cin, cout, stride):
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    def dw_pw(cin, cout, stride):
        return [nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
                nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    cfg = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2)] + \
          [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]
    layers = conv_bn(3, 32, 2)
    for cin, cout, s in cfg:
        layers += dw_pw(cin, cout, s)
    layers += [nn.AvgPool2d(7), nn.Flatten(), nn.Linear(1024, 1000)]
    return nn.Sequential(*layers)


MODELS = {
    'lenet5': (lenet5, [1, 1, 32, 32]),
    'alexnet': (alexnet, [1, 3, 227, 227]),
    'vgg16': (vgg16, [1, 3, 224, 224]),
    'googlenet': (googlenet, [1, 3, 224, 224]),
    'resnet50': (resnet50, [1, 3, 224, 224]),
    'mobilenet': (mobilenet, [1, 3, 224, 224]),
}

# The training networks of src/train/default-model.ts, rebuilt in PyTorch from their description.
def fashion_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def autoencoder():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(32, 16, 3, padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid())


EXTRA = {
    'fashion-cnn': (fashion_cnn, [1, 1, 28, 28]),
    'autoencoder': (autoencoder, [1, 1, 28, 28]),
}


def count(model, shape):
    layers = []

    def hook(mod, inp, out):
        x = inp[0]
        n = x.shape[0]
        if isinstance(mod, nn.Conv2d):
            _, c, h, w = x.shape
            _, m, p, q = out.shape
            r, s = mod.kernel_size
            macs = n * m * p * q * (c // mod.groups) * r * s
            kind = 'CONV'
        elif isinstance(mod, nn.ConvTranspose2d):
            _, c, h, w = x.shape
            _, m, p, q = out.shape
            r, s = mod.kernel_size
            # the scatter's iteration space: every input pixel times every filter tap
            macs = n * c * h * w * (m // mod.groups) * r * s
            kind = 'CONV'
        elif isinstance(mod, nn.Linear):
            macs = n * mod.in_features * mod.out_features
            kind = 'FC'
        elif isinstance(mod, nn.BatchNorm2d):
            layers.append({'type': 'NORM', 'bnParams': mod.weight.numel() + mod.bias.numel() if mod.affine else 0,
                           'output': list(out.shape)})
            return
        else:
            return
        layers.append({
            'type': kind,
            'weights': mod.weight.numel(),
            'biases': mod.bias.numel() if mod.bias is not None else 0,
            'macs': macs,
            'output': list(out.shape),
        })

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm2d))]
    model.eval()
    with torch.no_grad():
        y = model(torch.zeros(shape))
    for h in handles:
        h.remove()
    compute = [l for l in layers if l['type'] != 'NORM']
    totals = {
        'weights': sum(l['weights'] for l in compute),
        'biases': sum(l['biases'] for l in compute),
        'bnParams': sum(l['bnParams'] for l in layers if l['type'] == 'NORM'),
        'macs': sum(l['macs'] for l in compute),
        'convWeights': sum(l['weights'] for l in compute if l['type'] == 'CONV'),
        'fcWeights': sum(l['weights'] for l in compute if l['type'] == 'FC'),
        'convMacs': sum(l['macs'] for l in compute if l['type'] == 'CONV'),
        'fcMacs': sum(l['macs'] for l in compute if l['type'] == 'FC'),
        'convLayers': sum(1 for l in compute if l['type'] == 'CONV'),
        'fcLayers': sum(1 for l in compute if l['type'] == 'FC'),
        'parameters': sum(p.numel() for p in model.parameters()),
    }
    return {'input': list(shape), 'output': list(y.shape), 'totals': totals,
            'layers': [{k: v for k, v in l.items()} for l in compute]}


def main():
    torch.manual_seed(0)
    result = {'generator': 'scripts/count-zoo.py', 'torch': torch.__version__,
              'torchvision': torchvision.__version__, 'models': {}}
    for name, (build, shape) in {**MODELS, **EXTRA}.items():
        result['models'][name] = count(build(), shape)
        t = result['models'][name]['totals']
        print(f"{name:10s} weights {t['weights']:>12,d}  biases {t['biases']:>8,d}  MACs {t['macs']:>15,d}",
              file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
