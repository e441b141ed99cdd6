"""Union-find over feature axes: the bookkeeping behind :mod:`symplugins.nfn.trace`.

Every channel axis that flows through the network is an *axis* with a size and the
diagonal actions it still allows (positive scaling, sign flips). Residual additions
unify axes; activations, normalisations and pools restrict them; anything the
analysis does not understand *fixes* them (merges them with axis 0, the fixed axis,
which admits only the identity). Parameters attach to axes through :class:`Slot` s.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .spec import Issue, Slot

__all__ = ["FIXED", "Val", "Axes"]

FIXED = 0


@dataclass(frozen=True)
class Val:
    """A tensor flowing through the graph: its channel axis and where that axis sits.

    layout: "last" (features on the last dim), "chan" (channels on dim 1, spatial
    after), "flat" (a flattened channel-major feature map) or "any" (fixed inputs).
    """

    axis: int
    layout: str = "any"


@dataclass
class _Info:
    size: int
    scale: bool = True
    sign: bool = True
    creator: str = ""
    order: int = 0
    slots: list = field(default_factory=list)


class Axes:
    """Union-find of axes, their allowed diagonals, slots and the issues found."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {FIXED: FIXED}
        self.info: dict[int, _Info] = {FIXED: _Info(0, False, False, "fixed")}
        self.issues: list[Issue] = []
        self.counter = 0

    def new(self, size: int, creator: str) -> int:
        """A fresh axis of ``size`` neurons created by module ``creator``."""
        self.counter += 1
        a = len(self.parent)
        self.parent[a] = a
        self.info[a] = _Info(int(size), creator=creator, order=self.counter)
        return a

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def is_fixed(self, a: int) -> bool:
        return self.find(a) == FIXED

    def size(self, a: int) -> int:
        return self.info[self.find(a)].size

    def unify(self, a: int, b: int, where: str = "") -> int:
        """Merge two axes (same permutation and diagonal); mismatched sizes fix both."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if FIXED not in (ra, rb) and self.info[ra].size != self.info[rb].size:
            self.issues.append(Issue(where, f"adds features of sizes {self.info[ra].size} and "
                                            f"{self.info[rb].size}; both are kept fixed"))
            self.fix(ra)
            return self.fix(rb)
        if rb == FIXED or (ra != FIXED and self.info[rb].order < self.info[ra].order):
            ra, rb = rb, ra
        keep, gone = self.info[ra], self.info[rb]
        keep.scale &= gone.scale
        keep.sign &= gone.sign
        keep.slots += [(s, False) for s, _ in gone.slots]  # primary = the older creator's slots
        self.parent[rb] = ra
        return ra

    def fix(self, a: int, where: str = "", why: str = "") -> int:
        """Fix axis ``a`` (identity only); records an issue when ``why`` is given."""
        if why and not self.is_fixed(a):
            self.issues.append(Issue(where, why))
        return self.unify(FIXED, a)

    def restrict(self, a: int, *, scale: bool, sign: bool) -> None:
        """Keep positive scalings only if ``scale`` and sign flips only if ``sign``."""
        info = self.info[self.find(a)]
        info.scale &= scale
        info.sign &= sign

    def attach(self, a: int, slot: Slot, primary: bool = False) -> None:
        """Record that ``slot`` is acted on by the factor of axis ``a``."""
        self.info[self.find(a)].slots.append((slot, primary))
