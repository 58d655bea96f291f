"""What the PyTorch yardsticks share: Fashion-MNIST as float tensors and the
MLP that libforget's `mlp` kind builds (Linear/ReLU, no ReLU on the logits)."""
import os

import numpy as np
import torch
from torch import nn

from fashion_idx import read_idx  # next to this script


def load_split(data_dir, prefix):
    """Return (float32 [N, 784] in [0, 1], int64 [N]) tensors for 'train' or 't10k'."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x00000801)
    x = images.reshape(len(images), -1).astype(np.float32)
    x /= 255.0  # in place: avoid a second float copy of the images
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def build_mlp(layers):
    mods = []
    for fan_in, fan_out in zip(layers, layers[1:]):
        mods += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*mods[:-1])  # no ReLU on the logits
