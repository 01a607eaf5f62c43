"""The realistic-weights switch (issue 23): 2-4 KB events, a share of fat LLM/exception events, fat persons."""

from collections import Counter

import orjson

from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.__main__ import parse_args, settings_from
from posthog_emulator.config.weights import Weights
from posthog_emulator.data.weights import HEAVY_EVENTS


def dataset(weights: Weights, events: int = 4_000, persons: int = 20) -> Emulator:
    """An emulator built but not serving: only its data is looked at."""
    settings = EmulatorSettings(seed=5, events=events, projects=1, edge_projects=False, persons_per_project=persons)
    return Emulator(settings, weights=weights)


def sizes_by_kind(emu: Emulator) -> tuple[list[int], list[int]]:
    store = emu.app.rt.dataset.events[101]
    light: list[int] = []
    heavy: list[int] = []
    for i in range(len(store)):
        (heavy if store.event(i) in HEAVY_EVENTS else light).append(len(store.properties_json(i)))
    return light, heavy


def test_given_no_weights_then_the_light_payloads_as_before() -> None:
    light, heavy = sizes_by_kind(dataset(Weights()))

    assert heavy == []
    assert max(light) < 600


def test_given_realistic_weights_then_two_to_four_kb_events_with_many_properties() -> None:
    emu = dataset(Weights(realistic=True))
    light, heavy = sizes_by_kind(emu)
    store = emu.app.rt.dataset.events[101]

    assert heavy == []
    assert min(light) >= 2_000
    assert max(light) <= 4_500
    assert len(orjson.loads(store.properties_json(0))) >= 50
    assert store.properties(0) == orjson.loads(store.properties_json(0))  # /events/ shows the same properties


def test_given_a_heavy_fraction_then_that_share_of_llm_and_exception_events_of_the_asked_size() -> None:
    emu = dataset(Weights(realistic=True, heavy_fraction=0.05, heavy_kb=(150, 150)))
    light, heavy = sizes_by_kind(emu)
    names = Counter(emu.app.rt.dataset.events[101].names[n] for n in emu.app.rt.dataset.events[101].name)

    assert 0.035 < len(heavy) / (len(heavy) + len(light)) < 0.065
    assert all(150 * 1024 <= size < 151 * 1024 for size in heavy)
    assert names["$ai_generation"] > 0
    assert names["$exception"] > 0


def test_given_person_kb_then_every_person_carries_that_much_more() -> None:
    emu = dataset(Weights(person_kb=20))

    for person in emu.app.rt.dataset.persons[101]:
        assert 20 * 1024 <= len(orjson.dumps(person["properties"])) < 22 * 1024


def test_given_the_command_line_flags_then_the_weights() -> None:
    args = parse_args(["--realistic-weights", "--heavy-events", "0.05", "--heavy-kb", "150", "--person-kb", "20"])

    assert settings_from(args).weights == Weights(True, 0.05, (150, 150), 20)
    assert settings_from(parse_args([])).weights == Weights()
