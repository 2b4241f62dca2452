"""The registry: find an implementation of a part by name, and check it keeps the contract.

Each part has an entry-point group (`kubelab.store`, `kubelab.scheduler`, `kubelab.proxy`,
`kubelab.dns`, `kubelab.kubelet`, `kubelab.runtime`). An entry point names a *factory*: a
class, or a function returning the part (or, for the store and the runtime, an async context
manager of it). Code outside any installed package is named as `module:attribute` instead of
a registered name, so a student's `mystore.py` works without packaging.

Everything here fails fast, at start-up, with one sentence a user can act on:

* an unknown name lists the names that are installed;
* a name registered twice is rejected (which one would run is otherwise an accident);
* an object missing part of its interface names the missing members, e.g.
  ``store "mystore" (mypkg.store:open) does not implement Store: missing method "compact"``.

`check_implements` works on an instance or on a class (checked without constructing it). The
registry checks a factory's product before anything runs when it can tell the product's class:
the factory is a class, or a function whose return annotation names one (`-> MyScheduler`,
`-> AsyncIterator[MyStore]` under `@asynccontextmanager`). Otherwise the product is checked
with `check_implements` when it is built.
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points

import attrs

from kernel.interfaces.controller import Reconciler
from kernel.interfaces.dns import Resolver
from kernel.interfaces.kubelet import ContainerRuntime, Kubelet
from kernel.interfaces.proxy import Proxy
from kernel.interfaces.scheduler import Scheduler
from kernel.interfaces.store import Store


@attrs.frozen
class Part:
    """One swappable part of kubelab: its entry-point group and the interface it implements."""

    name: str
    group: str
    interface: type
    factory: str
    """How the named factory is called, for messages and docs."""
    injected: tuple[str, ...] = ()
    """Keyword arguments the starter passes besides the config's options (clock, rng...)."""


PARTS: Mapping[str, Part] = {
    p.name: p
    for p in (
        Part("store", "kubelab.store", Store, "async with factory(**options) as store"),
        Part(
            "scheduler",
            "kubelab.scheduler",
            Scheduler,
            "factory(env=, clock=, rng=, **options)",
            ("env", "clock", "rng"),
        ),
        Part(
            "controllers",
            "kubelab.controllers",
            Reconciler,
            "factory(env=, **options)",
            ("env",),
        ),
        Part("proxy", "kubelab.proxy", Proxy, "factory(env=, rng=, **options)", ("env", "rng")),
        Part(
            "dns",
            "kubelab.dns",
            Resolver,
            "factory(env=, cluster_domain=, **options)",
            ("env", "cluster_domain"),
        ),
        Part(
            "kubelet",
            "kubelab.kubelet",
            Kubelet,
            "factory(env=, node_name=, runtime=, clock=, **options)",
            ("env", "node_name", "runtime", "clock"),
        ),
        Part(
            "runtime",
            "kubelab.runtime",
            ContainerRuntime,
            "async with factory(env=, clock=, **options) as runtime",
            ("env", "clock"),
        ),
    )
}
"""Every part, in the order a cluster starts them."""


class RegistryError(Exception):
    """A part could not be chosen or does not keep its contract; the message is one sentence."""


class UnknownImplementationError(RegistryError):
    """No implementation of the part has that name."""


class DuplicateImplementationError(RegistryError):
    """Two installed packages register the same name for the same part."""


class LoadError(RegistryError):
    """The named factory exists but could not be imported."""


class OptionsError(RegistryError):
    """The config's options do not fit the factory's keyword arguments."""


class InterfaceMismatchError(RegistryError):
    """An object lacks members of its interface, or has them with the wrong shape."""


@attrs.frozen
class Implementation:
    """A resolved implementation: which part, under which name, from where, and its factory."""

    part: Part
    name: str
    """The name asked for (a registered name, or `module:attribute`)."""
    target: str
    """The `module:attribute` the factory was loaded from."""
    factory: Callable[..., object]

    @property
    def label(self) -> str:
        """How messages name it: ``store "memory" (components.store.memory:open_memory_store)``."""
        if self.name == self.target:
            return f'{self.part.name} "{self.name}"'
        return f'{self.part.name} "{self.name}" ({self.target})'


EntryPointSource = Callable[[str], Iterable[EntryPoint]]
"""Gives the entry points of one group (the installed packages' by default; tests inject)."""


def _installed(group: str) -> Iterable[EntryPoint]:
    return entry_points(group=group)


def _quoted(names: Iterable[str]) -> str:
    items = [f'"{n}"' for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@attrs.define
class Registry:
    """Looks implementations up in entry points (or by `module:attribute`)."""

    source: EntryPointSource = _installed

    def part(self, part: str) -> Part:
        """The `Part` called `part`; `RegistryError` listing the parts otherwise."""
        try:
            return PARTS[part]
        except KeyError:
            raise RegistryError(f'unknown part "{part}"; the parts are {_quoted(PARTS)}') from None

    def names(self, part: str) -> dict[str, str]:
        """Registered names of `part`'s implementations, sorted, each with its target.

        Raises `DuplicateImplementationError` when a name is registered more than once.
        """
        group = self.part(part).group
        found: dict[str, str] = {}
        for ep in self.source(group):
            if ep.name in found and found[ep.name] != ep.value:
                raise DuplicateImplementationError(
                    f'{part} "{ep.name}" is registered twice in entry-point group {group} '
                    f"({found[ep.name]} and {ep.value}); uninstall one of the packages"
                )
            found[ep.name] = ep.value
        return dict(sorted(found.items()))

    def resolve(self, part: str, name: str) -> Implementation:
        """Find and import the factory called `name` (registered name or `module:attribute`)."""
        spec = self.part(part)
        if ":" in name:
            return Implementation(spec, name, name, _import(spec, name, name))
        names = self.names(part)
        if name not in names:
            known = f"known: {_quoted(names)}" if names else "none is installed"
            raise UnknownImplementationError(
                f'unknown {part} implementation "{name}" ({known}; code outside kubelab '
                f'is named as "module:attribute")'
            )
        return Implementation(spec, name, names[name], _import(spec, name, names[name]))

    def load(self, part: str, name: str) -> Callable[..., object]:
        """The factory of `part` called `name` (see `resolve`)."""
        return self.resolve(part, name).factory


def _import(part: Part, name: str, target: str) -> Callable[..., object]:
    label = f'{part.name} "{name}"' + ("" if name == target else f" ({target})")
    module_name, _, attr_path = target.partition(":")
    if not module_name or not attr_path:
        raise LoadError(f'{label}: "{target}" is not of the form "module:attribute"')
    try:
        obj: object = importlib.import_module(module_name.strip())
    except Exception as err:
        detail = " ".join(str(err).split())  # one line, even for multi-line messages
        raise LoadError(f"{label} cannot be loaded: {type(err).__name__}: {detail}") from err
    for attr in attr_path.strip().split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise LoadError(
                f'{label} cannot be loaded: module {module_name} has no attribute "{attr_path}"'
            ) from None
    if not callable(obj):
        raise LoadError(
            f"{label} is not a factory: {target} is an object of type {type(obj).__name__}, "
            "not a class or function"
        )
    return obj


# --------------------------------------------------------------------------- interface checks

_PROTOCOL_INTERNALS = frozenset(
    {"_is_protocol", "_is_runtime_protocol", "__protocol_attrs__", "__non_callable_proto_members__"}
)


def interface_members(protocol: type) -> dict[str, object]:
    """The members a class must have to implement `protocol`.

    Maps each name to the protocol's definition: a function for methods, a property, or `None`
    for a plain annotated attribute.
    """
    members: dict[str, object] = {}
    for klass in reversed(protocol.__mro__):
        if klass in (object, typing.Protocol, typing.Generic) or not getattr(
            klass, "_is_protocol", False
        ):
            continue
        for attr in getattr(klass, "__annotations__", {}):
            if not attr.startswith("_"):
                members.setdefault(attr, None)
        for attr, value in vars(klass).items():
            if attr in _PROTOCOL_INTERNALS or (attr.startswith("_") and attr != "__call__"):
                continue
            if inspect.isfunction(value) or isinstance(value, property):
                members[attr] = value
    return members


def _has_attribute(obj: object, attr: str) -> bool:
    if hasattr(obj, attr):
        return True
    if not isinstance(obj, type):
        return False
    # On a class, an instance attribute shows only as an annotation, a slot or an attrs field.
    for klass in obj.__mro__:
        if attr in getattr(klass, "__annotations__", {}) or attr in getattr(klass, "__slots__", ()):
            return True
    return attrs.has(obj) and attr in attrs.fields_dict(obj)


def _member(obj: object, attr: str) -> tuple[object, bool]:
    """The member as found on `obj`, and whether `self` still has to be bound to call it."""
    if not isinstance(obj, type):
        return getattr(obj, attr), False
    raw = inspect.getattr_static(obj, attr)
    if isinstance(raw, staticmethod):
        return raw.__func__, False
    if isinstance(raw, classmethod):
        return getattr(obj, attr), False
    return raw, inspect.isfunction(raw)


def _is_async(func: object) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        inspect.unwrap(func)  # type: ignore[arg-type]
    )


def _call_problem(attr: str, proto: object, impl: object, unbound: bool) -> str:
    """A phrase saying why `impl` cannot be called the way the contract calls `proto`, or ""."""
    try:
        proto_params = list(inspect.signature(proto).parameters.values())[1:]  # type: ignore[arg-type]
        impl_sig = inspect.signature(impl)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if unbound:
        impl_sig = impl_sig.replace(parameters=list(impl_sig.parameters.values())[1:])
    # Callers may pass an optional positional parameter by position or by name, so both
    # spellings of the call must bind.
    for by_name in (False, True):
        args: list[object] = []
        kwargs: dict[str, object] = {}
        shown: list[str] = []
        for p in proto_params:
            if p.kind is p.KEYWORD_ONLY or (
                by_name and p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty
            ):
                kwargs[p.name] = None
                shown.append(f"{p.name}=")
            elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                args.append(None)
                shown.append(p.name)
        try:
            impl_sig.bind(*args, **kwargs)
        except TypeError:
            call = f"{attr}({', '.join(shown)})"
            return f'method "{attr}" takes {_params(impl_sig)} but is called as {call}'
    return ""


def _params(sig: inspect.Signature) -> str:
    """A signature's parameters as a student wrote them, without annotations or defaults."""
    names = []
    star_done = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            names.append("*" + p.name)
            star_done = True
        elif p.kind is p.VAR_KEYWORD:
            names.append("**" + p.name)
        elif p.kind is p.KEYWORD_ONLY and not star_done:
            names.append("*")
            star_done = True
            names.append(p.name)
        else:
            names.append(p.name)
    return "(" + ", ".join(names) + ")"


def interface_problems(obj: object, protocol: type) -> list[str]:
    """Every way `obj` (an instance or a class) fails to implement `protocol`, as phrases."""
    missing_methods: list[str] = []
    missing_attrs: list[str] = []
    problems: list[str] = []
    for attr, definition in interface_members(protocol).items():
        is_method = inspect.isfunction(definition)
        if not _has_attribute(obj, attr):
            (missing_methods if is_method else missing_attrs).append(attr)
            continue
        if not is_method or (isinstance(obj, type) and not hasattr(obj, attr)):
            continue  # an attribute, or a method set per instance: checked on instances
        impl, unbound = _member(obj, attr)
        if not callable(impl):
            problems.append(f'"{attr}" must be a method, not {type(impl).__name__}')
            continue
        wants_async = inspect.iscoroutinefunction(definition)
        if wants_async and not _is_async(impl):
            problems.append(f'method "{attr}" must be async (async def)')
        elif not wants_async and _is_async(impl):
            problems.append(f'method "{attr}" must not be async (plain def)')
        problem = _call_problem(attr, definition, impl, unbound)
        if problem:
            problems.append(problem)
    head: list[str] = []
    if missing_methods:
        plural = "s" if len(missing_methods) > 1 else ""
        head.append(f"missing method{plural} {_quoted(missing_methods)}")
    if missing_attrs:
        plural = "s" if len(missing_attrs) > 1 else ""
        head.append(f"missing attribute{plural} {_quoted(missing_attrs)}")
    return head + problems


def describe(obj: object) -> str:
    """How messages name an object that has no registry label."""
    if isinstance(obj, type):
        return f"class {obj.__module__}.{obj.__qualname__}"
    return f"{type(obj).__name__} object"


def check_implements(obj: object, protocol: type, *, label: str | None = None) -> None:
    """Raise `InterfaceMismatchError` (one sentence) unless `obj` implements `protocol`.

    Checks that every method and attribute of the protocol exists, that methods are async
    exactly where the protocol's are, and that each method accepts the arguments the contract
    passes. `obj` may be an instance or a class; `label` names it in the message.
    """
    problems = interface_problems(obj, protocol)
    if problems:
        raise InterfaceMismatchError(
            f"{label or describe(obj)} does not implement {protocol.__name__}: "
            + "; ".join(problems)
        )


_WRAPPERS = frozenset(
    {
        "AbstractAsyncContextManager",
        "AbstractContextManager",
        "AsyncIterator",
        "AsyncGenerator",
        "Iterator",
        "Generator",
        "Awaitable",
        "Coroutine",
    }
)


def product_class(factory: Callable[..., object]) -> type | None:
    """The class of what `factory` builds, when that can be told without calling it."""
    if isinstance(factory, type):
        return factory
    func = inspect.unwrap(factory)
    annotation = getattr(func, "__annotations__", {}).get("return")
    if annotation is None:
        return None
    # Resolve only the return annotation: parameters may name types imported for checkers only.
    holder = types.SimpleNamespace(__annotations__={"return": annotation})
    try:
        result = typing.get_type_hints(holder, globalns=getattr(func, "__globals__", {}))["return"]
    except Exception:
        return None
    while typing.get_origin(result) is not None:
        origin = typing.get_origin(result)
        args = typing.get_args(result)
        if getattr(origin, "__name__", "") not in _WRAPPERS or not args:
            return None
        result = args[-1] if origin.__name__ == "Coroutine" else args[0]
    if not isinstance(result, type) or getattr(result, "_is_protocol", False):
        return None
    return result


def check_implementation(impl: Implementation) -> bool:
    """Check `impl`'s product against its part's interface when its class is known.

    Returns True when checked (and it conforms), False when the product can only be checked
    once built; raises `InterfaceMismatchError` when it does not conform.
    """
    cls = product_class(impl.factory)
    if cls is None:
        return False
    check_implements(cls, impl.part.interface, label=impl.label)
    return True


def option_problems(impl: Implementation, options: Mapping[str, object]) -> list[str]:
    """Ways the factory's signature cannot take `options` plus the part's injected arguments.

    Empty when the factory accepts `**options`, or its signature cannot be read.
    """
    try:
        sig = inspect.signature(impl.factory)
    except (TypeError, ValueError):
        return []
    params = sig.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return []
    by_keyword = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    accepted = {p.name for p in by_keyword}
    own = [p.name for p in by_keyword if p.name not in impl.part.injected]
    problems = [
        f'its factory must accept the keyword argument "{name}" ({impl.part.factory})'
        for name in impl.part.injected
        if name not in accepted
    ]
    unknown = [key for key in options if key not in accepted or key in impl.part.injected]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        known = f"its options are {_quoted(own)}" if own else "it takes no options"
        problems.append(f"unknown option{plural} {_quoted(unknown)} ({known})")
    missing = [
        p.name
        for p in by_keyword
        if p.default is p.empty and p.name not in options and p.name not in impl.part.injected
    ]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"missing required option{plural} {_quoted(missing)}")
    return problems


def check_options(impl: Implementation, options: Mapping[str, object]) -> None:
    """Raise `OptionsError` (one sentence) unless the factory can be called with `options`."""
    problems = option_problems(impl, options)
    if problems:
        raise OptionsError(f"{impl.label}: " + "; ".join(problems))


default_registry = Registry()
"""The registry of the installed packages' entry points."""


def load(part: str, name: str) -> Callable[..., object]:
    """The factory of `part` called `name` in the installed packages (or `module:attribute`)."""
    return default_registry.load(part, name)


def resolve(part: str, name: str) -> Implementation:
    """Resolve `name` for `part` in the installed packages (see `Registry.resolve`)."""
    return default_registry.resolve(part, name)


__all__ = [
    "PARTS",
    "DuplicateImplementationError",
    "Implementation",
    "InterfaceMismatchError",
    "LoadError",
    "OptionsError",
    "Part",
    "Registry",
    "RegistryError",
    "UnknownImplementationError",
    "check_implementation",
    "check_implements",
    "check_options",
    "default_registry",
    "describe",
    "interface_members",
    "interface_problems",
    "load",
    "option_problems",
    "product_class",
    "resolve",
]
