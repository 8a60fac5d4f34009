"""The simulated meters publish what a real meter would (#18): readings the sensor gateway takes,
each meter counting its own sequence with a growing cumulative value, the same for a seed."""

from __future__ import annotations

import datetime as dt

from onewindow_devtools.meter_simulator import Fleet
from onewindow_sensor_gateway.domain.readings import parse_reading


def test_each_reading_is_one_the_gateway_takes_and_each_meter_counts_its_own() -> None:
    fleet = Fleet.of(3, quiet_share=0.0, seed=1)
    readings = [parse_reading(*fleet.next_reading(n), dt.datetime.now(dt.UTC)) for n in range(9)]
    assert [r.device_id for r in readings[:3]] == ["WM-000001", "WM-000002", "WM-000003"]
    by_meter = {r.device_id: [x for x in readings if x.device_id == r.device_id] for r in readings}
    for same in by_meter.values():
        assert [r.sequence for r in same] == [1, 2, 3]
        assert same[0].value < same[1].value < same[2].value


def test_a_seed_makes_the_same_fleet_and_quiet_meters_barely_move() -> None:
    first, again = Fleet.of(500, 0.1, seed=7), Fleet.of(500, 0.1, seed=7)
    assert [m.quiet for m in first.meters] == [m.quiet for m in again.meters]
    quiet = next(n for n, m in enumerate(first.meters) if m.quiet)
    for _ in range(24):
        first.next_reading(quiet)
    assert first.meters[quiet].value - 100.0 < 0.01          # a day of hourly readings: under 0.01 m³
