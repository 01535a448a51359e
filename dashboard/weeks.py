"""ISO weeks in the programme's time zone (Europe/Oslo): labels, bounds and the week a moment falls in."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO week (year, week); its bounds are Monday 00:00 to the next Monday 00:00, local time."""

    year: int
    week: int

    @classmethod
    def of(cls, moment: datetime) -> "IsoWeek":
        local = timezone.localtime(moment)
        year, week, _ = local.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, label: str) -> "IsoWeek":
        """From "2026-W48"."""
        year, week = label.split("-W")
        return cls(int(year), int(week))

    @classmethod
    def valid(cls, year: int, week: int) -> bool:
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            return False
        return True

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        """The start of the next week (exclusive end)."""
        return self.next().start

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def ordinal(self) -> int:
        """Weeks since an arbitrary epoch: consecutive weeks differ by 1 (for chart positions)."""
        return self.monday.toordinal() // 7

    def next(self) -> "IsoWeek":
        return IsoWeek.of_date(self.monday + timedelta(weeks=1))

    def previous(self) -> "IsoWeek":
        return IsoWeek.of_date(self.monday - timedelta(weeks=1))

    @classmethod
    def of_date(cls, day: date) -> "IsoWeek":
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return self.label
