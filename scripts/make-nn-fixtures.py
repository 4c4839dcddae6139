#!/usr/bin/python3
"""Golden values for dnnkit's nn modules and optim from PyTorch.

Run with Debian's PyTorch 1.13 (not the python3 first on PATH, which has no torch):

    /usr/bin/python3 scripts/make-nn-fixtures.py

Writes test/fixtures/nn/*.json (committed, so CI never needs PyTorch):
  optim.json      params after each step of SGD/Adam/AdamW variants on fixed gradient sequences
  schedules.json  the lr (and momentum/beta1) after construction and after each step()
  clip.json       clip_grad_norm_ and adaptive gradient clipping (timm's reference code)
  modules.json    Conv2d / ConvTranspose2d / Linear / BatchNorm outputs and weight gradients
  cnn.json        a small Sequential CNN: state_dict keys and shapes, weights, outputs in
                  train and eval mode, running statistics after the training pass
Every tensor is stored as {"shape": [...], "data": [...]} of float32 values.
"""
import json
import math
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'nn')


def t2j(t):
    t = t.detach().to(torch.float32).contiguous()
    return {'shape': list(t.shape), 'data': t.reshape(-1).tolist()}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


def optim_cases():
    g = torch.Generator().manual_seed(1)
    shapes = [(3, 4), (4,)]
    init = [torch.randn(*s, generator=g) for s in shapes]
    steps = 6
    grads = [[torch.randn(*s, generator=g) for s in shapes] for _ in range(steps)]
    configs = [
        ('SGD', {'lr': 0.1}),
        ('SGD', {'lr': 0.05, 'momentum': 0.9}),
        ('SGD', {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.3, 'weight_decay': 0.01}),
        ('SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True, 'weight_decay': 1e-3}),
        ('Adam', {'lr': 0.01}),
        ('Adam', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1}),
        ('Adam', {'lr': 0.01, 'amsgrad': True}),
        ('AdamW', {'lr': 0.01}),
        ('AdamW', {'lr': 0.03, 'betas': (0.85, 0.95), 'weight_decay': 0.2, 'amsgrad': True}),
    ]
    cases = []
    for name, kw in configs:
        params = [p.clone().requires_grad_(True) for p in init]
        opt = getattr(torch.optim, name)(params, foreach=False, **kw)
        after = []
        for s in range(steps):
            for p, gr in zip(params, grads[s]):
                p.grad = gr.clone()
            opt.step()
            after.append([t2j(p) for p in params])
        options = {camel(k): (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
        cases.append({'optimizer': name, 'options': options, 'after': after})
    write('optim.json', {'init': [t2j(p) for p in init], 'grads': [[t2j(x) for x in gs] for gs in grads], 'cases': cases})


def camel(s):
    head, *rest = s.split('_')
    return head + ''.join(w.capitalize() for w in rest)


def schedule_cases():
    def run(make_opt, make_sched, steps, opt_name):
        p = torch.zeros(1, requires_grad=True)
        opt = make_opt([p])
        sched = make_sched(opt)
        rec = lambda: {'lr': opt.param_groups[0]['lr'],
                       'momentum': (opt.param_groups[0]['betas'][0] if 'betas' in opt.param_groups[0]
                                    else opt.param_groups[0].get('momentum'))}
        out = [rec()]
        for _ in range(steps):
            p.grad = torch.ones(1)
            opt.step()
            sched.step()
            out.append(rec())
        return out

    sgd = lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)
    adam = lambda ps: torch.optim.Adam(ps, lr=0.1)
    S = torch.optim.lr_scheduler
    warm = 4
    cases = [
        {'name': 'StepLR', 'optimizer': 'SGD', 'options': {'stepSize': 3, 'gamma': 0.5},
         'values': run(sgd, lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12, 'SGD')},
        {'name': 'CosineAnnealingLR', 'optimizer': 'SGD', 'options': {'tMax': 10, 'etaMin': 0.001},
         'values': run(sgd, lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 25, 'SGD')},
        {'name': 'LinearLR', 'optimizer': 'SGD', 'options': {'startFactor': 0.25, 'totalIters': 6},
         'values': run(sgd, lambda o: S.LinearLR(o, start_factor=0.25, total_iters=6), 10, 'SGD')},
        {'name': 'LinearWarmup', 'optimizer': 'SGD', 'options': {'warmupSteps': warm, 'startFactor': 0.1},
         'values': run(sgd, lambda o: S.LambdaLR(o, lambda e: 0.1 + 0.9 * min(e, warm) / warm), 8, 'SGD')},
        {'name': 'OneCycleLR', 'optimizer': 'SGD', 'options': {'maxLr': 0.5, 'totalSteps': 20},
         'values': run(sgd, lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20), 19, 'SGD')},
        {'name': 'OneCycleLR', 'optimizer': 'Adam', 'options': {'maxLr': 0.01, 'epochs': 3, 'stepsPerEpoch': 7,
                                                              'annealStrategy': 'linear', 'pctStart': 0.25},
         'values': run(adam, lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=7,
                                                    anneal_strategy='linear', pct_start=0.25), 20, 'Adam')},
        {'name': 'OneCycleLR', 'optimizer': 'SGD', 'options': {'maxLr': 0.2, 'totalSteps': 15, 'threePhase': True,
                                                             'divFactor': 10, 'finalDivFactor': 100},
         'values': run(sgd, lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=15, three_phase=True,
                                                   div_factor=10, final_div_factor=100), 14, 'SGD')},
        {'name': 'SequentialLR', 'optimizer': 'SGD',
         'options': {'schedules': [{'name': 'LinearLR', 'options': {'startFactor': 0.1, 'totalIters': 5}},
                                   {'name': 'CosineAnnealingLR', 'options': {'tMax': 10, 'etaMin': 0.001}}],
                     'milestones': [5]},
         'values': run(sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                         S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)],
                                                     milestones=[5]), 20, 'SGD')},
        {'name': 'SequentialLR', 'optimizer': 'Adam',
         'options': {'schedules': [{'name': 'LinearWarmup', 'options': {'warmupSteps': 3, 'startFactor': 0.2}},
                                   {'name': 'StepLR', 'options': {'stepSize': 2, 'gamma': 0.5}},
                                   {'name': 'CosineAnnealingLR', 'options': {'tMax': 4}}],
                     'milestones': [3, 8]},
         'values': run(adam, lambda o: S.SequentialLR(o, [S.LambdaLR(o, lambda e: 0.2 + 0.8 * min(e, 3) / 3),
                                                          S.StepLR(o, step_size=2, gamma=0.5),
                                                          S.CosineAnnealingLR(o, T_max=4)],
                                                      milestones=[3, 8]), 14, 'Adam')},
    ]
    write('schedules.json', {'cases': cases})


def adaptive_clip_grad(parameters, clip_factor=0.01, eps=1e-3, norm_type=2.0):
    # timm.utils.agc.adaptive_clip_grad (Apache-2.0), the reference implementation of AGC.
    def unitwise_norm(x):
        if x.ndim <= 1:
            return x.norm(norm_type)
        return x.norm(norm_type, dim=tuple(range(1, x.ndim)), keepdim=True)
    for p in parameters:
        if p.grad is None:
            continue
        p_data = p.detach()
        g_data = p.grad.detach()
        max_norm = unitwise_norm(p_data).clamp_(min=eps).mul_(clip_factor)
        grad_norm = unitwise_norm(g_data)
        clipped_grad = g_data * (max_norm / grad_norm.clamp(min=1e-6))
        new_grads = torch.where(grad_norm < max_norm, g_data, clipped_grad)
        p.grad.detach().copy_(new_grads)


def clip_cases():
    g = torch.Generator().manual_seed(2)
    shapes = [(4, 3, 2, 2), (4,), (5, 6)]
    params = [torch.randn(*s, generator=g) for s in shapes]
    # Rows of very different gradient scale, so some units are clipped and some are not.
    grads = [torch.randn(*s, generator=g) * torch.logspace(-3, 0, s[0]).reshape(-1, *([1] * (len(s) - 1))) for s in shapes]
    params[1][2] = 0.0  # a zero unit: eps decides its bound
    norm_cases = []
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf)]:
        ps = [p.clone().requires_grad_(True) for p in params]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        norm_cases.append({'maxNorm': max_norm, 'normType': 'inf' if norm_type == math.inf else norm_type,
                           'total': total.item(), 'grads': [t2j(p.grad) for p in ps]})
    agc_cases = []
    for clipping, eps in [(0.01, 1e-3), (0.1, 1e-3), (0.05, 0.5)]:
        ps = [p.clone().requires_grad_(True) for p in params]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        adaptive_clip_grad(ps, clipping, eps)
        agc_cases.append({'clipping': clipping, 'eps': eps, 'grads': [t2j(p.grad) for p in ps]})
    write('clip.json', {'params': [t2j(p) for p in params], 'grads': [t2j(x) for x in grads],
                        'norm': norm_cases, 'agc': agc_cases})


def module_case(name, module, x, options):
    module.train()
    state = {k: t2j(v) for k, v in module.state_dict().items()}
    x = x.clone().requires_grad_(True)
    g = torch.Generator().manual_seed(5)
    y = module(x)
    dy = torch.randn(y.shape, generator=g)
    (y * dy).sum().backward()
    return {'name': name, 'options': options,
            'state': state,
            'x': t2j(x), 'y': t2j(y), 'dy': t2j(dy), 'dx': t2j(x.grad),
            'grads': {k: t2j(p.grad) for k, p in module.named_parameters()},
            'stateAfter': {k: t2j(v) for k, v in module.state_dict().items()}}


def module_cases():
    torch.manual_seed(3)
    cases = [
        module_case('Conv2d', nn.Conv2d(4, 6, 3, stride=2, padding=1), torch.randn(2, 4, 7, 6),
                    {'args': [4, 6, 3], 'stride': 2, 'padding': 1}),
        module_case('Conv2d', nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(2, 1), dilation=2, groups=2, bias=False),
                    torch.randn(2, 4, 7, 6),
                    {'args': [4, 6, [3, 2]], 'stride': [1, 2], 'padding': [2, 1], 'dilation': 2, 'groups': 2, 'bias': False}),
        module_case('ConvTranspose2d', nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
                    torch.randn(2, 4, 3, 4), {'args': [4, 3, 3], 'stride': 2, 'padding': 1, 'outputPadding': 1}),
        module_case('Linear', nn.Linear(5, 3), torch.randn(4, 5), {'args': [5, 3]}),
        module_case('BatchNorm2d', nn.BatchNorm2d(3, momentum=0.2), torch.randn(4, 3, 3, 2) * 2 + 1,
                    {'args': [3], 'momentum': 0.2}),
        module_case('BatchNorm1d', nn.BatchNorm1d(5, eps=1e-3), torch.randn(6, 5) * 3 - 1, {'args': [5], 'eps': 1e-3}),
    ]
    write('modules.json', {'cases': cases})


def cnn_case():
    torch.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(8, 10), nn.BatchNorm1d(10),
    )
    # Non-trivial affine and running statistics, so loading them matters.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    state = {k: t2j(v) for k, v in model.state_dict().items()}
    keys = list(model.state_dict().keys())
    x = torch.randn(3, 1, 10, 10)
    model.eval()
    y_eval = model(x)
    model.train()
    y_train = model(x)
    write('cnn.json', {'keys': keys, 'state': state, 'x': t2j(x), 'yEval': t2j(y_eval), 'yTrain': t2j(y_train),
                       'stateAfterTrain': {k: t2j(v) for k, v in model.state_dict().items()}})


if __name__ == '__main__':
    assert torch.__version__.startswith('1.13'), f'expected PyTorch 1.13, got {torch.__version__}'
    optim_cases()
    schedule_cases()
    clip_cases()
    module_cases()
    cnn_case()
