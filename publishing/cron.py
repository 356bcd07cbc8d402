"""Five-field cron expressions ("m h dom mon dow"), checked field by field with Celery's parser."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from celery.schedules import crontab


class CronError(ValueError):
    """A cron expression that Celery cannot schedule; the message names the bad field."""


class Cron(NamedTuple):
    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    def __str__(self) -> str:
        return " ".join(self)


# (crontab keyword, name in messages, what it accepts, longest text stored by django-celery-beat,
# how many values the field has: the largest step that still means something)
FIELDS = (
    ("minute", "minute", "0-59", 240, 60),
    ("hour", "hour", "0-23", 96, 24),
    ("day_of_month", "day of month", "1-31", 124, 31),
    ("month_of_year", "month", "1-12", 64, 12),
    ("day_of_week", "day of week", "0-6 (0 is Sunday) or sun-sat", 64, 7),
)
FORMS = "'*', a number, a range (1-5), a list (1,3,5) or a step (*/15)"


def parse_cron(expression: object) -> Cron:
    """The five fields of `expression`, each accepted by celery.schedules.crontab, or CronError."""
    if not isinstance(expression, str):
        raise CronError("must be a string of five fields: minute hour day-of-month month day-of-week")
    parts = expression.split()
    if len(parts) != len(FIELDS):
        raise CronError(
            f"has {len(parts)} field(s), needs 5: minute hour day-of-month month day-of-week (e.g. '0 6 * * 1-5')"
        )
    for (keyword, label, accepts, longest, span), value in zip(FIELDS, parts, strict=True):
        if len(value) > longest:
            raise CronError(f"{label} field is longer than {longest} characters")
        for item in value.split(","):
            _check_step(item, label, span)
        try:
            crontab(**{keyword: value})
        except Exception as exc:  # celery raises ValueError or its own ParseException
            why = str(exc).rstrip(".") if keyword == "day_of_week" or "weekday" not in str(exc) else "not a number"
            raise CronError(f"{label} field '{value}' is not valid ({why}): use {accepts} as {FORMS}") from exc
    cron = Cron(*parts)
    try:
        crontab(**cron._asdict())
    except Exception as exc:  # e.g. day of month 31 in February only
        raise CronError(f"never fires: {str(exc).removeprefix('Invalid crontab: ')}") from exc
    return cron


def next_fire_times(cron: Cron, after: datetime, count: int = 5, zone: str = "UTC") -> list[datetime]:
    """The next `count` times (strictly after `after`) at which beat fires `cron`, as Celery reads
    it: in `zone` (the schedules' zone, UTC), a day must match both day of month and day of week.
    Looks at most eight years ahead (a 29 February on a Monday may be that far)."""
    spec = crontab(**cron._asdict())
    minutes, hours = sorted(spec.minute), sorted(spec.hour)
    days, weekdays, months = spec.day_of_month, spec.day_of_week, spec.month_of_year
    tz = ZoneInfo(zone)
    start = after.astimezone(tz).replace(second=0, microsecond=0)
    found: list[datetime] = []
    day = start.date()
    for _ in range(366 * 8):
        # Python's weekday(): Monday is 0; cron's and Celery's: Sunday is 0
        if day.month in months and day.day in days and (day.weekday() + 1) % 7 in weekdays:
            for hour in hours:
                for minute in minutes:
                    when = datetime.combine(day, time(hour, minute), tzinfo=tz)
                    if when > after:
                        found.append(when)
                        if len(found) == count:
                            return found
        day += timedelta(days=1)
    return found


def _check_step(item: str, label: str, span: int) -> None:
    """Celery takes any step (`*/61` fires at minute 0 only, silently); a step is 1 to the number
    of values of its field."""
    if "/" not in item:
        return
    step = item.split("/", 1)[1]
    if not (step.isascii() and step.isdigit()) or len(step) > 4 or not 1 <= int(step) <= span:
        raise CronError(f"{label} field '{item}' has step '{step}': a step is a whole number from 1 to {span}")
