import factory
from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.core.roles import STAFF_ROLES

DEFAULT_PASSWORD = "Corr3ct-Horse-Battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    company = factory.Faker("company")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = extracted if extracted is not None else ["customer"]
        if not create:
            return
        self.groups.set([Group.objects.get_or_create(name=r)[0] for r in roles])
        is_staff = self.is_superuser or bool(set(roles) & set(STAFF_ROLES))
        if is_staff != self.is_staff:
            self.is_staff = is_staff
            self.save(update_fields=["is_staff"])
