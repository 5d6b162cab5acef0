"""The service-job models, taken over from the tracking app (its 0003 renamed their tables to
``jobs_*`` and dropped them from its state): this creates them in the state only, the tables
and their rows are already there. The content types of the moved models are renamed from
``tracking`` to ``jobs`` so that permissions, the groups' grants and what names a job by its
content type (emails' related object, the admin's log, object permissions) keep pointing at
them; the activity log's entries name their entity by label, renamed the same way."""

import django.core.validators
import django.db.models.deletion
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MOVED = ["servicetype", "serviceprovider", "resource", "resourceblock", "job", "joboffer", "jobevent"]


def _repoint(model, *, old, new, using):
    """Every row that references ``new`` (a row of ``model``) references ``old`` instead; a link
    of a many-to-many relation that ``old`` already has is dropped rather than doubled."""
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            to_model = next(f for f in through._meta.fields if f.remote_field and f.remote_field.model is model)
            other = next(
                f for f in through._meta.fields if f.remote_field and f is not to_model and f.name != "id"
            )
            rows = through._base_manager.using(using)
            has_old = rows.filter(**{to_model.name: old}).values(other.attname)
            rows.filter(**{to_model.name: new, f"{other.attname}__in": has_old}).delete()
            rows.filter(**{to_model.name: new}).update(**{to_model.name: old})
        elif rel.one_to_many or rel.one_to_one:
            rel.related_model._base_manager.using(using).filter(**{rel.field.name: new}).update(
                **{rel.field.name: old}
            )


def content_types_to_jobs(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ActivityLog = apps.get_model("core", "ActivityLog")
    using = schema_editor.connection.alias
    types = ContentType._base_manager.using(using)
    for model in MOVED:
        old = types.filter(app_label="tracking", model=model).first()
        if old is None:
            continue
        new = types.filter(app_label="jobs", model=model).first()
        if new is not None:
            # Both exist (a `jobs` row made before this ran): what points at the new row moves to
            # the old one, whose id everything else already holds; a permission both rows have
            # keeps the old one, with the grants of both.
            for permission in Permission._base_manager.using(using).filter(content_type=new):
                kept = Permission._base_manager.using(using).filter(
                    content_type=old, codename=permission.codename
                ).first()
                if kept is None:
                    permission.content_type = old
                    permission.save(update_fields=["content_type"])
                else:
                    _repoint(Permission, old=kept, new=permission, using=using)
                    permission.delete()
            _repoint(ContentType, old=old, new=new, using=using)
            new.delete()
        old.app_label = "jobs"
        old.save(update_fields=["app_label"])
    for model in MOVED:
        ActivityLog._base_manager.using(using).filter(entity_type=f"tracking.{model}").update(
            entity_type=f"jobs.{model}"
        )


def content_types_to_tracking(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ActivityLog = apps.get_model("core", "ActivityLog")
    using = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType._base_manager.using(using).filter(app_label="tracking", model=model).exists():
            ContentType._base_manager.using(using).filter(app_label="jobs", model=model).update(
                app_label="tracking"
            )
        ActivityLog._base_manager.using(using).filter(entity_type=f"jobs.{model}").update(
            entity_type=f"tracking.{model}"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("tracking", "0003_jobs_move_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("notifications", "0001_initial"),
        ("core", "0002_idempotency_body_as_rendered"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Resource',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=150)),
                        ('rate_per_hour', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                        ('travel_fee_per_km', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(0)])),
                        ('currency', models.CharField(max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use an ISO 4217 currency code: three capital letters, e.g. USD.')])),
                        ('base_lat', models.DecimalField(decimal_places=6, max_digits=9, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)])),
                        ('base_lng', models.DecimalField(decimal_places=6, max_digits=9, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)])),
                        ('is_active', models.BooleanField(default=True)),
                    ],
                    options={
                        'ordering': ['provider__business_name', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='ServiceType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True)),
                        ('name', models.CharField(max_length=100)),
                        ('unit', models.CharField(default='hectare', help_text="What a job's size counts.", max_length=20)),
                        ('hours_per_unit', models.DecimalField(decimal_places=2, default=Decimal('1.00'), help_text='Estimated hours per unit of size, when the customer gives none.', max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))])),
                        ('is_active', models.BooleanField(default=True)),
                    ],
                    options={
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Job',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('site_address', models.TextField()),
                        ('site_lat', models.DecimalField(decimal_places=6, max_digits=9, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)])),
                        ('site_lng', models.DecimalField(decimal_places=6, max_digits=9, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)])),
                        ('size', models.DecimalField(decimal_places=2, help_text="In the service type's unit (e.g. hectares).", max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))])),
                        ('preferred_date', models.DateField()),
                        ('estimated_hours', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(Decimal('0.25'))])),
                        ('currency', models.CharField(max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use an ISO 4217 currency code: three capital letters, e.g. USD.')])),
                        ('notes', models.TextField(blank=True)),
                        ('status', models.CharField(choices=[('SENT', 'Sent'), ('RECEIVED', 'Received (offered to a provider)'), ('ACCEPTED', 'Accepted'), ('EN_ROUTE', 'En route'), ('ARRIVED', 'Arrived'), ('WORK_STARTED', 'Work started'), ('IN_PROGRESS', 'In progress'), ('COMPLETED', 'Completed'), ('CANCELLED', 'Cancelled')], db_index=True, default='SENT', max_length=16)),
                        ('status_at', models.DateTimeField()),
                        ('distance_km', models.DecimalField(blank=True, decimal_places=2, max_digits=9, null=True)),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('paid_at', models.DateTimeField(blank=True, null=True)),
                        ('needs_attention', models.BooleanField(default=False, help_text='No provider left to offer it to: staff must reassign it.')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to=settings.AUTH_USER_MODEL)),
                        ('resource', models.ForeignKey(blank=True, help_text='Offered to (RECEIVED) or assigned to (ACCEPTED and later).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='jobs.resource')),
                    ],
                    options={
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='JobEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(blank=True, max_length=16)),
                        ('to_status', models.CharField(max_length=16)),
                        ('location', models.CharField(blank=True, max_length=200)),
                        ('note', models.TextField(blank=True)),
                        ('occurred_at', models.DateTimeField()),
                        ('recorded_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='jobs.job')),
                    ],
                    options={
                        'ordering': ['occurred_at', 'recorded_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ServiceProvider',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('business_name', models.CharField(max_length=150)),
                        ('phone', models.CharField(blank=True, max_length=32)),
                        ('is_active', models.BooleanField(default=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='service_provider', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['business_name'],
                    },
                ),
                migrations.AddField(
                    model_name='resource',
                    name='provider',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='resources', to='jobs.serviceprovider'),
                ),
                migrations.AddField(
                    model_name='job',
                    name='provider',
                    field=models.ForeignKey(blank=True, help_text="The resource's provider (kept with it, for the provider's lists).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='jobs.serviceprovider'),
                ),
                migrations.AddField(
                    model_name='resource',
                    name='capabilities',
                    field=models.ManyToManyField(related_name='resources', to='jobs.servicetype'),
                ),
                migrations.AddField(
                    model_name='job',
                    name='service_type',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='jobs.servicetype'),
                ),
                migrations.CreateModel(
                    name='JobOffer',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('rank', models.PositiveIntegerField(default=1, help_text='1: the nearest candidate at the time.')),
                        ('distance_km', models.DecimalField(decimal_places=2, max_digits=9)),
                        ('status', models.CharField(choices=[('offered', 'Offered'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('expired', 'Expired (no answer in time)'), ('withdrawn', 'Withdrawn (reassigned or cancelled)')], default='offered', max_length=10)),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('reason', models.CharField(blank=True, max_length=300)),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='jobs.job')),
                        ('resource', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='jobs.resource')),
                    ],
                    options={
                        'ordering': ['created_at'],
                        'constraints': [models.UniqueConstraint(fields=('job', 'resource'), name='job_offer_once_per_resource'), models.UniqueConstraint(condition=models.Q(('status', 'offered')), fields=('job',), name='job_one_open_offer')],
                    },
                ),
                migrations.CreateModel(
                    name='ResourceBlock',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('start_date', models.DateField()),
                        ('end_date', models.DateField()),
                        ('reason', models.CharField(blank=True, max_length=200)),
                        ('resource', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blocks', to='jobs.resource')),
                    ],
                    options={
                        'ordering': ['start_date'],
                        'indexes': [models.Index(fields=['resource', 'start_date', 'end_date'], name='resource_block_dates')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='resource_block_dates_ordered')],
                    },
                ),
                migrations.AddIndex(
                    model_name='resource',
                    index=models.Index(fields=['base_lat', 'base_lng'], name='resource_base_location'),
                ),
                migrations.AddIndex(
                    model_name='job',
                    index=models.Index(fields=['provider', 'status', 'preferred_date'], name='job_provider_status_date'),
                ),
                migrations.AddIndex(
                    model_name='job',
                    index=models.Index(fields=['customer', 'created_at'], name='job_customer_created'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_jobs, content_types_to_tracking),
    ]
