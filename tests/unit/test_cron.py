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
