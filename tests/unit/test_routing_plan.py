"""Routing rules: the right departments at the right levels, fan-out, sequence, cross-region, 兜底."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow_catalog import Level, WorkingCalendar, load_catalog
from onewindow_catalog.calendar import CHINA
from onewindow_catalog.deadlines import promised_by, task_deadline
from onewindow_routing.domain.planning import plan


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def departments(route) -> list[tuple[str, Level, int]]:
    return [(t.department.code, t.level, t.step) for t in route.tasks]


def test_noise_complaint_goes_straight_to_the_street(catalog) -> None:
    route = plan(catalog.items["complaint.noise"], "A1", "110101", "110101001001", {}, catalog)
    assert departments(route) == [("110101001.street-office", Level.STREET, 1)]
    assert route.tasks[0].department.name == "东华门街道办事处"
    assert not route.fallback_used and not route.cross_region


def test_complaint_without_a_precise_location_falls_back_to_the_district_government(catalog) -> None:
    route = plan(catalog.items["complaint.noise"], "A2", "110101", "110102", {}, catalog)
    assert departments(route) == [("110102.district-government", Level.DISTRICT, 1)]
    assert route.fallback_used and "兜底" in route.fallback_reasons[0]


def test_business_startup_fans_out_in_parallel(catalog) -> None:
    route = plan(catalog.items["business.startup"], "A3", "110101", "", {}, catalog)
    assert departments(route) == [
        ("110101.market-regulation", Level.DISTRICT, 1), ("110101.public-security", Level.DISTRICT, 1),
        ("110101.tax", Level.DISTRICT, 1), ("110101.hrss", Level.DISTRICT, 1),
        ("110100.housing-fund", Level.CITY, 1),
    ]
    assert all(not t.depends_on for t in route.tasks)
    assert [t.task_id for t in route.tasks] == [f"A3-T{i}" for i in range(1, 6)]


def test_relief_bundle_checks_in_parallel_then_civil_affairs_decides(catalog) -> None:
    route = plan(catalog.items["welfare.subsistence-relief"], "A4", "330113", "", {"residence_region": "330113001"},
                 catalog)
    first = route.first_step()
    assert {t.department.code for t in first} == {"330113.hrss", "330113.medical-insurance", "330113.housing"}
    decision = route.tasks[-1]
    assert decision.department.code == "330113.civil-affairs"
    assert set(decision.depends_on) == {t.task_id for t in first}


def test_vehicle_transfer_received_in_beijing_is_decided_in_hangzhou(catalog) -> None:
    route = plan(catalog.items["vehicle.transfer"], "A5", "110101", "", {"vehicle_registration_region": "330113"},
                 catalog)
    assert departments(route) == [("330100.traffic-police", Level.CITY, 1)]
    assert route.cross_region and route.handling_region == "330100"


def test_elderly_check_in_zhongshan_reaches_community_and_street(catalog) -> None:
    route = plan(catalog.items["welfare.elderly-check"], "A6", "442000003", "442000003001", {}, catalog)
    assert departments(route) == [("442000003001.community-committee", Level.COMMUNITY, 1),
                                  ("442000003.street-office", Level.STREET, 1)]


def test_a_city_without_districts_uses_its_city_bureau(catalog) -> None:
    route = plan(catalog.items["complaint.water"], "A7", "442000003", "442000003001", {}, catalog)
    assert departments(route) == [("442000.water", Level.CITY, 1)]


def test_deadlines_hours_for_urgent_categories_working_days_otherwise(catalog) -> None:
    calendar = WorkingCalendar()
    accepted = dt.datetime(2026, 9, 30, 9, 0, tzinfo=CHINA)
    heating = task_deadline(catalog.items["complaint.heating"], catalog, calendar, accepted)
    assert (heating.basis, heating.amount, heating.due_at) == ("hours", 24, accepted + dt.timedelta(hours=24))
    startup = task_deadline(catalog.items["business.startup"], catalog, calendar, accepted)
    assert startup.basis == "working_days" and startup.due_at.date() == dt.date(2026, 10, 8)


def test_the_citizen_is_promised_the_items_own_days_else_the_task_deadline(catalog) -> None:
    calendar = WorkingCalendar()
    submitted = dt.datetime(2026, 9, 30, 9, 0, tzinfo=CHINA)
    transfer = catalog.items["vehicle.transfer"]  # tasks 5 working days, the window promises 3
    assert promised_by(transfer, catalog, calendar, submitted) == calendar.add_working_days(submitted, 3)[0]
    assert task_deadline(transfer, catalog, calendar, submitted).amount == 5
    heating = catalog.items["complaint.heating"]
    assert promised_by(heating, catalog, calendar, submitted) == task_deadline(heating, catalog, calendar,
                                                                               submitted).due_at
