"""Validation rules shared by several kinds: object metadata, labels, selectors, ports, IPs."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping

from kernel.objects import (
    FieldError,
    IntOrString,
    LabelSelector,
    ObjectMeta,
    Quantity,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)

__all__ = [
    "NameValidator",
    "in_range",
    "name_is_path_segment",
    "non_negative",
    "validate_ip",
    "validate_labels",
    "validate_object_meta",
    "validate_port_name",
    "validate_port_number",
    "validate_resource_list",
    "validate_selector",
    "validate_supported",
]

NameValidator = Callable[[str], list[str]]
_TOTAL_ANNOTATION_SIZE = 256 * 1024
_PORT_NAME_RE = re.compile(r"[-a-z0-9]+")
_LETTER_RE = re.compile(r"[a-z]")


def name_is_path_segment(name: str) -> list[str]:
    """Names that only need to be a URL path segment (RBAC objects)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def _mask_trailing_dash(name: str) -> str:
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def validate_labels(labels: Mapping[str, str], path: str) -> list[FieldError]:
    """Label keys must be qualified names and values valid label values."""
    errors = []
    for key, value in labels.items():
        errors.extend(FieldError.invalid(path, key, msg) for msg in is_qualified_name(key))
        errors.extend(FieldError.invalid(path, value, msg) for msg in is_valid_label_value(value))
    return errors


def _validate_annotations(annotations: Mapping[str, str], path: str) -> list[FieldError]:
    errors = []
    total = 0
    for key, value in annotations.items():
        errors.extend(FieldError.invalid(path, key, msg) for msg in is_qualified_name(key.lower()))
        total += len(key) + len(value)
    if total > _TOTAL_ANNOTATION_SIZE:
        errors.append(FieldError.too_long(path, "", _TOTAL_ANNOTATION_SIZE))
    return errors


def validate_object_meta(
    meta: ObjectMeta, *, namespaced: bool, name_rule: NameValidator, path: str = "metadata"
) -> list[FieldError]:
    """Kubernetes' ValidateObjectMeta: name/generateName, namespace, labels, owners, finalizers."""
    errors: list[FieldError] = []
    if meta.generate_name:
        errors.extend(
            FieldError.invalid(f"{path}.generateName", meta.generate_name, msg)
            for msg in name_rule(_mask_trailing_dash(meta.generate_name))
        )
    if not meta.name:
        if not meta.generate_name:
            errors.append(FieldError.required(f"{path}.name", "name or generateName is required"))
    else:
        errors.extend(
            FieldError.invalid(f"{path}.name", meta.name, msg) for msg in name_rule(meta.name)
        )
    if namespaced:
        if not meta.namespace:
            errors.append(FieldError.required(f"{path}.namespace"))
        else:
            errors.extend(
                FieldError.invalid(f"{path}.namespace", meta.namespace, msg)
                for msg in is_dns1123_label(meta.namespace)
            )
    elif meta.namespace:
        errors.append(FieldError.forbidden(f"{path}.namespace", "not allowed on this type"))
    for field, value in (
        ("generation", meta.generation),
        ("deletionGracePeriodSeconds", meta.deletion_grace_period_seconds),
    ):
        if value is not None and value < 0:
            errors.append(
                FieldError.invalid(f"{path}.{field}", value, "must be greater than or equal to 0")
            )
    errors.extend(validate_labels(meta.labels, f"{path}.labels"))
    errors.extend(_validate_annotations(meta.annotations, f"{path}.annotations"))
    controllers = 0
    for i, ref in enumerate(meta.owner_references):
        rp = f"{path}.ownerReferences[{i}]"
        for field, value in (
            ("apiVersion", ref.api_version),
            ("kind", ref.kind),
            ("name", ref.name),
            ("uid", ref.uid),
        ):
            if not value:
                errors.append(
                    FieldError.invalid(f"{rp}.{field}", value or "", f"{field} must not be empty")
                )
        controllers += bool(ref.controller)
    if controllers > 1:
        errors.append(
            FieldError.invalid(
                f"{path}.ownerReferences",
                [r.name for r in meta.owner_references if r.controller],
                "Only one reference can have Controller set to true",
            )
        )
    seen: set[str] = set()
    for i, finalizer in enumerate(meta.finalizers):
        fp = f"{path}.finalizers[{i}]"
        errors.extend(
            FieldError.invalid(fp, finalizer, msg) for msg in is_qualified_name(finalizer)
        )
        if finalizer in seen:
            errors.append(FieldError.duplicate(fp, finalizer))
        seen.add(finalizer)
    return errors


def validate_supported(value: str | None, allowed: Iterable[str], path: str) -> list[FieldError]:
    """NotSupported unless ``value`` is None (unset) or one of ``allowed``."""
    allowed = tuple(allowed)
    if value is None or value in allowed:
        return []
    return [FieldError.not_supported(path, value, allowed)]


def non_negative(value: int | None, path: str) -> list[FieldError]:
    """A 422 unless the value is absent or >= 0."""
    if value is not None and value < 0:
        return [FieldError.invalid(path, value, "must be greater than or equal to 0")]
    return []


def in_range(value: int | None, low: int, high: int, path: str) -> list[FieldError]:
    """A 422 unless the value is absent or within [low, high]."""
    if value is not None and not low <= value <= high:
        return [FieldError.invalid(path, value, f"must be between {low} and {high}, inclusive")]
    return []


def validate_port_number(
    value: int | None, path: str, *, required: bool = True
) -> list[FieldError]:
    """A 422 unless the port is in 1..65535 (or absent when not required)."""
    if value is None or value == 0:
        return [FieldError.required(path)] if required else []
    return in_range(value, 1, 65535, path)


def validate_port_name(name: str, path: str) -> list[FieldError]:
    """Kubernetes' IsValidPortName (an IANA service name)."""
    errors = []
    if len(name) > 15:
        errors.append(FieldError.invalid(path, name, "must be no more than 15 characters"))
    if not _PORT_NAME_RE.fullmatch(name):
        errors.append(
            FieldError.invalid(
                path, name, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
            )
        )
    if "--" in name:
        errors.append(FieldError.invalid(path, name, "must not contain consecutive hyphens"))
    if name and not _LETTER_RE.search(name):
        errors.append(FieldError.invalid(path, name, "must contain at least one letter (a-z)"))
    if name and (name.startswith("-") or name.endswith("-")):
        errors.append(FieldError.invalid(path, name, "must not begin or end with a hyphen"))
    return errors


def validate_int_or_port_name(value: IntOrString | None, path: str) -> list[FieldError]:
    """A target port: a number 1-65535 or a port name."""
    if value is None:
        return []
    if isinstance(value.value, int):
        return in_range(value.value, 1, 65535, path)
    return validate_port_name(value.value, path)


def validate_ip(value: str, path: str) -> list[FieldError]:
    """A 422 unless the value is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return [
            FieldError.invalid(
                path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            )
        ]
    return []


def validate_cidr(value: str, path: str) -> list[FieldError]:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return [
            FieldError.invalid(
                path, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
            )
        ]
    return []


_STANDARD_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "storage", "pods"})


def validate_resource_list(resources: Mapping[str, Quantity], path: str) -> list[FieldError]:
    """Resource names are qualified names; quantities are not negative."""
    errors = []
    for name, quantity in resources.items():
        rp = f"{path}.{name}"
        if name not in _STANDARD_RESOURCES and not name.startswith("hugepages-"):
            errors.extend(FieldError.invalid(rp, name, msg) for msg in is_qualified_name(name))
            if "/" not in name and not name.startswith("requests."):
                errors.append(
                    FieldError.invalid(
                        rp, name, "must be a standard resource type or fully qualified"
                    )
                )
        if quantity.sign() < 0:
            errors.append(
                FieldError.invalid(rp, str(quantity), "must be greater than or equal to 0")
            )
    return errors


def validate_selector(selector: LabelSelector | None, path: str) -> list[FieldError]:
    """Check a selector: valid matchLabels, known operators, values present when needed."""
    if selector is None:
        return []
    errors = validate_labels(selector.match_labels, f"{path}.matchLabels")
    for i, req in enumerate(selector.match_expressions):
        rp = f"{path}.matchExpressions[{i}]"
        if req.operator in ("In", "NotIn"):
            if not req.values:
                errors.append(
                    FieldError.required(
                        f"{rp}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                    )
                )
        elif req.operator in ("Exists", "DoesNotExist"):
            if req.values:
                errors.append(
                    FieldError.forbidden(
                        f"{rp}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errors.append(
                FieldError.not_supported(
                    f"{rp}.operator", req.operator or "", ("In", "NotIn", "Exists", "DoesNotExist")
                )
            )
        errors.extend(
            FieldError.invalid(f"{rp}.key", req.key or "", msg)
            for msg in is_qualified_name(req.key or "")
        )
    return errors


# re-exported name rules, so the per-kind table reads in one place
SUBDOMAIN: NameValidator = is_dns1123_subdomain
LABEL: NameValidator = is_dns1123_label
DNS1035: NameValidator = is_dns1035_label
