import factory
from django.utils import timezone

from apps.notifications.models import EmailMessage, Notification, Suppression


class EmailMessageFactory(factory.django.DjangoModelFactory):
    """A stored outbox row (no rendering, no task): for lists, filters and state tests."""

    class Meta:
        model = EmailMessage

    to = factory.Sequence(lambda n: [f"person{n}@example.com"])
    from_email = "Foundry <no-reply@foundry.local>"
    subject = factory.Sequence(lambda n: f"Subject {n}")
    body_text = "Hello"
    body_html = "<p>Hello</p>"
    template = "email_test"
    next_attempt_at = factory.LazyFunction(timezone.now)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory("tests.accounts.factories.UserFactory")
    title = factory.Faker("sentence", nb_words=4)
    body = factory.Faker("sentence")


class SuppressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suppression
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"suppressed{n}@example.com")
    reason = Suppression.Reason.HARD_BOUNCE
