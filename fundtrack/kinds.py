"""The kinds the funding ledger names: languages, kinds of funder, a grant's status and
schedule basis, the matching basis, the desired changes.

Plain enumerations, needing no database: the models (:mod:`fundtrack.models`) store
them, the light tables (:mod:`fundtrack.tables`) read them, the catalogue labels them
(``funder_kind.<value>``, ``grant_status.<value>``...).
"""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    FR = "fr"
    EN = "en"


class FunderKind(enum.StrEnum):
    CENTRAIDE = "centraide"
    BOROUGH = "borough"
    CITY = "city"
    QUEBEC = "quebec"
    CANADA = "canada"
    FOUNDATION = "foundation"
    DONOR = "donor"
    SPONSOR = "sponsor"
    OTHER = "other"


class GrantStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CLOSED = "closed"


class ScheduleBasis(enum.StrEnum):
    """How a grant's amount falls in periods: by days (default), explicit years, or instalments."""

    DAYS = "days"
    YEARS = "years"
    INSTALMENTS = "instalments"


class MatchingBasis(enum.StrEnum):
    GRANT = "grant"
    PROJECT = "project"


class DesiredChange(enum.StrEnum):
    """The five desired changes (changements souhaités) collective projects serve."""

    HOUSING = "housing"
    FOOD = "food"
    YOUTH = "youth"
    INTEGRATION = "integration"
    SERVICES = "services"
