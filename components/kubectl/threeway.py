"""Kubectl's client-side three-way apply patch: live object, manifest and last applied manifest.

`kubelab apply` sends the result as a strategic merge patch. Maps merge; a key the user dropped
since the last apply is deleted (``null``). Lists the API merges by key (containers and volumes
by ``name``, container ports by ``containerPort``, service ports by ``port``: the server's
`merge_key`) are patched element by element, and an element the user dropped since the last
apply gets a ``$patch: delete`` directive, so it disappears from the live object while elements
added by someone else stay. Other lists are replaced when they differ.
"""

from __future__ import annotations

from typing import Any

from kernel.api.patch_types import merge_key

Obj = dict[str, Any]


def three_way_patch(current: Obj, desired: Obj, last: Obj | None) -> Obj:
    """A patch taking `current` to `desired`; what `last` had and `desired` lacks is removed.

    `last` is None when the object was not created by apply: then nothing is removed, only
    set. Fields the server defaulted (present in `current`, absent from both manifests) stay.
    """
    patch: Obj = {}
    for key, want in desired.items():
        have = current.get(key)
        before = last.get(key) if isinstance(last, dict) else None
        if isinstance(want, dict) and isinstance(have, dict):
            sub = three_way_patch(have, want, before if isinstance(before, dict) else None)
            if sub:
                patch[key] = sub
        elif isinstance(want, list) and isinstance(have, list):
            old = before if isinstance(before, list) else None
            keyed = _keyed_list_patch(key, have, want, old, has_last=last is not None)
            if keyed is not None:
                if keyed:
                    patch[key] = keyed
            elif not _covers(have, want) or (last is not None and before != want):
                patch[key] = want
        elif want != have:
            patch[key] = want
    for key in last or {}:
        if key not in desired and key in current:
            patch[key] = None
    return patch


def _keyed_list_patch(
    name: str, have: list[Any], want: list[Any], before: list[Any] | None, *, has_last: bool
) -> list[Any] | None:
    """Element patches for a list merged by key, or None when the list is not merged by key."""
    key = merge_key(name, want + (before or []))
    if key is None or not all(isinstance(h, dict) for h in have):
        return None
    live = {h.get(key): h for h in have}
    previous = {b[key]: b for b in before or []}
    out: list[Any] = []
    for item in want:
        ident = item[key]
        current = live.get(ident)
        if current is None:
            out.append(item)
            continue
        last_item = previous.get(ident) if has_last else None
        sub = three_way_patch(current, item, last_item)
        if sub:
            out.append({key: ident, **sub})
    wanted = {item[key] for item in want}
    out += [
        {key: ident, "$patch": "delete"}
        for ident in previous
        if ident not in wanted and ident in live
    ]
    return out


def _covers(have: Any, want: Any) -> bool:
    """Whether `have` holds everything `want` says (extra defaulted fields allowed)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_covers(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(_covers(h, w) for h, w in zip(have, want, strict=True))
        )
    return bool(have == want)


__all__ = ["three_way_patch"]
