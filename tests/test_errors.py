import numpy as np
import pandas as pd

from sales_analytics.errors import (
    ConfigError,
    DataError,
    DataProblem,
    SalesAnalyticsError,
    format_rows,
    problem_at_rows,
)


def test_data_error_lists_every_problem():
    err = DataError(
        [
            DataProblem(
                "orders.csv",
                "2 rows are not numbers",
                column="amount",
                rows=(4, 9),
                expected="a number",
                found="abc",
            ),
            DataProblem("reps.csv", "required column missing", column="team"),
        ]
    )
    text = str(err)
    assert text.startswith("2 problems in the input data:")
    assert (
        "orders.csv, column 'amount': 2 rows are not numbers (rows 4, 9). Expected a number, found 'abc'."
        in text
    )
    assert "reps.csv, column 'team': required column missing." in text
    assert isinstance(err, SalesAnalyticsError)


def test_row_lists_are_capped_with_a_count():
    p = DataProblem("f.csv", "bad dates", column="d", rows=(1, 2, 3, 4, 5), count=12)
    assert "(rows 1, 2, 3, 4, 5; 12 in all)" in str(p)
    assert format_rows(range(1, 8)) == "rows 1, 2, 3, 4, 5 … (7 rows)"


def test_config_error_names_file_and_key():
    err = ConfigError("parameters/x.yaml", "a.b", "must be positive")
    assert str(err) == "parameters/x.yaml, key 'a.b': must be positive."
    assert err.key == "a.b"


def test_problem_at_rows_counts_all_and_names_the_first_rows_and_value():
    values = pd.Series(["ok", "x1", "ok", "x2", "x3", "x4", "x5", "x6", "x7"])
    p = problem_at_rows(
        "feedback", "unknown status", values.str.startswith("x"), column="status", values=values
    )
    assert (p.rows, p.count, p.found) == ((2, 4, 5, 6, 7), 7, "x1")
    assert str(p) == "feedback, column 'status': unknown status (rows 2, 4, 5, 6, 7; 7 in all). Found 'x1'."
    q = problem_at_rows("t", "no time", np.array([False, True]), values=np.array(["a", "b"]))
    assert (q.rows, q.count, q.found) == ((2,), 1, "b")
