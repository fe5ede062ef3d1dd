"""Data for Part II: scikit-learn's bundled Iris and digits, a seeded split, standardising,
and four 2-D datasets (two moons, circles, XOR, spirals) drawn from a seed.

Iris and digits are read from the copies scikit-learn ships (``sklearn/datasets/data``), so
nothing is downloaded; the files are read directly, without importing scikit-learn, whose
import takes seconds (``tests/test_datasets.py`` holds the arrays equal to
``sklearn.datasets.load_iris`` and ``load_digits``).

The 2-D datasets are the training playground's.  The browser draws them too
(``widgets/js/datasets.js``), and both languages must draw the same points, bit for bit.
So they use only what JavaScript and Python compute alike: mulberry32 (32-bit integer
arithmetic, :mod:`backprop_lib.variants`), additions, multiplications, divisions and a
square root of a constant, all correctly rounded in both.  Sine and cosine, whose library
versions may differ in the last bit between the two, are computed here by one fixed
polynomial (:func:`sincos`), and the noise is a sum of four uniform numbers scaled to unit
variance (close to a normal distribution, without logarithms).
"""
from __future__ import annotations

import gzip
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .network import SpecError
from .variants import Mulberry32, start_state

# ---------------------------------------------------------------------------- bundled data
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def _bundled(name):
    """The path of a data file scikit-learn ships, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise SpecError("scikit-learn is not installed: its bundled Iris and digits data are needed")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name
    if not path.is_file():
        raise SpecError(f"scikit-learn's bundled data file {name} is missing from {path.parent}")
    return path


@dataclass
class Dataset:
    """Samples as rows of ``inputs``, their classes in ``labels`` (0 … k − 1)."""
    inputs: np.ndarray
    labels: np.ndarray
    feature_names: list
    class_names: list
    images: np.ndarray = None          # digits: each sample as its 8×8 picture

    @property
    def classes(self):
        return len(self.class_names)

    def __len__(self):
        return len(self.labels)


def load_iris():
    """The 150 Iris flowers: 4 measurements each (cm), 3 species, as scikit-learn bundles them."""
    lines = _bundled("iris.csv").read_text(encoding="utf-8").strip().splitlines()
    header = lines[0].split(",")
    n, width, class_names = int(header[0]), int(header[1]), header[2:]
    rows = [line.split(",") for line in lines[1:n + 1]]
    inputs = np.array([[float(v) for v in r[:width]] for r in rows])
    labels = np.array([int(r[width]) for r in rows])
    return Dataset(inputs, labels, list(IRIS_FEATURES), class_names)


def load_digits():
    """The 1,797 handwritten digits: 8×8 pictures, 16 grey levels (0–16), classes 0–9."""
    with gzip.open(_bundled("digits.csv.gz"), "rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    inputs, labels = data[:, :-1], data[:, -1].astype(int)
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Dataset(inputs, labels, names, [str(d) for d in range(10)], images=inputs.reshape(-1, 8, 8))


# ---------------------------------------------------------------------------- preparing data
def shuffled(n, seed, stream=0):
    """0 … n − 1 in an order drawn from ``seed`` (Fisher–Yates with mulberry32, as the
    mini-batch shuffle of :mod:`backprop_lib.sgd`)."""
    from .sgd import permutation
    return permutation(n, Mulberry32(start_state(seed, stream)))


def split(labels, test_fraction, seed):
    """Indices of a training and a test set: ``test_fraction`` of each class goes to the test
    set (a stratified split), chosen by a seeded shuffle.  Both lists are sorted."""
    labels = np.asarray(labels)
    if not 0 < test_fraction < 1:
        raise SpecError(f"test_fraction: must be between 0 and 1, got {test_fraction!r}")
    train, test = [], []
    for k, c in enumerate(np.unique(labels)):
        members = np.flatnonzero(labels == c)
        order = shuffled(len(members), seed, k)
        n_test = int(round(test_fraction * len(members)))
        test += [int(members[i]) for i in order[:n_test]]
        train += [int(members[i]) for i in order[n_test:]]
    return sorted(train), sorted(test)


@dataclass
class Standardiser:
    """x → (x − mean) / std per feature, with the mean and the standard deviation of the
    training set only (the test set must not leak into training)."""
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, inputs):
        inputs = np.asarray(inputs, dtype=float)
        std = inputs.std(axis=0)
        return cls(inputs.mean(axis=0), np.where(std > 0, std, 1.0))

    def __call__(self, inputs):
        return (np.asarray(inputs, dtype=float) - self.mean) / self.std


def one_hot(labels, classes):
    """Each class as a target vector: 1 for its own output, 0 for the others."""
    return np.eye(classes)[np.asarray(labels, dtype=int)]


# ---------------------------------------------------------------------------- 2-D datasets
HALF_PI = math.pi / 2
SQRT3 = math.sqrt(3.0)
PLANES = ("moons", "circles", "xor", "spirals")
DATA_STREAM = 1 << 30          # the generator's stream for the points (shuffles use 0, 1, 2, …)


def sincos(x):
    """(sin x, cos x) by one fixed polynomial, the same in JavaScript to the last bit.

    x is reduced to r = x − k·π/2 with |r| ≤ π/4, where Taylor polynomials of degree 15 and
    16 are accurate to about 1e-16; the quadrant k picks the signs."""
    k = math.floor(x / HALF_PI + 0.5)
    r = x - k * HALF_PI
    r2 = r * r
    s = r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (
        -1 / 39916800 + r2 * (1 / 6227020800 + r2 * (-1 / 1307674368000))))))))
    c = 1 + r2 * (-1 / 2 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 + r2 * (
        -1 / 3628800 + r2 * (1 / 479001600 + r2 * (-1 / 87178291200 + r2 * (1 / 20922789888000))))))))
    q = k % 4
    if q == 0:
        return s, c
    if q == 1:
        return c, -s
    if q == 2:
        return -s, -c
    return -c, s


def _noise(rng):
    """A number of mean 0 and variance 1: four uniform numbers added, centred, scaled by √3."""
    return (rng.next() + rng.next() + rng.next() + rng.next() - 2.0) * SQRT3


def plane(name, n=200, noise=0.1, seed=1):
    """A 2-D dataset: ``(inputs, labels)``, n points in the square [−1.5, 1.5]² or near it,
    classes 0 and 1 alternating (sample s has class s mod 2).

    * ``moons``: two interleaved half circles (as scikit-learn's make_moons, centred);
    * ``circles``: class 1 inside radius 0.5, class 0 in the ring from 0.7 to 1;
    * ``xor``: class 1 where x·y > 0 (two opposite quadrants), kept 0.05 off the axes;
    * ``spirals``: two spirals, one turned half a turn against the other.

    Each point's coordinates get ``noise`` times a number of variance 1 added.  Numbers are
    drawn point by point, in the order the code below reads them."""
    if name not in PLANES:
        raise SpecError(f"dataset: must be one of {', '.join(PLANES)}, got {name!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= 100_000:
        raise SpecError(f"samples: must be a whole number from 2 to 100000, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 1:
        raise SpecError(f"noise: must be a number from 0 to 1, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**31:
        raise SpecError(f"seed: must be a whole number from 0 to 2147483647, got {seed!r}")
    rng = Mulberry32(start_state(int(seed), DATA_STREAM))
    half = (n + 1) // 2
    inputs = np.empty((n, 2))
    labels = np.empty(n, dtype=int)
    for s in range(n):
        c = s % 2
        if name == "moons":
            sin, cos = sincos(math.pi * rng.next())
            x, y = (cos - 0.5, sin - 0.25) if c == 0 else (0.5 - cos, 0.25 - sin)
        elif name == "circles":
            sin, cos = sincos(2 * math.pi * rng.next())
            r = 0.5 * rng.next() if c == 1 else 0.7 + 0.3 * rng.next()
            x, y = r * cos, r * sin
        elif name == "xor":
            sx = 1.0 if rng.next() < 0.5 else -1.0
            sy = sx if c == 1 else -sx
            x, y = sx * (0.05 + rng.next()), sy * (0.05 + rng.next())
        else:
            r = (s // 2) / half
            sin, cos = sincos(3.5 * math.pi * r + c * math.pi)
            x, y = 1.4 * r * sin, 1.4 * r * cos
        inputs[s, 0] = x + noise * _noise(rng)
        inputs[s, 1] = y + noise * _noise(rng)
        labels[s] = c
    return inputs, labels
