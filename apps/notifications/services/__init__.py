"""Notification writes, one module per use case group: rendering (templates), outbox (email
queue, sending, retries, the sweeper), broadcasts, tracking (ESP webhooks, suppressions),
inapp (in-app notifications) and sms (text channels)."""
