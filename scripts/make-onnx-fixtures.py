#!/usr/bin/python3
"""
Make the ONNX import fixtures: models exported by PyTorch's ONNX exporter, a fixed input and
PyTorch's output for each, so test/onnx/import.test.ts can check that dnnkit reproduces
PyTorch within 1e-4.

Run with Debian's PyTorch 1.13 + torchvision 0.14 (no downloads, random weights):

    /usr/bin/python3 scripts/make-onnx-fixtures.py            # small models, committed
    /usr/bin/python3 scripts/make-onnx-fixtures.py --large    # + full-size torchvision models

Small models (committed, so CI checks them without PyTorch) go to test/fixtures/onnx/: the
torchvision architectures built from torchvision's own blocks at reduced width (ResNet-18 at
1/8 width, MobileNetV2 x0.25, SqueezeNet 1.1 at 1/4 width, AlexNet at 1/4 width) and small
hand-written networks (an encoder-decoder with BatchNormalization, Resize and ConvTranspose;
a tiny CNN exported at opset 11 with a dynamic batch and a shape subgraph for flatten).
Full-size torchvision models (--large; ~300 MB) go to test/fixtures/onnx/large/, which git
ignores; their inputs and outputs are committed and the test skips them, with a message,
when the .onnx files are absent.

Each model NAME gives NAME.onnx, NAME.input.npy (or the shared rgb224.input.npy for the 224x224
models) and NAME.output.npy (float32, C order).
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.models.squeezenet import Fire

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'onnx')


def randomize_norm_stats(model, gen):
    """Random BatchNorm statistics and affine parameters, so no BN layer is an identity."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)


class EncoderDecoder(nn.Module):
    """A small U-Net-like network: every operator family the importer must handle."""

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                  nn.LeakyReLU(0.1))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.mid = nn.Sequential(nn.Conv2d(16, 16, 3, padding=2, dilation=2, groups=4), nn.ELU(0.7),
                                 nn.Conv2d(16, 16, 1), nn.Hardswish())
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.dec1 = nn.Sequential(nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
                                  nn.BatchNorm2d(8), nn.ReLU6())
        self.up2 = nn.Upsample(scale_factor=2, mode='nearest')
        self.head = nn.Sequential(nn.Conv2d(16, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, 3, 1), nn.Hardsigmoid())

    def forward(self, x):
        e1 = self.enc1(x)                      # 8 x H x W
        e2 = self.enc2(e1)                     # 16 x H/2
        m = self.pool(e2)                      # 16 x ceil: 5 x 5 at H = 16
        m = self.avg(self.mid(m)) + m          # residual Add
        # Resize to e2's size (a non-integer scale, 5 -> 8 at H = 16) from a shape subgraph.
        m = F.interpolate(m, size=e2.shape[2:], mode='bilinear', align_corners=False) * torch.sigmoid(e2)
        d = self.dec1(m)                       # 8 x H
        d = torch.cat([d, e1 - 0.5], dim=1)    # 16 x H, Concat skip
        d = self.up2(F.pad(d, (0, 1, 1, 0)))   # asymmetric Pad, nearest Resize
        return self.head(d) / 2.0


class TinyCnn(nn.Module):
    """A classifier flattened with x.view(x.size(0), -1): with a dynamic batch the exporter
    emits Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 5, stride=2, padding=(1, 2))
        self.pool = nn.AvgPool2d(2, ceil_mode=True)
        self.fc1 = nn.Linear(6 * 4 * 4, 20)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        x = x.view(x.size(0), -1)
        x = torch.clamp(self.fc1(x), min=-1.0, max=2.0)
        x = self.fc2(self.drop(x))
        return torch.cat([F.softmax(x, dim=1), F.log_softmax(x, dim=1), torch.matmul(x, x.t())], dim=1)


def resnet18_small(width=8, num_classes=10):
    """ResNet-18's topology (BasicBlock x [2,2,2,2]) at widths width..8*width."""
    m = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
    m.inplanes = width
    m.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(width)
    m.layer1 = m._make_layer(BasicBlock, width, 2)
    m.layer2 = m._make_layer(BasicBlock, 2 * width, 2, stride=2)
    m.layer3 = m._make_layer(BasicBlock, 4 * width, 2, stride=2)
    m.layer4 = m._make_layer(BasicBlock, 8 * width, 2, stride=2)
    m.fc = nn.Linear(8 * width, num_classes)
    return m


def squeezenet1_1_small(num_classes=10):
    """SqueezeNet 1.1's topology with every Fire module at 1/4 width."""
    m = torchvision.models.squeezenet1_1(num_classes=num_classes)
    m.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 16, 16), Fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 8, 32, 32), Fire(64, 8, 32, 32),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(64, 12, 48, 48), Fire(96, 12, 48, 48), Fire(96, 16, 64, 64), Fire(128, 16, 64, 64))
    m.classifier[1] = nn.Conv2d(128, num_classes, kernel_size=1)
    return m


def alexnet_small(num_classes=10):
    """AlexNet's topology (5 conv, 3 max pools, adaptive pool to 6x6, 3 FC) at 1/4 width."""
    m = torchvision.models.alexnet(num_classes=num_classes)
    m.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(16, 48, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(48, 96, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(96, 64, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(64, 64, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2))
    m.classifier = nn.Sequential(
        nn.Dropout(), nn.Linear(64 * 6 * 6, 64), nn.ReLU(inplace=True),
        nn.Dropout(), nn.Linear(64, 64), nn.ReLU(inplace=True), nn.Linear(64, num_classes))
    return m


def export(name, make_model, input_shape, out_dir, opset=13, dynamic_batch=False, seed=0, input_name=None):
    """Build the model under a fixed seed (so reruns give identical files), export it, save
    the input (shared by several models when input_name is given) and PyTorch's output."""
    torch.manual_seed(seed)
    model = make_model()
    gen = torch.Generator().manual_seed(seed)
    randomize_norm_stats(model, gen)
    model.eval()
    x = torch.randn(*input_shape, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + '.onnx')
    kwargs = {}
    if dynamic_batch:
        kwargs['dynamic_axes'] = {'input': {0: 'batch'}, 'output': {0: 'batch'}}
    torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=['output'],
                      do_constant_folding=not dynamic_batch, **kwargs)
    np.save(os.path.join(OUT, (input_name or name) + '.input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(OUT, name + '.output.npy'), y.numpy().astype(np.float32))
    params = sum(p.numel() for p in model.parameters())
    print(f'{name}: {params} parameters, {os.path.getsize(path)} bytes, output {tuple(y.shape)} '
          f'|y| max {y.abs().max().item():.3g}', file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--large', action='store_true', help='also export full-size torchvision models (not committed)')
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(False)

    export('encoder_decoder', EncoderDecoder, (2, 3, 16, 16), OUT, opset=13)
    export('tiny_cnn_opset11', TinyCnn, (3, 1, 16, 16), OUT, opset=11, dynamic_batch=True)
    export('resnet18_small', resnet18_small, (1, 3, 64, 64), OUT)
    export('mobilenet_v2_small', lambda: torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10),
           (1, 3, 64, 64), OUT)
    export('squeezenet1_1_small', squeezenet1_1_small, (1, 3, 64, 64), OUT)
    export('alexnet_small', alexnet_small, (1, 3, 224, 224), OUT, input_name='rgb224')

    if args.large:
        large = os.path.join(OUT, 'large')
        os.makedirs(large, exist_ok=True)
        # One shared input (rgb224.input.npy) keeps the committed fixtures small.
        for name in ('resnet18', 'mobilenet_v2', 'squeezenet1_1', 'alexnet'):
            export(name, getattr(torchvision.models, name), (1, 3, 224, 224), large, input_name='rgb224')


if __name__ == '__main__':
    main()
