"""How far to trust an automatic criterion: its answers measured against the QA markers'.

On calls that QA marked, each automatic criterion's answer (pass or fail) is paired with the
marker's final answer. Over the criterion's last `window` marked calls where both decided (N/A
or undecided on either side leaves the call out), the standing is:

- *trusted* when Krippendorff's alpha (nominal: two coders, marker and machine) is at least
  `alpha_min`; its automatic results count in the figures;
- *not trusted* below it: its results are shown as suggestions only and count in no figure,
  until agreement returns (a later window of calls where they agree again);
- *not judged yet* with fewer than `min_calls` such calls: shown, but not counted either, since
  nobody knows yet how far it can be trusted.

With two coders and no missing values, alpha works out as 1 - (n - 1) d / (n_pass n_fail), where
n is the number of answers (twice the calls), d the calls where they differ, and n_pass, n_fail
the answers of each kind over both coders. When every answer of both is the same, the
`krippendorff` package refuses a single-valued domain; agreement is then perfect and alpha is
taken as 1.0, as for calibration sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import krippendorff
import numpy as np

from qa_app import formatting
from qa_app.i18n import _, ngettext


class Standing(str, Enum):
    trusted = "trusted"
    not_trusted = "not_trusted"
    unjudged = "unjudged"


@dataclass(frozen=True)
class Pair:
    """One marked call: the marker's answer and the machine's (True pass, False fail, None N/A or
    undecided)."""

    call: int
    evaluation: int
    marked_at: datetime | None
    human: bool | None
    machine: bool | None

    @property
    def decided(self) -> bool:
        return self.human is not None and self.machine is not None

    @property
    def agree(self) -> bool:
        return self.human == self.machine


@dataclass(frozen=True)
class Trust:
    code: str
    standing: Standing
    n: int  # marked calls in the window where both decided
    agreed: int
    alpha: float | None
    disagreements: tuple[Pair, ...]  # in the window, newest first

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.n if self.n else None

    @property
    def counts(self) -> bool:
        """Whether the criterion's automatic results count in figures."""
        return self.standing is Standing.trusted


def alpha(pairs: Sequence[Pair]) -> float | None:
    """Krippendorff's alpha, nominal, marker against machine over decided pairs; None without any."""
    decided = [p for p in pairs if p.decided]
    if not decided:
        return None
    data = np.array([[float(p.human) for p in decided], [float(p.machine) for p in decided]])
    if len(np.unique(data)) < 2:
        return 1.0  # every answer the same: perfect agreement (see the module)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def judge(code: str, pairs: Sequence[Pair], *, alpha_min: float, window: int, min_calls: int) -> Trust:
    """The criterion's standing from its marked calls, newest first."""
    recent = [p for p in pairs if p.decided][:window]
    agreed = sum(p.agree for p in recent)
    value = alpha(recent)
    if len(recent) < min_calls:
        standing = Standing.unjudged
    elif value is not None and value >= alpha_min:
        standing = Standing.trusted
    else:
        standing = Standing.not_trusted
    return Trust(
        code=code,
        standing=standing,
        n=len(recent),
        agreed=agreed,
        alpha=value,
        disagreements=tuple(p for p in recent if not p.agree),
    )


def explain(trust: Trust, *, alpha_min: float, min_calls: int) -> str:
    """The standing in a sentence a QA lead reads."""
    if trust.standing is Standing.unjudged:
        return (
            ngettext(
                "Not judged yet: %(n)s marked call to compare, %(needed)s needed.",
                "Not judged yet: %(n)s marked calls to compare, %(needed)s needed.",
                trust.n,
            )
            % {"n": trust.n, "needed": min_calls}
            + " "
            + _("Its results are shown but not counted.")
        )
    agreement = _("marker and machine agree on %(agreed)s of %(n)s calls") % {"agreed": trust.agreed, "n": trust.n}
    alpha = formatting.decimal(trust.alpha, 2)
    least = float(f"{alpha_min:.3g}")
    least = formatting.number(int(least) if least.is_integer() else least)
    if trust.standing is Standing.trusted:
        return _("Trusted: %(agreement)s (alpha %(alpha)s, at least %(least)s needed).") % {
            "agreement": agreement,
            "alpha": alpha,
            "least": least,
        }
    return (
        _("Not trusted: %(agreement)s (alpha %(alpha)s, below %(least)s).")
        % {"agreement": agreement, "alpha": alpha, "least": least}
        + " "
        + _("Its results are suggestions only and count in no figure until agreement returns.")
    )
