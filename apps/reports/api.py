"""The reports app's public surface for other apps.

Owns: the analytics events the frontend sends (``AnalyticsEvent``), the nightly per-day
snapshot of the figures (``DailyMetric``), the dashboards and finance figures read from them,
the stored reports (``Report``) and the streamed CSV exports of other apps' lists (the datasets
of finance and sales, each with its roles and its list endpoint's filters).

Offers: nothing to other apps. It sits at the top of the layers (beside ``search``): it reads
the apps below it through their ``api`` and no app may import it. What it adds to the admin (the
index page's dashboard, the finance page, the CSV exports under /admin/) it registers with
``core.admin_site`` from its ``AppConfig.ready()``.

Events: emits none, listens to none.
"""

__all__: list[str] = []
