"""Email backends for tests, faking the provider at the backend boundary.

- ``OutageBackend``: the ESP is down (anymail's error for an HTTP 503): every send raises.
- ``RefusingBackend``: like Django's locmem backend (messages land in ``mail.outbox``), except
  that addresses containing "broken" are refused by the "ESP" (a permanent error, as anymail
  raises for an invalid or rejected recipient). ``SENT`` counts sends per address.
"""

from collections import Counter

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

SENT: Counter = Counter()


class OutageBackend(BaseEmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise AnymailAPIError("ESP API response 503 (Service Unavailable)")


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        for message in messages:
            if any("broken" in address for address in message.to):
                raise AnymailRecipientsRefused(f"Recipients refused: {', '.join(message.to)}")
        for message in messages:
            SENT.update(message.to)
        return super().send_messages(messages)
