"""The jobs API: creating a job (validation in the error envelope), who sees which job, a
constant number of queries per list page, the public service types, the decline endpoint, and
estimates exact to the currency's minor unit (half up) on the best candidate, the offered and
the assigned resource."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.jobs import services as jobs
from apps.jobs.models import Job, JobEvent, JobOffer
from tests.helpers import assert_error

from .job_factories import job_for, job_in, resource, service_type, unique

pytestmark = pytest.mark.django_db

J = Job.Status


def _body(**overrides):
    service_type("ploughing")
    body = {
        "service_type": "ploughing",
        "site_address": "Plot 7, Kuje Road",
        "site_lat": "9.000000",
        "site_lng": "7.000000",
        "size": "4.00",
        "preferred_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _create(client, **overrides):
    return client.post("/api/v1/jobs", _body(**overrides), format="json")


# --- Creating -----------------------------------------------------------------------------------


def test_a_customer_asks_for_a_job_and_it_is_offered_on_commit(
    auth_client, django_capture_on_commit_callbacks
):
    near = resource(name="Near", km_north=8)
    client = auth_client("customer")
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, notes="Gate code 1234", currency="usd")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == J.SENT  # as created; matching runs after the commit
    assert body["service_type"]["code"] == "ploughing"
    assert (body["size"], body["estimated_hours"], body["currency"]) == ("4.00", "6.00", "USD")  # 4 × 1.50 h
    assert body["allowed_next"] == [J.RECEIVED, J.CANCELLED]
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("", J.SENT)]
    job = Job.objects.get(pk=body["id"])
    assert (job.customer_id, job.notes) == (client.user.pk, "Gate code 1234")
    assert (job.status, job.resource_id) == (J.RECEIVED, near.pk)
    detail = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert detail["resource"] == {"id": str(near.pk), "name": "Near"}
    assert detail["provider"]["business_name"] == near.provider.business_name
    assert detail["distance_km"] == "8.00"


def test_the_default_hours_round_up_to_the_quarter_hour_with_one_hour_at_least(auth_client):
    client = auth_client("customer")
    service_type("ploughing")
    assert _create(client, size="1.10").json()["estimated_hours"] == "1.75"  # 1.65 → 1.75
    assert _create(client, size="0.10").json()["estimated_hours"] == "1.00"  # 0.15 → at least 1
    assert _create(client, size="2.00", estimated_hours="3.30").json()["estimated_hours"] == "3.30"


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"site_lat": "91"}, "site_lat"),
        ({"site_lat": "-90.5"}, "site_lat"),
        ({"site_lng": "180.000001"}, "site_lng"),
        ({"site_lat": "north"}, "site_lat"),
        ({"size": "0"}, "size"),
        ({"size": "-2"}, "size"),
        ({"size": None}, "size"),
        ({"service_type": "teleporting"}, "service_type"),
        ({"service_type": None}, "service_type"),
        ({"currency": "US"}, "currency"),
        ({"currency": "U5D"}, "currency"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"preferred_date": "tomorrow"}, "preferred_date"),
        ({"estimated_hours": "0.10"}, "estimated_hours"),
        ({"site_address": ""}, "site_address"),
    ],
)
def test_invalid_requests_use_the_error_envelope_and_create_nothing(auth_client, overrides, attr):
    response = _create(auth_client("customer"), **overrides)
    assert_error(response, 400, kind="validation_error", attr=attr)
    assert not Job.objects.exists()


def test_a_past_preferred_date_is_refused(auth_client):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = _create(auth_client("customer"), preferred_date=yesterday)
    assert_error(response, 400, attr="preferred_date")
    assert not Job.objects.exists()
    today = _create(auth_client("customer"), preferred_date=timezone.localdate().isoformat())
    assert today.status_code == 201, today.content


def test_an_inactive_service_type_is_unknown(auth_client):
    service_type("threshing", is_active=False)
    assert_error(
        _create(auth_client("customer"), service_type="threshing"),
        400,
        kind="validation_error",
        attr="service_type",
    )
    assert not Job.objects.exists()


def test_anonymous_callers_get_401(api_client):
    job = job_for()
    assert_error(_create(api_client), 401)
    assert_error(api_client.get("/api/v1/jobs"), 401)
    for path in ("", "/estimate"):
        assert_error(api_client.get(f"/api/v1/jobs/{job.pk}{path}"), 401)
    assert_error(api_client.post(f"/api/v1/jobs/{job.pk}/payment-intent"), 401)
    assert_error(api_client.post(f"/api/v1/jobs/{job.pk}/decline"), 401)
    assert Job.objects.count() == 1


def test_the_same_idempotency_key_creates_one_job(auth_client):
    client = auth_client("customer")
    first = client.post("/api/v1/jobs", _body(), format="json", HTTP_IDEMPOTENCY_KEY="job-key-1")
    again = client.post("/api/v1/jobs", _body(), format="json", HTTP_IDEMPOTENCY_KEY="job-key-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


# --- Who sees which job ------------------------------------------------------------------------


def _ids(client, **params):
    response = client.get("/api/v1/jobs", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_shows_customers_their_own_providers_theirs_and_staff_everything(auth_client):
    alice, bob = auth_client("customer"), auth_client("customer")
    mine_sent = job_for(alice.user)
    first = resource(name="First", km_north=5)
    mine_offered = job_in(J.RECEIVED, customer=alice.user, res=first)
    first.is_active = False  # so that Bob's job goes to another provider
    first.save(update_fields=["is_active"])
    bobs_accepted = job_in(J.ACCEPTED, customer=bob.user)
    assert bobs_accepted.provider_id != mine_offered.provider_id
    worker = auth_client(user=mine_offered.provider.user)
    bob_worker = auth_client(user=bobs_accepted.provider.user)

    assert _ids(alice) == {str(mine_sent.pk), str(mine_offered.pk)}
    assert _ids(bob) == {str(bobs_accepted.pk)}
    assert _ids(worker) == {str(mine_offered.pk)}
    assert _ids(bob_worker) == {str(bobs_accepted.pk)}
    everything = {str(j.pk) for j in (mine_sent, mine_offered, bobs_accepted)}
    for role in ("logistics", "admin", "sales"):
        assert _ids(auth_client(role)) == everything
    assert _ids(auth_client("customer")) == set()
    assert _ids(auth_client("provider")) == set()
    # Filters.
    assert _ids(alice, status=J.RECEIVED) == {str(mine_offered.pk)}
    assert _ids(auth_client("admin"), status=J.ACCEPTED) == {str(bobs_accepted.pk)}

    # A provider who declined no longer sees the job (it went to nobody else here).
    jobs.job_decline(job=mine_offered, user=worker.user)
    assert _ids(worker) == set()
    assert worker.get(f"/api/v1/jobs/{mine_offered.pk}").status_code == 404


def test_the_detail_is_for_the_customer_the_provider_and_staff(auth_client):
    job = job_in(J.ACCEPTED)
    for client in (
        auth_client(user=job.customer),
        auth_client(user=job.provider.user),
        auth_client("logistics"),
        auth_client("admin"),
    ):
        response = client.get(f"/api/v1/jobs/{job.pk}")
        assert response.status_code == 200, response.content
        assert response.json()["id"] == str(job.pk)
        assert len(response.json()["history"]) == 3
    assert_error(auth_client("customer").get(f"/api/v1/jobs/{job.pk}"), 404)
    assert_error(auth_client("provider").get(f"/api/v1/jobs/{job.pk}"), 404)
    assert auth_client("customer").get("/api/v1/jobs/not-a-uuid").status_code == 404


def _many_jobs(n: int, customer=None):
    """``n`` jobs in assorted states, each with its own provider and resource."""
    made = []
    states = [J.SENT, J.RECEIVED, J.ACCEPTED, J.EN_ROUTE, J.COMPLETED, J.CANCELLED]
    for i in range(n):
        res = resource(name=unique("R"), km_north=5 + i)
        when = timezone.localdate() + timedelta(days=1 + i)
        state = states[i % len(states)]
        made.append(job_in(state, customer=customer, res=res, when=when))
        # Leave only the newest resources available to the next job.
        res.is_active = False
        res.save(update_fields=["is_active"])
    return made


@pytest.mark.parametrize("role", ["admin", "customer"])
def test_the_list_costs_the_same_number_of_queries_whatever_the_page_size(auth_client, role):
    client = auth_client(role)
    _many_jobs(12, customer=client.user if role == "customer" else None)

    assert client.get("/api/v1/jobs").status_code == 200  # the caller is cached from now on

    def run(size):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/jobs", {"page_size": size})
        assert response.status_code == 200, response.content
        return response.json(), len(ctx.captured_queries)

    small, small_queries = run(5)
    large, large_queries = run(50)
    assert (small["count"], len(small["results"])) == (12, 5)
    assert (large["count"], len(large["results"])) == (12, 12)
    assert small_queries == large_queries, (small_queries, large_queries)
    assert large_queries <= 4
    assert all(row["service_type"]["code"] == "ploughing" for row in large["results"])


def test_the_detail_costs_the_same_number_of_queries_whatever_the_history(auth_client):
    staff = auth_client("admin")
    short = job_in(J.RECEIVED)
    long = job_in(J.IN_PROGRESS)
    assert staff.get("/api/v1/jobs").status_code == 200  # the caller is cached from now on

    def cost(job):
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(f"/api/v1/jobs/{job.pk}").status_code == 200
        return len(ctx.captured_queries)

    assert cost(short) == cost(long)


# --- Service types -------------------------------------------------------------------------------


def test_service_types_are_public_and_only_the_active_ones(api_client):
    service_type("ploughing", hours_per_unit=Decimal("1.50"))
    service_type("harrowing", unit="acre")
    service_type("threshing", is_active=False)
    response = api_client.get("/api/v1/service-types")
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"code": "harrowing", "name": "Harrowing", "unit": "acre", "hours_per_unit": "1.50"},
        {"code": "ploughing", "name": "Ploughing", "unit": "hectare", "hours_per_unit": "1.50"},
    ]


# --- Decline through the API --------------------------------------------------------------------


def test_the_provider_declines_and_the_job_goes_to_the_next_resource(auth_client):
    first = resource(name="First", km_north=5)
    second = resource(name="Second", km_north=15)
    job = job_for()
    jobs.job_match(job=job)
    worker = auth_client(user=first.provider.user)
    response = worker.post(f"/api/v1/jobs/{job.pk}/decline", {"reason": "harvest week"}, format="json")
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert (job.status, job.resource_id) == (J.RECEIVED, second.pk)
    offer = JobOffer.objects.get(job=job, resource=first)
    assert (offer.status, offer.reason) == (JobOffer.Status.DECLINED, "harvest week")
    event = JobEvent.objects.get(job=job, from_status=J.RECEIVED, to_status=J.SENT)
    assert event.actor_id == worker.user.pk and "harvest week" in event.note
    # The customer (who sees the job) may not decline it: 403; the declining provider no longer
    # sees it: 404.
    declined_by_customer = auth_client(user=job.customer).post(f"/api/v1/jobs/{job.pk}/decline")
    assert_error(declined_by_customer, 403, code="transition_not_allowed")
    assert worker.post(f"/api/v1/jobs/{job.pk}/decline").status_code == 404
    assert_error(
        auth_client(user=second.provider.user).post(
            f"/api/v1/jobs/{job.pk}/decline", {"reason": "x" * 301}, format="json"
        ),
        400,
        kind="validation_error",
        attr="reason",
    )


def test_accepting_is_refused_when_the_resource_is_already_booked_that_day(auth_client):
    res = resource(name="Solo", km_north=5)
    first = job_in(J.RECEIVED, res=res)
    second = job_in(J.RECEIVED, res=res)  # an offer is no booking: both are offered
    worker = auth_client(user=res.provider.user)
    assert (
        worker.post(f"/api/v1/jobs/{first.pk}/status", {"status": J.ACCEPTED}, format="json").status_code
        == 200
    )
    refused = worker.post(f"/api/v1/jobs/{second.pk}/status", {"status": J.ACCEPTED}, format="json")
    assert_error(refused, 409, code="resource_booked")
    second.refresh_from_db()
    assert second.status == J.RECEIVED
    assert JobOffer.objects.get(job=second).status == JobOffer.Status.OFFERED


# --- Estimates -----------------------------------------------------------------------------------

CENT = Decimal("0.01")


def _half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _estimate(client, job):
    response = client.get(f"/api/v1/jobs/{job.pk}/estimate")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_estimate_is_decimal_exact(auth_client):
    rate, hours, fee = Decimal("33.33"), Decimal("2.75"), Decimal("1.11")
    res = resource(name="Exact", km_north=12.34, rate=str(rate), fee=str(fee))
    job = job_for(estimated_hours=hours)
    jobs.job_match(job=job)
    body = _estimate(auth_client(user=job.customer), job)
    distance = Decimal(body["distance_km"])
    assert distance == Decimal("12.34")
    labour = _half_up(rate * hours)  # 91.6575 → 91.66
    travel = _half_up(fee * distance)  # 13.6974 → 13.70
    assert body == {
        "currency": "USD",
        "basis": "offered",
        "resource": {"id": str(res.pk), "name": "Exact"},
        "estimated_hours": "2.75",
        "rate_per_hour": "33.33",
        "labour": "91.66",
        "distance_km": "12.34",
        "travel_fee_per_km": "1.11",
        "travel_fee": "13.70",
        "total": "105.36",
    }
    assert (Decimal(body["labour"]), Decimal(body["travel_fee"])) == (labour, travel)
    assert Decimal(body["total"]) == labour + travel


def test_half_cents_round_up_not_to_even(auth_client):
    resource(name="Half", km_north=12.25, rate="10.10", fee="0.50")
    job = job_for(estimated_hours=Decimal("1.25"))
    body = _estimate(auth_client(user=job.customer), job)
    assert body["distance_km"] == "12.25"
    assert (body["labour"], body["travel_fee"], body["total"]) == ("12.63", "6.13", "18.76")  # 12.625, 6.125


def test_a_zero_decimal_currency_rounds_to_whole_units(auth_client):
    resource(name="Yen", km_north=12.34, rate="1003", fee="111", currency="JPY")
    resource(name="Dollar", km_north=1)  # nearer, but in USD
    job = job_for(estimated_hours=Decimal("1.50"), currency="JPY")
    jobs.job_match(job=job)
    body = _estimate(auth_client(user=job.customer), job)
    assert (body["currency"], body["resource"]["name"]) == ("JPY", "Yen")
    # 1003 × 1.5 = 1504.5 → 1505 (half up); 111 × 12.34 = 1369.74 → 1370
    assert (body["labour"], body["travel_fee"], body["total"]) == ("1505.00", "1370.00", "2875.00")


@pytest.mark.parametrize(
    ("currency", "rate", "hours", "fee", "distance", "expected"),
    [
        ("USD", "33.33", "2.75", "1.11", "12.34", ("91.66", "13.70", "105.36")),
        ("USD", "10.10", "1.25", "0.50", "12.25", ("12.63", "6.13", "18.76")),
        ("USD", "0.00", "8.00", "0.00", "150.00", ("0.00", "0.00", "0.00")),
        ("USD", "19.99", "0.25", "0.01", "0.50", ("5.00", "0.01", "5.01")),  # 4.9975, 0.005
        ("NGN", "12500.00", "7.75", "250.00", "48.13", ("96875.00", "12032.50", "108907.50")),
        ("JPY", "1003.00", "1.50", "111.00", "12.34", ("1505.00", "1370.00", "2875.00")),
        ("JPY", "999.00", "0.50", "10.00", "0.05", ("500.00", "1.00", "501.00")),  # 499.5, 0.5
        ("KRW", "15000.00", "2.33", "7.77", "3.21", ("34950.00", "25.00", "34975.00")),  # 24.9417
    ],
)
def test_estimate_compute_is_half_up_per_currency(currency, rate, hours, fee, distance, expected):
    labour, travel, total = jobs.estimate_compute(
        currency=currency,
        hours=Decimal(hours),
        rate_per_hour=Decimal(rate),
        distance_km=Decimal(distance),
        fee_per_km=Decimal(fee),
    )
    assert (str(labour), str(travel), str(total)) == expected
    assert total == labour + travel
    places = Decimal("1") if currency in ("JPY", "KRW") else CENT
    assert labour == _half_up(Decimal(rate) * Decimal(hours), places)
    assert travel == _half_up(Decimal(fee) * Decimal(distance), places)


def test_the_basis_follows_the_job_best_candidate_then_offered_then_assigned(auth_client):
    best = resource(name="Best", km_north=6, rate="40.00", fee="1.50")
    resource(name="Runner-up", km_north=30)
    job = job_for(estimated_hours=Decimal("3.00"))
    owner = auth_client(user=job.customer)
    before = _estimate(owner, job)
    assert before["basis"] == "best_candidate"
    assert before["resource"] == {"id": str(best.pk), "name": "Best"}
    assert (before["labour"], before["distance_km"]) == ("120.00", "6.00")
    assert before["travel_fee"] == "9.00" and before["total"] == "129.00"
    # Asking for an estimate offers nothing.
    job.refresh_from_db()
    assert job.status == J.SENT and not JobOffer.objects.filter(job=job).exists()

    jobs.job_match(job=job)
    offered = _estimate(owner, job)
    assert offered["basis"] == "offered"
    assert {k: v for k, v in offered.items() if k != "basis"} == {
        k: v for k, v in before.items() if k != "basis"
    }

    jobs.job_accept(job=job, user=best.provider.user)
    assigned = _estimate(owner, job)
    assert assigned["basis"] == "assigned" and assigned["total"] == "129.00"
    jobs.job_status_change(job=job, user=best.provider.user, status=J.EN_ROUTE)
    assert _estimate(owner, job)["basis"] == "assigned"


def test_no_candidate_means_no_estimate(auth_client):
    resource(name="Elsewhere", km_north=400)
    job = job_for()
    owner = auth_client(user=job.customer)
    assert_error(owner.get(f"/api/v1/jobs/{job.pk}/estimate"), 409, code="no_candidate")
    cancelled = job_for(owner.user)
    jobs.job_cancel(job=cancelled, user=owner.user)
    assert_error(owner.get(f"/api/v1/jobs/{cancelled.pk}/estimate"), 409, code="no_estimate")


def test_only_the_owner_and_job_staff_see_the_estimate(auth_client):
    job = job_in(J.RECEIVED)
    assert _estimate(auth_client(user=job.customer), job)["basis"] == "offered"
    assert _estimate(auth_client("logistics"), job)["basis"] == "offered"
    assert _estimate(auth_client("admin"), job)["basis"] == "offered"
    assert_error(auth_client("customer").get(f"/api/v1/jobs/{job.pk}/estimate"), 404)
    assert_error(auth_client(user=job.provider.user).get(f"/api/v1/jobs/{job.pk}/estimate"), 404)
    assert_error(auth_client("sales").get(f"/api/v1/jobs/{job.pk}/estimate"), 404)


def test_the_site_and_the_base_give_the_estimate_distance():
    res = resource(name="Ten", km_north=10)
    job = job_for()
    estimate = jobs.job_estimate(job=job)
    assert (estimate.basis, estimate.resource_id, estimate.distance_km) == (
        "best_candidate",
        res.pk,
        Decimal("10.00"),
    )
    assert estimate.total == _half_up(res.rate_per_hour * job.estimated_hours) + _half_up(
        res.travel_fee_per_km * Decimal("10.00")
    )


def test_the_customer_gets_the_workflow_answer_on_their_own_job(auth_client):
    """The job's customer sees it, so a refused move is explained (409 with the allowed next
    states, or 403 for a move that is the provider's), never a 404."""
    job = job_in(J.RECEIVED)
    owner = auth_client(user=job.customer)
    jump = assert_error(
        owner.post(f"/api/v1/jobs/{job.pk}/status", {"status": "COMPLETED"}, format="json"),
        409,
        code="invalid_transition",
    )
    assert "ACCEPTED" in jump["errors"][0]["detail"]
    assert_error(
        owner.post(f"/api/v1/jobs/{job.pk}/status", {"status": "ACCEPTED"}, format="json"),
        403,
        code="transition_not_allowed",
    )
    job.refresh_from_db()
    assert job.status == J.RECEIVED
