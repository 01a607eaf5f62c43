"""One place that removes secrets from any text before it leaves the process."""

import re

_SECRETS: set[str] = set()
# PostHog personal keys and project tokens, even ones we were never told about (e.g. echoed by a server).
_KEY_PATTERN = re.compile(r"\b(phx|phc|phs)_[A-Za-z0-9]{8,}")
MASK = "****"


def register_secret(secret: str) -> None:
    """Remember a secret so `redact` masks it wherever it appears."""
    if secret:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """Return `text` with every registered secret and anything shaped like a PostHog key masked."""
    for secret in _SECRETS:
        text = text.replace(secret, MASK)
    return _KEY_PATTERN.sub(MASK, text)
