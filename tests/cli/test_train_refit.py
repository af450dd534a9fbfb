"""What `unskew train` saves: after its held-out report, the model fitted again on every labelled
row (real subprocesses on a real CSV file)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

RECIPE = "cross_entropy+weights:inverse+threshold:f1"


def claims(path, n=600):  # type: ignore[no-untyped-def]
    """A claims table whose label depends on a category and an amount, with missing ages."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "amount": rng.lognormal(size=n),
            "channel": rng.choice(["web", "shop", "phone"], size=n),
            "age": rng.normal(40, 10, size=n),
        }
    )
    frame["is_fraud"] = np.where((frame.channel == "phone") & (frame.amount > 1.5), "yes", "no")
    frame.loc[::17, "age"] = np.nan
    frame.to_csv(path, index=False)


def train(cli, tmp_path, out, *options):  # type: ignore[no-untyped-def]
    data = tmp_path / "claims.csv"
    if not data.exists():
        claims(data)  # 600 rows
    args = (
        "train",
        str(data),
        "--target",
        "is_fraud",
        "--epochs",
        "15",
        "--out",
        str(tmp_path / out),
    )
    result = cli(*args, *options)
    assert result.returncode == 0, result.stderr
    return result, json.loads((tmp_path / out / "model.json").read_text())


def test_the_saved_model_is_fitted_on_every_row_and_says_so(tmp_path, cli):
    result, refit = train(cli, tmp_path, "refit", "--recipe", RECIPE)
    text = " ".join(result.stdout.split())
    assert "fitted on 600 rows for " in text
    assert "its decision rule re-tuned on out-of-fold scores" in text
    assert "the report above is from a model fitted on 450 rows" in text
    assert refit["n_rows"] == 600 and refit["report_model_rows"] == 450
    # the same command without the refit saves the reported model, and says that too
    result, reported = train(cli, tmp_path, "reported", "--recipe", RECIPE, "--no-refit")
    text = " ".join(result.stdout.split())
    assert "fitted on 450 rows (20% of them held out for early stopping)" in text
    assert "the report above is from this model" in text
    assert reported["n_rows"] == 450 and reported["test_report"] == refit["test_report"]
    # the decision rule: the threshold is tuned again, on out-of-fold scores of the 600 rows
    # (the reported model's was tuned on its 90 validation rows)
    assert refit["decision"]["name"] == reported["decision"]["name"] == "threshold"
    assert refit["decision"]["state"]["threshold"] != reported["decision"]["state"]["threshold"]


def test_a_meta_recipe_is_fitted_again_on_every_row(tmp_path, cli):
    result, saved = train(cli, tmp_path, "forest", "--recipe", "balanced_random_forest", "--json")
    printed = json.loads(result.stdout)
    assert printed["fitted_rows"] == saved["n_rows"] == 600
    assert printed["report_model_rows"] == saved["report_model_rows"] == 450
