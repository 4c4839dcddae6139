#!/usr/bin/python3
"""Golden values for dnnkit's ops from PyTorch (run with Debian's /usr/bin/python3, torch 1.13).

For every case: float32 inputs (saved), the output computed in float64 from those inputs
(saved as float32), a random R of the output's shape and the gradient of sum(out * R) with
respect to every input. Writes test/fixtures/ops/<family>.json; tensors are
{"shape": [...], "data": base64 of little-endian float32}. Options use dnnkit's names
(camelCase), so the tests pass them straight to F.<op>.

    /usr/bin/python3 scripts/make-op-fixtures.py
"""
import base64
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'ops')
torch.manual_seed(20261125)


def enc(t):
    a = t.detach().to(torch.float32).contiguous().numpy().astype('<f4')
    return {'shape': list(t.shape), 'data': base64.b64encode(a.tobytes()).decode('ascii')}


def rnd(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).to(torch.float32)


def case(name, fn, inputs, options, extra_outputs=None, grad=True):
    """Run fn(**double inputs) and record output, R and gradients of sum(out * R)."""
    leaves = {k: v.double().clone().requires_grad_(grad and v is not None) for k, v in inputs.items() if v is not None}
    out = fn(**leaves)
    c = {'name': name, 'options': options,
         'inputs': {k: enc(v) for k, v in inputs.items() if v is not None},
         'out': enc(out)}
    if grad:
        R = torch.randn(out.shape, dtype=torch.float64)
        (out * R).sum().backward()
        c['R'] = enc(R)
        c['grads'] = {k: enc(v.grad) for k, v in leaves.items()}
    if extra_outputs:
        c.update({k: enc(v) for k, v in extra_outputs().items()})
    return c


def save(family, cases):
    with open(os.path.join(OUT, f'{family}.json'), 'w') as f:
        json.dump({'generator': 'scripts/make-op-fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)


def torch_padding(p):
    return tuple(p) if isinstance(p, list) else p


# conv2d: (name, x shape, w shape, bias, options)
conv_cases = [
    ('basic pad 1', [2, 3, 7, 7], [4, 3, 3, 3], True, {'padding': 1}),
    ('stride 2 leaves a remainder', [1, 2, 8, 9], [3, 2, 3, 3], True, {'stride': 2}),
    ('asymmetric padding and stride', [2, 3, 9, 10], [5, 3, 4, 2], True, {'stride': [2, 3], 'padding': [2, 0]}),
    ('same with even kernel', [1, 2, 6, 7], [3, 2, 4, 2], True, {'padding': 'same'}),
    ('same with dilation', [1, 2, 7, 6], [2, 2, 3, 2], False, {'padding': 'same', 'dilation': [2, 3]}),
    ('dilation and padding', [2, 2, 9, 9], [3, 2, 3, 3], True, {'dilation': [2, 3], 'padding': 2, 'stride': [1, 2]}),
    ('groups 2', [2, 4, 6, 6], [6, 2, 3, 3], True, {'groups': 2, 'stride': 2, 'padding': 1}),
    ('depthwise', [1, 5, 7, 7], [5, 1, 3, 3], True, {'groups': 5, 'stride': 2, 'padding': 1}),
    ('depthwise multiplier 2', [2, 3, 5, 6], [6, 1, 3, 3], False, {'groups': 3, 'padding': [1, 0]}),
    ('1x1 no bias', [3, 4, 4, 5], [2, 4, 1, 1], False, {}),
    ('valid 5x5', [1, 2, 8, 8], [2, 2, 5, 5], True, {'padding': 'valid', 'stride': 3}),
    ('strided same (TensorFlow rule)', [1, 2, 7, 8], [3, 2, 3, 4], True, {'padding': 'same', 'stride': 2}),
    ('strided same with dilation', [2, 1, 9, 6], [2, 1, 2, 3], False, {'padding': 'same', 'stride': [3, 2], 'dilation': [2, 1]}),
]


def same_pads(size, k, u, d):
    """'same' padding at any stride: P = ceil(H/U), the odd unit at the bottom/right."""
    total = max((-(-size // u) - 1) * u + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2
cases = []
for name, xs, ws, bias, o in conv_cases:
    def fn(x, w, b=None, o=o):
        stride = o.get('stride', 1)
        if o.get('padding') == 'same' and stride != 1:
            # PyTorch refuses strided 'same'; pad explicitly by the rule dnnkit documents.
            u, v = (stride, stride) if isinstance(stride, int) else stride
            dil = o.get('dilation', 1)
            dh, dw = (dil, dil) if isinstance(dil, int) else dil
            top, bottom = same_pads(x.shape[2], w.shape[2], u, dh)
            left, right = same_pads(x.shape[3], w.shape[3], v, dw)
            return F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride=(u, v), dilation=(dh, dw))
        return F.conv2d(x, w, b, stride=torch_padding(o.get('stride', 1)), padding=torch_padding(o.get('padding', 0)),
                        dilation=torch_padding(o.get('dilation', 1)), groups=o.get('groups', 1))
    cases.append(case(name, fn, {'x': rnd(*xs), 'w': rnd(*ws), 'b': rnd(ws[0]) if bias else None}, o))
save('conv2d', cases)

convt_cases = [
    ('stride 2 pad 1 outputPadding 1', [1, 4, 3, 3], [4, 3, 3, 3], True, {'stride': 2, 'padding': 1, 'outputPadding': 1}),
    ('groups 2 anisotropic', [2, 4, 4, 5], [4, 2, 3, 2], True, {'groups': 2, 'stride': [2, 3], 'padding': [0, 1], 'outputPadding': [1, 2]}),
    ('dilation 2', [1, 3, 4, 4], [3, 2, 3, 3], False, {'dilation': 2, 'padding': 2}),
    ('stride 3 kernel 2 leaves gaps', [1, 2, 3, 3], [2, 2, 2, 2], True, {'stride': 3, 'outputPadding': 2}),
    ('depthwise', [2, 3, 3, 4], [3, 1, 3, 3], True, {'groups': 3, 'stride': 2, 'padding': 1}),
]
cases = []
for name, xs, ws, bias, o in convt_cases:
    def fn(x, w, b=None, o=o):
        return F.conv_transpose2d(x, w, b, stride=torch_padding(o.get('stride', 1)), padding=torch_padding(o.get('padding', 0)),
                                  output_padding=torch_padding(o.get('outputPadding', 0)), groups=o.get('groups', 1),
                                  dilation=torch_padding(o.get('dilation', 1)))
    cases.append(case(name, fn, {'x': rnd(*xs), 'w': rnd(*ws), 'b': rnd(ws[1] * o.get('groups', 1)) if bias else None}, o))
save('conv-transpose2d', cases)

cases = []
for name, xs, ws, bias in [('2-D with bias', [5, 7], [3, 7], True), ('3-D no bias', [2, 3, 6], [4, 6], False),
                           ('1-D input', [6], [2, 6], True)]:
    cases.append(case(name, lambda x, w, b=None: F.linear(x, w, b), {'x': rnd(*xs), 'w': rnd(*ws), 'b': rnd(ws[0]) if bias else None}, {}))
save('linear', cases)


def conv_via_numpy(x, k):
    """Full 2-D convolution by its definition: out[i+r, j+s] += x[i, j] * k[r, s]."""
    H, W = x.shape
    R, S = k.shape
    out = np.zeros((H + R - 1, W + S - 1))
    for r in range(R):
        for s in range(S):
            out[r:r + H, s:s + W] += k[r, s] * x
    return out


def convolve2d(x, k, mode):
    lead = x.shape[:-2]
    R, S = k.shape[-2:]
    if x.dim() == 2:
        x4, k4 = x[None, None], k[None, None]
    elif k.dim() == 2:
        x4, k4 = x.reshape(-1, 1, *x.shape[-2:]), k[None, None]
    else:
        x4, k4 = x, k
    y = F.conv2d(x4, k4.flip(-1, -2), padding=(R - 1, S - 1))
    if mode == 'same':
        t, l = (R - 1) // 2, (S - 1) // 2
        y = y[..., t:t + x.shape[-2], l:l + x.shape[-1]]
    elif mode == 'valid':
        y = y[..., R - 1:x.shape[-2], S - 1:x.shape[-1]]
    if x.dim() == 2:
        return y[0, 0]
    if k.dim() == 2:
        return y.reshape(*lead, *y.shape[-2:])
    return y


cases = []
for name, xs, ks, mode in [('2-D full', [5, 6], [3, 2], 'full'), ('2-D same even kernel', [6, 5], [4, 2], 'same'),
                           ('2-D valid', [7, 6], [3, 3], 'valid'), ('NCHW with MCRS kernel', [2, 3, 5, 5], [4, 3, 3, 2], 'full'),
                           ('NCHW with one 2-D kernel', [2, 2, 4, 5], [2, 3], 'same')]:
    x, k = rnd(*xs), rnd(*ks)
    if x.dim() == 2:
        # An independent check of the flip-and-pad formula against the definition.
        full = conv_via_numpy(x.double().numpy(), k.double().numpy())
        assert np.allclose(convolve2d(x.double(), k.double(), 'full').numpy(), full)
    cases.append(case(name, lambda x, k, mode=mode: convolve2d(x, k, mode), {'x': x, 'k': k}, {'mode': mode}))
save('convolve2d', cases)

cases = []
for name, xs, o in [('k2 s2', [2, 3, 6, 6], {'kernelSize': 2}),
                    ('k3 s2 pad 1', [1, 2, 7, 8], {'kernelSize': 3, 'stride': 2, 'padding': 1}),
                    ('ceilMode', [1, 2, 8, 8], {'kernelSize': 3, 'stride': 2, 'ceilMode': True}),
                    ('dilation 2 pad 1', [1, 2, 9, 8], {'kernelSize': 3, 'stride': 1, 'padding': 1, 'dilation': 2}),
                    ('anisotropic ceilMode', [2, 2, 9, 7], {'kernelSize': [3, 2], 'stride': [2, 1], 'padding': [1, 0], 'ceilMode': True}),
                    ('ties go to the first in window order', [1, 2, 6, 6], {'kernelSize': 3, 'stride': 1, 'padding': 1, 'ties': True})]:
    x = torch.randint(0, 3, xs).to(torch.float32) if o.get('ties') else rnd(*xs)
    o = {k: v for k, v in o.items() if k != 'ties'}
    def fn(x, o=o):
        return F.max_pool2d(x, torch_padding(o['kernelSize']), torch_padding(o.get('stride', o['kernelSize'])),
                            torch_padding(o.get('padding', 0)), torch_padding(o.get('dilation', 1)), ceil_mode=o.get('ceilMode', False))
    cases.append(case(name, fn, {'x': x}, o))
save('max-pool2d', cases)

cases = []
for name, xs, o in [('k2 s2', [2, 3, 6, 6], {'kernelSize': 2}),
                    ('k3 s2 pad 1 countIncludePad', [1, 2, 7, 8], {'kernelSize': 3, 'stride': 2, 'padding': 1}),
                    ('k3 s2 pad 1 exclude pad', [1, 2, 7, 8], {'kernelSize': 3, 'stride': 2, 'padding': 1, 'countIncludePad': False}),
                    ('ceilMode windows hang past the padded input', [1, 2, 8, 8], {'kernelSize': 3, 'stride': 2, 'padding': 1, 'ceilMode': True}),
                    ('ceilMode exclude pad anisotropic', [2, 1, 9, 6], {'kernelSize': [3, 2], 'stride': [2, 2], 'padding': [1, 1], 'ceilMode': True, 'countIncludePad': False}),
                    ('ceilMode no padding', [1, 1, 5, 5], {'kernelSize': 2, 'ceilMode': True})]:
    def fn(x, o=o):
        return F.avg_pool2d(x, torch_padding(o['kernelSize']), torch_padding(o.get('stride', o['kernelSize'])),
                            torch_padding(o.get('padding', 0)), ceil_mode=o.get('ceilMode', False),
                            count_include_pad=o.get('countIncludePad', True))
    cases.append(case(name, fn, {'x': rnd(*xs)}, o))
save('avg-pool2d', cases)

cases = []
for name, xs, size in [('uneven bins', [2, 3, 7, 9], [3, 4]), ('global', [1, 2, 5, 5], 1), ('identity', [1, 2, 4, 6], [4, 6]),
                       ('larger than the input', [1, 2, 3, 4], [5, 7])]:
    cases.append(case(name, lambda x, size=size: F.adaptive_avg_pool2d(x, torch_padding(size)), {'x': rnd(*xs)}, {'outputSize': size}))
save('adaptive-avg-pool2d', cases)


def zero_insert(x, u):
    N, C, H, W = x.shape
    out = torch.zeros(N, C, u * H, u * W, dtype=x.dtype)
    out[:, :, ::u, ::u] = x
    return out


cases = []
for name, xs, o in [('nearest 2', [1, 2, 3, 4], {'scaleFactor': 2, 'mode': 'nearest'}),
                    ('nearest [2, 3]', [2, 1, 3, 2], {'scaleFactor': [2, 3], 'mode': 'nearest'}),
                    ('zeros 2', [1, 2, 3, 4], {'scaleFactor': 2, 'mode': 'zeros'}),
                    ('zeros 3', [2, 1, 2, 3], {'scaleFactor': 3, 'mode': 'zeros'}),
                    ('bilinear 2 odd sizes', [1, 2, 5, 7], {'scaleFactor': 2, 'mode': 'bilinear'}),
                    ('bilinear 3', [2, 1, 3, 4], {'scaleFactor': 3, 'mode': 'bilinear'}),
                    ('bilinear 1.5', [1, 1, 5, 5], {'scaleFactor': 1.5, 'mode': 'bilinear'}),
                    ('bilinear [2, 3]', [1, 2, 3, 3], {'scaleFactor': [2, 3], 'mode': 'bilinear'})]:
    def fn(x, o=o):
        if o['mode'] == 'zeros':
            return zero_insert(x, o['scaleFactor'])
        sf = torch_padding(o['scaleFactor'])
        if o['mode'] == 'bilinear':
            return F.interpolate(x, scale_factor=sf, mode='bilinear', align_corners=False)
        return F.interpolate(x, scale_factor=sf, mode='nearest')
    cases.append(case(name, fn, {'x': rnd(*xs)}, o))
save('upsample', cases)

cases = []
for name, xs, affine, o in [('training 4-D', [4, 3, 5, 5], True, {'training': True}),
                            ('training 2-D', [8, 5], True, {'training': True}),
                            ('training 3-D momentum 0.3 eps 1e-3 no affine', [3, 4, 6], False, {'training': True, 'momentum': 0.3, 'eps': 1e-3}),
                            ('eval 4-D', [2, 3, 4, 4], True, {'training': False}),
                            ('eval 2-D no affine', [6, 4], False, {'training': False})]:
    C = xs[1]
    x = rnd(*xs, scale=2.0) + 0.5
    rm, rv = rnd(C), (torch.rand(C) + 0.5).to(torch.float32)
    state = {}

    def fn(x, w=None, b=None, o=o, rm=rm, rv=rv, state=state):
        state['rm'], state['rv'] = rm.double().clone(), rv.double().clone()
        return F.batch_norm(x, state['rm'], state['rv'], w, b, training=o['training'],
                            momentum=o.get('momentum', 0.1), eps=o.get('eps', 1e-5))
    c = case(name, fn, {'x': x, 'w': rnd(C) if affine else None, 'b': rnd(C) if affine else None}, o,
             extra_outputs=lambda state=state: {'runningMeanAfter': state['rm'], 'runningVarAfter': state['rv']})
    c['runningMean'], c['runningVar'] = enc(rm), enc(rv)
    cases.append(c)
save('batch-norm', cases)

act = {
    'relu': lambda x: F.relu(x), 'sigmoid': lambda x: torch.sigmoid(x), 'tanh': lambda x: torch.tanh(x),
    'leakyRelu': lambda x: F.leaky_relu(x, 0.01), 'leakyRelu 0.2': lambda x: F.leaky_relu(x, 0.2),
    'elu': lambda x: F.elu(x), 'elu 0.5': lambda x: F.elu(x, 0.5), 'relu6': lambda x: F.relu6(x), 'hardswish': lambda x: F.hardswish(x),
    'hardsigmoid': lambda x: F.hardsigmoid(x), 'silu': lambda x: F.silu(x),
    'softmax': lambda x: F.softmax(x, -1), 'softmax dim 0': lambda x: F.softmax(x, 0),
    'logSoftmax': lambda x: F.log_softmax(x, -1), 'logSoftmax dim 1': lambda x: F.log_softmax(x, 1),
    'softmax large logits': lambda x: F.softmax(x, -1),
}
cases = []
for name, fn in act.items():
    shape = [2, 3, 5] if 'dim' in name else [4, 7]
    x = rnd(*shape, scale=60.0 if 'large' in name else 4.0)
    cases.append(case(name, fn, {'x': x}, {}))
save('activation', cases)

cases = []
for name, n, k, o in [('mean', 5, 7, {}), ('sum', 4, 3, {'reduction': 'sum'}), ('none', 6, 4, {'reduction': 'none'}),
                      ('labelSmoothing 0.1', 5, 6, {'labelSmoothing': 0.1}),
                      ('labelSmoothing none', 3, 5, {'labelSmoothing': 0.2, 'reduction': 'none'}),
                      ('large logits', 4, 10, {'large': True}),
                      ('spatial [N, K, H, W]', 2, 4, {'spatial': [3, 2]}),
                      ('spatial none with labelSmoothing', 2, 3, {'spatial': [5], 'reduction': 'none', 'labelSmoothing': 0.1})]:
    spatial = o.get('spatial', [])
    logits = rnd(n, k, *spatial, scale=100.0 if o.get('large') else 2.0)
    o = {kk: v for kk, v in o.items() if kk not in ('large', 'spatial')}
    targets = torch.randint(0, k, (n, *spatial))

    def fn(x, o=o, t=targets):
        return F.cross_entropy(x, t, reduction=o.get('reduction', 'mean'), label_smoothing=o.get('labelSmoothing', 0.0))
    c = case(name, fn, {'x': logits}, o)
    c['targets'] = enc(targets.to(torch.float32))
    cases.append(c)
for name, shape, o in [('mse mean', [3, 4], {}), ('mse sum', [2, 5], {'reduction': 'sum'}), ('mse none', [4], {'reduction': 'none'})]:
    cases.append(case(name, lambda a, b, o=o: F.mse_loss(a, b, reduction=o.get('reduction', 'mean')),
                      {'a': rnd(*shape), 'b': rnd(*shape)}, o))
save('loss', cases)

cases = []
for name, xs, p, o in [('4 sides with value', [2, 2, 3, 4], [1, 2, 0, 3], {'value': 0.5}),
                       ('last dim only', [3, 5], [1, 1], {}),
                       ('negative crops', [1, 2, 5, 6], [-1, 2, 1, -2], {})]:
    c = case(name, lambda x, p=p, o=o: F.pad(x, p, value=o.get('value', 0.0)), {'x': rnd(*xs)}, o)
    c['padding'] = p
    cases.append(c)
save('pad', cases)
print('wrote', sorted(os.listdir(OUT)))
