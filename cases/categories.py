"""Suggesting a case's service from its description (or a call's transcript), learned from the
register's own history with scikit-learn: TF-IDF of words and word pairs plus character
n-grams (robust to typos and Dutch or Swedish compounds), and a logistic regression that gives
each service a probability. `qa cases train` fits it, prints accuracy and macro-F1 on a held-out
fifth, and saves it under `QA_DATA_DIR/models/`.

With too little history (fewer than MIN_CASES cases, or services with fewer than
MIN_PER_SERVICE) the suggestion falls back to matching the catalogue's keywords, and says so.
A suggestion is only ever a suggestion: a person chooses the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.text import same_word
from qa_app.i18n import _

MIN_CASES = 200
MIN_PER_SERVICE = 5
MODEL_FILE = "case-categories.joblib"


@dataclass(frozen=True)
class Suggestion:
    service_id: int
    name: str
    confidence: float  # 0..1


@dataclass(frozen=True)
class Suggestions:
    top: list[Suggestion]  # best first, at most three
    method: str  # "model" or "keywords"
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    cases: int
    services: int
    accuracy: float
    macro_f1: float
    top3_accuracy: float


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, strip_accents="unicode")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(max_iter=2000, C=8.0))])


def enough_history(labels: list[int]) -> str | None:
    """None when the history can train a model, else why not."""
    if len(labels) < MIN_CASES:
        return _("only %(n)s cases with a service in the register (a model needs %(least)s)") % {
            "n": len(labels),
            "least": MIN_CASES,
        }
    counts: dict[int, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if sum(1 for n in counts.values() if n >= MIN_PER_SERVICE) < 2:
        return _("fewer than two services with %(least)s cases each") % {"least": MIN_PER_SERVICE}
    return None


def train(texts: list[str], labels: list[int], *, seed: int = 0) -> tuple[Any, Evaluation]:
    """Fit on four fifths, measure on the held-out fifth (stratified), then refit on everything."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    if reason := enough_history(labels):
        raise ValueError(reason)
    counts: dict[int, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_PER_SERVICE]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, random_state=seed, stratify=labels
    )
    model = _pipeline().fit(x_train, y_train)
    predicted = model.predict(x_test)
    probabilities = model.predict_proba(x_test)
    classes = list(model.classes_)
    top3 = sum(
        1
        for row, truth in zip(probabilities, y_test, strict=True)
        if truth in [classes[i] for i in row.argsort()[::-1][:3]]
    )
    evaluation = Evaluation(
        cases=len(texts),
        services=len(set(labels)),
        accuracy=float(accuracy_score(y_test, predicted)),
        macro_f1=float(f1_score(y_test, predicted, average="macro")),
        top3_accuracy=top3 / len(y_test),
    )
    return _pipeline().fit(texts, labels), evaluation


def save(model: Any, folder: Path) -> Path:
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    joblib.dump(model, path)
    return path


def load(folder: Path) -> Any | None:
    import joblib

    path = folder / MODEL_FILE
    return joblib.load(path) if path.is_file() else None


def suggest_with_model(model: Any, text: str, names: dict[int, str]) -> list[Suggestion]:
    probabilities = model.predict_proba([text])[0]
    ranked = sorted(zip(model.classes_, probabilities, strict=True), key=lambda pair: -pair[1])
    return [Suggestion(int(c), names.get(int(c), str(c)), float(p)) for c, p in ranked if int(c) in names][:3]


# Words that say nothing about a service, in English, Swedish and Dutch.
STOP_WORDS = frozenset(
    "the and not for with was were are you your our has have had this that from there about can "
    "och att det som inte för med har jag min var den het een van niet voor met heb mijn zijn".split()
)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2 and w not in STOP_WORDS}


def suggest_by_keywords(text: str, services: list[dict[str, Any]]) -> list[Suggestion]:
    """Services whose name or keywords share the most words with the text (compared by their
    stems, so "bins" finds "bin"); confidence is the share of the service's keywords found."""
    words = _words(text)
    scored = []
    for service in services:
        keys = _words(f"{service['name']} {service.get('keywords') or ''}")
        if not keys:
            continue
        found = {k for k in keys if any(same_word(w, k) for w in words)}
        if found:
            scored.append(Suggestion(service["id"], service["name"], len(found) / len(keys)))
    return sorted(scored, key=lambda s: (-s.confidence, s.name))[:3]
