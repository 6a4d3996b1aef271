#!/usr/bin/env python3
"""Writes the small UCI tables bundled with scikit-learn as CSV files, for tests and benchmarks.

Usage: export_uci_tables.py OUTPUT_FOLDER

Needs scikit-learn (Debian: apt-get install python3-sklearn), whose copies of these tables ship
with it: nothing is downloaded. The tables are from the UCI Machine Learning Repository (iris,
wine, optical digits, breast cancer Wisconsin: CC BY 4.0) and from Efron et al. (2004),
"Least Angle Regression" (diabetes). They are generated, never committed.

Each CSV has the feature columns f0..f{d-1}, then Label (class index 0..k-1, 0/1, or the
regression target), then Fold: the 5-fold split every consumer uses, so that ML.NET, MnistPipeline
and scikit-learn are compared on the same folds (stratified for classification, shuffled with
seed 0).
"""
import csv
import os
import sys

from sklearn import datasets
from sklearn.model_selection import KFold, StratifiedKFold

TABLES = {
    "iris": (datasets.load_iris, "multiclass"),
    "wine": (datasets.load_wine, "multiclass"),
    "digits": (datasets.load_digits, "multiclass"),
    "breast_cancer": (datasets.load_breast_cancer, "binary"),
    "diabetes": (datasets.load_diabetes, "regression"),
}


def main(folder):
    os.makedirs(folder, exist_ok=True)
    for name, (load, task) in TABLES.items():
        table = load()
        x, y = table.data, table.target
        if task == "regression":
            splits = KFold(n_splits=5, shuffle=True, random_state=0).split(x)
        else:
            splits = StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x, y)
        fold = [0] * len(y)
        for k, (_, test) in enumerate(splits):
            for i in test:
                fold[i] = k
        path = os.path.join(folder, name + ".csv")
        temporary = path + ".tmp"
        with open(temporary, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([f"f{j}" for j in range(x.shape[1])] + ["Label", "Fold"])
            for row, label, k in zip(x, y, fold):
                w.writerow([repr(float(v)) for v in row] + [repr(float(label)) if task == "regression" else int(label), k])
        os.replace(temporary, path)
        print(f"{name}: {x.shape[0]} rows, {x.shape[1]} features, {task}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
