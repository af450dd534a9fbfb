"""Every strategy unskew ships, declared in one place.

Each capability adds its entries here (losses, samplers, resamplers, heads, decision rules,
wrappers); the recipe parser, ``unskew strategies`` and ``unskew compare`` read them through
:func:`unskew.registry.get_registry`. Factories are ``"module:attribute"`` strings, imported only
when a strategy is built, so this module imports no torch.
"""

from __future__ import annotations

from unskew._params import REQUIRED, Expr, Param
from unskew.registry import Registry, Strategy

__all__ = ["BASELINE", "QUICK", "STACK_RECIPES", "STRATEGIES", "build_registry"]


def _num(default, low=None, high=None, *, low_open=False, high_open=False, nullable=False):
    return Param(
        default,
        "float",
        low=low,
        high=high,
        low_open=low_open,
        high_open=high_open,
        nullable=nullable,
    )


def _int(default, low=None, high=None, *, nullable=False):
    return Param(default, "int", low=low, high=high, nullable=nullable)


def _choice(default, *choices):
    return Param(default, "str", choices=tuple(choices))


_POS = {"low": 0.0, "low_open": True}
#: a number of nearest neighbours within a class, adapted by the Trainer to tiny classes
_NEIGHBOURS = Param(5, "int", low=1, neighbours=True)
_SEED = Param(Expr("random_state"), "int", low=0, nullable=True)

_CUI = "Cui et al., Class-Balanced Loss Based on Effective Number of Samples, CVPR 2019"
_COUNTS = ("class_counts",)

LOSSES: tuple[Strategy, ...] = (
    Strategy(
        name="cross_entropy",
        stage="objective",
        summary="Softmax cross-entropy, optionally class-weighted (add weights:SCHEME)",
        reference="",
        factory="unskew.losses:CrossEntropyLoss",
        params={"label_smoothing": _num(0.0, 0.0, 1.0, high_open=True)},
        tags=("loss", "softmax", "baseline"),
    ),
    Strategy(
        name="focal",
        stage="objective",
        summary="Focal loss: down-weights easy examples by (1 - p)^gamma; alpha weights classes",
        reference="Lin et al., Focal Loss for Dense Object Detection, ICCV 2017",
        factory="unskew.losses:FocalLoss",
        params={"gamma": _num(2.0, 0.0), "alpha": Param(None, "any", nullable=True)},
        tags=("loss", "softmax"),
    ),
    Strategy(
        name="sigmoid_focal",
        stage="objective",
        summary="Focal loss on sigmoid outputs, for binary and multi-label targets",
        reference="Lin et al., Focal Loss for Dense Object Detection, ICCV 2017",
        factory="unskew.losses:SigmoidFocalLoss",
        params={
            "gamma": _num(2.0, 0.0),
            "alpha": _num(0.25, 0.0, 1.0, nullable=True),
            "compile": Param(False, "bool"),
        },
        tags=("loss", "sigmoid", "multilabel"),
        not_compared="it is made for multi-label targets (on class labels it trains "
        "one-vs-rest; name it in --strategies to compare it)",
    ),
    Strategy(
        name="class_balanced",
        stage="objective",
        summary="Weights each class by the inverse of its effective number of samples",
        reference=_CUI,
        factory="unskew.losses:ClassBalancedLoss",
        params={
            "beta": _num(0.999, 0.0, 1.0, high_open=True),
            "base": _choice("cross_entropy", "cross_entropy", "focal", "sigmoid"),
            "gamma": _num(2.0, 0.0),
        },
        tags=("loss", "softmax"),
        needs=_COUNTS,
    ),
    Strategy(
        name="ldam",
        stage="objective",
        summary="Larger margins for rarer classes (n^-1/4) on a cosine head; pair with drw",
        reference="Cao et al., Learning Imbalanced Datasets with Label-Distribution-Aware Margin "
        "Loss, NeurIPS 2019",
        factory="unskew.losses:LDAMLoss",
        # scale 10, not the paper's 30: without a learning-rate warm-up s=30 stalls the cosine
        # head on small data (MNIST-LT, 5 seeds: 90.7 +/- 0.8 at s=10 vs 79.9 +/- 3.3 at s=30)
        params={"max_margin": _num(0.5, **_POS), "scale": _num(10.0, **_POS)},
        tags=("loss", "softmax", "cosine_head"),
        needs=_COUNTS,
    ),
    Strategy(
        name="balanced_softmax",
        stage="objective",
        summary="Softmax with the label prior: trains logits that are balanced at test time",
        reference="Ren et al., Balanced Meta-Softmax for Long-Tailed Visual Recognition, "
        "NeurIPS 2020",
        factory="unskew.losses:BalancedSoftmaxLoss",
        tags=("loss", "softmax"),
        needs=_COUNTS,
    ),
    Strategy(
        name="logit_adjusted",
        stage="objective",
        summary="Cross-entropy on logits + tau * log prior (tau=1 is balanced softmax)",
        reference="Menon et al., Long-Tail Learning via Logit Adjustment, ICLR 2021",
        factory="unskew.losses:LogitAdjustedLoss",
        params={"tau": _num(1.0, 0.0)},
        tags=("loss", "softmax"),
        needs=_COUNTS,
    ),
    Strategy(
        name="cost_sensitive",
        stage="objective",
        summary="Expected misclassification cost under the softmax, from a cost matrix or FN/FP",
        reference="Elkan, The Foundations of Cost-Sensitive Learning, IJCAI 2001",
        factory="unskew.losses:CostSensitiveLoss",
        params={
            "cost_matrix": Param(None, "matrix", low=0.0, nullable=True),
            "fn_cost": _num(None, 0.0, nullable=True),
            "fp_cost": _num(1.0, 0.0),
        },
        tags=("loss", "softmax", "cost"),
    ),
    Strategy(
        name="asymmetric",
        stage="objective",
        summary="Multi-label loss that down-weights and clips easy negatives",
        reference="Ridnik et al., Asymmetric Loss For Multi-Label Classification, ICCV 2021",
        factory="unskew.losses:AsymmetricLoss",
        params={
            "gamma_pos": _num(0.0, 0.0),
            "gamma_neg": _num(4.0, 0.0),
            "clip": _num(0.05, 0.0, 1.0, high_open=True),
            "compile": Param(False, "bool"),
        },
        tags=("loss", "sigmoid", "multilabel"),
        not_compared="it is made for multi-label targets (on class labels it trains "
        "one-vs-rest; name it in --strategies to compare it)",
    ),
    Strategy(
        name="dice",
        stage="objective",
        summary="Soft Dice overlap loss for segmentation masks with a tiny foreground",
        reference="Milletari et al., V-Net, 3DV 2016",
        factory="unskew.losses:DiceLoss",
        params={"smooth": _num(1.0, 0.0)},
        modalities=("image",),
        tags=("loss", "segmentation"),
        not_compared="it is a segmentation loss (pixel masks), not a classification one",
    ),
    Strategy(
        name="tversky",
        stage="objective",
        summary="Tversky loss: Dice with separate weights for false positives and negatives",
        reference="Salehi et al., Tversky loss function for image segmentation, MLMI 2017",
        factory="unskew.losses:TverskyLoss",
        params={"alpha": _num(0.3, 0.0), "beta": _num(0.7, 0.0), "gamma": _num(1.0, **_POS)},
        modalities=("image",),
        tags=("loss", "segmentation"),
        not_compared="it is a segmentation loss (pixel masks), not a classification one",
    ),
)

OBJECTIVE_MODIFIERS: tuple[Strategy, ...] = (
    Strategy(
        name="weights",
        stage="objective",
        summary="Class weights for the loss: inverse, sqrt_inverse, effective_number or none",
        reference="King & Zeng, Logistic Regression in Rare Events Data, 2001; " + _CUI,
        factory="unskew.weights:WeightScheme",
        params={
            "scheme": _choice("inverse", "inverse", "sqrt_inverse", "effective_number", "none"),
            "beta": _num(0.999, 0.0, 1.0, high_open=True),
            "normalize": Param("samples", "str", choices=("samples", "classes"), nullable=True),
        },
        exclusive=False,
        tags=("weights",),
    ),
    Strategy(
        name="drw",
        stage="objective",
        summary="Deferred re-weighting: switch class weights on late in training",
        reference="Cao et al., Learning Imbalanced Datasets with Label-Distribution-Aware Margin "
        "Loss, NeurIPS 2019",
        factory="unskew.losses:DeferredReweighting",
        # 60 % of the epochs: the paper's 80 % suits its step schedule; under per-step cosine decay
        # only 1.3 % of the summed learning rate is left after 80 % (measured on MNIST-LT)
        params={
            "start_epoch": _int(Expr("int(0.6 * epochs)"), 0),
            "beta": _num(0.9999, 0.0, 1.0, high_open=True),
            "scheme": _choice("effective_number", "inverse", "sqrt_inverse", "effective_number"),
        },
        exclusive=False,
        tags=("weights", "schedule"),
        needs=_COUNTS,
    ),
)

_KANG = (
    "Kang et al., Decoupling Representation and Classifier for Long-Tailed Recognition, ICLR 2020"
)
_LABELS = ("labels",)
_SAMPLER_NEEDS = ("labels", "generator")

SAMPLERS: tuple[Strategy, ...] = (
    Strategy(
        name="balanced_sampler",
        stage="batch",
        summary="Draw classes with p ∝ n^power (0: balanced, 0.5: square-root), rows uniformly within",
        reference=_KANG,
        factory="unskew.sampling:ClassBalancedSampler",
        params={"power": _num(0.0)},
        tags=("sampler",),
        needs=_SAMPLER_NEEDS,
    ),
    Strategy(
        name="progressive_sampler",
        stage="batch",
        summary="Move from natural to class-balanced sampling over the epochs",
        reference=_KANG,
        factory="unskew.sampling:ProgressivelyBalancedSampler",
        params={"total_epochs": _int(Expr("epochs"), 1)},
        tags=("sampler", "schedule"),
        needs=_SAMPLER_NEEDS,
    ),
    Strategy(
        name="balanced_batch_sampler",
        stage="batch",
        summary="Batches of P classes x K rows each",
        reference="Hermans et al., In Defense of the Triplet Loss for Person Re-Identification, 2017",
        factory="unskew.sampling:BalancedBatchSampler",
        params={
            "classes_per_batch": _int(Expr("n_classes"), 1),
            "samples_per_class": _int(Expr("max(1, batch_size // n_classes)"), 1),
        },
        tags=("sampler", "batch_sampler"),
        needs=_SAMPLER_NEEDS,
    ),
    Strategy(
        name="undersampling_sampler",
        stage="batch",
        summary="Each epoch all minority rows plus a majority subset that cycles through every row",
        reference="Liu et al., Exploratory Undersampling for Class-Imbalance Learning, IEEE TSMC-B 2009",
        factory="unskew.sampling:UnderSamplingSampler",
        params={"ratio": _num(1.0, **_POS), "random_state": _SEED},
        tags=("sampler", "undersampling"),
        needs=_LABELS,
        aliases={"seed": "random_state"},
    ),
    Strategy(
        name="distributed_balanced_sampler",
        stage="batch",
        summary="Class-balanced sampling for DDP: equal-length shares per rank, no communication",
        reference=_KANG,
        factory="unskew.sampling:DistributedClassBalancedSampler",
        params={
            "power": _num(0.0),
            "random_state": _SEED,
            "num_replicas": _int(Expr("world_size"), 1, nullable=True),
            "rank": _int(Expr("rank"), 0, nullable=True),
        },
        tags=("sampler", "distributed"),
        needs=_LABELS,
        aliases={"seed": "random_state"},
        not_compared="it runs only under torchrun (a distributed process group)",
    ),
)

_CHAWLA = "Chawla et al., SMOTE: Synthetic Minority Over-sampling Technique, JAIR 2002"
_TABLE = ("table",)
_TABLE_IMAGE = ("table", "image")
_RS = {"sampling_strategy": Param("auto", "ratio"), "random_state": _SEED}


def _resampler(
    name: str,
    factory: str,
    summary: str,
    reference: str,
    params: dict,
    modalities: tuple[str, ...],
    *tags: str,
    acts_on: str = "features",
) -> Strategy:
    return Strategy(
        name=name,
        stage="data",
        summary=summary,
        reference=reference,
        factory=factory,
        params={**params, **_RS},  # the main parameter (first) is the specific one
        modalities=modalities,
        tags=("resampler", *tags),
        acts_on=acts_on,
    )


RESAMPLERS: tuple[Strategy, ...] = (
    _resampler(
        "random_oversampling",
        "unskew.resampling:RandomOverSampler",
        "Repeat minority rows at random (imbalanced-learn)",
        "",
        {},
        _TABLE_IMAGE,
        "oversampling",
    ),
    _resampler(
        "random_undersampling",
        "unskew.resampling:RandomUnderSampler",
        "Drop majority rows at random (imbalanced-learn)",
        "",
        {},
        _TABLE_IMAGE,
        "undersampling",
    ),
    _resampler(
        "smote",
        "unskew.resampling:SMOTE",
        "Synthetic minority rows between neighbours; torch, any shape, chunked k-NN",
        _CHAWLA,
        {"k_neighbors": _NEIGHBOURS},
        _TABLE_IMAGE,
        "oversampling",
    ),
    _resampler(
        "borderline_smote",
        "unskew.resampling:BorderlineSMOTE",
        "SMOTE seeded only from minority rows on the class border (torch)",
        "Han et al., Borderline-SMOTE, ICIC 2005",
        {
            "k_neighbors": _NEIGHBOURS,
            "m_neighbors": _int(10, 1),
            "kind": _choice("borderline-1", "borderline-1", "borderline-2"),
        },
        _TABLE_IMAGE,
        "oversampling",
    ),
    _resampler(
        "adasyn",
        "unskew.resampling:ADASYN",
        "More synthetic rows where the minority is harder to learn (torch)",
        "He et al., ADASYN, IJCNN 2008",
        {"n_neighbors": _NEIGHBOURS},
        _TABLE_IMAGE,
        "oversampling",
    ),
    _resampler(
        "smote_nc",
        "unskew.resampling:SMOTENC",
        "SMOTE for tables with categorical columns (imbalanced-learn)",
        _CHAWLA,
        {"categorical_features": Param("auto", "any"), "k_neighbors": _NEIGHBOURS},
        _TABLE,
        "oversampling",
        acts_on="table",
    ),
    Strategy(
        name="tomek",
        stage="data",
        summary="Remove majority rows of Tomek links (imbalanced-learn)",
        reference="Tomek, Two Modifications of CNN, IEEE TSMC 1976",
        factory="unskew.resampling:TomekLinks",
        params={"sampling_strategy": Param("auto", "ratio")},
        modalities=_TABLE,
        tags=("resampler", "cleaning"),
    ),
    Strategy(
        name="enn",
        stage="data",
        summary="Edited nearest neighbours: remove rows their neighbours disagree with",
        reference="Wilson, Asymptotic Properties of Nearest Neighbor Rules Using Edited "
        "Data, IEEE TSMC 1972",
        factory="unskew.resampling:EditedNearestNeighbours",
        params={"sampling_strategy": Param("auto", "ratio"), "n_neighbors": _int(3, 1)},
        modalities=_TABLE,
        tags=("resampler", "cleaning"),
    ),
    Strategy(
        name="near_miss",
        stage="data",
        summary="Keep the majority rows nearest to the minority (imbalanced-learn)",
        reference="Mani & Zhang, kNN Approach to Unbalanced Data Distributions, ICML 2003 workshop",
        factory="unskew.resampling:NearMiss",
        params={"sampling_strategy": Param("auto", "ratio"), "version": _int(1, 1, 3)},
        modalities=_TABLE,
        tags=("resampler", "undersampling"),
    ),
    _resampler(
        "smote_tomek",
        "unskew.resampling:smote_tomek",
        "SMOTE, then remove Tomek links (imbalanced-learn)",
        "Batista et al., A Study of the Behavior of Several Methods for Balancing Machine "
        "Learning Training Data, SIGKDD Explorations 2004",
        {"k_neighbors": _NEIGHBOURS},
        _TABLE,
        "oversampling",
        "cleaning",
    ),
    _resampler(
        "smote_enn",
        "unskew.resampling:smote_enn",
        "SMOTE, then edited nearest neighbours cleaning (imbalanced-learn)",
        "Batista et al., SIGKDD Explorations 2004",
        {"k_neighbors": _NEIGHBOURS},
        _TABLE,
        "oversampling",
        "cleaning",
    ),
)

BATCH_MODIFIERS: tuple[Strategy, ...] = (
    Strategy(
        name="smote_batch",
        stage="batch",
        summary="SMOTE in feature space inside each batch, differentiable",
        reference=_CHAWLA,
        factory="unskew.resampling:SmoteBatch",
        params={"k_neighbors": _int(5, 1)},
        exclusive=False,
        tags=("augmentation",),
    ),
)

DECISION_RULES: tuple[Strategy, ...] = (
    Strategy(
        name="threshold",
        stage="decision",
        summary="Tune the decision threshold on held-out scores: f1, fbeta:B, gmean, youden, "
        "balanced_accuracy, cost:FN/FP, precision>=P, recall>=R",
        reference="Provost, Machine Learning from Imbalanced Data Sets 101, AAAI workshop 2000",
        factory="unskew.decision:ThresholdRule",
        params={
            "objective": Param("f1", "str", check="unskew.metrics._thresholds:parse_objective")
        },
        tags=("threshold",),
        classes="binary",
    ),
    Strategy(
        name="logit_adjust",
        stage="decision",
        summary="Subtract tau * log prior from the logits after training (tau given or tuned)",
        reference="Menon et al., Long-Tail Learning via Logit Adjustment, ICLR 2021",
        factory="unskew.decision:LogitAdjustment",
        params={
            "tau": _num(1.0, 0.0, nullable=True),
            "metric": _choice("balanced_accuracy", "balanced_accuracy", "macro_f1"),
        },
        tags=("multiclass",),
        needs=_COUNTS,
    ),
    Strategy(
        name="bias_tuning",
        stage="decision",
        summary="Per-class logit biases by coordinate ascent on macro-F1 or balanced accuracy",
        reference="",
        factory="unskew.decision:BiasTuning",
        params={"metric": _choice("macro_f1", "macro_f1", "balanced_accuracy")},
        tags=("multiclass",),
    ),
    Strategy(
        name="calibrate",
        stage="decision",
        summary="Calibrate probabilities: temperature (logits), platt or isotonic (scores)",
        reference="Guo et al., On Calibration of Modern Neural Networks, ICML 2017",
        factory="unskew.decision:make_calibrator",
        params={"method": _choice("temperature", "temperature", "platt", "isotonic")},
        exclusive=False,
        tags=("calibration",),
    ),
)

_KANG = (
    "Kang et al., Decoupling Representation and Classifier for Long-Tailed Recognition, ICLR 2020"
)

AUGMENTATION: tuple[Strategy, ...] = (
    Strategy(
        name="augment_oversampling",
        stage="data",
        summary="Over-sampling by augmentation: new rotated/scaled/cropped copies of rare-class "
        "images up to the majority count",
        reference="Shorten & Khoshgoftaar, A survey on Image Data Augmentation for Deep "
        "Learning, J. Big Data 2019",
        factory="unskew.augment:AugmentOverSampler",
        params={"sampling_strategy": Param("auto", "ratio"), "random_state": _SEED},
        modalities=("image",),
        exclusive=False,
        tags=("augmentation", "oversampling"),
    ),
    Strategy(
        name="noise_oversampling",
        stage="data",
        summary="Over-sampling with per-feature Gaussian noise around rare-class rows",
        reference="Lee, Noisy replication in skewed binary classification, CSDA 2000",
        factory="unskew.augment:FeatureNoiseOverSampler",
        params={
            "std": _num(0.1, 0.0),
            "sampling_strategy": Param("auto", "ratio"),
            "random_state": _SEED,
        },
        modalities=("table",),
        exclusive=False,
        tags=("augmentation", "oversampling"),
    ),
    Strategy(
        name="eda_oversampling",
        stage="data",
        summary="Over-sampling texts by easy data augmentation: synonym replacement, random "
        "insertion, swap and deletion",
        reference="Wei & Zou, EDA: Easy Data Augmentation Techniques, EMNLP 2019",
        factory="unskew.augment:TextAugmentOverSampler",
        params={"sampling_strategy": Param("auto", "ratio"), "random_state": _SEED},
        modalities=("text",),
        exclusive=False,
        acts_on="texts",
        tags=("augmentation", "oversampling"),
    ),
    Strategy(
        name="augment",
        stage="batch",
        summary="Image augmentation on each batch, rarer classes augmented with higher "
        "probability (minority-focused policy)",
        reference="Shorten & Khoshgoftaar, J. Big Data 2019",
        factory="unskew.training.parts:minority_augment",
        params={
            "rotation": _num(15.0, 0.0, 180.0),
            "scale": _num(0.1, 0.0, 1.0, high_open=True),
            "crop_padding": _int(0, 0),
            "noise_std": _num(0.0, 0.0),
            "cutout": _int(0, 0),
            "hflip": Param(False, "bool"),
            "p_max": _num(1.0, 0.0, 1.0),
            "p_min": _num(0.0, 0.0, 1.0),
            "power": _num(1.0, **_POS),
        },
        modalities=("image",),
        exclusive=False,
        tags=("augmentation",),
        needs=("class_counts", "generator"),
    ),
    Strategy(
        name="mixup",
        stage="batch",
        summary="mixup: convex combinations of pairs of rows and their labels (input or feature "
        "space)",
        reference="Zhang et al., mixup: Beyond Empirical Risk Minimization, ICLR 2018",
        factory="unskew.augment:Mixup",
        params={"alpha": _num(1.0, **_POS), "space": _choice("input", "input", "feature")},
        exclusive=False,
        tags=("augmentation", "mixing"),
        needs=("class_counts", "generator"),
    ),
    Strategy(
        name="remix",
        stage="batch",
        summary="Remix: mixup whose label goes to the minority class of the pair when the counts "
        "differ by kappa and the mix is at least tau towards it",
        reference="Chou et al., Remix: Rebalanced Mixup, ECCV 2020 workshops",
        factory="unskew.augment:Remix",
        params={
            "alpha": _num(1.0, **_POS),
            "kappa": _num(3.0, 1.0),
            "tau": _num(0.5, 0.0, 1.0),
            "space": _choice("input", "input", "feature"),
        },
        exclusive=False,
        tags=("augmentation", "mixing"),
        needs=("class_counts", "generator"),
    ),
)

HEADS: tuple[Strategy, ...] = (
    Strategy(
        name="cosine",
        stage="model",
        summary="Cosine classifier head: logits = scale * cos(w_c, features); ldam switches to it",
        reference="Gidaris & Komodakis, Dynamic Few-Shot Visual Learning without Forgetting, CVPR "
        "2018; Cao et al., NeurIPS 2019",
        factory="unskew.training.parts:CosineHead",
        params={"scale": _num(16.0, **_POS)},
        tags=("head",),
    ),
    Strategy(
        name="attention",
        stage="model",
        summary="Attention blocks in the built-in backbone: squeeze-and-excitation (se) or CBAM "
        "after each CNN block, feature tokens for tables, attention pooling for text",
        reference="Hu et al., Squeeze-and-Excitation Networks, CVPR 2018; Woo et al., CBAM, "
        "ECCV 2018",
        factory="unskew.training.parts:Attention",
        params={"kind": _choice("se", "se", "cbam")},
        exclusive=False,
        tags=("architecture",),
    ),
    Strategy(
        name="aux_head",
        stage="model",
        summary="Auxiliary classifier on an intermediate layer, its loss added with a weight "
        "during training and dropped at inference",
        reference="Szegedy et al., Going Deeper with Convolutions, CVPR 2015",
        factory="unskew.training.parts:AuxiliaryHeads",
        params={"layer": Param(None, "str", nullable=True), "weight": _num(0.3, 0.0)},
        exclusive=False,
        tags=("architecture",),
    ),
    Strategy(
        name="bbn",
        stage="model",
        summary="Bilateral-branch network: conventional and reversed-sampling branches mixed by "
        "a cumulative weight moving from the first to the second over training",
        reference="Zhou et al., BBN: Bilateral-Branch Network with Cumulative Learning for "
        "Long-Tailed Visual Recognition, CVPR 2020",
        factory="unskew.training.parts:BilateralBranches",
        params={"branch_hidden": _int(None, 1, nullable=True)},
        exclusive=False,
        tags=("architecture", "multi_branch"),
        needs=("generator",),
    ),
    Strategy(
        name="experts",
        stage="model",
        summary="Separate expert branches for head and tail classes on shared features, each also "
        "trained on its own group's rows",
        reference="Xiang et al., Learning From Multiple Experts (LFME), ECCV 2020",
        factory="unskew.training.parts:ClassGroupExperts",
        params={"tail_share": _num(0.5, 0.0, 1.0, low_open=True, high_open=True)},
        exclusive=False,
        tags=("architecture", "multi_branch"),
    ),
    Strategy(
        name="finetune",
        stage="model",
        summary="Fine-tuning schedule for pretrained weights (Trainer(pretrained=...)): body frozen "
        "for freeze_epochs, then trained at backbone_lr_scale times the head's rate",
        reference="Howard & Ruder, Universal Language Model Fine-tuning, ACL 2018",
        factory="unskew.training.parts:FineTune",
        params={"freeze_epochs": _int(0, 0), "backbone_lr_scale": _num(0.1, 0.0)},
        exclusive=False,
        tags=("transfer",),
        not_compared="it needs pretrained weights (Trainer(pretrained=...))",
    ),
    Strategy(
        name="crt",
        stage="model",
        summary="Classifier re-training: after joint training, a fresh linear head on frozen "
        "features with class-balanced batches (epochs = passes over the training rows)",
        reference=_KANG,
        factory="unskew.training.decoupled:ClassifierRetraining",
        params={"epochs": _int(10, 1), "power": _num(0.0), "lr": _num(None, **_POS, nullable=True)},
        tags=("head", "decoupled"),
    ),
    Strategy(
        name="tau_norm",
        stage="model",
        summary="tau-normalised classifier w_c / |w_c|^tau after joint training (tau tuned on "
        "validation when not given)",
        reference=_KANG,
        factory="unskew.training.decoupled:TauNormalization",
        params={"tau": _num(None, 0.0, nullable=True)},
        tags=("head", "decoupled"),
    ),
    Strategy(
        name="lws",
        stage="model",
        summary="Learnable weight scaling: per-class scales of the frozen classifier, learned on "
        "class-balanced batches of frozen features",
        reference=_KANG,
        factory="unskew.training.decoupled:WeightScalingRetraining",
        params={"epochs": _int(10, 1), "lr": _num(None, **_POS, nullable=True)},
        tags=("head", "decoupled"),
    ),
    Strategy(
        name="ncm",
        stage="model",
        summary="Nearest class mean on L2-normalised frozen features (nothing trained)",
        reference=_KANG,
        factory="unskew.training.decoupled:NearestClassMeanHead",
        params={"scale": _num(16.0, **_POS)},
        tags=("head", "decoupled"),
    ),
)

META: tuple[Strategy, ...] = (
    Strategy(
        name="isolation_forest",
        stage="meta",
        summary="Isolation forest on the majority class; the minority is what it isolates fast "
        "(threshold tuned on validation labels)",
        reference="Liu, Ting & Zhou, Isolation Forest, ICDM 2008",
        factory="unskew.anomaly:IsolationForestDetector",
        params={
            "n_estimators": _int(200, 1),
            "contamination": Param("auto", "any"),
            "fit_on": _choice("majority", "majority", "all"),
            "threshold": Param("f1", "str", check="unskew.metrics._thresholds:parse_objective"),
            "validation": _num(0.25, 0.0, 1.0, low_open=True, high_open=True),
        },
        modalities=("table",),
        tags=("anomaly", "one_class", "binary"),
        classes="binary",
    ),
    Strategy(
        name="one_class_svm",
        stage="meta",
        summary="One-class SVM on the standardised majority class; outside its support = minority",
        reference="Schölkopf et al., Estimating the Support of a High-Dimensional Distribution, "
        "Neural Computation 2001",
        factory="unskew.anomaly:OneClassSVMDetector",
        params={
            "kernel": _choice("rbf", "rbf", "linear", "poly", "sigmoid"),
            "nu": _num(0.05, 0.0, 1.0, low_open=True),
            "gamma": Param("scale", "any"),
            "fit_on": _choice("majority", "majority", "all"),
            "threshold": Param("f1", "str", check="unskew.metrics._thresholds:parse_objective"),
            "validation": _num(0.25, 0.0, 1.0, low_open=True, high_open=True),
        },
        modalities=("table",),
        tags=("anomaly", "one_class", "binary"),
        classes="binary",
    ),
    Strategy(
        name="autoencoder",
        stage="meta",
        summary="Autoencoder of the majority class; high reconstruction error = minority",
        reference="Sakurada & Yairi, Anomaly Detection Using Autoencoders with Nonlinear "
        "Dimensionality Reduction, MLSDA 2014",
        factory="unskew.anomaly:AutoencoderDetector",
        params={
            "hidden": Param([64, 16], "ints", low=1),
            "epochs": _int(50, 1),
            "lr": _num(1e-3, **_POS),
            "batch_size": _int(128, 1),
            "fit_on": _choice("majority", "majority", "all"),
            "threshold": Param("f1", "str", check="unskew.metrics._thresholds:parse_objective"),
            "validation": _num(0.25, 0.0, 1.0, low_open=True, high_open=True),
        },
        modalities=("table",),
        tags=("anomaly", "one_class", "deep", "binary"),
        classes="binary",
    ),
    Strategy(
        name="deep_svdd",
        stage="meta",
        summary="Deep SVDD: the majority mapped into a small hypersphere; distance = minority score",
        reference="Ruff et al., Deep One-Class Classification, ICML 2018",
        factory="unskew.anomaly:DeepSVDDDetector",
        params={
            "hidden": Param([64, 32], "ints", low=1),
            "rep_dim": _int(16, 1),
            "epochs": _int(50, 1),
            "lr": _num(1e-3, **_POS),
            "weight_decay": _num(1e-6, 0.0),
            "fit_on": _choice("majority", "majority", "all"),
            "threshold": Param("f1", "str", check="unskew.metrics._thresholds:parse_objective"),
            "validation": _num(0.25, 0.0, 1.0, low_open=True, high_open=True),
        },
        modalities=("table",),
        tags=("anomaly", "one_class", "deep", "binary"),
        classes="binary",
    ),
    Strategy(
        name="hybrid",
        stage="meta",
        summary="Deep features from the rest of the recipe, read by a classical head: "
        "random_forest, svm, gradient_boosting, balanced_random_forest, logistic_regression",
        reference="Huang et al., Learning Deep Representation for Imbalanced Classification, "
        "CVPR 2016",
        factory="unskew.hybrid:HybridClassifier",
        params={
            "head": _choice(
                "random_forest",
                "random_forest",
                "svm",
                "gradient_boosting",
                "balanced_random_forest",
                "logistic_regression",
            ),
            "include_inputs": Param(False, "bool"),
        },
        tags=("hybrid", "wrapper"),
    ),
)

_LIU = "Liu, Wu & Zhou, Exploratory Undersampling for Class-Imbalance Learning, IEEE TSMC-B 2009"


ENSEMBLES: tuple[Strategy, ...] = (
    Strategy(
        name="easy_ensemble",
        stage="meta",
        summary="n models, each on all minority rows plus its own random majority subset; "
        "probabilities averaged",
        reference=_LIU,
        factory="unskew.ensemble:easy_ensemble",
        params={
            "n": _int(10, 1),
            "replacement": Param(False, "bool"),
            "n_jobs": _int(None, nullable=True),
        },
        tags=("ensemble", "undersampling", "wrapper"),
    ),
    Strategy(
        name="balanced_bagging",
        stage="meta",
        summary="Bagging whose bootstrap bags are balanced by under-sampling; soft voting",
        reference="Hido, Kashima & Takahashi, Roughly Balanced Bagging for Imbalanced Data, "
        "Statistical Analysis and Data Mining 2009",
        factory="unskew.ensemble:balanced_bagging",
        params={
            "n": _int(10, 1),
            "max_samples": _num(1.0, 0.0, 1.0, low_open=True),
            "n_jobs": _int(None, nullable=True),
        },
        tags=("ensemble", "bagging", "undersampling", "wrapper"),
    ),
    Strategy(
        name="boosting",
        stage="meta",
        summary="RUSBoost-style SAMME: each round fits the net on a random under-sampling with "
        "the boosting weights",
        reference="Seiffert et al., RUSBoost: A Hybrid Approach to Alleviating Class Imbalance, "
        "IEEE TSMC-A 2010; Zhu et al., Multi-class AdaBoost, 2009",
        factory="unskew.ensemble:boosting",
        params={
            "n": _int(10, 1),
            "learning_rate": _num(1.0, **_POS),
            "undersample": Param(True, "bool"),
        },
        tags=("ensemble", "boosting", "undersampling", "wrapper"),
    ),
    Strategy(
        name="voting",
        stage="meta",
        summary="Soft vote of the net, a balanced random forest and a class-weighted logistic "
        "regression",
        reference="",
        factory="unskew.ensemble:voting",
        params={"n_jobs": _int(None, nullable=True)},
        modalities=("table",),
        tags=("ensemble", "heterogeneous", "wrapper"),
    ),
    Strategy(
        name="stacking",
        stage="meta",
        summary="Class-weighted logistic regression on out-of-fold probabilities of the net, a "
        "balanced random forest and a class-weighted logistic regression",
        reference="Wolpert, Stacked Generalization, Neural Networks 1992",
        factory="unskew.ensemble:stacking",
        params={"n_jobs": _int(None, nullable=True)},
        modalities=("table",),
        tags=("ensemble", "heterogeneous", "wrapper"),
    ),
    Strategy(
        name="balanced_random_forest",
        stage="meta",
        summary="imbalanced-learn's random forest of trees on random under-samplings (tabular "
        "baseline)",
        reference="Chen, Liaw & Breiman, Using Random Forest to Learn Imbalanced Data, 2004",
        factory="unskew.ensemble:balanced_random_forest",
        params={"n": _int(100, 1)},
        modalities=("table",),
        tags=("ensemble", "baseline", "tabular", "classical"),
    ),
    Strategy(
        name="rus_boost",
        stage="meta",
        summary="imbalanced-learn's RUSBoost of decision trees (tabular baseline)",
        reference="Seiffert et al., RUSBoost, IEEE TSMC-A 2010",
        factory="unskew.ensemble:rus_boost",
        params={"n": _int(50, 1)},
        modalities=("table",),
        tags=("ensemble", "baseline", "tabular", "classical", "boosting"),
    ),
    Strategy(
        name="easy_ensemble_adaboost",
        stage="meta",
        summary="imbalanced-learn's EasyEnsemble: AdaBoost learners on random under-samplings "
        "(tabular baseline)",
        reference=_LIU,
        factory="unskew.ensemble:easy_ensemble_adaboost",
        params={"n": _int(10, 1)},
        modalities=("table",),
        tags=("ensemble", "baseline", "tabular", "classical"),
    ),
    Strategy(
        name="logistic_regression",
        stage="meta",
        summary="scikit-learn's logistic regression with balanced class weights on the encoded "
        "table (classical baseline; add a decision part: +threshold:f1)",
        reference="King & Zeng, Logistic Regression in Rare Events Data, Political Analysis 2001",
        factory="unskew.ensemble:logistic_regression",
        params={"C": _num(1.0, **_POS)},
        modalities=("table",),
        tags=("baseline", "tabular", "classical", "linear"),
    ),
    Strategy(
        name="hist_gradient_boosting",
        stage="meta",
        summary="scikit-learn's histogram gradient boosting with balanced class weights "
        "(classical baseline; add a decision part: +threshold:f1)",
        reference="Ke et al., LightGBM: A Highly Efficient Gradient Boosting Decision Tree, "
        "NeurIPS 2017",
        factory="unskew.ensemble:hist_gradient_boosting",
        params={
            "n": _int(100, 1),
            "learning_rate": _num(0.1, **_POS),
            "max_leaf_nodes": _int(31, 2),
        },
        modalities=("table",),
        tags=("baseline", "tabular", "classical", "boosting"),
    ),
)


#: The strategy that stacks whole recipes (what ``compare --rule stack_top_k`` recommends).
STACK_RECIPES = "stack_recipes"

RECIPE_STACKS: tuple[Strategy, ...] = (
    Strategy(
        name=STACK_RECIPES,
        stage="meta",
        summary="Class-weighted logistic regression on the out-of-fold probabilities of whole "
        "recipes, each member trained with its own (recipes=[focal;ldam+drw])",
        reference="Wolpert, Stacked Generalization, Neural Networks 1992",
        factory="unskew.ensemble:RecipeStack",
        params={
            "recipes": Param(REQUIRED, "strs", check="unskew.recipes:check_recipe_list"),
            "n_jobs": _int(None, nullable=True),
        },
        tags=("ensemble", "stacking", "wrapper"),
        not_compared="it needs the recipes to stack; compare --rule stack_top_k stacks the best",
    ),
)


STRATEGIES: tuple[Strategy, ...] = (
    LOSSES
    + OBJECTIVE_MODIFIERS
    + SAMPLERS
    + BATCH_MODIFIERS
    + RESAMPLERS
    + AUGMENTATION
    + HEADS
    + DECISION_RULES
    + META
    + ENSEMBLES
    + RECIPE_STACKS
)


#: The recipe every comparison starts with and tests the others against.
BASELINE = "cross_entropy"

_QUICK_COMMON: tuple[tuple[str, str | None], ...] = (
    ("cross_entropy", None),
    ("cross_entropy+weights:inverse", None),
    ("focal:gamma=2", None),
    ("balanced_softmax", None),
    ("ldam+drw", None),
    ("balanced_sampler+cross_entropy", None),
)

#: The curated ``quick`` sets, per modality: one or two strategies of every stage, each cheap to
#: train. Each entry is ``(recipe, condition)``: None, ``"binary"`` or ``"multiclass"``.
QUICK: dict[str, tuple[tuple[str, str | None], ...]] = {
    "table": (
        *_QUICK_COMMON,
        ("smote+cross_entropy", None),
        ("random_undersampling+cross_entropy", None),
        ("cross_entropy+threshold:f1", "binary"),
        ("cross_entropy+logit_adjust", "multiclass"),
        ("cross_entropy+crt", None),
        ("cross_entropy+weights:inverse+stacking", None),
        ("logistic_regression", None),
        ("hist_gradient_boosting", None),
        ("balanced_random_forest", None),
        ("easy_ensemble_adaboost", None),
    ),
    "image": (
        *_QUICK_COMMON,
        ("augment_oversampling+cross_entropy", None),
        ("random_undersampling+cross_entropy", None),
        ("cross_entropy+threshold:f1", "binary"),
        ("cross_entropy+logit_adjust", None),
        ("cross_entropy+crt", None),
    ),
    "text": (
        *_QUICK_COMMON,
        ("eda_oversampling+cross_entropy", None),
        ("random_undersampling+cross_entropy", None),
        ("cross_entropy+threshold:f1", "binary"),
        ("cross_entropy+logit_adjust", "multiclass"),
        ("cross_entropy+crt", None),
    ),
}


def build_registry() -> Registry:
    """A registry holding every entry of :data:`STRATEGIES`.

    Examples
    --------
    >>> "cross_entropy" in build_registry()
    True
    """
    registry = Registry()
    for strategy in STRATEGIES:
        registry.register(strategy, builtin=True)
    return registry
