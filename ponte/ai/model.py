"""A multinomial logistic regression in plain Python, pulled towards hand-set weights.

Why this shape: the labelled data is a few hundred messages, too few to learn Portuguese from
scratch, but enough to correct a rule set. So each class starts from `prior` weights written
by hand on the rule features (see `cues`), and training minimises the log loss plus
`l2 * |w - prior|^2`: where the data says nothing (a word never seen), the rules stand; where
it disagrees, it wins by degrees. With no data at all the model is the rules. Full-batch
gradient descent in a fixed order makes it deterministic.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Features = Mapping[str, float]


@dataclass
class Softmax:
    classes: tuple[str, ...]
    prior: dict[str, dict[str, float]]  # class -> feature -> weight
    weights: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.weights:
            self.weights = {label: dict(self.prior.get(label, {})) for label in self.classes}

    def probabilities(self, features: Features) -> dict[str, float]:
        logits = {label: sum(self.weights[label].get(name, 0.0) * value
                             for name, value in features.items())
                  for label in self.classes}
        top = max(logits.values())
        exps = {label: math.exp(logit - top) for label, logit in logits.items()}
        total = sum(exps.values())
        return {label: exp / total for label, exp in exps.items()}

    def fit(self, rows: Sequence[Features], labels: Sequence[str], *, l2: float = 0.05,
            rate: float = 0.5, rounds: int = 120) -> "Softmax":
        """Full-batch gradient descent from the prior; `l2` is per example."""
        if not rows:
            return self
        names = sorted({name for row in rows for name in row}
                       | {name for label in self.classes for name in self.weights[label]})
        index = {name: number for number, name in enumerate(names)}
        sparse = [[(index[name], value) for name, value in row.items()] for row in rows]
        targets = [self.classes.index(label) for label in labels]
        weights = [[self.weights[label].get(name, 0.0) for name in names]
                   for label in self.classes]
        priors = [[self.prior.get(label, {}).get(name, 0.0) for name in names]
                  for label in self.classes]
        count, kinds = len(rows), range(len(self.classes))
        for _ in range(rounds):
            gradient = [[0.0] * len(names) for _ in kinds]
            for row, target in zip(sparse, targets, strict=True):
                logits = [sum(weights[k][i] * v for i, v in row) for k in kinds]
                top = max(logits)
                exps = [math.exp(logit - top) for logit in logits]
                total = sum(exps)
                for k in kinds:
                    error = exps[k] / total - (1.0 if k == target else 0.0)
                    line = gradient[k]
                    for i, v in row:
                        line[i] += error * v
            for k in kinds:
                line, prior, row_weights = gradient[k], priors[k], weights[k]
                for i in range(len(names)):
                    row_weights[i] -= rate * (line[i] / count + l2 * (row_weights[i] - prior[i]))
        self.weights = {label: {name: weights[k][i] for i, name in enumerate(names)
                                if weights[k][i] != 0.0}
                        for k, label in enumerate(self.classes)}
        return self
