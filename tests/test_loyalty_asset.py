"""Customers as an asset (issue 15): the one page's figures come from the Customers and
Loyalty screens; `custdesk report asset` writes one A4 page; a mistake is one line."""

from __future__ import annotations

from pathlib import Path

from test_loyalty_screens import Q2, shop  # noqa: F401 - the fixture

from custdesk.cli import main
from custdesk.services import asset_service


def test_asset_page_from_the_screens(shop) -> None:  # noqa: F811
    asset = asset_service.build_asset(shop, Q2, "Q2")
    # active on 31 Mar: Ann, Cat, Eve (Bob lost 1 Mar); new in Q2: Dan, Gil, Hal, Ivy
    assert (asset.base["active"], asset.base["customers"]) == (7, 8)
    html = asset_service.asset_html(shop, Q2, "Q2")
    assert ("<b>3</b> at the start + <b>4</b> new + <b>0</b> won back − <b>0</b> lost = "
            "<b>7</b> at the end") in html
    assert "Ann</td>" in html and "$140</td>" in html  # top referrer, her referred revenue
    assert "custdesk:one-page" in html


def test_cli_writes_one_page(demo_db_template: Path, tmp_path: Path, capsys) -> None:
    import shutil

    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = tmp_path / "asset.pdf"
    assert main(["report", "asset", "--db", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(Last 12 months" in printed and "(1 page)" in printed
    assert out.read_bytes().startswith(b"%PDF")
    from custdesk.reports.scorecard_pdf import pdf_page_count

    assert pdf_page_count(out) == 1
    assert main(["report", "asset", "--db", str(db), "--out", str(tmp_path / "a.txt")]) == 2
    assert "must name a .pdf" in capsys.readouterr().err
