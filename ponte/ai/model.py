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
        count = len(rows)
        for _ in range(rounds):
            gradient = {label: {} for label in self.classes}
            for features, label in zip(rows, labels, strict=True):
                probabilities = self.probabilities(features)
                for each in self.classes:
                    error = probabilities[each] - (1.0 if each == label else 0.0)
                    if abs(error) < 1e-6:
                        continue
                    row = gradient[each]
                    for name, value in features.items():
                        row[name] = row.get(name, 0.0) + error * value
            for label in self.classes:
                weights, row = self.weights[label], gradient[label]
                prior = self.prior.get(label, {})
                for name in set(weights) | set(row):
                    pull = l2 * (weights.get(name, 0.0) - prior.get(name, 0.0))
                    step = rate * (row.get(name, 0.0) / count + pull)
                    weights[name] = weights.get(name, 0.0) - step
        return self
