"""The deterministic rule that estimates the prior, with or without a NIK.

The prior (the probability that two random records are the same person) is estimated from a
high-precision rule: the pairs it accepts among the candidates, divided by the assumed share
of true matches it finds, over all possible pairs. :func:`default_prior_rule` picks the
strongest exact-agreement pattern the comparators offer:

1. the same valid NIK and an agreeing name (Indonesian records);
2. the same national id / social security number, or the same e-mail address, and an
   agreeing name (generic person data);
3. the same name and the same birth date, together with one more exact agreement when
   there is one (phone, postcode, address).

With none of these, the matcher falls back to the share of matches EM finds among the
candidates.

Example:
    >>> from migrant_records.compare import BirthDate, PersonName
    >>> comps = [PersonName(), BirthDate()]
    >>> rule = default_prior_rule([c.name for c in comps], [c.labels for c in comps])
    >>> rule.name, rule.conditions
    ('same_name_and_birth_date', {'name': ('>=', 5), 'birth_date': ('>=', 6)})
"""

from __future__ import annotations

from collections.abc import Sequence

from migrant_records.model.rules import Rule

__all__ = ["default_prior_rule"]

_SUPPORT = ("phone", "postcode", "address")


def default_prior_rule(
    names: Sequence[str], level_labels: Sequence[Sequence[str]] | None = None
) -> Rule | None:
    """The high-precision rule used to estimate the prior, from the comparators present.

    Args:
        names: Comparator names (one column of ``gamma`` each).
        level_labels: The labels of each comparator's levels (the top level is exact
            agreement); without them only the NIK rule (levels of :class:`Nik` and
            :class:`PersonName`) is available.

    Returns:
        The rule, or ``None`` when no strong exact-agreement pattern exists.
    """
    if level_labels is None:
        if "nik" not in names:
            return None
        level_labels = [("",) * (5 if n == "nik" else 7 if n == "name" else 1) for n in names]
    top = {str(n): len(lab) - 1 for n, lab in zip(names, level_labels)}
    if "nik" in top:
        if "name" in top:
            return Rule("same_nik_and_name", {"nik": top["nik"], "name": 3})
        return Rule("same_nik", {"nik": top["nik"]})
    for ident in ("national_id", "email"):
        if ident in top:
            conditions: dict[str, int | tuple[str, int]] = {ident: top[ident]}
            if "name" in top:
                conditions["name"] = 3
            return Rule(f"same_{ident}" + ("_and_name" if "name" in top else ""), conditions)
    if "name" in top and "birth_date" in top:
        # the name exact or the same tokens in another order, the birth date exact
        conditions = {"name": max(top["name"] - 1, 1), "birth_date": top["birth_date"]}
        support = next((s for s in _SUPPORT if s in top), None)
        if support is None:
            return Rule("same_name_and_birth_date", conditions)
        conditions[support] = top[support]
        return Rule(f"same_name_birth_date_and_{support}", conditions)
    return None
