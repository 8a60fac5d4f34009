"""The shipped reference data loads, is consistent, and answers routing questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from onewindow_catalog import CatalogError, Level, load_catalog
from onewindow_catalog.catalog import PACKAGED_DATA


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_shipped_catalogue_covers_the_scenarios(catalog) -> None:
    assert {"complaint.noise", "complaint.heating", "complaint.water", "complaint.road", "vehicle.transfer",
            "driving-licence.electronic", "real-estate.registration", "welfare.subsistence-relief",
            "business.startup", "welfare.elderly-check"} <= set(catalog.items)


def test_regions_form_a_tree_down_to_communities(catalog) -> None:
    chain = [r.code for r in catalog.ancestors("110101001001")]
    assert chain == ["110101001001", "110101001", "110101", "110100", "110000"]
    assert catalog.at_level("110101001001", Level.STREET).name == "东华门街道"
    assert catalog.at_level("110101", Level.STREET) is None
    assert catalog.within("442000003001", "440000")
    assert not catalog.within("110101", "330000")


def test_every_district_has_its_standard_departments(catalog) -> None:
    dept = catalog.department("330113", "civil-affairs")
    assert dept.name == "临平区民政局" and dept.level == Level.DISTRICT
    assert catalog.department("110101001", "street-office").name == "东华门街道办事处"
    # Beijing's traffic police is one municipal bureau found from any district below it.
    assert catalog.nearest_department("110102", "traffic-police").code == "110100.traffic-police"


def test_deadline_rules_come_from_the_item_or_its_category(catalog) -> None:
    assert catalog.deadline_rule(catalog.items["complaint.heating"]).hours == 24
    assert catalog.deadline_rule(catalog.items["welfare.elderly-check"]).hours == 2
    assert catalog.deadline_rule(catalog.items["complaint.noise"]).working_days == 7
    assert catalog.deadline_rule(catalog.items["business.startup"]).working_days == 1


def _copy(tmp_path: Path) -> Path:
    for path in PACKAGED_DATA.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_operators_extend_the_catalogue_without_code(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    with open(folder / "regions.yaml", "a", encoding="utf-8") as regions:
        regions.write('  - {code: "110105", name: 朝阳区, en: Chaoyang District, level: district, parent: "110100"}\n')
    catalog = load_catalog(folder)
    assert catalog.department("110105", "district-government").name == "朝阳区人民政府"


def test_inconsistent_data_is_refused_with_the_place_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "items.yaml").read_text(encoding="utf-8")
    (folder / "items.yaml").write_text(text.replace("department: heating", "department: weather"), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"items.yaml: item complaint.heating names department kind 'weather'"):
        load_catalog(folder)
