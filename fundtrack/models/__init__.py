"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from fundtrack.models.base import Base, MoneyType, RateType
from fundtrack.models.ledger import (
    BudgetCategory,
    DesiredChange,
    Funder,
    FunderKind,
    Grant,
    GrantScheduleEntry,
    GrantStatus,
    Instalment,
    Language,
    MatchingBasis,
    Organisation,
    Project,
    ReportDue,
    ScheduleBasis,
)

__all__ = [
    "Base",
    "BudgetCategory",
    "DesiredChange",
    "Funder",
    "FunderKind",
    "Grant",
    "GrantScheduleEntry",
    "GrantStatus",
    "Instalment",
    "Language",
    "MatchingBasis",
    "MoneyType",
    "Organisation",
    "Project",
    "RateType",
    "ReportDue",
    "ScheduleBasis",
]
