"""Writes notebooks/*.ipynb (their source of truth; edit here, then: /usr/bin/python3 notebooks/tools/make_notebooks.py).

Notebooks are JSON; keeping their cells in one Python file makes review and diffs readable."""
import os

import nbformat as nbf

def nb(cells):
    n = nbf.v4.new_notebook()
    n.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    n.cells = [nbf.v4.new_markdown_cell(c[1]) if c[0] == "md" else nbf.v4.new_code_cell(c[1]) for c in cells]
    return n

setup = '''import os, sys
sys.path.insert(0, os.path.abspath("."))  # mp.py sits next to the notebooks
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from mp import query, modelpress, RESULTS
print("results:", RESULTS)'''

frontier = nb([
("md", """# Exploring a sweep's frontier and picking a model

Reads the newest sweep run under the results root (`MODELPRESS_RESULTS`, or set `RUN_ID` below), plots
accuracy against encoded size and against measured batch-1 latency with the frontier highlighted, and
picks the model to deploy under constraints, in pandas and with `modelpress select`."""),
("code", setup),
("code", '''RUN_ID = os.environ.get("MODELPRESS_RUN_ID")
if not RUN_ID:
    runs = query("select run_id, name, started_at from modelpress.runs where objectives like '%encoded_bytes%' "
                 "order by started_at desc")
    RUN_ID = runs.run_id.iloc[0]
trials = query(f"""select trial_id, method, accuracy, accuracy_drop, encoded_bytes, compression_ratio,
  latency_b1_p50_ms, latency_b1_p95_ms, latency_noisy, pareto_rank, spec_json = '{{"steps":[]}}' as is_base
  from modelpress.trials where run_id = '{RUN_ID}' and status = 'ok'""")
print(RUN_ID, len(trials), "successful trials,", int((trials.pareto_rank == 0).sum()), "on the frontier")
assert len(trials) > 0 and (trials.pareto_rank == 0).any()
trials.sort_values("accuracy", ascending=False).head(10)'''),
("code", '''fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, x, label in [(axes[0], trials.encoded_bytes / 1024, "encoded size (KB, log scale)"),
                     (axes[1], trials.latency_b1_p50_ms * 1000, "measured latency, batch 1, p50 (µs, log scale)")]:
    front = trials.pareto_rank == 0
    for method, g in trials[~front].groupby("method"):
        ax.scatter(x[g.index], 100 * g.accuracy, alpha=0.3, s=18, label=f"{method} (dominated)")
    ax.scatter(x[front], 100 * trials.accuracy[front], c="tab:red", s=30, label="frontier (accuracy, size, latency)")
    base = trials.is_base
    ax.scatter(x[base], 100 * trials.accuracy[base], marker="*", s=220, c="black", label="base model")
    ax.set_xscale("log"); ax.set_xlabel(label); ax.set_ylabel("top-1 accuracy (%)")
    ax.set_ylim(max(0, 100 * trials.accuracy.min() - 2), 100 * trials.accuracy.max() + 1)
    ax.grid(True, alpha=0.3)
axes[0].legend(loc="lower right", fontsize=8)
fig.suptitle(f"run {RUN_ID}: faded points are dominated trials")
plt.tight_layout(); plt.show()'''),
("md", """## Picking a model under constraints

The most accurate trial at most `MAX_KB` encoded and at most `MAX_DROP_POINTS` below the base, computed
here in pandas (ties broken by measured latency, then size), then asked of `modelpress select --device
measured`, which orders the same way: both must agree."""),
("code", '''MAX_KB, MAX_DROP_POINTS = 40, 2.0
ok = trials[(trials.encoded_bytes <= MAX_KB * 1024) & (trials.accuracy_drop <= MAX_DROP_POINTS / 100 + 1e-9)]
pick = ok.sort_values(["accuracy", "latency_b1_p50_ms", "encoded_bytes", "trial_id"],
                      ascending=[False, True, True, True]).iloc[0]
print("pandas picks", pick.trial_id, pick.method, f"{100 * pick.accuracy:.2f} %", pick.encoded_bytes, "bytes")
code, out = modelpress("select", "--run-id", RUN_ID, "--results", RESULTS, "--device", "measured",
                       "--max-size-kb", str(MAX_KB), "--max-accuracy-drop", str(MAX_DROP_POINTS))
print(out)
assert code == 0 and pick.trial_id in out, "select and pandas disagree"'''),
("md", """## Per device

Estimated batch-1 latency of the frontier trials on every device profile (`conf/devices.yaml`; these are
roofline **estimates**, not measurements)."""),
("code", '''est = query(f"""select device, trial_id, accuracy, encoded_bytes, est_latency_ms, est_energy_uj, fits,
  on_device_frontier from modelpress.device_estimates where run_id = '{RUN_ID}'""")
assert len(est) > 0
summary = est[est.fits].groupby("device").agg(trials=("trial_id", "count"), frontier=("on_device_frontier", "sum"),
    best_accuracy=("accuracy", "max"), fastest_ms=("est_latency_ms", "min"))
summary'''),
])

sensitivity = nb([
("md", """# Sensitivity heat map

How much accuracy each layer loses when it alone is pruned or quantized, from the newest sensitivity run
(`modelpress sensitivity`): mean drop over the bootstrap resamples, in points, layer × level."""),
("code", setup),
("code", '''RUN_ID = os.environ.get("MODELPRESS_SENSITIVITY_RUN_ID")
if not RUN_ID:
    RUN_ID = query("select distinct run_id, started_at from modelpress.sensitivity_summary s join modelpress.runs r "
                   "using (run_id) order by started_at desc").run_id.iloc[0]
summary = query(f"""select layer, method, level, mean_drop, ci95_low, ci95_high, seeds
  from modelpress.sensitivity_summary where run_id = '{RUN_ID}' and kind = 'single'""")
print(RUN_ID, len(summary), "cells")
assert len(summary) > 0
summary.head()'''),
("code", '''methods = sorted(summary.method.unique())
fig, axes = plt.subplots(1, len(methods), figsize=(6 * len(methods), 3.2), squeeze=False)
for ax, m in zip(axes[0], methods):
    grid = summary[summary.method == m].pivot(index="layer", columns="level", values="mean_drop") * 100
    im = ax.imshow(grid.values, cmap="Reds", aspect="auto", vmin=0, vmax=max(1, grid.values.max()))
    ax.set_xticks(range(len(grid.columns)), [f"{c:g}" for c in grid.columns])
    ax.set_yticks(range(len(grid.index)), grid.index)
    ax.set_xlabel("bits" if "uniform" in m or "kmeans" in m else "sparsity")
    ax.set_title(f"{m}: mean accuracy drop (points)")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            ax.text(j, i, f"{grid.values[i, j]:.1f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax)
plt.tight_layout(); plt.show()'''),
("code", '''# the most sensitive layer per method at its highest level, with its 95 % interval
top = summary.loc[summary.groupby("method")["level"].transform("max") == summary["level"]]
top.sort_values("mean_drop", ascending=False)'''),
])

history = nb([
("md", """# Nightly history

Every night of one nightly config (`modelpress nightly`; the same `name`, run ids `<name>-yyyyMMdd`): the
frontier's hypervolume relative to the base model and the best accuracy within a few size budgets, night
by night, with the nights that brought a new model version marked, then what each night's diff against the
night before (`nightly_diff`) says: moves of the summary metrics and the regressions that set exit code 3.
Runs of a plain sweep config work too (`MODELPRESS_SWEEP_NAME`), placed by when they started."""),
("code", setup),
("code", '''NAME = os.environ.get("MODELPRESS_SWEEP_NAME")
runs = query("select run_id, name, started_at, hypervolume, base_accuracy, trials_ok, trials_failed, model_fingerprint "
             "from modelpress.runs where hypervolume is not null order by started_at")
try:
    diff = query("select * from modelpress.nightly_diff")
except Exception as e:  # a results root without nightly runs has no nightly_diff table
    print("no nightly_diff:", str(e)[:200])
    diff = pd.DataFrame(columns=["run_id", "previous_run_id", "kind", "metric", "previous_value", "current_value",
                                 "delta", "regression", "trial_id"])
if not NAME:  # the newest nightly config, else the newest sweep config
    nightly = runs[runs.run_id.isin(diff.run_id)]
    NAME = (nightly if len(nightly) else runs).name.iloc[-1]
runs = runs[runs.name == NAME].copy()
# a nightly run's date is in its id; other runs are placed by when they started
dates = runs.run_id.str.extract(r"-(\d{8})$")[0]
runs["night"] = pd.to_datetime(dates, format="%Y%m%d") if dates.notna().all() else pd.to_datetime(runs.started_at)
runs = runs.sort_values("night").reset_index(drop=True)
runs["new_model"] = runs.model_fingerprint != runs.model_fingerprint.shift()
runs.loc[0, "new_model"] = False
print(NAME, len(runs), "runs")
assert len(runs) >= 2, "a history needs two runs of one config"
runs[["run_id", "night", "hypervolume", "base_accuracy", "trials_ok", "trials_failed", "new_model"]]'''),
("code", '''BUDGETS_KB = [8, 16, 32, 64]
ids = ", ".join(f"'{r}'" for r in runs.run_id)
trials = query(f"select run_id, accuracy, encoded_bytes from modelpress.trials where status = 'ok' and run_id in ({ids})")
best = pd.DataFrame({f"<= {b} KB": trials[trials.encoded_bytes <= b * 1024].groupby("run_id").accuracy.max()
                     for b in BUDGETS_KB}).reindex(runs.run_id)
best.index = runs.night.dt.strftime("%Y-%m-%d")
best'''),
("code", '''fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4))
a.plot(runs.night, runs.hypervolume, marker="o")
a.set_title(f"{NAME}: hypervolume relative to the base"); a.set_ylabel("hypervolume (relative to the base model)")
for col in best.columns:
    b.plot(runs.night, 100 * best[col].values, marker="o", label=col)
b.set_title("best accuracy within a size budget (encoded size)"); b.set_ylabel("top-1 accuracy (%)")
b.legend(fontsize=8)
import matplotlib.dates as mdates
span_days = (runs.night.max() - runs.night.min()).days
for ax in (a, b):
    for night in runs.night[runs.new_model]:
        ax.axvline(night, color="grey", linestyle="--", linewidth=1)
    ax.xaxis.set_major_locator(mdates.DayLocator() if span_days <= 14 else mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.set_xlabel("night (dashed line: a new model version)")
    ax.grid(True, alpha=0.3); ax.tick_params(axis="x", rotation=30)
plt.tight_layout(); plt.show()'''),
("md", """## What each night's diff says

`nightly_diff` rows of these nights: how many of each kind (frontier trials gained and lost, trials that got
worse or better, a new model or dataset version), the summary metrics' moves against the night before, then
every row flagged as a regression beyond the config's `nightly:` limits (empty when no night regressed)."""),
("code", '''night_diff = diff[diff.run_id.isin(runs.run_id)]
if runs.run_id.isin(diff.run_id).any():  # nightly runs: every night after the first has its diff
    assert set(night_diff.run_id) == set(runs.run_id[1:]), (set(night_diff.run_id), list(runs.run_id))
print(night_diff.groupby(["run_id", "kind"]).size().unstack(fill_value=0))
night_diff[night_diff.kind == "summary"].pivot_table(index="run_id", columns="metric", values="delta")'''),
("code", '''night_diff[night_diff.regression.astype(str).str.lower() == "true"][
    ["run_id", "kind", "metric", "trial_id", "previous_value", "current_value", "delta"]]'''),
])

for name, n in [("frontier", frontier), ("sensitivity", sensitivity), ("history", history)]:
    nbf.write(n, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", f"{name}.ipynb"))
