"""Custom HogQL queries as streams (config `custom_queries`): schema from PostHog's answer, keyset reads around them."""
