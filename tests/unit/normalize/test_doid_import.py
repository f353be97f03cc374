"""DOID → OncoTree bridge through NCIt, checked against the shared DOID and OncoTree files."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.normalize._data import read_packaged_tsv
from integrome.normalize.diseases import oncotree
from integrome.normalize.doid_import import import_doid_xrefs, read_snomed_xrefs


@pytest.fixture(scope="module")
def bridge(shared_data: Path) -> dict[str, str]:
    tree = oncotree()
    extra: dict[str, set[str]] = {}
    for code in tree.codes:
        for nci in tree.node(code).nci:
            extra.setdefault(nci, set()).add(code)
    mappings = import_doid_xrefs(
        shared_data / "doid" / "allXREFinDO.tsv", shared_data / "oncotree" / "ontology_mappings.tsv", extra
    )
    return {m.doid: m.oncotree for m in mappings}


@pytest.mark.shared
def test_bridge_maps_common_cancers_through_ncit(bridge: dict[str, str]) -> None:
    assert bridge["DOID:3910"] == "LUAD"
    assert bridge["DOID:3908"] == "NSCLC"
    assert bridge["DOID:9253"] == "GIST"
    assert bridge["DOID:9119"] == "AML"
    assert len(bridge) > 300


@pytest.mark.shared
def test_packaged_bridge_rows_agree_with_the_shared_files(bridge: dict[str, str]) -> None:
    rows = [r for r in read_packaged_tsv("doid_oncotree.tsv") if r["basis"].startswith("NCIt bridge")]
    assert rows
    # the bridge may reach a code OncoTree has since renamed or revoked; the table holds the current one
    assert all(oncotree().resolve(bridge[r["doid"]]) == r["oncotree"] for r in rows)


@pytest.mark.shared
def test_packaged_snomed_codes_are_doid_xrefs_of_the_mapped_terms(shared_data: Path) -> None:
    snomed = read_snomed_xrefs(shared_data / "doid" / "allXREFinDO.tsv")
    doid_map = {r["doid"]: r["oncotree"] for r in read_packaged_tsv("doid_oncotree.tsv")}
    for row in read_packaged_tsv("snomed_oncotree.tsv"):
        assert row["snomed"] in snomed[row["doid"]]
        assert doid_map[row["doid"]] == row["oncotree"]


def test_ambiguous_ncit_links_are_left_out(tmp_path: Path) -> None:
    xrefs = tmp_path / "xref.tsv"
    xrefs.write_text(
        'id\tlabel\txref\n"DOID:1"\t"one"\t"NCI:C1"\n"DOID:2"\t"two"\t"NCI:C2"\n"DOID:2"\t"two"\t"NCI:C3"\n',
        encoding="utf-8",
    )
    mappings = tmp_path / "map.tsv"
    mappings.write_text("ONCOTREE_CODE\tNCIT_CODE\nAAA\tC1\nBBB\tC2\nCCC\tC3\n", encoding="utf-8")
    result = import_doid_xrefs(xrefs, mappings)
    assert [(m.doid, m.oncotree, m.nci) for m in result] == [("DOID:1", "AAA", ("C1",))]


def test_missing_xref_column_is_an_input_error(tmp_path: Path) -> None:
    xrefs = tmp_path / "xref.tsv"
    xrefs.write_text("id\tlabel\n", encoding="utf-8")
    mappings = tmp_path / "map.tsv"
    mappings.write_text("ONCOTREE_CODE\tNCIT_CODE\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"xref\.tsv:line 1: expected columns xref"):
        import_doid_xrefs(xrefs, mappings)


def test_non_doid_identifier_names_its_line(tmp_path: Path) -> None:
    xrefs = tmp_path / "xref.tsv"
    xrefs.write_text('id\tlabel\txref\n"MONDO:1"\t"x"\t"NCI:C1"\n', encoding="utf-8")
    mappings = tmp_path / "map.tsv"
    mappings.write_text("ONCOTREE_CODE\tNCIT_CODE\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: expected a DOID identifier"):
        import_doid_xrefs(xrefs, mappings)
