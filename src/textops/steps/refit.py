"""refit: the sweep's best few candidates re-judged on the full training set, the winner refitted.

The sweep ranks its candidates on a subset with a cleaning fixed in advance.
Here its ``top_k`` are cross-validated on the whole training set under each
cleaning choice: the cleaned text with the sweep's TF-IDF settings, and the raw
text with no stop-word list and no document-frequency cut (stop words, numbers
and case can carry the class), so both the model and the cleaning are chosen
by the training data alone. The winner is fitted on all of train,
scored on the test part, exported to ONNX (checked against scikit-learn) and
handed to ``train``, whose gate weighs it against the network and the champion.
Candidates without a linear form (k nearest neighbours, forests) cannot be
served through ONNX, so they are not refitted.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ByteSize, Field

from textops.errors import ModelError
from textops.models.metrics import LabelMetric
from textops.records import CleanedData, Leaderboard, ModelRef, Record
from textops.steps.base import StepContext, StepParams, step
from textops.steps.common import scope_parts

if TYPE_CHECKING:
    from textops.models.candidates import CandidateSpec
    from textops.models.features import TfidfSettings
    from textops.models.selection import Choice, Contender, FitOptions

CleaningChoice = Literal["configured", "raw"]
_CHOICES: tuple[CleaningChoice, ...] = ("configured", "raw")
_NOT_LINEAR = ("sklearn.neighbors.KNeighborsClassifier", "sklearn.ensemble.RandomForestClassifier")


class Params(StepParams):
    """How many of the sweep's best are re-judged, on how many folds, under which cleanings."""

    top_k: int = Field(3, ge=1, le=15, description="the sweep's best candidates re-judged")
    also: list[str] = Field(
        default_factory=lambda: ["linear_svc_l2"],
        description="candidates re-judged whatever their rank on the subset, when they fitted "
        "(the default is the plain TF-IDF + LinearSVC every pipeline should at least match)",
    )
    prefer: str | None = Field(
        "linear_svc_l2@raw", pattern=r"^[a-z0-9_]+@(configured|raw)$",
        description="candidate@cleaning kept unless another beats it by more than one standard "
        "error of the folds (the default is the plain reference); null: the best mean wins",
    )
    folds: int = Field(3, ge=2, le=10, description="stratified folds of the training set "
                       "(rows sharing a text stay in one fold)")
    cleaning: list[CleaningChoice] = Field(
        default_factory=lambda: list(_CHOICES), min_length=1,
        description="configured: the clean step's text; raw: the text as ingested",
    )
    metric: LabelMetric | None = Field(
        "f1_macro", description="what the folds are judged on (the gate's default figure); "
        "null: the sweep's ranking metric",
    )
    seed: int = 0
    memory_limit: ByteSize | None = Field(ByteSize(4 * 2**30), description="per fit")
    atol: float = Field(1e-6, gt=0, description="ONNX against scikit-learn, per score")


@step("refit", outputs={"model": ModelRef}, compute="cluster", environment="sklearn",
      data="full")
def refit(
    ctx: StepContext, params: Params, *, cleaned: CleanedData, leaderboard: Leaderboard
) -> dict[str, Record]:
    """Cross-validate the sweep's best on full train, refit the winner, export it to ONNX."""
    from textops.models.candidates import CandidateSpec
    from textops.models.features import TfidfSettings
    from textops.models.selection import FitOptions, choose, cross_validate

    ranked = [CandidateSpec.model_validate(s) for s in leaderboard.ranking]
    linear = [s for s in ranked if _is_linear(s)]
    specs = linear[: params.top_k] + [
        s for s in linear[params.top_k:]
        if s.name in params.also or s.name == (_preferred(params) or ("",))[0]
    ]
    if not specs:
        raise ModelError(
            "the sweep has no fitted candidate with a linear form to refit "
            f"(ranking: {[s['name'] for s in leaderboard.ranking] or 'empty'})",
            hint="check the sweep's failures, or remove the refit step",
        )
    configured = TfidfSettings.model_validate(leaderboard.tfidf)
    choices, labels = _choices(ctx, cleaned, params, configured=configured)
    options = FitOptions(metric=params.metric or leaderboard.metric, seed=params.seed,
                         memory_limit=params.memory_limit)
    contest = cross_validate(choices, labels, specs, ctx.executor, folds=params.folds,
                             options=options)
    if not contest[0].fold_scores:
        raise ModelError(f"no refit candidate fitted: {contest[0].errors[:1]}")
    verdict = choose(contest, prefer=_preferred(params))
    _report(ctx, contest, cleaned=cleaned, metric=options.metric, chosen=verdict.winner)
    winner = verdict.winner
    spec = next(s for s in specs if s.name == winner.candidate)
    model = _fit_and_export(ctx, params, spec, winner, options=options, cleaned=cleaned,
                            tfidf=choices[winner.cleaning].tfidf)
    return {"model": model.model_copy(
        update={"selection": {**model.selection, "reason": verdict.reason}})}


def _preferred(params: Params) -> tuple[str, str] | None:
    if params.prefer is None:
        return None
    candidate, cleaning = params.prefer.split("@")
    return candidate, cleaning


def _is_linear(spec: CandidateSpec) -> bool:
    classes = [spec.estimator, *(step.estimator for step in spec.steps or [])]
    return not any(name in _NOT_LINEAR for name in classes if name)


def _choices(
    ctx: StepContext, cleaned: CleanedData, params: Params, *, configured: TfidfSettings
) -> tuple[dict[str, Choice], list[Any]]:
    """The training texts under each cleaning choice (one row order), and their labels."""
    from textops.models.selection import Choice

    part = scope_parts(ctx.scope)[0]
    frame = ctx.catalog.load(cleaned, part=part)
    raw = configured.model_copy(update={"stop_words": None, "max_df": 1.0})
    choices: dict[str, Choice] = {}
    for choice in params.cleaning:
        if choice == "configured":
            choices[choice] = Choice(frame["text"].to_list(), configured)
        else:
            source = ctx.catalog.dataset(cleaned.dataset, part)
            choices[choice] = Choice(source["text"].to_list(), raw)
    return choices, frame["label"].to_list()


def _fit_and_export(
    ctx: StepContext, params: Params, spec: CandidateSpec, winner: Contender, *,
    options: FitOptions, cleaned: CleanedData, tfidf: TfidfSettings,
) -> ModelRef:
    """The winner on all of train, scored on the test part, exported with a parity check."""
    from textops.models.features import build_features
    from textops.models.fitting import fit_candidate
    from textops.models.linear_export import export_linear

    fit_part, eval_part = scope_parts(ctx.scope)
    use_cleaned = winner.cleaning == "configured"
    train, test = (ctx.catalog.load(cleaned, part=p) if use_cleaned
                   else ctx.catalog.dataset(cleaned.dataset, p) for p in (fit_part, eval_part))
    features = build_features(train["text"].to_numpy(), train["label"].to_numpy(),
                              test["text"].to_numpy(), test["label"].to_numpy(),
                              settings=tfidf)
    result = ctx.executor.submit(  # scattered: a cluster's graph would carry tens of MB
        fit_candidate, spec, ctx.executor.scatter(features), seed=options.seed,
        memory_limit=options.memory_limit, save_skops=False,
    ).result()
    if result["status"] != "ok":
        raise ModelError(f"refitting {spec.name!r} on the full training set failed: "
                         f"{result.get('error')}")
    exported = export_linear(pickle.loads(result["pipeline_pickle"]), test["text"].to_list(),
                             atol=params.atol)
    ctx.catalog.save_model(ctx.out, family="linear", graph=exported.model,
                           inputs=exported.featurizer.to_dict())
    metrics = {k: float(v) for k, v in result["metrics"].items()}
    ctx.tracker.log(params={"chosen_estimator": spec.name, "chosen_cleaning": winner.cleaning},
                    metrics={**{f"test_{k}": v for k, v in metrics.items()},
                             **exported.summary(), f"cv_{options.metric}": winner.mean})
    return ModelRef(
        location=ctx.out.location, device="cpu", metrics=metrics,
        onnx_parity_max_abs_diff=exported.max_abs_diff, labels=list(exported.labels),
        family="linear", estimator=spec.name, confusion=result.get("confusion"),
        cleaning=cleaned.settings if use_cleaned else None,
        selection={"metric": options.metric, "cleaning": winner.cleaning,
                   "cv_mean": winner.mean, "cv_folds": list(winner.fold_scores),
                   "scores": exported.scores},
    )


def _report(ctx: StepContext, contest: list[Contender], *, cleaned: CleanedData,
            metric: str, chosen: Contender) -> None:
    import pandas as pd

    ctx.report("refit", pd.DataFrame([
        {"rank": rank, "candidate": c.candidate, "cleaning": c.cleaning, "metric": metric,
         "cv_mean": c.mean if c.fold_scores else None, "folds": len(c.fold_scores),
         "error": c.errors[0] if c.errors else None, "chosen": c is chosen,
         "dataset_name": cleaned.dataset.name, "dataset_version": cleaned.dataset.version}
        for rank, c in enumerate(contest, start=1)
    ]))
