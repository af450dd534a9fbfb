"""The comparison's HTML report: one self-contained file (styles inline, plots as base64 PNG).

Sections: the recommendation and its train command, the data profile, the leaderboard (one
``<tr>`` per recipe in ``<tbody id="leaderboard">``), PR and ROC curves of the top recipes against
the baseline, confusion matrices, recall per class, runtimes, failures, and the environment.
:func:`rerender` rebuilds it from the store alone.
"""

from __future__ import annotations

import base64
import html
import io
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from unskew.bench._defaults import REPORT_NAME
from unskew.bench._result import DISPLAY_METRICS, CompareResult, SuiteResult
from unskew.bench._store import Store
from unskew.bench._verdict import format_p
from unskew.exceptions import InputError

__all__ = ["REPORT_NAME", "rerender", "write_report"]

#: How many recipes besides the baseline the curves and confusion matrices show.
TOP = 3

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.l,th.l{text-align:left}
tr.best td{font-weight:600;background:#eef6ee}
.better{color:#1b7a2f}.worse{color:#b3261e}.tie{color:#777}.muted{color:#777}
pre{background:#f5f5f5;padding:.7rem;overflow-x:auto}
.box{border:1px solid #cde3cd;background:#f4faf4;padding:.8rem 1rem;border-radius:6px}
.grid{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.grid figure{margin:0}
figcaption{font-size:.85rem;color:#555}
img{max-width:100%}
.scroll{overflow-x:auto}
td.name{white-space:normal;overflow-wrap:anywhere;min-width:9rem}
.sd{display:block;font-size:.75rem;color:#777}
table.board th{white-space:normal;vertical-align:bottom}
.finding{font-weight:600}.box.warn{border-color:#e6d3a3;background:#fdf8ec}.warn .finding{color:#8a5a00}
.box.better .finding{color:#1b7a2f}.box.better{color:#222}
pre.command{white-space:pre-wrap;overflow-wrap:anywhere}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _png(fig: Any) -> str:
    """A figure as an ``<img>`` with a base64 PNG (the figure is closed)."""
    from unskew.metrics.plots import _plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", bbox_inches="tight")
    finally:
        _plt().close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _fmt(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# -- plots ---------------------------------------------------------------------------------------------
def _curve_sets(result: CompareResult, keys: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(label, positive, score)`` per recipe: binary = the minority class; multi-class =
    one-vs-rest pooled over classes (micro average)."""
    minority = int(result.dataset.get("minority", 1))
    out = []
    for key in keys:
        pooled = result.pooled(key)
        if pooled is None:
            continue
        y_true, _, proba = pooled
        if proba.shape[1] == 2:
            positive, score = y_true == minority, proba[:, minority]
        else:
            onehot = y_true[:, None] == np.arange(proba.shape[1])[None, :]
            positive, score = onehot.reshape(-1), proba.reshape(-1)
        if positive.any() and (~positive).any():
            out.append((result.label(key), positive, score.astype(np.float64)))
    return out


def _curves(result: CompareResult, keys: list[str]) -> str:
    from unskew.metrics import binary_counts
    from unskew.metrics.plots import _axes

    sets = _curve_sets(result, keys)
    if not sets:
        return '<p class="muted">no successful run to draw curves from</p>'
    binary = len(result.dataset.get("classes", [])) == 2
    what = (
        f"minority class {result.dataset['classes'][int(result.dataset.get('minority', 1))]!s}"
        if binary
        else "one-vs-rest, micro-averaged"
    )
    pr_fig, pr_ax = _axes(f"Precision-recall ({what})", (5.6, 4.4))
    roc_fig, roc_ax = _axes(f"ROC ({what})", (5.6, 4.4))
    for label, positive, score in sets:
        _, tps, fps = binary_counts(positive, score)
        precision = np.r_[1.0, tps / (tps + fps)]
        recall = np.r_[0.0, tps / tps[-1]]
        ap = float(np.sum(np.diff(recall) * precision[1:]))
        pr_ax.step(recall, precision, where="post", label=f"{label} (AP {ap:.3f})")
        tpr, fpr = np.r_[0.0, tps / tps[-1]], np.r_[0.0, fps / fps[-1]]
        roc_ax.plot(fpr, tpr, label=f"{label} (AUC {np.trapezoid(tpr, fpr):.3f})")
    prevalence = float(sets[0][1].mean())
    pr_ax.axhline(prevalence, color="grey", linestyle="--", label=f"no skill ({prevalence:.3f})")
    pr_ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle="--")
    roc_ax.set(
        xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.02)
    )
    for ax in (pr_ax, roc_ax):
        ax.legend(frameon=False, fontsize=7)
    return (
        '<div class="grid">'
        f"<figure>{_png(pr_fig)}<figcaption>test rows pooled over folds and repeats"
        "</figcaption></figure>"
        f"<figure>{_png(roc_fig)}<figcaption>test rows pooled over folds and repeats"
        "</figcaption></figure></div>"
    )


def _confusions(result: CompareResult, keys: list[str]) -> str:
    from unskew.metrics.plots import confusion_matrix_plot

    classes = result.dataset.get("classes", [])
    figures = []
    for key in keys:
        pooled = result.pooled(key)
        if pooled is None:
            continue
        y_true, y_pred, _ = pooled
        fig = confusion_matrix_plot(
            np.asarray(classes, dtype=object)[y_true],
            np.asarray(classes, dtype=object)[y_pred],
            labels=np.asarray(classes, dtype=object),
        )
        fig.axes[0].set_title(result.label(key), fontsize=10)
        figures.append(
            f"<figure>{_png(fig)}<figcaption>{_e(result.label(key))}, normalised by true "
            "class</figcaption></figure>"
        )
    return '<div class="grid">' + "".join(figures) + "</div>"


def _runtime_plot(result: CompareResult, board: list[dict[str, Any]]) -> str:
    from unskew.metrics.plots import _axes

    rows = [r for r in board if r["seconds"] is not None]
    if not rows:
        return ""
    fig, ax = _axes("Mean seconds per run", (6.5, 0.35 * len(rows) + 1.2))
    ax.barh([r["spec"] for r in rows][::-1], [r["seconds"] for r in rows][::-1], color="#3b6ea8")
    ax.set_xlabel("seconds (train + predict)")
    return _png(fig)


# -- sections ------------------------------------------------------------------------------------------
def _mean_cell(stat: dict[str, Any]) -> str:
    if stat["mean"] is None:
        return "<td>n/a</td>"
    if stat["std"] is None:
        return f"<td>{stat['mean']:.3f}</td>"
    return f"<td>{stat['mean']:.3f}<span class='sd'>±{stat['std']:.3f}</span></td>"


def _name(spec: str) -> str:
    """A recipe name that may wrap after each ``+`` (``<wbr>``), never inside a part."""
    return "+<wbr>".join(_e(part) for part in spec.split("+"))


def _verdict_cell(row: dict[str, Any]) -> str:
    vs = row["vs_baseline"]
    if row["baseline"]:
        return '<td class="l muted">baseline</td>'
    if vs is None:
        return f'<td class="l muted">{_e(row["status"])}</td>'
    return (
        f'<td class="l {_e(vs["verdict"])}">{_e(vs["verdict"])}'
        f"<span class='sd'>{_e(format_p(vs['p']))}</span></td>"
    )


def _leaderboard_html(result: CompareResult, metric: str, body_id: str) -> str:
    board = result.leaderboard(metric)
    others = [m for m in DISPLAY_METRICS if m != metric]
    head = "".join(f"<th>{_e(m).replace('_', '_<wbr>')}</th>" for m in others)
    rows = []
    for row in board:
        cells = [
            f"<td>{_e(row['rank'] or '-')}</td>",
            f'<td class="l name">{_name(row["spec"])}</td>',
            _mean_cell(row["metrics"][metric]),
            _verdict_cell(row),
            *(_mean_cell(row["metrics"][m]) for m in others),
            f"<td>{_fmt(row['seconds'], 2)}</td>",
            f"<td>{row['runs']}/{row['runs'] + row['errors'] + row['skipped']}</td>",
        ]
        cls = ' class="best"' if row["rank"] == 1 else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (
        '<div class="scroll"><table class="board"><thead><tr><th>#</th>'
        f'<th class="l">recipe</th><th>{_e(metric)} &#9660;</th><th class="l">vs baseline</th>'
        f"{head}<th>s/run</th><th>ok runs</th></tr></thead>"
        f'<tbody id="{_e(body_id)}">{"".join(rows)}</tbody></table></div>'
        '<p class="muted">mean, and below it ± the standard deviation over folds and repeats; '
        '"vs baseline" is the corrected resampled t-test (Nadeau &amp; Bengio 2003) of the paired '
        "fold scores at alpha 0.05.</p>"
    )


def _profile_html(result: CompareResult) -> str:
    from unskew.metrics.plots import class_distribution

    d = result.dataset
    counts = np.asarray(d.get("class_counts", []), dtype=float)
    total = counts.sum() or 1.0
    rows = "".join(
        f'<tr><td class="l">{_e(c)}</td><td>{int(n):,}</td><td>{n / total:.1%}</td></tr>'
        for c, n in zip(d.get("classes", []), counts, strict=False)
    )
    ratio = counts.max() / counts[counts > 0].min() if len(counts) else float("nan")
    facts = (
        f"<p>{_e(d.get('name'))}: {int(d.get('n_rows', 0)):,} rows, "
        f"{_e(d.get('n_features'))} features ({_e(d.get('modality'))}), "
        f"{len(counts)} classes, imbalance ratio {ratio:.2f}"
        + (f", test split of {int(d['test_rows']):,} rows" if d.get("test_rows") else "")
        + "</p>"
    )
    plot = _png(class_distribution(d.get("classes", []), counts)) if len(counts) else ""
    return (
        facts + '<div class="grid"><table><thead><tr><th class="l">class</th><th>rows</th>'
        f"<th>share</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<figure>{plot}</figure></div>"
    )


def _per_class_html(result: CompareResult, board: list[dict[str, Any]]) -> str:
    classes = result.dataset.get("classes", [])
    head = "".join(f"<th>{_e(c)}</th>" for c in classes)
    rows = []
    for row in board:
        recalls = [r.per_class.get("recall") for r in result.runs_of(row["recipe"])]
        recalls = [r for r in recalls if r and len(r) == len(classes)]
        if not recalls:
            continue
        mean = np.mean(np.asarray(recalls, dtype=float), axis=0)
        cells = "".join(f"<td>{v:.3f}</td>" for v in mean)
        rows.append(f'<tr><td class="l name">{_name(row["spec"])}</td>{cells}</tr>')
    return (
        f'<table><thead><tr><th class="l">recipe</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="muted">recall of each class on the test folds, mean over folds and '
        "repeats.</p>"
    )


def _failures_html(result: CompareResult, board: list[dict[str, Any]]) -> str:
    items = [
        f"<li><b>{_e(r['spec'])}</b> ({_e(r['status'])}, {r['errors']} failed, "
        f"{r['skipped']} skipped): <code>{_e(r['error'])}</code></li>"
        for r in board
        if r["error"]
    ]
    if result.not_run:
        items.append(f"<li>{result.not_run} runs did not fit in the time budget</li>")
    return f"<ul>{''.join(items)}</ul>" if items else "<p>every run succeeded.</p>"


def _environment_html(result: CompareResult) -> str:
    env = dict(result.options.get("environment") or {})
    options = {
        k: result.options.get(k)
        for k in ("model", "epochs", "params", "cv", "folds", "repeats", "seed", "split", "metric")
    }
    rows = "".join(
        f'<tr><td class="l">{_e(k)}</td><td class="l">{_e(v)}</td></tr>'
        for k, v in [*env.items(), *options.items()]
    )
    return (
        f"<table><tbody>{rows}</tbody></table>"
        f'<p class="muted">dataset fingerprint {_e(result.fingerprint)}</p>'
    )


def _dataset_sections(result: CompareResult, metric: str, body_id: str, level: int = 2) -> str:
    board = result.leaderboard(metric)
    ranked = [r["recipe"] for r in board if r["rank"] is not None]
    top = [k for k in ranked if k != result.baseline][:TOP]
    shown = top + ([result.baseline] if result.baseline in ranked else [])
    rec = result.recommendation(metric)
    said = result.verdict(metric)
    h = f"h{level}"
    finding = "better" if said["significant"] else "warn"
    box = (
        f'<div class="box {finding}"><p class="finding">{_e(said["finding"])}</p>'
        f"<p>{_e(said['advice'])}</p>"
        + (
            ""
            if rec is None
            else '<p class="muted">Train it on the whole dataset:</p>'
            f"<pre class='command'><code>{_e(rec['train_command'])}</code></pre>"
        )
        + "</div>"
    )
    return "".join(
        [
            box,
            f"<{h}>Data</{h}>",
            _profile_html(result),
            f"<{h}>Leaderboard</{h}>",
            _leaderboard_html(result, metric, body_id),
            f"<{h}>Curves: top recipes against the baseline</{h}>",
            _curves(result, shown),
            f"<{h}>Confusion matrices</{h}>",
            _confusions(result, list(dict.fromkeys([*ranked[:1], *shown[-1:]]))),
            f"<{h}>Recall per class</{h}>",
            _per_class_html(result, board),
            f"<{h}>Runtimes</{h}>",
            _runtime_plot(result, board),
            f"<{h}>Failures and skipped recipes</{h}>",
            _failures_html(result, board),
            f"<{h}>Environment and options</{h}>",
            _environment_html(result),
        ]
    )


def _suite_sections(suite: SuiteResult) -> str:
    ranking = suite.ranking()
    matrix, keys, names = suite.score_matrix()
    order = sorted(keys, key=lambda k: ranking["mean_ranks"][k])
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows = "".join(
        f'<tr><td class="l name">{_name(suite.results[0].label(k))}</td>'
        f"<td>{ranking['mean_ranks'][k]:.2f}</td>"
        + "".join(f"<td>{matrix[i, keys.index(k)]:.3f}</td>" for i in range(len(names)))
        + "</tr>"
        for k in order
    )
    parts = [
        "<h2>Ranking across datasets</h2>",
        f'<div class="scroll"><table><thead><tr><th class="l">recipe</th><th>mean rank</th>'
        f'{head}</tr></thead><tbody id="leaderboard">{rows}</tbody></table></div>',
    ]
    f = ranking.get("friedman")
    if f is not None:
        parts.append(
            f"<p>Friedman chi-square {f['statistic']:.2f} (p={f['p']:.3g}); Nemenyi critical "
            f"difference {ranking['cd']:.2f} at alpha 0.05 (Demšar 2006).</p>"
        )
        parts.append(f"<figure>{_png(suite.cd_diagram())}</figure>")
    for i, (name, result) in enumerate(zip(suite.dataset_names(), suite.results, strict=True)):
        parts.append(f"<h2>{_e(name)}</h2>")
        parts.append(_dataset_sections(result, suite.metric, f"leaderboard-{i + 1}", level=3))
    return "".join(parts)


def write_report(
    result: CompareResult | SuiteResult, path: str | os.PathLike[str] | None = None
) -> Path:
    """Write the HTML report of ``result`` to ``path`` (default: ``result.report_path()``,
    ``report.html`` in the comparison's folder, or ``report-<metric>.html`` when the folder was
    first ranked by another metric), atomically, and return the path.

    The file is self-contained: no external scripts, styles, fonts or images (plots are embedded as
    base64 PNG), so it can be mailed or archived as it is.

    Examples
    --------
    >>> import tempfile
    >>> from unskew.bench import run_grid
    >>> from unskew.datasets import seed_example
    >>> result = run_grid(seed_example(), ["focal"], cv=2, epochs=1, params={"hidden": (8,)},
    ...                   progress=False)
    >>> write_report(result, tempfile.mkdtemp() + "/report.html").read_text().count("<tr")  > 2
    True
    """
    if path is None:
        if result.out is None:
            raise InputError("the result was not stored; pass path= to write the report")
        path = result.report_path()
    path = Path(path)
    if isinstance(result, SuiteResult):
        title = f"unskew compare: {len(result.results)} datasets"
        body = _suite_sections(result)
    else:
        title = f"unskew compare: {result.dataset.get('name')}"
        body = _dataset_sections(result, result.metric, "leaderboard")
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class='muted'>written {_e(time.strftime('%Y-%m-%d %H:%M'))}"
        "</p>"
        f"{body}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(document, encoding="utf-8")
    os.replace(tmp, path)
    return path


def rerender(folder: str | os.PathLike[str], metric: str | None = None) -> Path:
    """Rebuild the report of ``folder`` from ``folder/results.sqlite`` alone (after a resumed or
    interrupted comparison, or to rank by another ``metric``: then ``report-<metric>.html``,
    leaving ``report.html`` as it is); a store holding several datasets gives the suite report.
    Returns the report's path.
    """
    folder = Path(folder)
    with Store.open_existing(folder) as store:
        fingerprints = store.fingerprints()
        if not fingerprints:
            raise InputError(f"{folder / 'results.sqlite'} holds no comparison yet")
        results = [CompareResult.from_store(store, f, out=folder) for f in fingerprints]
    if metric is not None:
        for r in results:
            r.options["metric"] = metric
    report: CompareResult | SuiteResult
    if len(results) == 1:
        report = results[0]
    else:
        report = SuiteResult(results, metric=metric or results[0].metric, out=folder)
    return write_report(report, report.report_path())
