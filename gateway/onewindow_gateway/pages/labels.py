"""What the pages call things, in Chinese, and the time left of a task. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onewindow_catalog.calendar import CHINA, WorkingCalendar

from ..schemas import TaskOut

CASE_STATUS = {"accepted": "已受理", "routed": "已分办", "in_progress": "办理中", "needs_supplement": "待补正",
               "completed": "已办结", "rejected": "不予受理", "unknown": "未知"}
TASK_STATUS = {"planned": "待派发", "waiting": "等待前序环节", "dispatched": "已派发", "delivery_parked": "派送受阻",
               "delivered": "已送达", "acknowledged": "已签收", "needs_supplement": "待补正",
               "supplement_provided": "已补正", "completed": "已办结", "returned": "已退回",
               "coordination": "协调中"}
LEVEL = {"province": "省级", "city": "市级", "district": "区县级", "street": "街道/乡镇", "community": "社区/村"}
OUTCOME = {"approved": "准予", "rejected": "不予", "resolved": "已解决", "partially_approved": "部分准予"}
CHANNEL = {"counter": "窗口", "app": "移动端", "web": "网站", "hotline": "12345热线", "sensor": "传感器"}
RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
OPEN_TASK = frozenset({"planned", "waiting", "dispatched", "delivery_parked", "delivered", "acknowledged",
                       "needs_supplement", "supplement_provided", "returned", "coordination"})


def status_label(value: str) -> str:
    return CASE_STATUS.get(value, value)


def task_status_label(value: str) -> str:
    return TASK_STATUS.get(value, value)


def level_label(value: str) -> str:
    return LEVEL.get(value, value)


def local_time(value: str | dt.datetime) -> str:
    """An ISO time as China time to the minute (what a counter and a citizen read)."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class TimeLeft:
    overdue: bool
    text: str


def time_left(due_at: str, now: dt.datetime, calendar: WorkingCalendar, basis: str) -> TimeLeft:
    """How long a task has left: working days for a working-day limit, hours and minutes for a
    limit in hours or minutes (an emergency does not stop for the weekend)."""
    due = dt.datetime.fromisoformat(due_at)
    if due <= now:
        late = now - due
        hours = int(late.total_seconds() // 3600)
        return TimeLeft(True, f"已超期 {hours // 24} 天 {hours % 24} 小时" if hours >= 24
                        else f"已超期 {hours} 小时 {int(late.total_seconds() % 3600 // 60)} 分")
    if basis == "working_days":
        days = _working_days_between(now.astimezone(CHINA).date(), due.astimezone(CHINA).date(), calendar)
        return TimeLeft(False, f"剩余 {days} 个工作日" if days else "今日到期")
    left = due - now
    hours = int(left.total_seconds() // 3600)
    return TimeLeft(False, f"剩余 {hours} 小时 {int(left.total_seconds() % 3600 // 60)} 分")


def _working_days_between(today: dt.date, due: dt.date, calendar: WorkingCalendar) -> int:
    """Working days after today up to and including the due date."""
    days, day = 0, today
    while day < due and days < 400:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day)[0]:
            days += 1
    return days


def missing_fields(note: str) -> list[str]:
    """The fields a 补正 asks for, from the task's note ("missing: a, b (what the agency said)")."""
    if not note.startswith("missing: "):
        return []
    names = note.removeprefix("missing: ").split(" (", 1)[0]
    return [name.strip() for name in names.split(",") if name.strip()]


def task_left(task: TaskOut, now: dt.datetime, calendar: WorkingCalendar) -> TimeLeft | None:
    """The time left of an open task with a deadline (None: closed, or no deadline yet)."""
    if task.deadline is None or task.status not in OPEN_TASK:
        return None
    return time_left(task.deadline.due_at, now, calendar, task.deadline.basis)


def asked_for(task: TaskOut) -> list[str]:
    """The fields a task waiting for a 补正 asks for."""
    return missing_fields(task.note) if task.status == "needs_supplement" else []
