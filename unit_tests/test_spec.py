"""The SPEC's connection specification (airbyte/spec.py): the existing connector's fields, every new one optional."""

from source_posthog.airbyte.spec import spec_schema


class TestSpecSchema:
    def test_spec_has_existing_connector_fields_and_requirements(self) -> None:
        schema = spec_schema()
        assert schema["required"] == ["api_key", "start_date"]
        assert {"api_key", "start_date", "base_url", "events_time_step"} <= set(schema["properties"])
        assert schema["properties"]["api_key"] == {
            "airbyte_secret": True,
            "description": schema["properties"]["api_key"]["description"],
            "order": 0,
            "title": "API Key",
            "type": "string",
        }
        step = schema["properties"]["events_time_step"]
        assert (step["minimum"], step["maximum"], step["default"]) == (1, 91, 30)
        assert (
            schema["properties"]["start_date"]["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
        )

    def test_every_new_field_is_optional_with_default_and_description(self) -> None:
        schema = spec_schema()
        for name, prop in schema["properties"].items():
            assert prop.get("description"), name
            if name not in schema["required"]:
                assert "default" in prop, name
