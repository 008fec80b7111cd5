"""Every shipped reference table loads, validates and carries a source on every row."""

import re

import pytest

from greenmet import refdata
from greenmet.errors import ReferenceDataError, UnknownKeyError
from greenmet.units import parse_unit


@pytest.mark.parametrize("name", refdata.table_names())
def test_every_table_validates_and_cites_its_source(name):
    table = refdata.load_table(name)
    assert len(table) > 0
    assert table["source"].str.strip().str.len().gt(0).all()
    spec = refdata.catalog()[name]
    for value, unit_column in spec.get("units", {v: "unit" for v in spec["values"]}).items():
        assert table[value].notna().all()
        for unit in table[unit_column].unique():
            parse_unit(unit)


def test_load_table_returns_a_copy():
    first = refdata.load_table("gwp")
    first.loc[:, "value"] = -1.0
    assert (refdata.load_table("gwp")["value"] > 0).all()


def test_factor_carries_provenance():
    factor = refdata.factor("gwp", metric="AR5GWP100", gas="C2F6")
    assert factor.value == 11100.0
    assert "2025/2547" in factor.source
    assert factor.needs_verification is False
    assert factor.as_dict()["gas"] == "C2F6"


def test_unknown_table_and_key_name_the_choices():
    with pytest.raises(UnknownKeyError, match="no reference table of that name.*gwp"):
        refdata.load_table("nonexistent")
    with pytest.raises(UnknownKeyError, match="gas not in reference table 'gwp'.*CF4"):
        refdata.factor("gwp", metric="AR5GWP100", gas="H2O")
    with pytest.raises(UnknownKeyError, match="keyed by"):
        refdata.factor("gwp", gas="CF4")


def test_validation_rejects_a_row_without_source(monkeypatch):
    import pandas as pd

    frame = pd.DataFrame(
        {"metric": ["X"], "gas": ["CO2"], "value": ["1"], "unit": ["dimensionless"],
         "source": [" "], "needs_verification": ["false"]}
    )
    spec = refdata.catalog()["gwp"]
    with pytest.raises(ReferenceDataError, match="has no source"):
        refdata._validate("gwp", spec, frame)
    frame["source"] = "somewhere"
    frame["value"] = "nan"
    with pytest.raises(ReferenceDataError, match="not a finite number"):
        refdata._validate("gwp", spec, frame)


# A reader must be able to follow every source: a public document or a repository path at a
# commit. Lookup numbers of a search index ("file id 68325099578") cannot be followed by anyone.
INTERNAL_ID = re.compile(r"file[ -]id|code[- ]search|\bid\s*\d{6,}|\b\d{10,}\b", re.IGNORECASE)
# "owner/name path/to/file.ext" must be followed by "@<commit>".
REPOSITORY_PATH = re.compile(
    r"\b[\w.-]+/[\w.-]+ '?[\w ./-]+\.(?:kt|csv|py|ipynb|sql|ts|json|js|xlsx|md)'?(?P<tail>[^;,]{0,4})"
)


def _sources():
    for name in refdata.table_names():
        table = refdata.load_table(name)
        for index, source in table["source"].items():
            yield name, index, source


def test_no_source_cites_an_internal_lookup_id():
    offenders = [(name, index, source[:120]) for name, index, source in _sources()
                 if INTERNAL_ID.search(source)]
    assert offenders == []


def test_the_internal_id_pattern_catches_the_old_citations():
    # The pattern must keep catching the form the tables used to carry (a made-up number, not a citation).
    # built here so that no lookup-id-shaped citation stands in the tree
    made_up = "file id " + "0" * 11
    assert INTERNAL_ID.search(f"a 2013-guideline reporting template (code-search {made_up})")
    assert not INTERNAL_ID.search("SqlPrepareData.kt @e150719a39a181c0d641b11e2e35d0e78c6ad075")


def test_repository_citations_name_a_commit():
    missing = []
    for name, index, source in _sources():
        for match in REPOSITORY_PATH.finditer(source):
            if not re.match(r"\s*@\s*[0-9a-f]{7,40}\b", source[match.end() - len(match["tail"]):]):
                missing.append((name, index, match.group(0)))
    assert missing == []


# A row whose own source says it is unconfirmed must say so in needs_verification too (the rule of
# docs/dev/conventions.md: one secondary transcription is not a confirmation).
UNCONFIRMED = re.compile(
    r"one transcription|one secondary|secondary source|news report|recalled|not confirmed|unconfirmed"
    r"|second (?:source|transcription) not found|practice value|assumption",
    re.IGNORECASE,
)


def test_rows_that_say_they_are_unconfirmed_are_flagged():
    offenders = []
    for name in refdata.table_names():
        table = refdata.load_table(name)
        says_so = table["source"].str.contains(UNCONFIRMED)
        flagged = table["needs_verification"].astype(bool)
        offenders += [(name, source[:100]) for source in table.loc[says_so & ~flagged, "source"]]
    assert offenders == []


def test_the_unconfirmed_pattern_reads_the_tables_wording():
    assert UNCONFIRMED.search("value read in 新京报 report; news reports of the announcement only")
    assert UNCONFIRMED.search("one transcription, not yet checked against the Official Journal text")
    assert not UNCONFIRMED.search("IPCC AR5 (2013) WG1 Table 8.A.1")
