"""The jobs app's public surface for other apps.

Owns: service jobs: service types, service providers, their resources (capabilities, rates,
home base) and availability (``ResourceBlock``), jobs with their offers (``JobOffer``) and
history (``JobEvent``), matching (the nearest available resource, ``matching``), estimates,
the job workflow (``workflows.JOB``), a job's payment intent and what its payments do to it,
the job endpoints (``/service-types``, ``/jobs/*``) and the provider's dashboard
(``/dashboard/provider/*``).

Offers: nothing to other apps yet (no app above it imports it). It takes payments through
``orders.api`` (a job's payment is an orders ``Payment`` whose subject is the job, subject type
``orders.api.JOB_SUBJECT``, found with ``orders.api.payments_for``); customers, providers and
staff hear from it through ``notifications.api``. A job with payments cannot be deleted
(``signals``).

Events: emits none (sends no signals). Listens to the orders app's payment events
(``orders.api``, sent after commit; connected in ``apps.py``): ``payment_succeeded`` marks a
job paid (or refunds it when the job was cancelled meanwhile; a second payment is flagged),
``payment_needs_review`` and ``payment_disputed`` flag the job.
"""

__all__: list[str] = []
