"""Importing a year of expenses from CSV: all or nothing, duplicates reported and skipped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import ValidationFailed
from fundtrack.models import Expense
from fundtrack.services.expense_import import import_csv
from tests.conftest import treasurer

from .budget_factories import OPS, the_table

FRENCH = f"""Date;Fournisseur;Description;Projet;Catégorie;Montant avant taxes;TPS;TVQ;Mode de paiement;Pièce;Subvention
2025-06-12;Interprètes Montréal;Interprétation, assemblée de juin;{OPS};translation;1 000,00 $;;;virement;F-101;
12/07/2025;Traiteur du Parc;Repas du comité;{OPS};catering;450,00;0;0;chèque;F-102;PIC
2025-08-01;Salle Saint-Roch;Location;{OPS};room_rental;300,00;;;carte;F-103;fonds propres
"""

ENGLISH = f"""date,payee,description,project,category,pre-tax,payment method,receipt
2025-09-15,Interpreters Inc,Board meeting,{OPS},translation,"1,234.56",transfer,R-1
"""


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return the_table(s).organisation_id


def _expenses(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.scalar(select(func.count(Expense.id))) or 0


def test_a_french_bank_export_is_imported_and_charged(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        report = import_csv(s, treasurer(s, org_id), FRENCH)
    assert len(report.created) == 3 and report.skipped == []
    assert report.net_cost == Decimal("1074.87") + Decimal("450.00") + Decimal("322.46")
    with unit_of_work(factory) as s:
        report = import_csv(s, treasurer(s, org_id), ENGLISH)
    assert len(report.created) == 1


def test_likely_duplicates_are_skipped_unless_forced(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        import_csv(s, treasurer(s, org_id), FRENCH)
    with unit_of_work(factory) as s:
        again = import_csv(s, treasurer(s, org_id), FRENCH)
    assert again.created == [] and [r.row for r in again.skipped] == [2, 3, 4]
    assert _expenses(factory) == 3
    with unit_of_work(factory) as s:
        forced = import_csv(s, treasurer(s, org_id), FRENCH, force=True)
    assert len(forced.created) == 3


def test_a_file_with_one_bad_row_writes_nothing_and_lists_each_error(
    factory: sessionmaker[Session], org_id: int
) -> None:
    bad = FRENCH + f"2025-13-01;X;Y;{OPS};translation;1,234;;;virement;F-9;\n"
    bad += f"2025-10-01;Z;Y;{OPS};catering;100,00;;;virement;F-10;ARR-2025\n"
    with pytest.raises(ValidationFailed) as err, unit_of_work(factory) as s:
        import_csv(s, treasurer(s, org_id), bad)
    paths = [e.path for e in err.value.errors]
    assert paths == ["ligne 5.date", "ligne 5.pre_tax", "ligne 6.charges[0].amount"]
    assert "ambigu" in err.value.errors[1].message("fr")
    assert err.value.errors[2].code == "grant.ineligible_category"
    assert _expenses(factory) == 0


def test_a_missing_column_is_named(factory: sessionmaker[Session], org_id: int) -> None:
    with pytest.raises(ValidationFailed) as err, unit_of_work(factory) as s:
        import_csv(s, treasurer(s, org_id), "date,payee\n2025-01-01,X\n")
    assert [e.path for e in err.value.errors] == ["project", "category", "pre_tax"]


def test_a_column_mapping_for_a_spreadsheet_with_its_own_headers(factory: sessionmaker[Session], org_id: int) -> None:
    text = f'Jour,Qui,Projet,Catégorie,Montant HT\n2025-06-01,Imprimerie,{OPS},communications,"200,00"\n'
    with unit_of_work(factory) as s:
        report = import_csv(
            s, treasurer(s, org_id), text, mapping={"date": "Jour", "payee": "Qui", "pre_tax": "Montant HT"}
        )
    assert len(report.created) == 1
