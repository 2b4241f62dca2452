"""The registry finds implementations by name or module:attribute and fails in one sentence."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.interfaces.scheduler import Scheduler
from kernel.interfaces.store import Store
from kernel.registry import (
    PARTS,
    DuplicateImplementationError,
    InterfaceMismatchError,
    LoadError,
    OptionsError,
    Registry,
    RegistryError,
    UnknownImplementationError,
    check_implementation,
    check_implements,
    check_options,
    interface_members,
    product_class,
    resolve,
)


def registry_of(samples: str, group: str, *entries: tuple[str, str]) -> Registry:
    """A registry whose only entry points are `entries` (name, "attr" of the samples module)."""

    def source(asked: str) -> list[EntryPoint]:
        if asked != group:
            return []
        return [EntryPoint(name, f"{samples}:{attr}", group) for name, attr in entries]

    return Registry(source=source)


# --------------------------------------------------------------------------- finding by name


def test_registered_name_resolves_to_its_factory(samples: str) -> None:
    registry = registry_of(samples, "kubelab.scheduler", ("good", "GoodScheduler"))
    impl = registry.resolve("scheduler", "good")
    assert impl.name == "good"
    assert impl.target == f"{samples}:GoodScheduler"
    assert impl.factory.__name__ == "GoodScheduler"
    assert registry.load("scheduler", "good") is impl.factory
    assert impl.label == f'scheduler "good" ({samples}:GoodScheduler)'


def test_module_attribute_names_code_outside_kubelab(samples: str) -> None:
    impl = Registry(source=lambda group: []).resolve("store", f"{samples}:open_full_store")
    assert impl.factory.__name__ == "open_full_store"
    assert impl.label == f'store "{samples}:open_full_store"'


def test_installed_memory_store_is_registered_and_implements_store() -> None:
    impl = resolve("store", "memory")
    assert impl.target == "components.store.memory:open_memory_store"
    assert check_implementation(impl) is True


def test_unknown_name_lists_the_known_names(samples: str) -> None:
    registry = registry_of(
        samples, "kubelab.scheduler", ("good", "GoodScheduler"), ("alt", "make_scheduler")
    )
    with pytest.raises(UnknownImplementationError) as err:
        registry.resolve("scheduler", "god")
    assert str(err.value) == (
        'unknown scheduler implementation "god" (known: "alt" and "good"; code outside '
        'kubelab is named as "module:attribute")'
    )


def test_unknown_name_when_nothing_is_installed() -> None:
    with pytest.raises(UnknownImplementationError, match=r'"x" \(none is installed;'):
        Registry(source=lambda group: []).resolve("proxy", "x")


def test_unknown_part_lists_the_parts() -> None:
    with pytest.raises(RegistryError) as err:
        Registry().resolve("etcd", "memory")
    assert str(err.value) == (
        'unknown part "etcd"; the parts are "store", "scheduler", "controllers", "proxy", "dns", '
        '"kubelet" and "runtime"'
    )


def test_duplicate_names_are_rejected(samples: str) -> None:
    registry = registry_of(
        samples, "kubelab.scheduler", ("good", "GoodScheduler"), ("good", "make_scheduler")
    )
    with pytest.raises(DuplicateImplementationError) as err:
        registry.resolve("scheduler", "good")
    assert str(err.value) == (
        f'scheduler "good" is registered twice in entry-point group kubelab.scheduler '
        f"({samples}:GoodScheduler and {samples}:make_scheduler); uninstall one of the packages"
    )


def test_the_same_entry_point_seen_twice_is_not_a_duplicate(samples: str) -> None:
    registry = registry_of(
        samples, "kubelab.scheduler", ("good", "GoodScheduler"), ("good", "GoodScheduler")
    )
    assert registry.names("scheduler") == {"good": f"{samples}:GoodScheduler"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "no_such_pkg.mod:f",
            'store "no_such_pkg.mod:f" cannot be loaded: ModuleNotFoundError: '
            "No module named 'no_such_pkg'",
        ),
        (
            "{samples}:missing",
            'store "{samples}:missing" cannot be loaded: module {samples} has no attribute '
            '"missing"',
        ),
        (
            "{samples}:NOT_CALLABLE",
            'store "{samples}:NOT_CALLABLE" is not a factory: {samples}:NOT_CALLABLE is an '
            "object of type int, not a class or function",
        ),
        ("{samples}:", 'store "{samples}:": "{samples}:" is not of the form "module:attribute"'),
    ],
)
def test_bad_targets_fail_in_one_sentence(samples: str, name: str, message: str) -> None:
    with pytest.raises(LoadError) as err:
        Registry(source=lambda group: []).resolve("store", name.format(samples=samples))
    assert str(err.value) == message.format(samples=samples)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- interface checks


def test_nonconforming_store_names_the_missing_method(samples: str) -> None:
    registry = registry_of(samples, "kubelab.store", ("mystore", "open_half_store"))
    impl = registry.resolve("store", "mystore")
    with pytest.raises(InterfaceMismatchError) as err:
        check_implementation(impl)
    assert str(err.value) == (
        f'store "mystore" ({samples}:open_half_store) does not implement Store: '
        'missing method "compact"'
    )


def test_conforming_store_factory_is_checked_through_its_annotation(samples: str) -> None:
    impl = Registry(source=lambda group: []).resolve("store", f"{samples}:open_full_store")
    assert check_implementation(impl) is True


def test_unannotated_factory_is_left_for_start_up(samples: str) -> None:
    impl = Registry(source=lambda group: []).resolve("store", f"{samples}:open_unknown_store")
    assert check_implementation(impl) is False


@pytest.mark.parametrize(
    ("attr", "problem"),
    [
        ("SyncRunScheduler", 'method "run" must be async (async def)'),
        ("NamelessScheduler", 'missing attribute "name"'),
        (
            "ShortScheduler",
            'method "schedule_one" takes (pod) but is called as schedule_one(pod, snapshot)',
        ),
    ],
)
def test_nonconforming_scheduler_sentences(samples: str, attr: str, problem: str) -> None:
    impl = Registry(source=lambda group: []).resolve("scheduler", f"{samples}:{attr}")
    with pytest.raises(InterfaceMismatchError) as err:
        check_implementation(impl)
    assert str(err.value) == (
        f'scheduler "{samples}:{attr}" does not implement Scheduler: {problem}'
    )


def test_instances_are_checked_like_classes(samples: str) -> None:
    impl = Registry(source=lambda group: []).resolve("scheduler", f"{samples}:GoodScheduler")
    instance = impl.factory(env=None, clock=None, rng=None)
    check_implements(instance, Scheduler)
    assert isinstance(instance, Scheduler)


def test_unlabelled_objects_are_named_by_their_type() -> None:
    class Empty:
        pass

    with pytest.raises(InterfaceMismatchError, match=r"^Empty object does not implement Sch"):
        check_implements(Empty(), Scheduler)
    with pytest.raises(InterfaceMismatchError, match=r"^class .*Empty does not implement Sch"):
        check_implements(Empty, Scheduler)


def test_sync_method_may_not_be_async() -> None:
    class AsyncWatch:
        pass

    for name, member in interface_members(Store).items():
        setattr(AsyncWatch, name, member)

    async def watch(self, key, range_end=None, *, start_revision=0, prev_kv=False):
        return None

    AsyncWatch.watch = watch  # type: ignore[attr-defined]
    with pytest.raises(InterfaceMismatchError) as err:
        check_implements(AsyncWatch, Store)
    assert str(err.value).endswith(
        'does not implement Store: method "watch" must not be async (plain def)'
    )


@given(st.sets(st.sampled_from(sorted(interface_members(Store)))))
def test_message_names_exactly_the_missing_methods(missing: set[str]) -> None:
    members = {k: v for k, v in interface_members(Store).items() if k not in missing}
    candidate = type("Candidate", (), members)
    if not missing:
        check_implements(candidate, Store)
        return
    with pytest.raises(InterfaceMismatchError) as err:
        check_implements(candidate, Store, label="store")
    message = str(err.value)
    assert message.startswith("store does not implement Store: missing method")
    named = {name for name in interface_members(Store) if f'"{name}"' in message}
    assert named == missing
    assert "\n" not in message


# --------------------------------------------------------------------------- product and options


def test_product_class_reads_classes_and_return_annotations(samples: str) -> None:
    registry = Registry(source=lambda group: [])
    good = registry.load("scheduler", f"{samples}:GoodScheduler")
    assert product_class(good) is good
    assert product_class(registry.load("scheduler", f"{samples}:make_scheduler")) is good
    half = product_class(registry.load("store", f"{samples}:open_half_store"))
    assert half is not None
    assert half.__name__ == "PartialStore"
    assert product_class(registry.load("store", f"{samples}:open_unknown_store")) is None


def test_product_class_needs_only_the_return_annotation_to_resolve(samples: str) -> None:
    factory = Registry(source=lambda group: []).load("scheduler", f"{samples}:typed_params")
    good = Registry(source=lambda group: []).load("scheduler", f"{samples}:GoodScheduler")
    assert product_class(factory) is good


def test_optional_parameters_must_keep_their_names() -> None:
    """The contract may pass `range_end=` by name, so a renamed parameter is a mismatch."""
    members = dict(interface_members(Store))

    async def range(self, key, end=None, *, revision=0, limit=0, keys_only=False, count_only=False):
        return None

    members["range"] = range
    with pytest.raises(InterfaceMismatchError) as err:
        check_implements(type("Renamed", (), members), Store, label="store")
    assert str(err.value) == (
        'store does not implement Store: method "range" takes (key, end, *, revision, limit, '
        "keys_only, count_only) but is called as range(key, range_end=, revision=, limit=, "
        "keys_only=, count_only=)"
    )


def _protocol_annotated() -> Store:  # a factory that promises only the protocol
    raise NotImplementedError


def test_product_class_ignores_protocol_annotations() -> None:
    assert product_class(_protocol_annotated) is None


@pytest.mark.parametrize(
    ("attr", "options", "problem"),
    [
        ("GoodScheduler", {"weight": 2}, None),
        ("make_scheduler", {"anything": 1}, None),
        (
            "GoodScheduler",
            {"wieght": 2},
            'unknown option "wieght" (its options are "weight")',
        ),
        (
            "GoodScheduler",
            {"clock": 2},
            'unknown option "clock" (its options are "weight")',
        ),
        ("needs_seed", {}, 'missing required option "seed"'),
        (
            "forgets_rng",
            {},
            'its factory must accept the keyword argument "rng" '
            "(factory(env=, clock=, rng=, **options))",
        ),
        (
            "forgets_env",
            {},
            'its factory must accept the keyword argument "env" '
            "(factory(env=, clock=, rng=, **options))",
        ),
    ],
)
def test_options_must_fit_the_factory(
    samples: str, attr: str, options: dict[str, object], problem: str | None
) -> None:
    impl = Registry(source=lambda group: []).resolve("scheduler", f"{samples}:{attr}")
    if problem is None:
        check_options(impl, options)
        return
    with pytest.raises(OptionsError) as err:
        check_options(impl, options)
    assert str(err.value) == f'scheduler "{samples}:{attr}": {problem}'


def test_every_part_has_its_own_entry_point_group() -> None:
    assert list(PARTS) == [
        "store",
        "scheduler",
        "controllers",
        "proxy",
        "dns",
        "kubelet",
        "runtime",
    ]
    assert {p.group for p in PARTS.values()} == {f"kubelab.{name}" for name in PARTS}
