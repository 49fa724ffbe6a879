"""STU-Net in PyTorch, written for stunetc's peer benchmarks from the architecture description in
STUNET.md (residual blocks with a strided 1x1 shortcut in each stage's first block, nearest
upsampling followed by a 1x1 conv, concatenation [upsampled, skip], five heads). Module and
parameter names follow the official state-dict keys so the same checkpoints load.

Optional tooling: never needed to build, test or run stunetc.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "S": ([16, 32, 64, 128, 256, 256], [1] * 6),
    "B": ([32, 64, 128, 256, 512, 512], [1] * 6),
    "L": ([64, 128, 256, 512, 1024, 1024], [2] * 6),
    "H": ([96, 192, 384, 768, 1536, 1536], [3] * 6),
}
TOTALSEG_STRIDES = [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]]


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, kernel, stride, projection):
        super().__init__()
        pad = [k // 2 for k in kernel]
        self.conv1 = nn.Conv3d(cin, cout, kernel, stride=stride, padding=pad)
        self.norm1 = nn.InstanceNorm3d(cout, affine=True)
        self.conv2 = nn.Conv3d(cout, cout, kernel, padding=pad)
        self.norm2 = nn.InstanceNorm3d(cout, affine=True)
        self.conv3 = nn.Conv3d(cin, cout, 1, stride=stride) if projection else None

    def forward(self, x):
        y = F.leaky_relu(self.norm1(self.conv1(x)), 0.01)
        y = self.norm2(self.conv2(y))
        shortcut = self.conv3(x) if self.conv3 is not None else x
        return F.leaky_relu(y + shortcut, 0.01)


class Upsample(nn.Module):
    def __init__(self, cin, cout, scale):
        super().__init__()
        self.scale = tuple(scale)
        self.conv = nn.Conv3d(cin, cout, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=self.scale, mode="nearest"))


class STUNet(nn.Module):
    def __init__(self, widths, depths, strides=TOTALSEG_STRIDES, classes=105, in_channels=1, kernel=(3, 3, 3)):
        super().__init__()
        self.conv_blocks_context = nn.ModuleList()
        for d, width in enumerate(widths):
            cin = in_channels if d == 0 else widths[d - 1]
            stride = [1, 1, 1] if d == 0 else strides[d - 1]
            blocks = [ResidualBlock(cin, width, kernel, stride, True)]
            blocks += [ResidualBlock(width, width, kernel, 1, False) for _ in range(depths[d] - 1)]
            self.conv_blocks_context.append(nn.Sequential(*blocks))
        levels = len(widths) - 1
        self.upsample_layers = nn.ModuleList()
        self.conv_blocks_localization = nn.ModuleList()
        self.seg_outputs = nn.ModuleList()
        for u in range(levels):
            level = levels - 1 - u
            self.upsample_layers.append(Upsample(widths[level + 1], widths[level], strides[level]))
            blocks = [ResidualBlock(2 * widths[level], widths[level], kernel, 1, True)]
            blocks += [ResidualBlock(widths[level], widths[level], kernel, 1, False) for _ in range(depths[level] - 1)]
            self.conv_blocks_localization.append(nn.Sequential(*blocks))
            self.seg_outputs.append(nn.Conv3d(widths[level], classes, 1))

    def forward(self, x):
        skips = []
        for d, stage in enumerate(self.conv_blocks_context):
            x = stage(x)
            if d < len(self.conv_blocks_context) - 1:
                skips.append(x)
        for u in range(len(self.upsample_layers)):
            x = self.upsample_layers[u](x)
            x = torch.cat((x, skips[-(u + 1)]), dim=1)
            x = self.conv_blocks_localization[u](x)
        # Inference uses only the full-resolution head (the others are dead code).
        return self.seg_outputs[-1](x)


def preset(name, classes=105):
    widths, depths = PRESETS[name]
    return STUNet(widths, depths, classes=classes)
