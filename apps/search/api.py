"""The search app's public surface for other apps.

Owns: the one search endpoint (``GET /api/v1/search``) across the apps' searchable sources
(products, news, inquiries, RFQs), each group following the visibility of its own list.

Offers: nothing to other apps. It sits at the top of the layers (beside ``reports``) and
reads the sources' search functions from their apps' ``api``; no app may import it. A new
source is added in ``sources.py`` from its app's ``api``.

Events: emits none, listens to none.
"""

__all__: list[str] = []
