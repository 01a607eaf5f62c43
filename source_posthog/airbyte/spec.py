"""The connector specification, generated from the one `Config` model so the two can never disagree."""

from typing import Any

from source_posthog.config.model import Config


def spec_schema() -> dict[str, Any]:
    """The connectionSpecification, generated from `Config` so the two can never disagree."""
    schema = Config.model_json_schema()
    definitions = schema.pop("$defs", {})
    for name, prop in schema["properties"].items():  # Airbyte's UI renders inline objects, not $refs
        if "$ref" in prop:
            schema["properties"][name] = {**definitions[prop.pop("$ref").split("/")[-1]], **prop}
        items = prop.get("items", {})
        if "$ref" in items:  # a list of objects (custom_queries)
            prop["items"] = definitions[items["$ref"].split("/")[-1]]
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["additionalProperties"] = True
    schema.pop("description", None)
    for key in ("format", "writeOnly"):  # pydantic's SecretStr markers; Airbyte uses airbyte_secret
        schema["properties"]["api_key"].pop(key, None)
    return schema
