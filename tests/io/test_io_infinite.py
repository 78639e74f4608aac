"""Infinite amounts (issue 15.2): inf, Infinity, 1e400 … are refused with the rows named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.errors import DataError
from sales_analytics.incentives import order_credits

REPS = "rep_id,rep_name,team\nr1,Li Lei,East\n"


def _folder(tmp_path: Path, amounts: list[str]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    rows = [f"o{i},2026-01-05,c1,r1,{a},paid" for i, a in enumerate(amounts, start=1)]
    (folder / "orders.csv").write_text(
        "order_id,order_date,customer_id,rep_id,amount,status\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    (folder / "reps.csv").write_text(REPS, encoding="utf-8")
    return folder


@pytest.mark.parametrize("token", ["inf", "+inf", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_an_infinite_amount_is_a_data_error_naming_the_row(tmp_path: Path, token: str) -> None:
    # header is line 1: o1 (100) is row 2, the infinite o2 row 3
    folder = _folder(tmp_path, ["100", token, "50"])
    with pytest.raises(DataError, match=r"orders\.csv.*'amount'.*1 row is infinite.*row 3"):
        sa.load_dataset(folder)


def test_plus_and_minus_inf_are_both_reported(tmp_path: Path) -> None:
    # before the fix +inf and −inf summed to a revenue of 0.0 without a word; rows 2 and 4
    folder = _folder(tmp_path, ["inf", "10", "-inf"])
    with pytest.raises(DataError, match=r"2 rows are infinite.*rows 2, 4"):
        sa.load_dataset(folder)


def test_parquet_inf_is_refused_too(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "order_date": pd.to_datetime(["2026-01-05", "2026-01-06"]),
            "customer_id": ["c1", "c1"],
            "rep_id": ["r1", "r1"],
            "amount": [np.inf, 5.0],
        }
    ).to_parquet(folder / "orders.parquet")
    (folder / "reps.csv").write_text(REPS, encoding="utf-8")
    with pytest.raises(DataError, match="1 row is infinite"):
        sa.load_dataset(folder)


def _orders(amounts: list[float]) -> pd.DataFrame:
    n = len(amounts)
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(n)],
            "order_date": pd.to_datetime(["2026-01-05"] * n),
            "customer_id": ["c1"] * n,
            "rep_id": ["r1"] * n,
            "amount": amounts,
        }
    )


def test_kpis_and_credits_refuse_infinite_amounts_in_hand_built_frames() -> None:
    # revenue would be inf and AOV inf (ratios must be NaN, never inf); the engine credited inf as 0
    with pytest.raises(DataError, match="amount.*are infinite"):
        sa.sales_kpis(_orders([10.0, np.inf]))
    with pytest.raises(DataError, match="amount is infinite"):
        order_credits(_orders([np.inf, 1.0]))
