"""The views over HTTP: caseload, outcomes, projections and rebuilds.

The app feeds the views in-process; a test waits on the views' tracking positions
(``views.wait()``), never on a clock.
"""

from datetime import UTC
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from application.access import Role
from application.views import RebuildState
from application.views import Views
from tests.interfaces.helpers import INTAKE_ON
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import REFERRAL_ON
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import coach_id
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import refer
from tests.interfaces.helpers import register_programme


def views_of(client: TestClient) -> Views:
    views: Views = client.app.state.views  # type: ignore[attr-defined]
    return views


def test_an_intake_recorded_over_http_shows_on_the_coachs_caseload(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = refer(client)

    recorded(client, trajectory_id, intake(coach="Hilde", barriers=["mobility"]))
    views_of(client).wait()
    response = client.get("/caseload", params={"coach": "Hilde"})

    assert response.status_code == 200, response.text
    body = response.json()
    [entry] = body["entries"]
    assert entry["trajectory_id"] == trajectory_id
    assert entry["participant_name"] == "Lotte Claes"
    assert entry["stage"] == "active"
    assert entry["intake_on"] == INTAKE_ON
    assert entry["open_barriers"] == ["mobility"]
    assert body["coaches"] == [
        {
            "organisation": ORGANISATION,
            "coach_id": coach_id("Hilde"),
            "coach": "Hilde",
            "active": 1,
            "suspended": 0,
            "referred": 0,
            "over_benchmark": False,
        }
    ]


def test_an_exited_trajectory_leaves_the_caseload(client: TestClient) -> None:
    register_programme(client)
    trajectory_id = refer(client)
    recorded(client, trajectory_id, intake(), dropout())

    views_of(client).wait()
    body = client.get("/caseload").json()

    assert body["entries"] == []
    assert body["total"] == 0


def test_the_caseload_refuses_an_unknown_alert_naming_the_choices(
    client: TestClient,
) -> None:
    response = client.get("/caseload", params={"alert": "purple"})

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_value"
    assert "amber, red, exit_candidate" in response.json()["detail"]["message"]


def test_outcomes_suppress_a_group_of_fewer_than_five_trajectories(
    client: TestClient,
) -> None:
    register_programme(client)
    for _ in range(4):
        recorded(client, refer(client), intake())
    views_of(client).wait()

    body = client.get(
        "/outcomes",
        params={"group_by": "programme"},
        headers=as_role(client, Role.EVALUATOR),
    ).json()

    assert body["rows"] == [
        {
            "group": {"programme": PROGRAMME},
            "suppressed": True,
            "figures": {},
            "withheld": {},
        }
    ]


def test_outcomes_of_five_trajectories_are_shown(client: TestClient) -> None:
    register_programme(client)
    placed = [refer(client) for _ in range(2)]
    for trajectory_id in placed:
        recorded(client, trajectory_id, intake(), placement())
    for _ in range(3):
        recorded(client, refer(client), intake())
    views_of(client).wait()

    def row_as(role: Role) -> dict[str, Any]:
        body = client.get(
            "/outcomes",
            params={"group_by": "programme"},
            headers=as_role(client, role),
        ).json()
        [row] = body["rows"]
        assert row["suppressed"] is False
        return dict(row)

    auditor, evaluator = row_as(Role.AUDITOR), row_as(Role.EVALUATOR)

    figures = auditor["figures"]
    assert (figures["referrals"], figures["intakes"], figures["placed"]) == (5, 5, 2)
    assert figures["placement_rate"] == 2 / 5
    # referral on 1 February, intake on 12 February: 11 days for all five
    assert figures["median_days_to_intake"] == 11.0
    # The evaluator: two placed is a small count, and its rate is withheld with it.
    figures = evaluator["figures"]
    assert (figures["referrals"], figures["intakes"], figures["placed"]) == (5, 5, None)
    assert evaluator["withheld"]["placed"] == "<5"
    assert evaluator["withheld"]["placement_rate"] == "x"
    assert figures["median_days_to_intake"] == 11.0


def test_outcomes_as_csv_are_byte_stable_and_suppressed_counts_read_lt5(
    client: TestClient,
) -> None:
    register_programme(client)
    recorded(client, refer(client), intake())
    views_of(client).wait()
    csv = {"Accept": "text/csv", **as_role(client, Role.EVALUATOR)}

    first = client.get("/outcomes", params={"group_by": "programme"}, headers=csv)
    second = client.get("/outcomes", params={"group_by": "programme"}, headers=csv)

    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/csv")
    assert first.content == second.content
    header, row = first.text.splitlines()
    assert header.startswith("programme,referrals,intakes,")
    assert row.startswith(f"{PROGRAMME},<5,<5,")


def test_outcomes_as_of_a_date_before_the_referral_have_no_rows(
    client: TestClient,
) -> None:
    register_programme(client)
    recorded(client, refer(client), intake())

    def as_of_january(role: Role) -> dict[str, Any]:
        body: dict[str, Any] = client.get(
            "/outcomes",
            params={"as_of": "2024-01-31"},
            headers=as_role(client, role),
        ).json()
        return body

    auditor, evaluator = as_of_january(Role.AUDITOR), as_of_january(Role.EVALUATOR)

    assert auditor["as_of"] == evaluator["as_of"] == "2024-01-31"
    assert auditor["rows"] == []
    # Under disclosure control no count shows as 0 either: "<5" is 0 to 4.
    assert evaluator["rows"] == [
        {"group": {}, "suppressed": True, "figures": {}, "withheld": {}}
    ]
    assert REFERRAL_ON > "2024-01-31"


def test_outcomes_refuse_bad_parameters_naming_the_problem(
    client: TestClient,
) -> None:
    cases = {
        "group_by=programme,colour": "cannot group by colour",
        "cohort=2024Q5": "not a quarter",
        "known_at=2024-01-31T12:00:00": "needs a time zone",
        "group_by=gender,gender": "twice",
    }
    for query, problem in cases.items():
        response = client.get(
            f"/outcomes?{query}", headers=as_role(client, Role.AUDITOR)
        )

        assert response.status_code == 422, query
        assert problem in response.json()["detail"]["message"], query


def test_metric_definitions_name_every_figure(client: TestClient) -> None:
    body = client.get(
        "/outcomes/definitions", headers=as_role(client, Role.EVALUATOR)
    ).json()

    assert "intakes / referrals" in body["intake_rate"]
    assert "unknown" in body["sustained_unknown_6m"]


def test_projections_show_position_head_and_no_lag_once_caught_up(
    client: TestClient,
) -> None:
    register_programme(client)
    refer(client)

    views_of(client).wait()
    statuses = client.get("/projections", headers=as_role(client, Role.ADMIN)).json()

    assert [s["name"] for s in statuses] == ["caseload", "outcomes"]
    for status in statuses:
        assert status["position"] == status["head"] > 0
        assert status["lag"] == 0


def test_a_rebuild_switches_to_a_new_generation_with_the_same_rows(
    client: TestClient,
) -> None:
    register_programme(client)
    recorded(client, refer(client), intake())
    views = views_of(client)
    views.wait()
    before = client.get("/caseload").json()["entries"]

    response = client.post(
        "/projections/caseload/rebuild", headers=as_role(client, Role.ADMIN)
    )
    assert response.status_code == 202
    assert views.rebuilds["caseload"].finished.wait(30)

    [status, _] = client.get("/projections", headers=as_role(client, Role.ADMIN)).json()
    assert status["generation"] == 2
    assert status["rebuild"]["state"] == "done"
    assert status["rebuild"]["events"] == 2
    assert client.get("/caseload").json()["entries"] == before


def test_a_second_rebuild_while_one_runs_is_a_conflict(client: TestClient) -> None:
    views_of(client).rebuilds["outcomes"] = RebuildState(
        "rebuilding", datetime.now(UTC)
    )

    response = client.post(
        "/projections/outcomes/rebuild", headers=as_role(client, Role.ADMIN)
    )

    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "rebuild_in_progress"


def test_a_rebuild_of_an_unknown_view_is_not_found(client: TestClient) -> None:
    response = client.post(
        "/projections/trajectories/rebuild", headers=as_role(client, Role.ADMIN)
    )

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "unknown_view"


def test_trajectories_are_listed_in_every_stage_with_filters(
    client: TestClient,
) -> None:
    register_programme(client)
    waiting = refer(client)
    dropped = refer(client)
    recorded(client, dropped, intake(coach="Jens"), dropout())
    views_of(client).wait()

    everything = client.get("/trajectories").json()
    by_jens = client.get("/trajectories", params={"coach": "Jens"}).json()
    dropped_out = client.get("/trajectories", params={"stage": "dropped_out"}).json()
    page = client.get("/trajectories", params={"limit": 1, "offset": 1}).json()

    assert everything["total"] == 2
    assert {t["id"] for t in everything["trajectories"]} == {waiting, dropped}
    assert [t["id"] for t in by_jens["trajectories"]] == [dropped]
    assert dropped_out["trajectories"][0]["exit_on"] == "2024-06-30"
    assert page["total"] == 2 and len(page["trajectories"]) == 1


def test_the_trajectory_list_refuses_an_unknown_stage(client: TestClient) -> None:
    response = client.get("/trajectories", params={"stage": "finished"})

    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "query.stage"


def test_bad_paging_and_filters_get_422_not_500(client: TestClient) -> None:
    cases = [
        "/caseload?offset=99999999999999999999",
        "/trajectories?offset=99999999999999999999",
        "/caseload?coach=a%00b",
        "/trajectories?programme=a%00b",
        "/outcomes?known_at=9999-12-31T23:00:00-05:00",
        "/outcomes?known_at=0001-01-01T00:30:00%2B05:00",
    ]
    for url in cases:
        role = Role.AUDITOR if url.startswith("/outcomes") else Role.STAFF
        response = client.get(url, headers=as_role(client, role))

        assert response.status_code == 422, (url, response.text)


def test_a_rebuild_running_in_another_process_is_a_conflict(
    client: TestClient,
) -> None:
    view = views_of(client).outcomes.view

    with view.rebuild_lock():  # as another process would hold it
        response = client.post(
            "/projections/outcomes/rebuild", headers=as_role(client, Role.ADMIN)
        )

    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "rebuild_in_progress"


def test_too_many_replays_at_once_get_503_with_retry_after(
    client: TestClient,
) -> None:
    replays = views_of(client)._replays
    while replays.acquire(blocking=False):
        pass  # every replay slot taken, as by slow requests
    try:
        response = client.get(
            "/outcomes",
            params={"as_of": "2024-06-30"},
            headers=as_role(client, Role.EVALUATOR),
        )
    finally:
        replays.release()
        replays.release()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["detail"]["code"] == "replays_busy"
    assert (
        client.get(
            "/outcomes",
            params={"as_of": "2024-06-30"},
            headers=as_role(client, Role.EVALUATOR),
        ).status_code
        == 200
    )


def test_an_evaluator_is_told_why_a_date_or_a_moment_is_refused(
    client: TestClient,
) -> None:
    evaluator = as_role(client, Role.EVALUATOR)

    moment = client.get(
        "/outcomes", params={"known_at": "2025-01-31T12:00:00Z"}, headers=evaluator
    )
    mid_month = client.get(
        "/outcomes", params={"as_of": "2025-01-14"}, headers=evaluator
    )
    month_end = client.get(
        "/outcomes", params={"as_of": "2025-01-31"}, headers=evaluator
    )

    assert moment.status_code == 403
    assert moment.json()["detail"]["code"] == "known_at_for_auditors"
    assert mid_month.status_code == 422
    assert mid_month.json()["detail"]["code"] == "not_a_month_end"
    assert "such as 2025-01-31" in mid_month.json()["detail"]["message"]
    assert month_end.status_code == 200, month_end.text
    assert month_end.json()["release"]["as_of"] == "2025-01-31"
