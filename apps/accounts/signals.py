"""Cache invalidation only (no business logic here): the cached authenticated user, who holds
each role (``api.ROLE_EMAILS``), and the sessions (refresh tokens) of a user whose password
changed."""

from functools import partial

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .api import ROLE_EMAILS
from .authentication import forget_cached_user
from .models import User


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def user_changed(sender, instance, **kwargs):
    forget_cached_user(instance.pk)
    # Again after commit: a request between the save and the commit may have cached the old row.
    transaction.on_commit(partial(forget_cached_user, instance.pk))
    ROLE_EMAILS.invalidate()


@receiver(post_save, sender=User)
def user_password_changed(sender, instance, **kwargs):
    """A password change (User.set_password / set_unusable_password) already refuses the tokens
    issued before it (token version); once it commits, its refresh tokens are blacklisted too."""
    if instance.__dict__.pop("_sessions_revoked", False):
        from .services import tokens_revoke_all

        transaction.on_commit(partial(tokens_revoke_all, user=instance))


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
def role_changed(sender, **kwargs):
    ROLE_EMAILS.invalidate()


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def user_roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if sender is User.groups.through:
        ROLE_EMAILS.invalidate()
    if reverse:  # group.user_set changed: forget every user touched
        for pk in pk_set or ():
            forget_cached_user(pk)
    else:
        forget_cached_user(instance.pk)


@receiver(m2m_changed, sender=Group.permissions.through)
def role_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed (the cached users keep their permissions): forget every
    member of the groups touched."""
    if reverse and action == "pre_clear":  # permission.group_set.clear(): who had it, before
        groups = list(instance.group_set.values_list("pk", flat=True))
    elif reverse and action in ("post_add", "post_remove"):  # permission.group_set changed
        groups = list(pk_set)
    elif not reverse and action in ("post_add", "post_remove", "post_clear"):
        groups = [instance.pk]
    else:
        return
    for pk in User.objects.filter(groups__in=groups).values_list("pk", flat=True).distinct():
        forget_cached_user(pk)
