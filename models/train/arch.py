"""Model definitions. Only ops our Rust `nn` engine mirrors: Conv, BatchNormalization (folded
into Conv at export), Relu, Add, MaxPool, Flatten, Gemm.

The graph takes RGB in [0, 1] directly: input normalisation is learned by the first
Conv+BatchNorm pair (folded into one Conv at export), which is exact, unlike folding a
mean/std into a zero-padded convolution.
"""
import torch
import torch.nn as nn


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = conv_bn(c, c)
        self.b = conv_bn(c, c)

    def forward(self, x):
        return x + self.b(self.a(x))


class ResNet9(nn.Module):
    """ResNet-9 (Page, "How to train your ResNet", 2018) at a width of w=(16,32,64,128)
    with a residual block at every stage: 10 convolutions, ~0.49 M parameters, ~28 M MACs."""

    def __init__(self, widths=(16, 32, 64, 128), classes=10):
        super().__init__()
        c0, c1, c2, c3 = widths
        self.net = nn.Sequential(
            conv_bn(3, c0),
            conv_bn(c0, c1), nn.MaxPool2d(2), Residual(c1),
            conv_bn(c1, c2), nn.MaxPool2d(2), Residual(c2),
            conv_bn(c2, c3), nn.MaxPool2d(2), Residual(c3),
            nn.MaxPool2d(4), nn.Flatten(), nn.Linear(c3, classes),
        )

    def forward(self, x):
        return self.net(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        o = self.relu(self.b1(self.c1(x)))
        o = self.b2(self.c2(o))
        return self.relu(o + (x if self.short is None else self.short(x)))


class ResNet20(nn.Module):
    """ResNet-20 (He et al. 2016) with 1x1-conv ("option B") shortcuts; ends in
    AveragePool(8) + Flatten + Gemm."""

    def __init__(self, classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)]
        cin = 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                layers.append(BasicBlock(cin, cout, stride if i == 0 else 1))
                cin = cout
        layers += [nn.AvgPool2d(8), nn.Flatten(), nn.Linear(64, classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class ResNet9W(ResNet9):
    """ResNet-9 with compute moved to the high-resolution stages, w=(24,48,80,108): the same
    ~0.49 M parameter budget, 46 M MACs instead of 28 M."""

    def __init__(self, classes=10):
        super().__init__(widths=(24, 48, 80, 108), classes=classes)


class ResNet9Teacher(ResNet9):
    """Page's ResNet-9 at full width, w=(64,128,256,512): 6.6 M parameters, far over the
    budget of a committed model; used only as a distillation teacher (`train.py --teacher`)."""

    def __init__(self, classes=10):
        super().__init__(widths=(64, 128, 256, 512), classes=classes)


ARCHS = {"resnet9": ResNet9, "resnet9w": ResNet9W, "resnet20": ResNet20, "resnet9x4": ResNet9Teacher}


def count_macs(model, shape=(1, 3, 32, 32)):
    """Multiply-accumulates of Conv2d and Linear layers for one image."""
    macs = 0
    hooks = []

    def conv_hook(m, i, o):
        nonlocal macs
        macs += o.numel() // o.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def lin_hook(m, i, o):
        nonlocal macs
        macs += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(shape, device=next(model.parameters()).device))
    model.train(was)
    for h in hooks:
        h.remove()
    return macs
