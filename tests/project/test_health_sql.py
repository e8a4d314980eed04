"""sql/65_health.sql creates exactly the views mixpeek_snowflake.operate builds (the ones the health tests query on
the local engine), and its alert is off until the deployer names a notification integration."""

from __future__ import annotations

from project import sqlfacts, sqlfiles

from mixpeek_snowflake.operate.statements import RUNS_VIEW, TARGET_HEALTH, health_views


def _statements(env: dict[str, str] | None = None) -> list[str]:
    return [sqlfacts.normalize(s) for s in sqlfiles.render("65_health.sql", {}, env)]


def test_the_deployed_views_are_the_ones_the_package_builds() -> None:
    views = [s for s in _statements() if s.startswith("CREATE OR REPLACE VIEW ")]
    assert views == [sqlfacts.normalize(v) for v in health_views("MIXPEEK.CORE")]
    assert [v.split(" ")[4] for v in views] == [f"MIXPEEK.CORE.{TARGET_HEALTH}", f"MIXPEEK.CORE.{RUNS_VIEW}"]


def test_the_alert_is_off_while_alert_integration_is_empty_and_names_it_once_set() -> None:
    off = next(s for s in _statements() if s.startswith("EXECUTE IMMEDIATE"))
    assert "IF ('' = '') THEN RETURN 'no health alert: alert_integration is empty';" in off
    on = next(s for s in _statements({"alert_integration": "OPS_EMAIL"}) if s.startswith("EXECUTE IMMEDIATE"))
    assert "IF ('OPS_EMAIL' = '') THEN" in on
    assert "CREATE OR ALTER ALERT MIXPEEK.CORE.MIXPEEK_HEALTH_ALERT WAREHOUSE = MIXPEEK_WH SCHEDULE = '60 MINUTE'" in on
    assert "SNOWFLAKE.NOTIFICATION.INTEGRATION('OPS_EMAIL')" in on
    assert "WHERE IS_STALE OR (LAST_STATUS = 'FAILED' AND LAST_RUN_STARTED_AT > CONVERT_TIMEZONE('UTC', " in on
    assert on.endswith(
        "ALTER ALERT MIXPEEK.CORE.MIXPEEK_HEALTH_ALERT RESUME; "
        "RETURN 'health alert MIXPEEK_HEALTH_ALERT resumed'; END; $$"
    )
