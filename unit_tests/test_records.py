from source_posthog.streams.events.records import parse_elements


class TestParseElements:
    def test_given_legacy_example_when_parsed_then_same_as_events_endpoint(self) -> None:
        chain = 'button.cta:text="Buy"nth-child="1"nth-of-type="1"'
        assert parse_elements(chain) == [
            {
                "event": None,
                "text": "Buy",
                "tag_name": "button",
                "attr_class": ["cta"],
                "href": None,
                "attr_id": None,
                "nth_child": 1,
                "nth_of_type": 1,
                "attributes": {},
                "order": 0,
            }
        ]

    def test_given_chain_of_ancestors_when_parsed_then_ordered_with_attributes(self) -> None:
        chain = (
            'a.nav-link.active:attr__class="nav-link active"attr__href="/p;q"href="/p;q"attr_id="x"'
            'nth-child="3"nth-of-type="3";nav:nth-child="1"nth-of-type="1"'
        )
        first, second = parse_elements(chain)
        assert first["attr_class"] == ["nav-link", "active"]
        assert first["href"] == "/p;q"  # a `;` inside quotes does not split elements
        assert first["attr_id"] == "x"
        assert first["attributes"] == {"attr__class": "nav-link active", "attr__href": "/p;q"}
        assert (second["tag_name"], second["order"], second["attr_class"]) == ("nav", 1, None)

    def test_given_escaped_quote_and_bad_number_when_parsed_then_kept_escaped_and_null(self) -> None:
        (element,) = parse_elements('input:attr__placeholder="Say \\"hi\\""nth-child="x"')
        assert element["attributes"] == {"attr__placeholder": 'Say \\"hi\\"'}
        assert element["nth_child"] is None

    def test_given_empty_chain_when_parsed_then_no_elements(self) -> None:
        assert parse_elements("") == []
