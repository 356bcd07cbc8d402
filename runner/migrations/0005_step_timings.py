"""Each step run records when it passed each point of its attempt (`timings`) and what its
container used (`cpu_seconds`, `peak_memory_bytes`), for the run timeline and bench/stack_bench.py."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("runner", "0004_inflight")]

    operations = [
        migrations.AddField(model_name="steprun", name="timings", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="steprun", name="cpu_seconds", field=models.FloatField(blank=True, null=True)),
        migrations.AddField(
            model_name="steprun", name="peak_memory_bytes", field=models.BigIntegerField(blank=True, null=True)
        ),
    ]
