"""Trains small PyTorch models on MNIST and exports them with torch.onnx.export: a producer modelpress did
not write, for the ONNX import tests (OnnxTorchImportTest).

  python3 torch_export.py MNIST_DIR OUT_DIR

Writes OUT_DIR/<name>.onnx (opset 13, dynamic batch) and OUT_DIR/<name>.pred (PyTorch's own top-1 class of
each of the 10,000 test images, one byte each) for every model below, after three epochs of Adam on the first
6,000 training images (pixels / 255, as modelpress's default normalisation).
"""
import os
import sys

import numpy as np
import torch
from torch import nn


def idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


class Mlp(nn.Module):
    """Flatten, Linear + BatchNorm1d (left as a BatchNormalization node), ReLU, Dropout, ReLU6 (Clip)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 96), nn.BatchNorm1d(96), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(96, 48), nn.ReLU6(), nn.Linear(48, 10))

    def forward(self, x):
        return self.net(x)


class Cnn(nn.Module):
    """Conv + BatchNorm2d (folded by the exporter), ReLU after max-pooling, an average pool with padding, a
    strided convolution, LeakyReLU, and x.view(x.size(0), -1) (Shape, Gather, Unsqueeze, Concat, Reshape)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool2 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.conv3 = nn.Conv2d(16, 16, 3)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = torch.relu(nn.functional.max_pool2d(self.bn1(self.conv1(x)), 2))  # 14x14
        x = self.pool2(nn.functional.relu6(self.bn2(self.conv2(x))))        # 7x7 -> 4x4
        x = nn.functional.leaky_relu(self.conv3(x), 0.01)                    # 2x2
        return self.fc(x.view(x.size(0), -1))


class Gap(nn.Module):
    """Tanh and Sigmoid activations, global average pooling, torch.flatten and a final Softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 12, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(12, 48, 3, padding=1)
        self.fc1 = nn.Linear(48, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.tanh(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.fc2(torch.sigmoid(self.fc1(x))), dim=1)


def main():
    mnist, out = sys.argv[1], sys.argv[2]
    torch.manual_seed(7)
    torch.set_num_threads(1)
    x = torch.from_numpy(idx(os.path.join(mnist, "train-images-idx3-ubyte"), 16)[:6000 * 784].astype(np.float32)
                         .reshape(6000, 1, 28, 28) / 255.0)
    y = torch.from_numpy(idx(os.path.join(mnist, "train-labels-idx1-ubyte"), 8)[:6000].astype(np.int64))
    tx = torch.from_numpy(idx(os.path.join(mnist, "t10k-images-idx3-ubyte"), 16).astype(np.float32)
                          .reshape(10000, 1, 28, 28) / 255.0)
    os.makedirs(out, exist_ok=True)
    for name, model in (("mlp", Mlp()), ("cnn", Cnn()), ("gap", Gap())):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2 if name == "gap" else 2e-3)
        model.train()
        for i in range(0, 6000 * 3, 64):
            opt.zero_grad()
            j = i % 6000
            z = model(x[j:j + 64])
            loss = nn.functional.nll_loss(torch.log(z + 1e-9), y[j:j + 64]) if name == "gap" \
                else nn.functional.cross_entropy(z, y[j:j + 64])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(tx).argmax(1).numpy().astype(np.uint8)
        pred.tofile(os.path.join(out, name + ".pred"))
        torch.onnx.export(model, tx[:1], os.path.join(out, name + ".onnx"), opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        print(name, "accuracy", float((pred == idx(os.path.join(mnist, "t10k-labels-idx1-ubyte"), 8)).mean()))


if __name__ == "__main__":
    main()
