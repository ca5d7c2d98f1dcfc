"""Page timings (make load): the admin's expense list on an organisation of 100,000 expenses.

Builds the organisation of ``bench_variance.py`` (bulk inserts, most expenses charged to
a grant), logs in as the treasurer through the app's own test client, and prints for the
list (page sizes 20, 50 and 100, sorted by date; then filtered by fiscal year, by grant,
and searched) the median and 95th-percentile time of a page and the SQL statements it
runs, which must be the same whatever the page size.

Run: .venv/bin/python bench/load_expense_list.py [--expenses 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_variance import build

from admin_app import create_app
from fundtrack.db import make_engine, session_factory, unit_of_work
from fundtrack.models import Grant
from fundtrack.models.base import Base
from fundtrack.services.context import acting_for
from fundtrack.services.users import NewUser, create_user

EMAIL, PASSWORD = "tresoriere@bench.example", "mot-de-passe-du-banc"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--expenses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        org_id = build(engine, args.expenses)
        with unit_of_work(session_factory(engine)) as session:
            acting = acting_for(session, organisation_id=org_id)
            create_user(
                session, acting, NewUser(EMAIL, "Banc", "treasurer", None), PASSWORD, method="pbkdf2:sha256:1000"
            )
            grant_id = session.scalar(select(Grant.id).where(Grant.organisation_id == org_id).limit(1))
        engine.dispose()
        app = create_app(
            {"FUNDTRACK_DATABASE_URL": url, "SECRET_KEY": "bench", "FUNDTRACK_DATA_DIR": str(Path(tmp) / "data")}
        )
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        login = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        seen: list[str] = []
        event.listen(app.extensions["fundtrack.engine"], "before_cursor_execute", lambda *a: seen.append(a[2]))
        pages = {
            "list, 20 a page": "/expenses/?page_size=20",
            "list, 50 a page": "/expenses/?page_size=50",
            "list, 100 a page": "/expenses/?page_size=100",
            "page 200 of 50": "/expenses/?page=200&page_size=50",
            "fiscal year 2020-2021": "/expenses/?flt0_0=2020-2021&page_size=50",
            "one grant": f"/expenses/?flt0_3={grant_id}&page_size=50",
            "search": "/expenses/?search=Fournisseur&page_size=50",
        }
        print(f"{args.expenses:,} expenses; {args.repeat} requests per page")
        print(f"{'page':<24} {'median ms':>10} {'p95 ms':>8} {'statements':>11} {'rows':>5}")
        for name, path in pages.items():
            times = []
            for _ in range(args.repeat):
                seen.clear()
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            rows = len(set(re.findall(r"/expenses/details/\?id=(\d+)", response.text)))
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
            print(f"{name:<24} {statistics.median(times):>10.1f} {p95:>8.1f} {len(seen):>11} {rows:>5}")
        app.extensions["fundtrack.engine"].dispose()


if __name__ == "__main__":
    main()
