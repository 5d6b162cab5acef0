"""The provider fakes behave like the providers on the routes the code calls: proven through the
official ``stripe`` library and plain HTTP (Paystack has no official Python SDK), all on
loopback. Which routes those are: test_routes.py."""

import hashlib
import hmac
import json
import socket
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
import stripe

from tests.fakes.paystack_fake import PaystackFake
from tests.fakes.signing import paystack_signature, stripe_signature_header
from tests.fakes.stripe_fake import StripeFake


@pytest.fixture
def fake(stripe_server):
    stripe_server.reset()
    yield stripe_server
    try:
        stripe_server.assert_all_served()
    finally:
        stripe_server.reset()


@pytest.fixture
def client(fake):
    return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)


@pytest.fixture
def ps(paystack_server):
    paystack_server.reset()
    yield paystack_server
    try:
        paystack_server.assert_all_served()
    finally:
        paystack_server.reset()


@pytest.fixture
def ps_http(ps):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {ps.secret_key}"
    yield session
    session.close()


def _pay_card(client, amount=2500, currency="usd", **params):
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            **params,
        }
    )


# === signing =====================================================================================
WEBHOOK_SECRET = "whsec_test"


def test_stripe_signature_matches_a_known_vector_and_stripes_own_signer():
    payload = b'{"id":"evt_1","object":"event"}'
    # openssl dgst -sha256 -hmac whsec_test over "1700000000.<payload>"
    expected = "t=1700000000,v1=4c15fb2a43f93ef61eaa3e0893866d57cad9cad4223242cfb96f362480cb4021"
    assert stripe_signature_header(payload, WEBHOOK_SECRET, 1_700_000_000) == expected
    theirs = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), WEBHOOK_SECRET, 1_700_000_000
    )
    assert theirs == expected


def test_stripe_signature_is_accepted_and_tampering_or_staleness_rejected():
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {}}
    ).encode()
    event = stripe.Webhook.construct_event(
        payload, stripe_signature_header(payload, WEBHOOK_SECRET), WEBHOOK_SECRET
    )
    assert event.type == "payment_intent.succeeded"

    header = stripe_signature_header(payload, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.replace(b"evt_1", b"evt_2"), header, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    stale = stripe_signature_header(payload, WEBHOOK_SECRET, int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError, match="outside the tolerance zone"):
        stripe.Webhook.construct_event(payload, stale, WEBHOOK_SECRET)
    recent = stripe_signature_header(payload, WEBHOOK_SECRET, int(time.time()) - 290)
    assert stripe.Webhook.construct_event(payload, recent, WEBHOOK_SECRET).id == "evt_1"


def test_paystack_signature_matches_a_known_vector():
    body = b'{"event":"charge.success","data":{"reference":"FD-1"}}'
    # openssl dgst -sha512 -hmac sk_test_secret
    assert paystack_signature(body, "sk_test_secret") == (
        "fe77fefc3651c62f63141ff2b6a381e3747cdfa56c525941f72384d3806d20d8"
        "c05e65eb612726db9b7681994b121640b2300437924387acdd05bc9e7bfded5d"
    )


# === Stripe: PaymentIntents ========================================================================
def test_servers_listen_on_loopback_only(stripe_server, paystack_server):
    for server in (stripe_server, paystack_server):
        assert server.url.startswith("http://127.0.0.1:")
        assert server._server.server_address[0] == "127.0.0.1"


def test_create_with_metadata_and_idempotency_key_replays(fake, client):
    options = {"idempotency_key": "order-FD-1-attempt-1"}
    params = {"amount": 1999, "currency": "USD", "metadata": {"order_number": "FD-1"}}
    first = client.v1.payment_intents.create(params=params, options=options)
    again = client.v1.payment_intents.create(params=params, options=options)

    assert again.id == first.id and again.client_secret == first.client_secret
    assert first.id.startswith("pi_") and first.client_secret.startswith(f"{first.id}_secret_")
    assert (first.amount, first.currency, first.status) == (1999, "usd", "requires_payment_method")
    assert first.metadata.to_dict() == {"order_number": "FD-1"}
    assert first.latest_charge is None and first.automatic_payment_methods.enabled is True
    assert len(fake.payment_intents) == 1
    assert again.last_response.headers["Idempotent-Replayed"] == "true"

    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.payment_intents.create(params={**params, "amount": 2000}, options=options)
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        client.v1.refunds.create(params={"payment_intent": first.id}, options=options)
    sent = fake.requests_to(r"^/v1/payment_intents$", "POST")[0]
    assert sent.headers["idempotency-key"] == "order-FD-1-attempt-1"
    assert sent.form()["metadata[order_number]"] == "FD-1"


def test_module_level_api_base_works_too(fake, monkeypatch):
    monkeypatch.setattr(stripe, "api_key", fake.api_key)
    monkeypatch.setattr(stripe, "api_base", fake.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    pi = stripe.PaymentIntent.create(amount=1000, currency="eur", idempotency_key="k1")
    assert [(p.id, p.amount) for p in stripe.PaymentIntent.list().data] == [(pi.id, 1000)]
    assert stripe.PaymentIntent.create(amount=1000, currency="eur", idempotency_key="k1").id == pi.id


def test_create_with_confirm_reaches_succeeded_with_a_charge(fake, client):
    done = _pay_card(client, amount=5000, metadata={"order": "FD-2"})
    assert done.status == "succeeded" and done.amount_received == 5000
    assert done.latest_charge.startswith("ch_") and done.payment_method.startswith("pm_")
    charge = fake.get_charge(done.latest_charge)
    assert (charge["object"], charge["status"], charge["paid"], charge["captured"]) == (
        "charge",
        "succeeded",
        True,
        True,
    )
    assert (charge["amount"], charge["amount_refunded"], charge["payment_intent"]) == (5000, 0, done.id)
    assert charge["metadata"] == {"order": "FD-2"}
    assert [e["type"] for e in fake.events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]

    with pytest.raises(stripe.InvalidRequestError, match="missing a payment method") as missing:
        client.v1.payment_intents.create(params={"amount": 5000, "currency": "usd", "confirm": True})
    assert missing.value.code == "payment_intent_unexpected_state"
    # Like Stripe: with automatic payment methods (redirects allowed), server-side confirm needs return_url.
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.payment_intents.create(
            params={"amount": 5000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )


def test_declined_card_is_a_402_and_leaves_the_intent_retryable(fake, client):
    with pytest.raises(stripe.CardError) as declined:
        _pay_card(client, payment_method="pm_card_chargeDeclinedInsufficientFunds")
    err = declined.value
    assert (err.http_status, err.code, err.error.decline_code) == (402, "card_declined", "insufficient_funds")
    pi_id = err.json_body["error"]["payment_intent"]["id"]
    pi = fake.get_payment_intent(pi_id)
    assert pi["status"] == "requires_payment_method"
    assert pi["last_payment_error"]["code"] == "card_declined"
    assert fake.get_charge(pi["latest_charge"])["status"] == "failed"

    ok = fake.succeed_payment_intent(pi_id)  # the customer tries another card
    assert ok["status"] == "succeeded" and ok["last_payment_error"] is None


def test_authentication_and_manual_capture_states(fake, client):
    needs_auth = _pay_card(client, payment_method="pm_card_authenticationRequired")
    assert needs_auth.status == "requires_action" and needs_auth.next_action.type == "use_stripe_sdk"
    assert fake.authenticate_payment_intent(needs_auth.id)["status"] == "succeeded"

    held = _pay_card(client, amount=3000, capture_method="manual")
    assert (held.status, held.amount_capturable) == ("requires_capture", 3000)


def test_validation_errors_look_like_stripes(fake, client):
    cases = [
        ({"amount": 2000, "currency": "usd", "colour": "red"}, "parameter_unknown", "colour"),
        ({"currency": "usd"}, "parameter_missing", "amount"),
        ({"amount": 20, "currency": "usd"}, "amount_too_small", "amount"),
        ({"amount": "12.5", "currency": "usd"}, "parameter_invalid_integer", "amount"),
    ]
    for params, code, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as err:
            client.v1.payment_intents.create(params=params)
        assert (err.value.http_status, err.value.code, err.value.param) == (400, code, param)
    with pytest.raises(stripe.InvalidRequestError, match="No such payment_intent: 'pi_missing'") as missing:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})
    assert (missing.value.http_status, missing.value.code) == (400, "resource_missing")
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.url}).v1.payment_intents.list()
    with pytest.raises(stripe.InvalidRequestError, match="less than or equal to 100"):
        client.v1.payment_intents.list(params={"limit": 101})
    assert fake.payment_intents == {}


# === Stripe: refunds ==============================================================================
def test_partial_refunds_by_intent_and_charge_never_exceed_the_charge(fake, client):
    pi = _pay_card(client, amount=5000)
    first = client.v1.refunds.create(
        params={
            "payment_intent": pi.id,
            "amount": 1000,
            "reason": "requested_by_customer",
            "metadata": {"r": "1"},
        },
        options={"idempotency_key": "refund-1"},
    )
    replay = client.v1.refunds.create(
        params={
            "payment_intent": pi.id,
            "amount": 1000,
            "reason": "requested_by_customer",
            "metadata": {"r": "1"},
        },
        options={"idempotency_key": "refund-1"},
    )
    assert replay.id == first.id
    assert (first.status, first.amount, first.charge, first.payment_intent) == (
        "succeeded",
        1000,
        pi.latest_charge,
        pi.id,
    )
    by_charge = client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1500})
    assert by_charge.payment_intent == pi.id

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 2501})
    assert str(too_much.value.user_message) == (
        "Refund amount ($25.01) is greater than unrefunded amount on charge ($25.00)"
    )
    assert too_much.value.param == "amount"

    rest = client.v1.refunds.create(params={"payment_intent": pi.id})
    assert rest.amount == 2500
    charge = fake.get_charge(pi.latest_charge)
    assert (charge["amount_refunded"], charge["refunded"]) == (5000, True)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1})
    assert again.value.code == "charge_already_refunded"

    assert [r["amount"] for r in fake.refunds_for(pi.id)] == [1000, 1500, 2500]

    unpaid = client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge"):
        client.v1.refunds.create(params={"payment_intent": unpaid.id})


def test_failed_refund_frees_the_amount(fake, client):
    pi = _pay_card(client, amount=4000)
    refund = client.v1.refunds.create(params={"payment_intent": pi.id})
    fake.set_refund_status(refund.id, "failed")
    assert fake.get_refund(refund.id)["status"] == "failed"
    assert client.v1.refunds.create(params={"payment_intent": pi.id}).amount == 4000
    assert fake.events_of_type("refund.failed")[0]["data"]["object"]["id"] == refund.id


# === Stripe: lists ================================================================================
def test_list_with_created_filter_and_auto_pagination(fake, client, monkeypatch):
    now = int(time.time())
    old = fake.add_payment_intent(amount=100, currency="usd", status="succeeded", created=now - 86_400 * 5)
    recent = [
        fake.add_payment_intent(amount=1000 + i, currency="usd", status="succeeded", created=now - 1000 + i)
        for i in range(25)
    ]
    since = now - 86_400 * 3

    listed = client.v1.payment_intents.list(params={"limit": 10, "created": {"gte": since}})
    assert listed.has_more is True and len(listed.data) == 10
    everything = [p.id for p in listed.auto_paging_iter()]
    assert everything == [p["id"] for p in reversed(recent)]  # newest first, the old one filtered out
    assert old["id"] not in everything

    monkeypatch.setattr(stripe, "api_key", fake.api_key)
    monkeypatch.setattr(stripe, "api_base", fake.url)
    module_level = stripe.PaymentIntent.list(limit=100, created={"gte": since}).auto_paging_iter()
    assert [p.id for p in module_level] == everything

    window = client.v1.payment_intents.list(
        params={"created": {"gt": now - 1000, "lte": now - 990}, "limit": 100}
    )
    assert [p.amount for p in window.data] == list(range(1010, 1000, -1))
    before = client.v1.payment_intents.list(params={"limit": 3, "ending_before": recent[10]["id"]})
    assert [p.amount for p in before.data] == [1013, 1012, 1011]
    expanded = client.v1.payment_intents.list(params={"limit": 2, "expand": ["data.latest_charge"]})
    assert expanded.data[0].latest_charge.object == "charge"


def test_pages_through_50000_intents_in_linear_work(fake, client):
    """Paging is linear, counted rather than timed (a timed bound fails on a loaded machine):
    the index is sorted at most once, and each page visits at most limit + 1 entries."""
    base = 1_750_000_000
    for i in range(50_000):
        fake.add_payment_intent(
            amount=1000 + i,
            currency="usd",
            status="succeeded",
            metadata={"order_number": f"FD-{i}"},
            created=base + i // 4,
        )

    # The wire protocol, as any client pages it: starting_after = last id, until has_more is false.
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {fake.api_key}"
    seen, after, pages = [], None, 0
    while True:
        query = {"limit": 100, "created[gte]": base, **({"starting_after": after} if after else {})}
        page = session.get(f"{fake.url}/v1/payment_intents", params=query).json()
        pages += 1
        seen.extend(p["amount"] for p in page["data"])
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    session.close()
    assert pages == 500 and len(seen) == 50_000
    assert seen == sorted(seen, reverse=True)  # newest first, nothing repeated or skipped
    index = fake._indexes["payment_intent"]
    assert index.sorts <= 1
    assert index.examined <= 50_000 + pages, index.examined  # not 500 pages × 50,000

    # And through the library (it builds a StripeObject per intent, ~0.2 ms each: keep this slice small).
    tail = client.v1.payment_intents.list(params={"limit": 100, "created": {"gte": base + 12_000}})
    assert sum(1 for _ in tail.auto_paging_iter()) == 2_000


# === Stripe: failures and events ================================================================
def test_injected_failures(fake, client):
    fake.fail_next(500, path=r"^/v1/payment_intents$", method="POST")
    with pytest.raises(stripe.APIError) as outage:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    assert outage.value.http_status == 500
    assert fake.payment_intents == {}

    # stripe-python retries 5xx with the same Idempotency-Key: the injected failure wasn't saved,
    # so the retry goes through and exactly one intent exists.
    retrying = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=1)
    fake.fail_next(503, headers={"Stripe-Should-Retry": "true"})
    created = retrying.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    attempts = fake.requests_to(r"^/v1/payment_intents$", "POST")[-2:]
    assert [a.status for a in attempts] == [503, 200]
    assert attempts[0].headers["idempotency-key"] == attempts[1].headers["idempotency-key"]
    assert list(fake.payment_intents) == [created.id]

    fake.fail_next(disconnect=True)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.list()
    fake.fail_next(429, times=2)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            client.v1.payment_intents.list()
    assert [p.id for p in client.v1.payment_intents.list().data] == [created.id]


def test_events_and_signed_webhook_payloads(fake, client):
    pi = client.v1.payment_intents.create(
        params={"amount": 1200, "currency": "usd", "metadata": {"order": "FD-9"}}
    )
    paid = fake.succeed_payment_intent(pi.id)
    assert paid["status"] == "succeeded"
    succeeded = fake.events_of_type("payment_intent.succeeded")[-1]
    assert succeeded["data"]["object"]["id"] == pi.id
    assert succeeded["data"]["previous_attributes"] == {"status": "requires_payment_method"}

    body, header = fake.event_payload(succeeded)
    event = stripe.Webhook.construct_event(body, header, fake.webhook_secret)
    assert (event.type, event.data.object.metadata["order"]) == ("payment_intent.succeeded", "FD-9")

    body, header = fake.event_payload("charge.refunded", paid["latest_charge"])
    assert stripe.Webhook.construct_event(body, header, fake.webhook_secret).data.object.object == "charge"

    failing = client.v1.payment_intents.create(params={"amount": 1200, "currency": "usd"})
    failed = fake.fail_payment_intent(failing.id)
    assert (
        failed["status"] == "requires_payment_method" and failed["last_payment_error"]["type"] == "card_error"
    )


def test_reset_and_injected_state(fake, client):
    pi = fake.add_payment_intent(
        id="pi_injected", amount=4200, currency="NGN", status="succeeded", metadata={"order_number": "FD-7"},
        created=1_760_000_000, amount_refunded=200,
    )  # fmt: skip
    [fetched] = client.v1.payment_intents.list(params={"expand": ["data.latest_charge"]}).data
    assert (fetched.currency, fetched.created, fetched.metadata["order_number"]) == (
        "ngn",
        1_760_000_000,
        "FD-7",
    )
    assert (fetched.latest_charge.amount_refunded, pi["latest_charge"]) == (200, fetched.latest_charge.id)
    fake.update_payment_intent("pi_injected", created=1_760_000_500, status="canceled")
    assert client.v1.payment_intents.list().data[0].status == "canceled"
    fake.fail_next(500)
    fake.reset()
    assert fake.payment_intents == {} and fake.requests == [] and fake.events == []
    assert client.v1.payment_intents.list().data == []


def test_fake_stops_cleanly():
    fake = StripeFake().start()
    client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)
    client.v1.payment_intents.list()  # leaves a kept-alive connection behind
    thread, port = fake._thread, fake.port
    fake.stop()
    assert not thread.is_alive() and not fake.running
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.list()


# === Paystack ====================================================================================
def _init(http, ps, reference="FD-2026-000001", amount=500_000, **extra):
    body = {"email": "ada@example.com", "amount": amount, "currency": "NGN", "reference": reference, **extra}
    return http.post(f"{ps.url}/transaction/initialize", json=body)


def test_paystack_requires_the_secret_key(ps):
    for headers in ({}, {"Authorization": "Bearer sk_test_wrong"}, {"Authorization": ps.secret_key}):
        response = requests.get(f"{ps.url}/transaction", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"status": False, "message": "Invalid key"}


def test_paystack_initialize_and_duplicate_reference(ps, ps_http):
    response = _init(
        ps_http, ps, metadata={"order_number": "FD-2026-000001"}, callback_url="https://shop.test/cb"
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] is True and payload["message"] == "Authorization URL created"
    data = payload["data"]
    assert data["reference"] == "FD-2026-000001"
    assert data["authorization_url"] == f"https://checkout.paystack.com/{data['access_code']}"

    duplicate = _init(ps_http, ps)
    assert duplicate.status_code == 400
    assert duplicate.json() == {"status": False, "message": "Duplicate Transaction Reference"}
    assert _init(ps_http, ps, reference="FD-x", amount="12.50").json()["message"] == "Invalid Amount Sent"
    assert _init(ps_http, ps, reference="FD-y", email="nope").status_code == 400
    generated = _init(ps_http, ps, reference=None).json()["data"]["reference"]
    assert generated and generated in ps.transactions


def _listed(http, ps, reference):
    data = http.get(f"{ps.url}/transaction", params={"perPage": 100}).json()["data"]
    return next(t for t in data if t["reference"] == reference)


def test_paystack_transaction_before_and_after_payment(ps, ps_http):
    _init(ps_http, ps, metadata={"order_number": "FD-1"})
    pending = _listed(ps_http, ps, "FD-2026-000001")
    assert (pending["status"], pending["paid_at"]) == ("abandoned", None)

    ps.mark_success("FD-2026-000001")
    data = _listed(ps_http, ps, "FD-2026-000001")
    assert (data["status"], data["amount"], data["currency"], data["gateway_response"]) == (
        "success",
        500_000,
        "NGN",
        "Successful",
    )
    assert data["metadata"] == {"order_number": "FD-1"} and data["customer"]["email"] == "ada@example.com"
    assert data["paid_at"].endswith("Z") and data["authorization"]["authorization_code"].startswith("AUTH_")
    assert isinstance(data["id"], int)

    _init(ps_http, ps, reference="FD-2")
    assert ps.mark_failed("FD-2")["status"] == "failed"


def test_paystack_list_pages_and_filters(ps, ps_http):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(120):
        ps.add_transaction(
            reference=f"T-{i:03d}",
            amount=10_000 + i,
            created_at=start + timedelta(hours=i),
            status="success" if i % 3 else "failed",
        )
    first = ps_http.get(f"{ps.url}/transaction", params={"perPage": 50, "page": 1}).json()
    assert first["message"] == "Transactions retrieved"
    assert first["meta"] == {"total": 120, "skipped": 0, "perPage": 50, "page": 1, "pageCount": 3}
    assert first["data"][0]["reference"] == "T-119"  # newest first
    last = ps_http.get(f"{ps.url}/transaction", params={"perPage": 50, "page": 3}).json()
    assert len(last["data"]) == 20 and last["data"][-1]["reference"] == "T-000"
    assert ps_http.get(f"{ps.url}/transaction", params={"page": 4, "perPage": 50}).json()["data"] == []

    window = ps_http.get(
        f"{ps.url}/transaction",
        params={"from": "2026-01-02T00:00:00.000Z", "to": "2026-01-02", "perPage": 100},
    ).json()
    assert [t["reference"] for t in window["data"]] == [f"T-{i:03d}" for i in range(47, 23, -1)]
    since = (start + timedelta(hours=100)).astimezone(timezone(timedelta(hours=1))).isoformat()
    recent = ps_http.get(f"{ps.url}/transaction", params={"from": since, "perPage": 100}).json()
    assert recent["meta"]["total"] == 20 and recent["data"][-1]["reference"] == "T-100"
    failed = ps_http.get(f"{ps.url}/transaction", params={"status": "failed", "perPage": 100}).json()
    assert failed["meta"]["total"] == 40 and {t["status"] for t in failed["data"]} == {"failed"}


def test_paystack_lists_50000_transactions_in_linear_work(ps, ps_http):
    """Paging is linear, counted rather than timed: the filtered list is built once for the
    500 pages (not once per page), and each row is rendered once."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(50_000):
        ps.add_transaction(reference=f"R{i}", amount=5_000 + i, created_at=start + timedelta(seconds=i))
    builds, rendered = ps.list_builds, ps.rows_rendered
    seen, page = 0, 1
    while True:
        body = ps_http.get(
            f"{ps.url}/transaction", params={"perPage": 100, "page": page, "from": "2026-03-01"}
        ).json()
        seen += len(body["data"])
        if page >= body["meta"]["pageCount"]:
            break
        page += 1
    assert (seen, page) == (50_000, 500)
    assert (ps.list_builds - builds, ps.rows_rendered - rendered) == (1, 50_000)


def test_paystack_refunds(ps, ps_http):
    _init(ps_http, ps)
    ps.mark_success("FD-2026-000001")
    txn_id = ps.get_transaction("FD-2026-000001")["id"]

    partial = ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001", "amount": 100_000})
    assert partial.status_code == 200
    body = partial.json()
    assert (body["status"], body["message"]) == (True, "Refund has been queued for processing")
    assert (body["data"]["amount"], body["data"]["status"], body["data"]["currency"]) == (
        100_000,
        "pending",
        "NGN",
    )
    assert body["data"]["transaction"]["reference"] == "FD-2026-000001"

    by_id = ps_http.post(f"{ps.url}/refund", json={"transaction": txn_id, "amount": "150000"}).json()
    assert by_id["data"]["amount"] == 150_000 and ps.amount_refunded("FD-2026-000001") == 250_000

    too_much = ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001", "amount": 250_001})
    assert too_much.status_code == 400 and too_much.json()["status"] is False

    rest = ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001"}).json()
    assert rest["data"]["amount"] == 250_000
    assert ps.get_transaction("FD-2026-000001")["status"] == "reversed"
    again = ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001", "amount": 1})
    assert again.status_code == 400
    assert again.json() == {"status": False, "message": "Transaction has been fully reversed"}

    ps.set_refund_status(rest["data"]["id"], "failed")
    assert ps.get_transaction("FD-2026-000001")["status"] == "success"
    assert ps.amount_refunded("FD-2026-000001") == 250_000
    assert [r["amount"] for r in ps.refunds_for("FD-2026-000001")] == [100_000, 150_000, 250_000]

    _init(ps_http, ps, reference="unpaid")
    assert ps_http.post(f"{ps.url}/refund", json={"transaction": "unpaid"}).status_code == 400
    assert ps_http.post(f"{ps.url}/refund", json={"transaction": "ghost"}).status_code == 404


def test_paystack_webhook_bodies_are_signed_with_the_secret_key(ps, ps_http):
    _init(ps_http, ps, metadata={"order_number": "FD-1"})
    ps.mark_success("FD-2026-000001")
    body, headers = ps.signed_webhook("FD-2026-000001")
    expected = hmac.new(ps.secret_key.encode(), body, hashlib.sha512).hexdigest()
    assert headers["x-paystack-signature"] == expected
    event = json.loads(body)
    assert event["event"] == "charge.success"
    assert (event["data"]["reference"], event["data"]["status"], event["data"]["amount"]) == (
        "FD-2026-000001",
        "success",
        500_000,
    )
    assert event["data"]["metadata"] == {"order_number": "FD-1"}

    refund = ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001"}).json()["data"]
    processed = ps.webhook_event(refund["id"], "refund.processed")
    assert processed["data"]["transaction_reference"] == "FD-2026-000001"
    assert (processed["data"]["status"], processed["data"]["amount"]) == ("processed", 500_000)


def test_paystack_injected_failures(ps, ps_http):
    ps.fail_next(500, path=r"^/transaction/initialize$")
    outage = _init(ps_http, ps)
    assert outage.status_code == 500 and outage.json()["status"] is False
    assert ps.transactions == {}
    assert _init(ps_http, ps).status_code == 200
    ps.fail_next(disconnect=True)
    with pytest.raises(requests.ConnectionError):
        ps_http.get(f"{ps.url}/transaction")
    ps.fail_next(502, body={"status": False, "message": "Bad gateway"}, times=None, path="/refund")
    assert ps_http.get(f"{ps.url}/transaction").status_code == 200
    assert ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001"}).status_code == 502
    ps.clear_failures()
    assert ps_http.post(f"{ps.url}/refund", json={"transaction": "FD-2026-000001"}).status_code == 400


def test_paystack_fake_stops_cleanly():
    fake = PaystackFake()
    with fake:
        assert (
            requests.get(f"{fake.url}/transaction", headers={"Authorization": "Bearer x"}).status_code == 401
        )
    assert not fake.running


# === the function-scoped fixtures ===============================================================
def test_function_fixtures_point_settings_at_the_fakes(stripe_fake, paystack_fake, settings):
    assert (stripe_fake.url, stripe_fake.api_key) == (settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY)
    assert stripe_fake.webhook_secret == settings.STRIPE_WEBHOOK_SECRET
    assert paystack_fake.url == settings.PAYSTACK_API_BASE
    assert paystack_fake.secret_key == settings.PAYSTACK_SECRET_KEY
    assert stripe_fake.payment_intents == {} and paystack_fake.transactions == {}
