"""Observed timelines: the CSV format, its errors, and the SEISMIC converter (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

import sim.observed as observed
from sim.observed import (
    DERIVED,
    ORIGINAL,
    RESHARE,
    ObservedFileError,
    Timeline,
    from_seismic,
    read_timeline,
    write_timeline,
)
from tests.conftest import SHARED_DATA

CASCADES = sorted((SHARED_DATA / "cascades").glob("RT*.txt"),
                  key=lambda p: int(p.stem.removeprefix("RT")))
needs_cascades = pytest.mark.skipif(not CASCADES, reason="../shared/data/cascades is not "
                                    "beside the repo")


def _plain_read(path: Path) -> tuple[int, list[int], list[int]]:
    """The header count, times and follower counts of a cascade, read without sim.observed."""
    with path.open() as handle:
        count = int(handle.readline().split()[0])
        rows = [line.split() for line in handle if line.strip()]
    return count, [int(row[0]) for row in rows], [int(row[1]) for row in rows]


# -- the real cascades -------------------------------------------------------------------------

@needs_cascades
def test_there_are_sixty_cascades() -> None:
    assert [p.name for p in CASCADES] == [f"RT{i}.txt" for i in range(1, 61)]


@needs_cascades
@pytest.mark.parametrize("path", CASCADES, ids=[p.stem for p in CASCADES])
def test_a_real_cascade_converts_and_round_trips(path: Path, tmp_path: Path) -> None:
    count, times, followers = _plain_read(path)
    timeline = from_seismic(path)
    assert len(timeline) == len(times) == count + 1  # the header counts the retweets only
    assert timeline.times_s.tolist() == times
    assert timeline.followers is not None and timeline.followers.tolist() == followers
    assert timeline.kinds is not None
    assert timeline.kinds[0] == ORIGINAL and (timeline.kinds[1:] == RESHARE).all()
    assert timeline.parents is None and timeline.start is None
    assert timeline.source == str(path)
    assert int(timeline.count_at(3600)) == sum(1 for t in times if t <= 3600)

    back = read_timeline(write_timeline(timeline, tmp_path / "t.csv"))
    assert np.array_equal(back.times_s, timeline.times_s)
    assert back.times_s.dtype == np.float64
    assert back.followers is not None and np.array_equal(back.followers, timeline.followers)
    assert back.kinds is not None and np.array_equal(back.kinds, timeline.kinds)
    assert back.parents is None and back.start is None


@needs_cascades
def test_rt1_first_hour_matches_a_hand_count() -> None:
    path = CASCADES[0]
    with path.open() as handle:
        lines = handle.read().splitlines()
    assert lines[0].split() == ["4963", "0.500381944444"]
    first_hour = 0
    for line in lines[1:]:
        if line.strip() and int(line.split()[0]) <= 3600:
            first_hour += 1
    assert first_hour == 982  # counted by hand once: RT1's retweets at or before 1 h, with it
    timeline = from_seismic(path)
    assert int(timeline.count_at(3600.0)) == first_hour
    assert len(timeline.until(3600)) == first_hour
    assert observed.summary(timeline) == ("4,964 posts over 166.4 hours; 982 in the first "
                                          "hour; max followers 479,465")


# -- the CSV format ----------------------------------------------------------------------------

def _file(tmp_path: Path, content: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_all_columns_read_in_any_order(tmp_path: Path) -> None:
    path = _file(tmp_path, "parent,kind,time,id,followers\n"
                 ",original,0,a,13000000\n"
                 "a,reshare,5,b,1000000000\n"
                 "b,derived,5.25,c,0\n"
                 ",original,7,d,9\n")
    timeline = read_timeline(path)
    assert timeline.times_s.tolist() == [0, 5, 5.25, 7]
    assert timeline.followers is not None
    assert timeline.followers.tolist() == [13_000_000, 10**9, 0, 9]
    assert timeline.followers.dtype == np.int64
    assert timeline.kinds is not None
    assert timeline.kinds.tolist() == [ORIGINAL, RESHARE, DERIVED, ORIGINAL]
    assert timeline.parents is not None and timeline.parents.tolist() == [-1, 0, 1, -1]
    assert timeline.source == str(path) and timeline.start is None

    back = read_timeline(write_timeline(timeline, tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        "time,followers,kind,id,parent", "0,13000000,original,1,", "5,1000000000,reshare,2,1",
        "5.25,0,derived,3,2", "7,9,original,4,"]
    for name in ("times_s", "followers", "kinds", "parents"):
        assert np.array_equal(getattr(back, name), getattr(timeline, name)), name


def test_a_bom_crlf_quotes_spaces_and_blank_lines_at_the_end_are_accepted(
        tmp_path: Path) -> None:
    path = _file(tmp_path, b'\xef\xbb\xbf time , "followers"\r\n0, 12\r\n"1.5e1",3\r\n\r\n  \n')
    timeline = read_timeline(path)
    assert timeline.times_s.tolist() == [0, 15]
    assert timeline.followers is not None and timeline.followers.tolist() == [12, 3]
    assert timeline.kinds is None and timeline.parents is None


def test_only_a_time_column_is_needed(tmp_path: Path) -> None:
    timeline = read_timeline(_file(tmp_path, "time\n0\n0\n2.5\n"))
    assert timeline.times_s.tolist() == [0, 0, 2.5]
    assert timeline.followers is None and timeline.kinds is None and timeline.parents is None


def test_iso_8601_timestamps_become_seconds_since_the_first(tmp_path: Path) -> None:
    path = _file(tmp_path, "time,followers\n"
                 "2012-01-19T15:04:05Z,1\n"
                 "2012-01-19T16:04:10+01:00,2\n"   # 15:04:10Z: 5 s after the first
                 "2012-01-19 15:05:05.5+00:00,3\n"
                 "2012-01-19T10:05:06-05:00,4\n"   # 15:05:06Z
                 "2012-01-20T15:04:05Z,5\n")
    timeline = read_timeline(path)
    assert timeline.times_s.tolist() == [0, 5, 60.5, 61, 86400]
    assert timeline.start == datetime(2012, 1, 19, 15, 4, 5, tzinfo=UTC)


def test_the_first_timestamp_keeps_its_offset(tmp_path: Path) -> None:
    timeline = read_timeline(_file(tmp_path, "time\n2012-01-19T16:04:05+01:00\n"))
    assert timeline.start == datetime(2012, 1, 19, 16, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    assert timeline.start == datetime(2012, 1, 19, 15, 4, 5, tzinfo=UTC)


LONG = "x" * (64 * 1024 + 1)
BAD_FILES = [
    ("unsorted", "time,followers\n0,5\n10,3\n5,1\n",
     ":4: column 'time' must be at or after '10', the time on line 3 (rows sorted by time); "
     "got '5'"),
    ("negative", "time,followers\n0,5\n-3,1\n",
     ":3: column 'time' must be a number of seconds >= 0; got '-3'"),
    ("nan", "time\n0\nnan\n", ":3: column 'time' must be a number of seconds >= 0; got 'nan'"),
    ("inf", "time\n0\n1e999\n",
     ":3: column 'time' must be a number of seconds >= 0; got '1e999'"),
    ("no time column", "followers,kind\n5,original\n",
     ":1: the header must have a 'time' column; got the columns followers, kind"),
    ("text followers", "time,followers\n0,5\n10,abc\n",
     ":3: column 'followers' must be a whole number >= 0 (at most 1,000,000,000,000, "
     "MAX_FOLLOWERS); got 'abc'"),
    ("fractional followers", "time,followers\n0,1.5\n",
     ":2: column 'followers' must be a whole number >= 0 (at most 1,000,000,000,000, "
     "MAX_FOLLOWERS); got '1.5'"),
    ("negative followers", "time,followers\n0,-1\n",
     ":2: column 'followers' must be a whole number >= 0 (at most 1,000,000,000,000, "
     "MAX_FOLLOWERS); got '-1'"),
    ("empty followers", "time,followers\n0,\n",
     ":2: column 'followers' must be a whole number >= 0 (at most 1,000,000,000,000, "
     "MAX_FOLLOWERS); got an empty field"),
    ("empty", "", ":1: the file must start with a header row naming its columns (time, "
     "followers, kind, id, parent); got an empty file"),
    ("blank", "\n \n", ":1: the file must start with a header row naming its columns (time, "
     "followers, kind, id, parent); got only blank lines"),
    ("header only", "time,followers\n",
     ":1: the file must hold at least one post after its header; got only the header"),
    ("first time not 0", "time\n12\n", ":2: column 'time' must be 0 on the first row (the "
     "incident's first post: times are seconds since it); got '12'"),
    ("unknown column", "time,folowers\n0,1\n", ":1: each column of the header must be one of "
     "time, followers, kind, id, parent (did you mean 'followers'?); got 'folowers'"),
    ("no header", "0,90\n", ":1: each column of the header must be one of time, followers, "
     "kind, id, parent (the first line must be the header row; a SEISMIC cascade file must be "
     "converted first, see docs/observed.md); got '0'"),
    ("duplicate column", "time,time\n0,0\n",
     ":1: each column of the header must appear once; got 'time' as columns 1 and 2"),
    ("empty column name", "time,\n0,\n", ":1: each column of the header must be one of time, "
     "followers, kind, id, parent; got an empty name (column 2)"),
    ("parent without id", "time,parent\n0,\n", ":1: the header must have an 'id' column when "
     "it has a 'parent' column (a parent is the id of an earlier row); got no 'id' column"),
    ("parent forward", "time,id,parent,kind\n0,a,,original\n1,b,c,reshare\n2,c,a,reshare\n",
     ":3: column 'parent' must be the id of an earlier row, or empty; got 'c'"),
    ("parent itself", "time,id,parent\n0,a,\n1,b,b\n",
     ":3: column 'parent' must be the id of an earlier row, or empty; got 'b'"),
    ("first has a parent", "time,id,parent\n0,a,a\n", ":2: column 'parent' must be empty on "
     "the first row (the incident's first post); got 'a'"),
    ("original with a parent", "time,id,parent,kind\n0,a,,original\n1,b,a,original\n",
     ":3: column 'kind' must be reshare or derived for a post with a parent; got 'original' "
     "(parent 'a')"),
    ("duplicate id", "time,id\n0,a\n1,b\n2,a\n",
     ":4: column 'id' must be unique (line 2 has the same id); got 'a'"),
    ("empty id", "time,id\n0,a\n1,\n", ":3: column 'id' must be a non-empty id; got an empty "
     "field"),
    ("no time zone", "time\n2012-01-19T15:04:05\n", ":2: column 'time' must be an ISO 8601 "
     "timestamp with a time zone (Z or an offset such as +01:00; without one the moment is "
     "unknown); got '2012-01-19T15:04:05'"),
    ("a date", "time\n2012-01-19\n", ":2: column 'time' must be an ISO 8601 timestamp with a "
     "time zone (Z or an offset such as +01:00; without one the moment is unknown); got "
     "'2012-01-19'"),
    ("a later one without a time zone", "time\n2012-01-19T15:04:05Z\n2012-01-19T15:04:06\n",
     ":3: column 'time' must be an ISO 8601 timestamp with a time zone (Z or an offset such as "
     "+01:00; without one the moment is unknown); got '2012-01-19T15:04:06'"),
    ("seconds then timestamp", "time\n0\n2012-01-19T15:04:05Z\n", ":3: column 'time' must be "
     "a number of seconds like the rows above (every row the same kind); got "
     "'2012-01-19T15:04:05Z'"),
    ("timestamp then seconds", "time\n2012-01-19T15:04:05Z\n12\n", ":3: column 'time' must be "
     "an ISO 8601 timestamp like the rows above (every row the same kind); got '12'"),
    ("timestamp before the first", "time\n2012-01-19T15:04:05+01:00\n2012-01-19T14:04:04Z\n",
     ":3: column 'time' must be at or after '2012-01-19T15:04:05+01:00', the time on line 2 "
     "(rows sorted by time); got '2012-01-19T14:04:04Z'"),
    ("neither", "time\nnoon\n", ":2: column 'time' must be seconds since the first post (a "
     "number >= 0) or an ISO 8601 timestamp with a time zone, such as 2012-01-19T15:04:05Z; "
     "got 'noon'"),
    ("bad kind", "time,kind\n0,original\n1,reshar\n", ":3: column 'kind' must be one of "
     "original, reshare, derived (did you mean 'reshare'?); got 'reshar'"),
    ("first not original", "time,kind\n0,reshare\n", ":2: column 'kind' must be original on "
     "the first row (the incident's first post); got 'reshare'"),
    ("too few fields", "time,followers\n0,1\n1\n",
     ":3: a row must have 2 fields, one per column (time, followers); got 1: '1'"),
    ("open quote", 'time\n0\n"1\n', ":3: a row must be comma-separated fields, each quoted "
     "one closed on its line; got '\"1'"),
    ("blank line inside", "time\n0\n\n5\n",
     ":3: a line must not be blank, except at the end of the file; got a blank line"),
    ("nul byte", b"time\n0\n1\x00\n", ":3: the file must be text; got binary data (a NUL byte)"),
    ("not utf-8", b"time\n0\n\xff\n", ":3: the file must be UTF-8 text; got byte 0xff"),
    ("over-long line", f"time\n0\n{LONG}\n", ":3: a line must be at most 65,536 bytes long "
     "(MAX_LINE_BYTES); got a longer one (is this a text file?)"),
    ("over-long last line", f"time\n0\n1{LONG}", ":3: a line must be at most 65,536 bytes long "
     "(MAX_LINE_BYTES); got a longer one (is this a text file?)"),
]


@pytest.mark.parametrize(("content", "message"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_a_bad_file_names_its_line_and_problem(tmp_path: Path, cli, content: str | bytes,
                                               message: str) -> None:
    path = _file(tmp_path, content)
    with pytest.raises(ObservedFileError) as caught:
        read_timeline(path)
    assert str(caught.value) == f"{path}{message}"
    code, out, err = cli("observed", "check", str(path))
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert err == f"{path}{message}\n".replace("\x00", "\\x00")


def test_a_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    header = "time," + "f" * (64 * 1024 - 5)  # 65,536 bytes: allowed, and then refused as a name
    with pytest.raises(ObservedFileError, match=r":1: each column of the header must be one"):
        read_timeline(_file(tmp_path, header + "\n0,0\n"))


def test_a_file_without_line_breaks_is_refused_at_its_first_line(tmp_path: Path) -> None:
    path = _file(tmp_path, b"\x00" * 200_000)
    with pytest.raises(ObservedFileError, match=r"t\.csv:1: the file must be text; got binary"):
        read_timeline(path)


def test_too_many_rows_are_refused_at_the_row_past_the_limit(tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(observed, "MAX_ROWS", 3)
    assert len(read_timeline(_file(tmp_path, "time\n0\n1\n2\n"))) == 3
    with pytest.raises(ObservedFileError) as caught:
        read_timeline(_file(tmp_path, "time\n0\n1\n2\n3\n4\n"))
    assert str(caught.value).endswith(
        "t.csv:5: the file must hold at most 3 posts (MAX_ROWS); got more by this line")


@pytest.mark.parametrize("kind", ["missing", "folder", "under a file"])
def test_a_file_that_cannot_be_opened_says_why(tmp_path: Path, cli, kind: str) -> None:
    (tmp_path / "a.csv").write_text("time\n0\n")
    path, why = {"missing": (tmp_path / "nope.csv", "No such file or directory"),
                 "folder": (tmp_path, "Is a directory"),
                 "under a file": (tmp_path / "a.csv" / "b.csv", "Not a directory")}[kind]
    message = f"{path}: cannot read the timeline file: {why}"
    with pytest.raises(ObservedFileError) as caught:
        read_timeline(path)
    assert str(caught.value) == message
    assert cli("observed", "check", str(path)) == (2, "", message + "\n")


# -- the SEISMIC converter ---------------------------------------------------------------------

def test_a_small_cascade_converts(tmp_path: Path) -> None:
    timeline = from_seismic(_file(tmp_path, "2 0.5\n0 90 \n5 10 \n5 7 \n\n", "c.txt"))
    assert timeline.times_s.tolist() == [0, 5, 5]
    assert timeline.followers is not None and timeline.followers.tolist() == [90, 10, 7]
    assert timeline.kinds is not None and timeline.kinds.tolist() == [ORIGINAL, RESHARE, RESHARE]
    assert timeline.parents is None and timeline.start is None


BAD_CASCADES = [
    ("count too high", "3 0.5\n0 90\n5 10\n7 3\n", ":1: the header's number of retweets must be "
     "2, one less than the 3 rows below it (the first is the original tweet); got '3' (a "
     "truncated or edited file?)"),
    ("count of the rows", "1 0.5\n0 90\n", ":1: the header's number of retweets must be 0, one "
     "less than the 1 rows below it (the first is the original tweet); got '1' (a truncated or "
     "edited file?)"),
    ("one-field header", "2\n0 90\n", ":1: the header must be two numbers, the number of "
     "retweets and the start time in days; got '2'"),
    ("text count", "x 0.5\n0 90\n", ":1: the header's number of retweets (field 1) must be a "
     "whole number >= 0; got 'x'"),
    ("negative start", "0 -1\n0 90\n", ":1: the header's start time (field 2) must be a number "
     "of days >= 0; got '-1'"),
    ("unsorted", "2 0.5\n0 90\n5 10\n3 7\n", ":4: the time (field 1) must be at or after '5', "
     "the time on line 3 (rows sorted by time); got '3'"),
    ("negative time", "2 0.5\n0 90\n-5 10\n7 3\n",
     ":3: the time (field 1) must be a number of seconds >= 0; got '-5'"),
    ("first not 0", "1 0.5\n4 90\n5 10\n",
     ":2: the time (field 1) must be 0 on the first row (the original tweet); got '4'"),
    ("text followers", "1 0.5\n0 90\n5 ten\n", ":3: the follower count (field 2) must be a "
     "whole number >= 0 (at most 1,000,000,000,000, MAX_FOLLOWERS); got 'ten'"),
    ("one-field row", "1 0.5\n0 90\n5\n", ":3: a row must be two numbers, the seconds since the "
     "original tweet and the follower count; got '5'"),
    ("header only", "0 0.5\n",
     ":1: the file must hold the original tweet after its header; got only the header"),
    ("empty", "", ":1: the file must start with a header line '<retweets> <start time in "
     "days>'; got an empty file"),
    ("nul byte", b"0 0.5\n0\x00 1\n", ":2: the file must be text; got binary data (a NUL byte)"),
]


@pytest.mark.parametrize(("content", "message"), [case[1:] for case in BAD_CASCADES],
                         ids=[case[0] for case in BAD_CASCADES])
def test_a_bad_cascade_names_its_line_and_problem(tmp_path: Path, cli, content: str,
                                                  message: str) -> None:
    path = _file(tmp_path, content, "c.txt")
    with pytest.raises(ObservedFileError) as caught:
        from_seismic(path)
    assert str(caught.value) == f"{path}{message}"
    out_csv = tmp_path / "out.csv"
    code, out, err = cli("observed", "convert", "--from", "seismic", str(path), str(out_csv))
    assert (code, out) == (2, "")
    assert "Traceback" not in err and err.startswith(f"{path}:")
    assert not out_csv.exists()


# -- the command line --------------------------------------------------------------------------

def test_convert_writes_and_refuses_to_overwrite_without_force(tmp_path: Path, cli) -> None:
    source = _file(tmp_path, "2 0.5\n0 90\n3600 13000000\n3601 7\n", "c.txt")
    out_csv = tmp_path / "out.csv"
    code, out, err = cli("observed", "convert", "--from", "seismic", str(source), str(out_csv))
    assert (code, err) == (0, "")
    assert out == (f"wrote {out_csv}: 3 posts over 1.0 hours; 2 in the first hour; max "
                   "followers 13,000,000\n")
    assert out_csv.read_text() == ("time,followers,kind\n0,90,original\n3600,13000000,reshare\n"
                                   "3601,7,reshare\n")
    code, out, err = cli("observed", "check", str(out_csv))
    assert (code, err) == (0, "")
    assert out == (f"{out_csv}: ok: 3 posts over 1.0 hours; 2 in the first hour; max "
                   "followers 13,000,000\n")

    out_csv.write_text("keep me")
    code, out, err = cli("observed", "convert", "--from", "seismic", str(source), str(out_csv))
    assert (code, out) == (2, "")
    assert err == f"{out_csv}: already exists; choose another name or pass --force\n"
    assert out_csv.read_text() == "keep me"
    code, _, err = cli("observed", "convert", "--from", "seismic", str(source), str(out_csv),
                       "--force")
    assert (code, err) == (0, "")
    assert out_csv.read_text().startswith("time,followers,kind\n0,90,original\n")

    code, _, err = cli("observed", "convert", "--from", "seismic", str(source), str(tmp_path),
                       "--force")
    assert code == 2 and err == f"{tmp_path}: a folder; name the timeline file to write\n"


def test_check_summarises_timestamps_and_several_files(tmp_path: Path, cli) -> None:
    good = _file(tmp_path, "time\n2012-01-19T15:04:05Z\n2012-01-19T17:04:05+01:00\n", "a.csv")
    bad = _file(tmp_path, "time\n1\n", "b.csv")
    code, out, err = cli("observed", "check", str(good), str(bad))
    assert code == 2
    assert out == (f"{good}: ok: 2 posts over 1.0 hours; 2 in the first hour; no follower "
                   "counts; first post 2012-01-19T15:04:05+00:00\n")
    assert err.splitlines() == [
        f"{bad}:2: column 'time' must be 0 on the first row (the incident's first post: times "
        "are seconds since it); got '1'", "1 of 2 files have problems"]


def test_convert_needs_the_format(cli, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("observed", "convert", "a.txt", "b.csv")
    assert caught.value.code == 2
    assert "the following arguments are required: --from" in capsys.readouterr().err


# -- the Timeline ------------------------------------------------------------------------------

def test_until_and_count_at() -> None:
    timeline = Timeline(np.array([0.0, 1, 1, 5, 3600]), np.array([5, 6, 7, 8, 9]),
                        np.array([0, 1, 2, 1, 1]), np.array([-1, 0, 0, 2, -1]), "x")
    assert timeline.count_at(np.array([0, 0.5, 1, 4.9, 5, 3600, 1e9])).tolist() == [
        1, 1, 3, 3, 4, 5, 5]
    assert int(timeline.count_at(-1)) == 0
    cut = timeline.until(1)
    assert cut.times_s.tolist() == [0, 1, 1] and cut.source == "x"
    assert cut.followers is not None and cut.followers.tolist() == [5, 6, 7]
    assert cut.kinds is not None and cut.kinds.tolist() == [0, 1, 2]
    assert cut.parents is not None and cut.parents.tolist() == [-1, 0, 0]
    assert len(timeline.until(0)) == 1 and len(timeline.until(1e12)) == 5
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        timeline.until(-0.5)
    with pytest.raises(ValueError, match="NaN"):
        timeline.count_at(np.array([1.0, np.nan]))
    with pytest.raises(ValueError):
        timeline.times_s[0] = 1.0  # read-only


@pytest.mark.parametrize(("arguments", "message"), [
    (([],), "non-empty"),
    (([1.0, 2.0],), "starting at 0"),
    (([0.0, 2.0, 1.0],), "non-decreasing"),
    (([0.0, np.inf],), "finite"),
    (([0.0, 1.0], [1]), "one entry per post"),
    (([0.0, 1.0], [1, -1]), r"followers must be in \[0, 1,000,000,000,000\]"),
    (([0.0, 1.0], [1, 10**12 + 1]), r"followers must be in \[0, 1,000,000,000,000\]"),
    (([0.0, 1.0], None, [0, 3]), "kinds must be indices"),
    (([0.0, 1.0], None, [0, 257]), "kinds must fit in int8"),
    (([0.0, 1.0], None, None, [-1, 1]), "an earlier post"),
])
def test_a_timeline_built_in_python_is_checked(arguments: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Timeline(*[None if a is None else np.array(a) for a in arguments])


def test_write_then_read_gives_back_every_float_exactly(tmp_path: Path) -> None:
    times = np.array([0.0, 1e-7, 0.1 + 0.2, 0.1 + 0.2, 1 / 3, 1e6 + 1 / 7, 2.0**53 + 2,
                      1e300])
    followers = np.array([0, 1, 10**9, 13_408_581, 2**39, 10**12, 3, 4])
    timeline = Timeline(times, followers)
    back = read_timeline(write_timeline(timeline, tmp_path / "t.csv"))
    assert back.times_s.tobytes() == timeline.times_s.tobytes()
    assert back.followers is not None and back.followers.tolist() == followers.tolist()
    assert back.kinds is None and back.parents is None
