"""CMS writes. Views, the admin, commands and tasks all come through here."""

from .media import (  # noqa: F401
    MEDIA_META_FIELDS,
    media_check_publishable,
    media_complete,
    media_delete,
    media_describe_users,
    media_make_private,
    media_presign,
    media_restriction_register,
    media_secure_stored_objects,
    media_update,
    media_upload,
)
from .news import (  # noqa: F401
    NEWS_FIELDS,
    news_archive,
    news_create,
    news_publish,
    news_publish_due,
    news_register_view,
    news_unpublish,
    news_update,
    news_validate_schedule,
)
from .pages import PAGE_FIELDS, page_create, page_update  # noqa: F401
