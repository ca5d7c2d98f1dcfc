"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from fundtrack.models.attachments import Attachment as Attachment
from fundtrack.models.audit import AuditLog as AuditLog
from fundtrack.models.base import Base, MoneyType, RateType
from fundtrack.models.budgets import Allocation as Allocation
from fundtrack.models.budgets import Budget as Budget
from fundtrack.models.budgets import BudgetLine as BudgetLine
from fundtrack.models.budgets import BudgetLineAmount as BudgetLineAmount
from fundtrack.models.budgets import BudgetVersion as BudgetVersion
from fundtrack.models.budgets import InKindContribution as InKindContribution
from fundtrack.models.budgets import OwnFunds as OwnFunds
from fundtrack.models.budgets import VersionKind as VersionKind
from fundtrack.models.expenses import Expense as Expense
from fundtrack.models.expenses import ExpenseCharge as ExpenseCharge
from fundtrack.models.expenses import PaymentMethod as PaymentMethod
from fundtrack.models.ledger import (
    BudgetCategory,
    DesiredChange,
    Funder,
    FunderKind,
    Grant,
    GrantScheduleEntry,
    GrantStatus,
    Instalment,
    InstalmentReceipt,
    Language,
    MatchingBasis,
    Organisation,
    Project,
    ReportDue,
    ScheduleBasis,
)
from fundtrack.models.staffing import Position as Position
from fundtrack.models.stamps import budget_stamps as budget_stamps
from fundtrack.models.users import User as User
from fundtrack.models.users import UserAccess as UserAccess

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
    "InstalmentReceipt",
    "Language",
    "MatchingBasis",
    "MoneyType",
    "Organisation",
    "Project",
    "RateType",
    "ReportDue",
    "ScheduleBasis",
]
