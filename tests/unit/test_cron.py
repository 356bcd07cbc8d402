"""publishing/cron.py: five-field cron expressions, each bad field named."""

from __future__ import annotations

import pytest

from publishing.cron import Cron, CronError, parse_cron


@pytest.mark.parametrize(
    "expression",
    [
        "* * * * *",
        "*/15 6 * * 1-5",
        "*/60 */24 */31 */12 */7",
        "0 0 1,15 * sun",
        "  30   2 1 jan-mar *  ",
        "0-59/5 0-23 1-31 1-12 0-6",
    ],
)
def test_it_accepts_what_celery_schedules(expression: str) -> None:
    cron = parse_cron(expression)
    assert str(cron) == " ".join(expression.split())
    assert isinstance(cron, Cron) and cron.minute == expression.split()[0]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a * * * *", "minute field 'a' is not valid (not a number)"),
        ("0 24 * * *", "hour field '24' is not valid"),
        ("0 0 32 * *", "day of month field '32'"),
        ("0 0 * 0 *", "month field '0'"),
        ("0 0 * * 8", "day of week field '8'"),
        ("*/0 * * * *", "minute field '*/0'"),
        ("* * * * * *", "has 6 field(s), needs 5"),
        ("", "has 0 field(s), needs 5"),
        ("0 0 30 2 *", "never fires"),
        (None, "must be a string"),
        (f"{','.join(['1'] * 200)} * * * *", "minute field is longer than 240 characters"),
        ("*/61 * * * *", "minute field '*/61' has step '61': a step is a whole number from 1 to 60"),
        ("1-99 * * * *", "minute field '1-99' is not valid (Invalid end range: 99 > 59)"),
        ("0 */25 * * *", "hour field '*/25' has step '25'"),
        ("0 0 */32 * *", "day of month field '*/32'"),
        ("0 0 * */13 *", "month field '*/13'"),
        ("0 0 * * */8", "day of week field '*/8'"),
        ("0-30/x * * * *", "minute field '0-30/x' has step 'x'"),
        ("*/99999999999999999999 * * * *", "minute field '*/99999999999999999999' has step"),
        ("1,*/70 * * * *", "minute field '*/70'"),
        ("99999999999999999999999 * * * *", "minute field '99999999999999999999999' is not valid"),
    ],
)
def test_it_names_the_bad_field(expression: object, message: str) -> None:
    with pytest.raises(CronError) as exc:
        parse_cron(expression)
    assert message in str(exc.value)


def test_next_fire_times_follow_celerys_reading() -> None:
    from datetime import UTC, datetime

    from publishing.cron import next_fire_times

    now = datetime(2026, 11, 30, 11, 40, tzinfo=UTC)  # a Monday
    times = next_fire_times(parse_cron("*/20 6 * * 1-5"), now)
    assert [t.isoformat() for t in times] == [
        "2026-12-01T06:00:00+00:00",
        "2026-12-01T06:20:00+00:00",
        "2026-12-01T06:40:00+00:00",
        "2026-12-02T06:00:00+00:00",
        "2026-12-02T06:20:00+00:00",
    ]
    # strictly after: a cron that fires at `now` gives the next one
    assert next_fire_times(parse_cron("40 11 * * *"), now, 1)[0].day == 1
    # day of month AND day of week: the 13th that is a Friday
    fridays = next_fire_times(parse_cron("0 0 13 * 5"), now, 2)
    assert all(t.day == 13 and t.weekday() == 4 for t in fridays)
    # 29 February on a Monday is next in 2044, past the eight years looked at: none
    assert next_fire_times(parse_cron("0 0 29 2 1"), now) == []
