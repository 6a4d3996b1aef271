#!/usr/bin/env python3
"""scikit-learn's MLP on one UCI table, on the table's own folds: the `tables` bench's reference.

Usage: sklearn_tables.py CSV TASK SEED
  CSV   a table written by scripts/export_uci_tables.py (features f0.., Label, Fold)
  TASK  multiclass, binary or regression
  SEED  random_state of the estimator

Classification: StandardScaler + MLPClassifier(hidden_layer_sizes=(256, 128)) with its other
defaults (Adam 1e-3, batch min(200, n), alpha 1e-4, at most 200 epochs, no early stopping).
Regression: StandardScaler + MLPRegressor((256, 128)) with max_iter=2000 (its default 200 stops
before converging on diabetes). Prints one JSON object: the metrics of every fold and the
training seconds. Run it with OMP_NUM_THREADS set to the bench's thread count.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def ece(confidence, correct, bins=15):
    """Expected calibration error of top-label confidences in equal-width bins (Guo et al. 2017)."""
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return total / len(confidence)


def main(path, task, seed):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y, fold = data[:, :-2], data[:, -2], data[:, -1].astype(int)
    folds = []
    seconds = 0.0
    warnings.simplefilter("ignore", ConvergenceWarning)
    for k in sorted(set(fold)):
        train, test = fold != k, fold == k
        started = time.perf_counter()
        if task == "regression":
            model = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(256, 128), max_iter=2000, random_state=seed))
            model.fit(x[train], y[train])
            seconds += time.perf_counter() - started
            p = model.predict(x[test])
            folds.append({"r2": r2_score(y[test], p), "rmse": float(np.sqrt(mean_squared_error(y[test], p)))})
            continue
        model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(256, 128), random_state=seed))
        model.fit(x[train], y[train].astype(int))
        seconds += time.perf_counter() - started
        proba = model.predict_proba(x[test])
        labels = model.classes_
        truth = y[test].astype(int)
        predicted = labels[proba.argmax(1)]
        metrics = {"accuracy": accuracy_score(truth, predicted), "logLoss": log_loss(truth, proba, labels=labels),
                   "ece": ece(proba.max(1), predicted == truth)}
        if task == "binary":
            metrics["auc"] = roc_auc_score(truth, proba[:, 1])
        folds.append(metrics)
    print(json.dumps({"folds": folds, "trainSeconds": seconds}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
