#!/usr/bin/env python3
"""The PyTorch contender of bench/MnistPipeline.Bench: the tutorial recipe in PyTorch.

784-256-128-10 ReLU, Glorot-uniform weights and zero biases, SGD 0.01, loss
sum((out - one_hot(y))^2) / batch, batch 32, file order, 10 epochs; per step one .item() for
the loss and one for the count of correct predictions, as MlpTrainer and the plain TorchSharp
loop do. Reads the same plain IDX files; prints one JSON object on stdout.

usage: pytorch_mlp.py DATA_DIR [--threads N] [--seed S] [--epochs E]
"""
import argparse
import json
import os
import struct
import sys
import tempfile
import time

import torch
import torch.nn.functional as F


def read_idx(path, rank):
    with open(path, "rb") as f:
        data = f.read()
    zero, type_code, file_rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code != 0x08 or file_rank != rank:
        raise ValueError(f"{path}: not a plain unsigned-byte IDX file of rank {rank}")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    offset = 4 + 4 * rank
    expected = 1
    for d in dims:
        expected *= d
    if len(data) - offset != expected:
        raise ValueError(f"{path}: {len(data) - offset} data bytes, header says {expected}")
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8).reshape(dims)


def load(folder, prefix):
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), 3)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), 1)
    return images.reshape(images.shape[0], -1).to(torch.float32) / 255.0, labels.to(torch.int64)


def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    prep = time.perf_counter()
    x, y = load(args.data, "train")
    prep_seconds = time.perf_counter() - prep
    x_test, y_test = load(args.data, "t10k")
    peak_after_prep = peak_rss_bytes()

    start = time.perf_counter()
    torch.manual_seed(args.seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(layer.weight)
                torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    batch = 32
    rows = x.shape[0]
    epoch_seconds = []
    model.train()
    for _ in range(args.epochs):
        epoch_start = time.perf_counter()
        correct = 0
        for s in range(0, rows, batch):
            xb, yb = x[s:s + batch], y[s:s + batch]
            out = model(xb)
            loss = (out - F.one_hot(yb, 10).to(torch.float32)).square().sum() / yb.shape[0]
            value = loss.item()
            if value != value or value in (float("inf"), float("-inf")):
                raise RuntimeError(f"the loss is {value}: training diverged")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (out.argmax(1) == yb).sum().item()
        epoch_seconds.append(time.perf_counter() - epoch_start)
        if correct == 0:
            raise RuntimeError("no training row predicted right; the loop is broken")
    train_seconds = time.perf_counter() - start
    peak_after_train = peak_rss_bytes()

    model.eval()
    with torch.no_grad():
        logits = model(x_test)
        log_loss = F.cross_entropy(logits, y_test).item()
        accuracy = (logits.argmax(1) == y_test).to(torch.float64).mean().item()

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mlp.pt")
        torch.save(model.state_dict(), path)
        size = os.path.getsize(path)

    json.dump({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "trainingRows": rows,
        "trainSeconds": train_seconds,
        "dataPrepSeconds": prep_seconds,
        "epochSeconds": epoch_seconds,
        "testAccuracy": accuracy,
        "logLoss": log_loss,
        "peakRssAfterPrepBytes": peak_after_prep,
        "peakRssAfterTrainBytes": peak_after_train,
        "peakRssBytes": peak_rss_bytes(),
        "modelFileBytes": size,
        "parallelInfo": torch.__config__.parallel_info().strip().replace("\n", "; "),
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
