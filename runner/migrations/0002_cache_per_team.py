"""The step cache belongs to a team (API v1.1): each entry carries its run's team and is unique per
(team, cache_key), whose index serves the lookup; the key alone no longer finds anything.

Steps that reused another team's step before this change keep their outputs (the same bytes
their own team would have computed) but lose the link to that team's step and its log."""

import django.db.models.deletion
from django.db import migrations, models

# immediate: rows changed under a deferred foreign key would block the ALTER TABLEs that follow
FILL_TEAMS = """
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE runner_cacheentry AS c SET team_id = r.team_id
FROM runner_steprun AS s JOIN runner_run AS r ON r.id = s.run_id
WHERE s.id = c.step_run_id
"""

CUT_CROSS_TEAM_LINKS = """
UPDATE runner_steprun AS s SET reused_from_id = NULL, log_path = ''
FROM runner_run AS r, runner_steprun AS o, runner_run AS orun
WHERE r.id = s.run_id AND o.id = s.reused_from_id AND orun.id = o.run_id AND orun.team_id <> r.team_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('runner', '0001_initial'),
        ('teams', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='cacheentry',
            name='team',
            field=models.ForeignKey(
                null=True, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+',
                to='teams.team',
            ),
        ),
        migrations.RunSQL(FILL_TEAMS, migrations.RunSQL.noop),
        migrations.RunSQL(CUT_CROSS_TEAM_LINKS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='cacheentry',
            name='team',
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team'
            ),
        ),
        migrations.AlterField(
            model_name='cacheentry',
            name='cache_key',
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name='cacheentry',
            constraint=models.UniqueConstraint(fields=('team', 'cache_key'), name='one_cache_entry_per_team_key'),
        ),
        migrations.AddIndex(
            model_name='cacheentry',
            index=models.Index(fields=['team', 'module', '-created_at'], name='cache_team_module_newest'),
        ),
    ]
