"""The instruction-count check of the write path (bench/instructions.py): how a count
is read, worked out per event and judged against the budget. The counting itself
runs under valgrind in `make instructions`, which `make test` runs under CI=true."""

from pathlib import Path

import pytest

from bench import instructions
from bench.instructions import Budget
from bench.instructions import Counted
from bench.instructions import within
from bench.options import DEFAULT_DATABASE_URL

BUDGET = Budget(
    instructions_per_event=10_000_000,
    allowed_ratio=1.5,
    events=100,
    tool="cachegrind",
    measured="a day, on a machine",
)


def test_the_count_is_the_summary_line_of_valgrinds_output(tmp_path: Path) -> None:
    out = tmp_path / "cachegrind.out.100"
    out.write_text("cmd: python\nevents: Ir\nfl=x.c\n1 5\nsummary: 7460233898\n")

    assert instructions.instructions_in(out) == 7_460_233_898


def test_an_output_without_a_summary_is_no_count(tmp_path: Path) -> None:
    out = tmp_path / "cachegrind.out.0"
    out.write_text("events: Ir\n")

    with pytest.raises(instructions.CountFailed):
        instructions.instructions_in(out)


def test_start_up_cancels_out_of_the_instructions_per_event() -> None:
    counted = Counted(events=100, without=6_000_000_000, with_events=7_500_000_000)

    assert counted.per_event == 15_000_000


def test_a_count_up_to_the_budget_times_its_ratio_is_within_it() -> None:
    at_the_limit = Counted(events=100, without=0, with_events=1_500_000_000)
    over = Counted(events=100, without=0, with_events=1_500_000_100)

    assert within(at_the_limit, BUDGET)
    assert not within(over, BUDGET)


def test_a_budget_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "instructions.json"

    BUDGET.write(path)

    assert Budget.read(path) == BUDGET


def test_the_repositorys_budget_is_one_the_check_can_use() -> None:
    budget = Budget.read()

    assert budget.instructions_per_event > 0
    assert budget.allowed_ratio > 1
    assert budget.events >= 1
    assert budget.tool in instructions.TOOLS


def test_without_valgrind_the_check_is_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(instructions, "valgrind", lambda: None)
    monkeypatch.delenv("CI", raising=False)

    assert instructions.main([]) == 0
    assert "skipped" in capsys.readouterr().out


def test_without_valgrind_the_check_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(instructions, "valgrind", lambda: None)
    monkeypatch.setenv("CI", "true")

    assert instructions.main([]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_a_count_over_the_budget_says_how_to_set_a_new_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    over = Counted(events=100, without=0, with_events=1_600_000_000)

    assert not instructions.judged(over, BUDGET)
    assert "INSTRUCTIONS_ARGS=--update" in capsys.readouterr().out


def test_on_postgresql_the_workload_is_given_the_servers_url(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/postgres"

    assert instructions.workload(100, url)[-2:] == ["100", url]
    assert instructions.workload(0, tmp_path)[-2:] == ["0", str(tmp_path)]
    assert instructions.parse_args(["--postgres"]).postgres == DEFAULT_DATABASE_URL
    assert instructions.parse_args(["--postgres", url]).postgres == url
    assert instructions.parse_args([]).postgres is None


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--postgres", "sqlite:///x.db"], "postgresql:// URL"),
        (["--postgres", "postgresfoo"], "postgresql:// URL"),
        (["--postgres", "--update"], "not with --postgres"),
    ],
)
def test_a_postgresql_count_takes_a_postgresql_url_and_sets_no_budget(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        instructions.parse_args(argv)

    assert refused.value.code == 2
    assert named in capsys.readouterr().err
