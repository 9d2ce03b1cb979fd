"""Which scikit-learn classifiers the sweep knows, and the parameter values each accepts.

Generated from scikit-learn's own ``_parameter_constraints`` by
``python tests/support/sklearn_table.py`` (the kinds are described in
:mod:`textops.models.param_check`); ``tests/unit/models/test_candidates.py``
checks that it equals the installed scikit-learn's. Candidates of other
classes, or any class when the installed scikit-learn is not
:data:`SKLEARN_VERSION`, are checked by importing and building them instead.
"""

from __future__ import annotations

from textops.models.param_check import Accepts

__all__ = ["ESTIMATOR_PARAMS", "SKLEARN_VERSION"]

# fmt: off
SKLEARN_VERSION = "1.9.1"

ESTIMATOR_PARAMS: dict[str, tuple[bool, dict[str, tuple[Accepts, ...]]]] = {
    "sklearn.ensemble.ExtraTreesClassifier": (True, {
        "bootstrap": (("bool",),),
        "ccp_alpha": (("real", 0.0, None, "left"),),
        "class_weight": (
            ("str", ("balanced", "balanced_subsample")),
            ("dict",),
            ("list",),
            ("none",),
        ),
        "criterion": (("str", ("entropy", "gini", "log_loss")),),
        "max_depth": (("int", 1, None, "left"), ("none",)),
        "max_features": (
            ("int", 1, None, "left"),
            ("float", 0.0, 1.0, "right"),
            ("str", ("log2", "sqrt")),
            ("none",),
        ),
        "max_leaf_nodes": (("int", 2, None, "left"), ("none",)),
        "max_samples": (("none",), ("float", 0.0, None, "neither"), ("int", 1, None, "left")),
        "min_impurity_decrease": (("real", 0.0, None, "left"),),
        "min_samples_leaf": (("int", 1, None, "left"), ("float", 0.0, 1.0, "neither")),
        "min_samples_split": (("int", 2, None, "left"), ("float", 0.0, 1.0, "right")),
        "min_weight_fraction_leaf": (("real", 0.0, 0.5, "both"),),
        "monotonic_cst": (("array",), ("none",)),
        "n_estimators": (("int", 1, None, "left"),),
        "n_jobs": (("int", None, None, "neither"), ("none",)),
        "oob_score": (("bool",), ("callable",)),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "verbose": (("int", 0, None, "left"), ("bool",)),
        "warm_start": (("bool",),),
    }),
    "sklearn.ensemble.RandomForestClassifier": (True, {
        "bootstrap": (("bool",),),
        "ccp_alpha": (("real", 0.0, None, "left"),),
        "class_weight": (
            ("str", ("balanced", "balanced_subsample")),
            ("dict",),
            ("list",),
            ("none",),
        ),
        "criterion": (("str", ("entropy", "gini", "log_loss")),),
        "max_depth": (("int", 1, None, "left"), ("none",)),
        "max_features": (
            ("int", 1, None, "left"),
            ("float", 0.0, 1.0, "right"),
            ("str", ("log2", "sqrt")),
            ("none",),
        ),
        "max_leaf_nodes": (("int", 2, None, "left"), ("none",)),
        "max_samples": (("none",), ("float", 0.0, None, "neither"), ("int", 1, None, "left")),
        "min_impurity_decrease": (("real", 0.0, None, "left"),),
        "min_samples_leaf": (("int", 1, None, "left"), ("float", 0.0, 1.0, "neither")),
        "min_samples_split": (("int", 2, None, "left"), ("float", 0.0, 1.0, "right")),
        "min_weight_fraction_leaf": (("real", 0.0, 0.5, "both"),),
        "monotonic_cst": (("array",), ("none",)),
        "n_estimators": (("int", 1, None, "left"),),
        "n_jobs": (("int", None, None, "neither"), ("none",)),
        "oob_score": (("bool",), ("callable",)),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "verbose": (("int", 0, None, "left"), ("bool",)),
        "warm_start": (("bool",),),
    }),
    "sklearn.feature_selection.SelectFromModel": (False, {
        "estimator": (("estimator",),),
        "importance_getter": (("str", None), ("callable",)),
        "max_features": (("int", 0, None, "left"), ("callable",), ("none",)),
        "norm_order": (
            ("int", None, -1, "right"),
            ("int", 1, None, "left"),
            ("among", (-float("inf"), float("inf"))),
        ),
        "prefit": (("bool",),),
        "threshold": (("real", None, None, "both"), ("str", None), ("none",)),
    }),
    "sklearn.feature_selection.SelectKBest": (False, {
        "k": (("str", ("all",)), ("int", 0, None, "left")),
        "score_func": (("callable",),),
    }),
    "sklearn.linear_model.LogisticRegression": (True, {
        "C": (("real", 0, None, "right"),),
        "class_weight": (("dict",), ("str", ("balanced",)), ("none",)),
        "dual": (("bool",),),
        "fit_intercept": (("bool",),),
        "intercept_scaling": (("real", 0, None, "neither"),),
        "l1_ratio": (("real", 0, 1, "both"), ("none",)),
        "max_iter": (("int", 0, None, "left"),),
        "n_jobs": (("none",), ("int", None, None, "neither")),
        "penalty": (("str", ("elasticnet", "l1", "l2")), ("none",), ("str", ("deprecated",))),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "solver": (
            ("str", ("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga")),
        ),
        "tol": (("real", 0, None, "left"),),
        "verbose": (("int", 0, None, "left"), ("bool",)),
        "warm_start": (("bool",),),
    }),
    "sklearn.linear_model.Perceptron": (True, {
        "alpha": (("real", 0, None, "left"),),
        "class_weight": (("str", ("balanced",)), ("dict",), ("none",)),
        "early_stopping": (("bool",),),
        "eta0": (("real", 0, None, "neither"),),
        "fit_intercept": (("bool",),),
        "l1_ratio": (("real", 0, 1, "both"),),
        "max_iter": (("int", 1, None, "left"),),
        "n_iter_no_change": (("int", 1, None, "left"),),
        "n_jobs": (("int", None, None, "neither"), ("none",)),
        "penalty": (("str", ("elasticnet", "l1", "l2")), ("none",)),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "shuffle": (("bool",),),
        "tol": (("real", 0, None, "left"), ("none",)),
        "validation_fraction": (("real", 0, 1, "neither"),),
        "verbose": (("int", 0, None, "left"), ("bool",)),
        "warm_start": (("bool",),),
    }),
    "sklearn.linear_model.RidgeClassifier": (True, {
        "alpha": (("real", 0, None, "left"), ("array",)),
        "class_weight": (("dict",), ("str", ("balanced",)), ("none",)),
        "copy_X": (("bool",),),
        "fit_intercept": (("bool",),),
        "max_iter": (("int", 1, None, "left"), ("none",)),
        "positive": (("bool",),),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "solver": (
            ("str", ("auto", "cholesky", "lbfgs", "lsqr", "sag", "saga", "sparse_cg", "svd")),
        ),
        "tol": (("real", 0, None, "left"),),
    }),
    "sklearn.linear_model.SGDClassifier": (True, {
        "alpha": (("real", 0, None, "left"),),
        "average": (("int", 0, None, "neither"), ("bool",)),
        "class_weight": (("str", ("balanced",)), ("dict",), ("none",)),
        "early_stopping": (("bool",),),
        "epsilon": (("real", 0, None, "left"),),
        "eta0": (("real", 0, None, "neither"),),
        "fit_intercept": (("bool",),),
        "l1_ratio": (("real", 0, 1, "both"), ("none",)),
        "learning_rate": (
            ("str", ("adaptive", "constant", "invscaling", "optimal", "pa1", "pa2")),
        ),
        "loss": (
            ("str", (
                "epsilon_insensitive", "hinge", "huber", "log_loss", "modified_huber",
                "perceptron", "squared_epsilon_insensitive", "squared_error", "squared_hinge",
            )),
        ),
        "max_iter": (("int", 1, None, "left"),),
        "n_iter_no_change": (("int", 1, None, "left"),),
        "n_jobs": (("int", None, None, "neither"), ("none",)),
        "penalty": (("str", ("elasticnet", "l1", "l2")), ("none",)),
        "power_t": (("real", None, None, "neither"),),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "shuffle": (("bool",),),
        "tol": (("real", 0, None, "left"), ("none",)),
        "validation_fraction": (("real", 0, 1, "neither"),),
        "verbose": (("int", 0, None, "left"), ("bool",)),
        "warm_start": (("bool",),),
    }),
    "sklearn.naive_bayes.BernoulliNB": (True, {
        "alpha": (("real", 0, None, "left"), ("array",)),
        "binarize": (("none",), ("real", 0, None, "left")),
        "class_prior": (("array",), ("none",)),
        "fit_prior": (("bool",),),
        "force_alpha": (("bool",),),
    }),
    "sklearn.naive_bayes.ComplementNB": (True, {
        "alpha": (("real", 0, None, "left"), ("array",)),
        "class_prior": (("array",), ("none",)),
        "fit_prior": (("bool",),),
        "force_alpha": (("bool",),),
        "norm": (("bool",),),
    }),
    "sklearn.naive_bayes.MultinomialNB": (True, {
        "alpha": (("real", 0, None, "left"), ("array",)),
        "class_prior": (("array",), ("none",)),
        "fit_prior": (("bool",),),
        "force_alpha": (("bool",),),
    }),
    "sklearn.neighbors.KNeighborsClassifier": (True, {
        "algorithm": (("str", ("auto", "ball_tree", "brute", "kd_tree")),),
        "leaf_size": (("int", 1, None, "left"),),
        "metric": (
            ("str", (
                "braycurtis", "canberra", "chebyshev", "cityblock", "correlation", "cosine",
                "dice", "euclidean", "hamming", "haversine", "infinity", "jaccard", "l1", "l2",
                "mahalanobis", "manhattan", "minkowski", "nan_euclidean", "p", "precomputed",
                "pyfunc", "rogerstanimoto", "russellrao", "seuclidean", "sokalmichener",
                "sokalsneath", "sqeuclidean", "yule",
            )),
            ("callable",),
        ),
        "metric_params": (("dict",), ("none",)),
        "n_jobs": (("int", None, None, "neither"), ("none",)),
        "n_neighbors": (("int", 1, None, "left"), ("none",)),
        "p": (("real", 0, None, "right"), ("none",)),
        "weights": (("str", ("distance", "uniform")), ("callable",), ("none",)),
    }),
    "sklearn.neighbors.NearestCentroid": (True, {
        "metric": (("str", ("euclidean", "manhattan")),),
        "priors": (("array",), ("str", ("empirical", "uniform"))),
        "shrink_threshold": (("real", 0, None, "neither"), ("none",)),
    }),
    "sklearn.svm.LinearSVC": (True, {
        "C": (("real", 0.0, None, "neither"),),
        "class_weight": (("none",), ("dict",), ("str", ("balanced",))),
        "dual": (("bool",), ("str", ("auto",))),
        "fit_intercept": (("bool",),),
        "intercept_scaling": (("real", 0, None, "neither"),),
        "loss": (("str", ("hinge", "squared_hinge")),),
        "max_iter": (("int", 0, None, "left"),),
        "multi_class": (("str", ("crammer_singer", "ovr")),),
        "penalty": (("str", ("l1", "l2")),),
        "random_state": (("int", 0, 4294967295, "both"), ("none",)),
        "tol": (("real", 0.0, None, "neither"),),
        "verbose": (("int", 0, None, "left"), ("bool",)),
    }),
}
# fmt: on
