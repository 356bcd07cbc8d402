import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import modules.models


class Migration(migrations.Migration):
    dependencies = [
        ("modules", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Module",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        max_length=63,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z0-9][a-z0-9-]{0,62}$", "Use lower-case letters, digits and dashes."
                            )
                        ],
                    ),
                ),
                ("display_name", models.CharField(blank=True, default="", max_length=200)),
                ("category", models.CharField(blank=True, default="", max_length=100)),
                ("description", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="modules", to="modules.team"
                    ),
                ),
            ],
            options={"ordering": ["team__name", "name"]},
        ),
        migrations.CreateModel(
            name="ModuleVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.CharField(max_length=100)),
                ("spec", modules.models.OrderedJSONField()),
                ("files", modules.models.OrderedJSONField(blank=True, default=dict)),
                ("digest", models.CharField(max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("deprecated", "Deprecated"), ("disabled", "Disabled")],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("deprecation_message", models.TextField(blank=True, default="")),
                ("successor", models.CharField(blank=True, max_length=100, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "module",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="modules.module"
                    ),
                ),
            ],
            options={"ordering": ["module_id", "created_at"]},
        ),
        migrations.AddField(
            model_name="module",
            name="default_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="modules.moduleversion",
            ),
        ),
        migrations.AddConstraint(
            model_name="moduleversion",
            constraint=models.UniqueConstraint(fields=("module", "version"), name="one_version_string_per_module"),
        ),
        migrations.AddConstraint(
            model_name="module",
            constraint=models.UniqueConstraint(fields=("team", "name"), name="one_module_name_per_team"),
        ),
    ]
