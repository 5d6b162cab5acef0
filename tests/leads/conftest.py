import pytest


@pytest.fixture(autouse=True)
def _leads_settings(settings):
    settings.LEADS_AUTO_ASSIGN = False
    settings.LEADS_INQUIRY_THROTTLE_MINUTE = "5/min"
    settings.LEADS_INQUIRY_THROTTLE_DAY = "50/day"


@pytest.fixture
def sales_manager(make_user):
    """A sales user granted the model-wide leads.view_inquiry (sees every inquiry)."""
    from django.contrib.auth.models import Permission

    user = make_user("sales")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="leads", codename="view_inquiry")
    )
    return user
