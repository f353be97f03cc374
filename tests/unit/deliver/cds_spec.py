"""CDS Hooks 2.0 response rules as assertions, written from the spec text rather than our code.

Spec sections: "Card Attributes", "Source", "Suggestion", "Action", "Reasons for rejecting a card",
"Discovery" and "Null and empty JSON elements" (optional elements are omitted, never null or empty).
"""

from __future__ import annotations

from typing import Any

INDICATORS = {"info", "warning", "critical"}
SELECTION_BEHAVIORS = {"at-most-one", "any"}
ACTION_TYPES = {"create", "update", "delete"}


def _no_empty(value: Any, where: str) -> None:
    assert value is not None, f"{where} is null"
    if isinstance(value, str | list | dict):
        assert len(value) > 0, f"{where} is empty"
    if isinstance(value, dict):
        for key, item in value.items():
            _no_empty(item, f"{where}.{key}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _no_empty(item, f"{where}[{index}]")


def _coding(coding: dict[str, Any], where: str) -> None:
    assert isinstance(coding.get("code"), str), f"{where}.code"
    assert coding["code"], f"{where}.code"
    assert isinstance(coding.get("display"), str), f"{where}.display is required"
    assert coding["display"], f"{where}.display is required"


def assert_card_conforms(card: dict[str, Any]) -> None:
    _no_empty(card, "card")
    assert set(card) <= {
        "uuid",
        "summary",
        "detail",
        "indicator",
        "source",
        "suggestions",
        "selectionBehavior",
        "overrideReasons",
        "links",
    }, sorted(card)
    assert isinstance(card["summary"], str)
    assert len(card["summary"]) < 140, card["summary"]
    assert card["indicator"] in INDICATORS
    assert isinstance(card["source"]["label"], str)
    assert card["source"]["label"]
    if "url" in card["source"]:
        assert card["source"]["url"].startswith(("https://", "http://"))
    if "topic" in card["source"]:
        _coding(card["source"]["topic"], "source.topic")
    if "suggestions" in card:
        assert card["selectionBehavior"] in SELECTION_BEHAVIORS
        for suggestion in card["suggestions"]:
            assert isinstance(suggestion["label"], str)
            assert suggestion["label"]
            for action in suggestion.get("actions", []):
                assert action["type"] in ACTION_TYPES
                assert isinstance(action["description"], str)
                assert action["description"]
                if action["type"] == "create":
                    assert isinstance(action["resource"], dict)
                    assert action["resource"]["resourceType"]
                if action["type"] == "delete":
                    assert "/" in action["resourceId"]
    else:
        assert "selectionBehavior" not in card
    for reason in card.get("overrideReasons", []):
        _coding(reason, "overrideReasons[]")


def assert_cards_response_conforms(body: dict[str, Any]) -> None:
    assert set(body) <= {"cards", "systemActions"}
    assert isinstance(body["cards"], list)
    for card in body["cards"]:
        assert_card_conforms(card)
    uuids = [card["uuid"] for card in body["cards"] if "uuid" in card]
    assert len(uuids) == len(set(uuids)), "card uuids must be unique"


def assert_discovery_conforms(body: dict[str, Any]) -> None:
    assert isinstance(body["services"], list)
    assert body["services"]
    for service in body["services"]:
        _no_empty(service, "service")
        for required in ("hook", "description", "id"):
            assert isinstance(service[required], str)
            assert service[required]
        for key, template in service.get("prefetch", {}).items():
            assert isinstance(key, str)
            assert isinstance(template, str)
