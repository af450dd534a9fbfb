"""Multi-branch networks: the bilateral-branch network (BBN), class-group experts and one branch
per input (feature groups, or an image and a table).

Protocols the training loop follows (the integrator's Trainer):

* :class:`BilateralBranchNetwork` has ``bilateral = True``. Each step draws a second batch
  ``(x_r, y_r)`` from a reversed sampler (class c with probability
  :func:`reversed_class_probabilities`, e.g. ``ClassBalancedSampler(labels, power=-1)``), takes
  ``alpha = cumulative_alpha(epoch, epochs)`` and minimises
  ``alpha * L(logits, y_c) + (1 - alpha) * L(logits, y_r)`` with
  ``logits = model.forward_pair(x_c, x_r, alpha)``.
* :class:`GroupExperts` has ``auxiliary_loss(y, loss_fn)``: the loop adds it to the main loss
  after each training forward.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from unskew.exceptions import InputError
from unskew.models._infer import feature_dim_of, features_of

__all__ = [
    "BilateralBranchNetwork",
    "GroupExperts",
    "MultiInputNetwork",
    "cumulative_alpha",
    "head_tail_groups",
    "numeric_categorical_groups",
    "reversed_class_probabilities",
]


def _check_n_classes(n_classes: int, owner: str) -> None:
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise InputError(f"{owner} needs n_classes to be an int >= 2, got {n_classes!r}")


def _check_width(name: str, value: int | None, owner: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError(f"{owner} needs {name} to be a positive int, got {value!r}")


def _drop_head(module: nn.Module) -> nn.Module:
    """Replace a backbone's own classifier (``head`` next to a ``features`` method) by
    ``nn.Identity``: the composite model never calls it, and parameters that get no gradient
    trouble ``DistributedDataParallel`` and waste memory."""
    features = getattr(module, "features", None)
    head = getattr(module, "head", None)
    if callable(features) and not isinstance(features, nn.Module) and isinstance(head, nn.Module):
        module.head = nn.Identity()
    return module


def _backbone_width(
    backbone: nn.Module, feature_dim: int | None, example_input: Any, owner: str
) -> int:
    _check_width("feature_dim", feature_dim, owner)
    if feature_dim is not None:
        return feature_dim
    return feature_dim_of(backbone, example_input)


# ---------------------------------------------------------------------------------------- BBN


def cumulative_alpha(epoch: float, total_epochs: float) -> float:
    """BBN's cumulative-learning weight: ``alpha = 1 - (epoch / total_epochs) ** 2``.

    The parabolic decay of Zhou et al. (CVPR 2020): training starts on the conventional branch
    (alpha = 1, universal feature learning) and moves to the re-balancing branch (alpha -> 0)
    towards the end. ``epoch`` counts from 0; fractional epochs are allowed.

    Examples
    --------
    >>> [cumulative_alpha(t, 4) for t in range(5)]
    [1.0, 0.9375, 0.75, 0.4375, 0.0]
    """
    if not total_epochs > 0:
        raise InputError(f"total_epochs must be > 0, got {total_epochs}")
    if not 0 <= epoch <= total_epochs:
        raise InputError(f"epoch must lie in [0, total_epochs={total_epochs}], got {epoch}")
    return 1.0 - (float(epoch) / float(total_epochs)) ** 2


def reversed_class_probabilities(class_counts: Any) -> np.ndarray:
    """Class probabilities of BBN's reversed sampler: ``p_c = (1 / n_c) / sum_j (1 / n_j)``.

    The paper writes it as ``w_c = N_max / N_c`` and ``p_c = w_c / sum_j w_j`` (Zhou et al.,
    CVPR 2020), which is the same thing: the rarer a class, the more often it is drawn. A class
    with no rows gets probability 0. :class:`unskew.sampling.ClassBalancedSampler` with
    ``power=-1`` draws rows with these class probabilities.

    Parameters
    ----------
    class_counts : array-like of int, shape (C,)

    Returns
    -------
    numpy.ndarray of float64, shape (C,), summing to 1

    Examples
    --------
    >>> reversed_class_probabilities([300, 100, 0, 50]).round(3).tolist()
    [0.1, 0.3, 0.0, 0.6]
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or not np.isfinite(counts).all() or (counts < 0).any():
        raise InputError(
            f"class_counts must be a 1-D array of counts >= 0, got {np.asarray(class_counts)!r}"
        )
    if not (counts > 0).any():
        raise InputError("class_counts are all 0; the reversed sampler needs rows to draw")
    inverse = np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)
    return inverse / inverse.sum()


class BilateralBranchNetwork(nn.Module):
    """Bilateral-branch network (BBN; Zhou et al., CVPR 2020) on any backbone.

    The rule: shared early layers ``g = backbone.features(x)`` (or ``backbone(x)``), then a
    conventional branch ``f_c = B_c(g_c)`` fed by instance-sampled rows and a re-balancing branch
    ``f_r = B_r(g_r)`` fed by rows of a reversed sampler, each ``Linear -> BatchNorm -> ReLU``, and
    one linear classifier on the weighted concatenation
    ``z = W [alpha f_c, (1 - alpha) f_r] + b = W_c (alpha f_c) + W_r ((1 - alpha) f_r) + b``.
    ``alpha`` follows :func:`cumulative_alpha` during training (:meth:`forward_pair`); at inference
    both branches see the same input and ``alpha = 0.5`` (:meth:`forward`). The loss of a step is
    ``alpha * L(z, y_c) + (1 - alpha) * L(z, y_r)``.

    ``features(x) = [0.5 f_c, 0.5 f_r]`` (width ``feature_dim = 2 * branch_hidden``) and
    ``head`` is the classifier W, so head swaps and decoupled re-training work as with the
    built-in backbones. ``bilateral = True`` tells the training loop to use the protocol above.

    Parameters
    ----------
    backbone : nn.Module
        The shared layers. A backbone with ``features`` and ``head`` (the built-in ones) has its
        ``head`` replaced by ``nn.Identity``: it would never be used.
    n_classes : int
    feature_dim : int, optional
        Width of the backbone's features; by default its ``feature_dim`` attribute or a dry forward
        of ``example_input`` (:func:`unskew.models._infer.feature_dim_of`).
    branch_hidden : int, optional
        Width of each branch (default the backbone's feature width).
    example_input : optional
        A small batch for the dry forward that measures the backbone's feature width.

    Shape
    -----
    forward: input -> (N, n_classes); forward_pair: two inputs of N rows each -> (N, n_classes)

    References
    ----------
    B. Zhou, Q. Cui, X.-S. Wei and Z.-M. Chen, "BBN: Bilateral-Branch Network with Cumulative
    Learning for Long-Tailed Visual Recognition", CVPR 2020.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> bbn = BilateralBranchNetwork(MLP(10, 3, hidden=(16,)), n_classes=3)
    >>> xc, xr = torch.randn(4, 10), torch.randn(4, 10)
    >>> tuple(bbn.forward_pair(xc, xr, alpha=0.75).shape), tuple(bbn(xc).shape), bbn.feature_dim
    ((4, 3), (4, 3), 32)
    """

    bilateral = True
    cumulative_alpha = staticmethod(cumulative_alpha)
    reversed_class_probabilities = staticmethod(reversed_class_probabilities)

    def __init__(
        self,
        backbone: nn.Module,
        n_classes: int,
        feature_dim: int | None = None,
        branch_hidden: int | None = None,
        *,
        example_input: Any = None,
    ) -> None:
        super().__init__()
        _check_n_classes(n_classes, "BilateralBranchNetwork")
        _check_width("branch_hidden", branch_hidden, "BilateralBranchNetwork")
        width = _backbone_width(backbone, feature_dim, example_input, "BilateralBranchNetwork")
        hidden = width if branch_hidden is None else branch_hidden
        self.backbone = _drop_head(backbone)
        self.conventional = self._branch(width, hidden)
        self.rebalancing = self._branch(width, hidden)
        self.feature_dim = 2 * hidden
        self.head: nn.Module = nn.Linear(2 * hidden, n_classes)

    @staticmethod
    def _branch(width: int, hidden: int) -> nn.Sequential:
        return nn.Sequential(nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU())

    def _shared(self, x: Any) -> torch.Tensor:
        g = features_of(self.backbone, x)
        if g.ndim != 2:
            raise InputError(
                f"the backbone's features must be (N, D), got shape {tuple(g.shape)}; end it with "
                "nn.Flatten() or global pooling"
            )
        return g

    def branch_features(
        self, x_conventional: Any, x_rebalancing: Any, alpha: float
    ) -> torch.Tensor:
        """``[alpha f_c, (1 - alpha) f_r]`` (N, feature_dim), what the classifier sees."""
        alpha = float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise InputError(f"alpha must lie in [0, 1], got {alpha}; use cumulative_alpha()")
        f_c = self.conventional(self._shared(x_conventional))
        f_r = self.rebalancing(self._shared(x_rebalancing))
        if f_c.shape[0] != f_r.shape[0]:
            raise InputError(
                f"the conventional batch has {f_c.shape[0]} rows and the re-balancing batch "
                f"{f_r.shape[0]}; draw batches of the same size (drop_last=True on both loaders)"
            )
        return torch.cat([alpha * f_c, (1.0 - alpha) * f_r], dim=1)

    def features(self, x: Any) -> torch.Tensor:
        """Inference features ``[0.5 f_c, 0.5 f_r]`` of one input (N, feature_dim)."""
        g = self._shared(x)
        return torch.cat([0.5 * self.conventional(g), 0.5 * self.rebalancing(g)], dim=1)

    def forward(self, x: Any) -> torch.Tensor:
        """Inference: the same input on both branches and ``alpha = 0.5``."""
        return self.head(self.features(x))

    def forward_pair(self, x_conventional: Any, x_rebalancing: Any, alpha: float) -> torch.Tensor:
        """Training: ``z = W [alpha f_c(x_c), (1 - alpha) f_r(x_r)] + b`` (N, n_classes).

        Each input goes through the shared backbone on its own (so batch norm sees each batch's
        own statistics); with ``alpha = 1`` the logits do not depend on ``x_rebalancing``.
        """
        return self.head(self.branch_features(x_conventional, x_rebalancing, alpha))


# ------------------------------------------------------------------------------ group experts


def _check_groups(groups: Any, n_classes: int) -> list[list[int]]:
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence) or not groups:
        raise InputError(
            f"groups must be a non-empty list of lists of class indices, got {groups!r}; e.g. "
            "groups=head_tail_groups(class_counts)"
        )
    parsed: list[list[int]] = []
    for k, group in enumerate(groups):
        try:
            members = [int(c) for c in group]
            exact = all(float(c) == int(c) for c in group)
        except (TypeError, ValueError):
            raise InputError(f"group {k} must be a list of class indices, got {group!r}") from None
        if not members or not exact:
            raise InputError(
                f"group {k} must be a non-empty list of int class indices, got {group!r}"
            )
        parsed.append(members)
    flat = [c for group in parsed for c in group]
    outside = sorted({c for c in flat if not 0 <= c < n_classes})
    if outside:
        raise InputError(
            f"groups name class(es) {outside} outside 0..{n_classes - 1}; use class indices "
            f"0..n_classes-1"
        )
    seen, twice = set(), set()
    for c in flat:
        (twice if c in seen else seen).add(c)
    if twice:
        raise InputError(
            f"class(es) {sorted(twice)} appear in more than one group (or twice in one); every "
            "class must be in exactly one group"
        )
    missing = sorted(set(range(n_classes)) - seen)
    if missing:
        raise InputError(
            f"class(es) {missing} are in no group; every class of 0..{n_classes - 1} must be in "
            "exactly one group"
        )
    return parsed


def head_tail_groups(class_counts: Any, tail_share: float = 0.5) -> list[list[int]]:
    """Split classes into ``[head, tail]`` by their number of rows.

    The rule: the ``round(tail_share * C)`` classes with the fewest rows (at least 1, at most
    C - 1; ties go to the higher class index) form the tail group, the others the head group; each
    group is sorted.

    Examples
    --------
    >>> head_tail_groups([500, 20, 300, 5, 60])
    [[0, 2, 4], [1, 3]]
    >>> head_tail_groups([500, 20, 300, 5, 60], tail_share=0.2)
    [[0, 1, 2, 4], [3]]
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 2 or not np.isfinite(counts).all():
        raise InputError(
            f"class_counts must be a 1-D array of at least 2 counts, got {np.asarray(class_counts)!r}"
        )
    if not 0.0 < tail_share < 1.0:
        raise InputError(f"tail_share must lie in (0, 1), got {tail_share}")
    n_tail = min(max(round(tail_share * counts.size), 1), counts.size - 1)
    # fewest rows first; among equal counts the higher index first
    order = sorted(range(counts.size), key=lambda c: (counts[c], -c))
    tail = sorted(order[:n_tail])
    head = sorted(order[n_tail:])
    return [head, tail]


class GroupExperts(nn.Module):
    """Shared features and one expert classifier per group of classes (e.g. head and tail).

    The rule: ``g = backbone.features(x)``; expert k, a small MLP ``Linear -> ReLU -> Linear``,
    scores only its own classes G_k, ``z_k = E_k(g) + beta_k`` with a learned per-expert bias
    ``beta_k``; the model's logits (N, C) put ``z_k`` at the positions G_k. The main loss on these
    logits makes the experts compete (and calibrates the biases); :meth:`auxiliary_loss` adds, for
    each expert, the cross-entropy of ``z_k`` over the rows whose label is in G_k only, so the tail
    expert learns from tail rows without competing with head classes (the idea of class-group
    branches, as in BAGS, Li et al., CVPR 2020, and LFME, Xiang et al., ECCV 2020).

    Parameters
    ----------
    backbone : nn.Module
        The shared layers. A backbone with ``features`` and ``head`` (the built-in ones) has its
        ``head`` replaced by ``nn.Identity``: it would never be used.
    n_classes : int
    groups : list of list of int
        Class indices; every class in exactly one group (see :func:`head_tail_groups`).
    feature_dim : int, optional
        Width of the backbone's features (inferred like :class:`BilateralBranchNetwork`'s).
    expert_hidden : int, optional
        Width of each expert's hidden layer (default the feature width).
    aux_weight : float, default=1.0
        Multiplies the sum of the experts' losses in :meth:`auxiliary_loss`.
    expert_loss : callable, optional
        ``loss(logits, y)`` of each expert on its own classes (default cross-entropy).
    example_input : optional
        A small batch for the dry forward that measures the backbone's feature width.

    Attributes
    ----------
    expert_logits : list of Tensor
        ``z_k`` (N, len(G_k)) of the last training-mode forward (empty after an eval-mode one).

    Shape
    -----
    input -> (N, n_classes)

    References
    ----------
    Y. Li et al., "Overcoming Classifier Imbalance for Long-tail Object Detection with Balanced
    Group Softmax", CVPR 2020; L. Xiang, G. Ding and J. Han, "Learning From Multiple Experts",
    ECCV 2020.

    Examples
    --------
    >>> from unskew.models import MLP
    >>> model = GroupExperts(MLP(6, 4, hidden=(8,)), n_classes=4, groups=[[0, 2], [1, 3]])
    >>> x, y = torch.randn(5, 6), torch.tensor([0, 1, 2, 3, 3])
    >>> tuple(model(x).shape), [tuple(z.shape) for z in model.expert_logits]
    ((5, 4), [(5, 2), (5, 2)])
    >>> bool(model.auxiliary_loss(y) > 0)
    True
    """

    expert_logits: list[torch.Tensor]

    def __init__(
        self,
        backbone: nn.Module,
        n_classes: int,
        groups: Sequence[Sequence[int]],
        feature_dim: int | None = None,
        *,
        expert_hidden: int | None = None,
        aux_weight: float = 1.0,
        expert_loss: Any = None,
        example_input: Any = None,
    ) -> None:
        super().__init__()
        _check_n_classes(n_classes, "GroupExperts")
        _check_width("expert_hidden", expert_hidden, "GroupExperts")
        groups = _check_groups(groups, n_classes)
        if not 0.0 <= float(aux_weight) < math.inf:
            raise InputError(f"aux_weight must be finite and >= 0, got {aux_weight}")
        if expert_loss is not None and not callable(expert_loss):
            raise InputError(
                f"expert_loss must be callable as loss(logits, y), got {expert_loss!r}"
            )
        width = _backbone_width(backbone, feature_dim, example_input, "GroupExperts")
        hidden = width if expert_hidden is None else expert_hidden
        self.backbone = _drop_head(backbone)
        self.groups = groups
        self.n_classes = n_classes
        self.feature_dim = width
        self.aux_weight = float(aux_weight)
        self.expert_loss = expert_loss
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, len(g)))
            for g in groups
        )
        self.group_bias = nn.Parameter(torch.zeros(len(groups)))
        order = torch.tensor([c for g in groups for c in g])
        group_of = torch.empty(n_classes, dtype=torch.int64)
        local = torch.empty(n_classes, dtype=torch.int64)
        for k, g in enumerate(groups):
            group_of[g] = k
            local[g] = torch.arange(len(g))
        # column j of the concatenated expert outputs is class order[j]; inverse puts it back
        self.register_buffer("inverse", torch.argsort(order), persistent=False)
        self.register_buffer("group_of", group_of, persistent=False)
        self.register_buffer("local_index", local, persistent=False)
        self.expert_logits = []

    def __getstate__(self) -> dict[str, Any]:
        # the last expert logits hold an autograd graph, which copy.deepcopy and pickle refuse
        state = super().__getstate__()
        state["expert_logits"] = []
        return state

    def features(self, x: Any) -> torch.Tensor:
        """The shared features (N, feature_dim)."""
        return features_of(self.backbone, x)

    def forward(self, x: Any) -> torch.Tensor:
        g = self.features(x)
        outs = [expert(g) + self.group_bias[k] for k, expert in enumerate(self.experts)]
        self.expert_logits = outs if self.training else []
        return torch.cat(outs, dim=1).index_select(1, self.inverse)

    def auxiliary_loss(self, y: torch.Tensor, loss_fn: Any = None) -> torch.Tensor:
        """``aux_weight * sum_k loss(z_k[rows of G_k], local label)`` of the last training forward.

        Each expert's loss is averaged over the rows of the batch whose label is in its group (an
        expert with no such row adds 0). The expert loss is ``expert_loss`` or cross-entropy;
        ``loss_fn`` (the training loop's loss) is accepted for the protocol but not used: it is
        built for all C classes (its margins or priors do not fit a group's sub-problem).

        Parameters
        ----------
        y : LongTensor (N,)
            Labels of the batch just passed to ``forward``.
        loss_fn : callable, optional
            Ignored (see above).

        Returns
        -------
        Tensor, 0-d
        """
        del loss_fn
        if not self.expert_logits:
            return torch.zeros((), device=y.device)
        if y.ndim != 1 or y.shape[0] != self.expert_logits[0].shape[0]:
            raise InputError(
                f"y must be the (N,) labels of the last batch ({self.expert_logits[0].shape[0]} "
                f"rows), got shape {tuple(y.shape)}"
            )
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= self.n_classes):
            raise InputError(
                f"labels must lie in 0..{self.n_classes - 1}, got {int(y.min())}..{int(y.max())}"
            )
        fn = self.expert_loss if self.expert_loss is not None else F.cross_entropy
        y = y.to(self.group_of.device)
        total = torch.zeros((), device=self.expert_logits[0].device)
        group = self.group_of[y]
        for k, z in enumerate(self.expert_logits):
            rows = torch.nonzero(group == k).squeeze(1)
            if rows.numel() == 0:
                continue
            value = fn(z[rows].float(), self.local_index[y[rows]])
            total = total + (value.mean() if value.ndim else value)
        return self.aux_weight * total


# ----------------------------------------------------------------------- multi-input network


def numeric_categorical_groups(
    feature_names: Sequence[str], categorical_prefixes: Sequence[str]
) -> dict[str, list[int]]:
    """Column groups of a table with one-hot blocks: one group per categorical prefix, and the
    remaining columns as ``"numeric"``, for :class:`MultiInputNetwork`'s ``column_groups``.

    A column belongs to the first prefix it starts with. A group's name is its prefix without
    trailing ``_``, ``=``, ``.`` or ``:`` (other dots become ``_``).

    Examples
    --------
    >>> names = ["age", "color_red", "color_blue", "income", "city=Oslo", "city=Rome"]
    >>> numeric_categorical_groups(names, ["color_", "city="])
    {'numeric': [0, 3], 'color': [1, 2], 'city': [4, 5]}
    """
    names = [str(n) for n in feature_names]
    if isinstance(categorical_prefixes, str):
        categorical_prefixes = [categorical_prefixes]
    groups: dict[str, list[int]] = {}
    taken: set[int] = set()
    blocks = []
    for prefix in categorical_prefixes:
        cols = [i for i, n in enumerate(names) if n.startswith(prefix) and i not in taken]
        if not cols:
            raise InputError(
                f"no column starts with the categorical prefix {prefix!r}; column names start "
                f"with e.g. {names[:6]}"
            )
        key = prefix.rstrip("_=.:").replace(".", "_") or prefix
        if key in blocks or key == "numeric":
            raise InputError(f"two column groups would both be named {key!r}; rename a prefix")
        blocks.append(key)
        groups[key] = cols
        taken.update(cols)
    numeric = [i for i in range(len(names)) if i not in taken]
    return {"numeric": numeric, **groups} if numeric else groups


class MultiInputNetwork(nn.Module):
    """One branch per input part, fused by an MLP before a linear head.

    The rule: part k of the input goes through its own branch, ``h_k = branch_k(x_k)`` (its
    ``features`` when it has them, so a built-in backbone's head is skipped); the branch outputs
    are concatenated and fused, ``features(x) = Dropout(ReLU(W [h_1, ..., h_K] + b))`` of width
    ``feature_dim = fusion_hidden``, and ``forward(x) = head(features(x))``. The parts are either

    * column groups of one 2-D float table (``column_groups``): part k is ``x[:, column_groups[k]]``
      and each branch defaults to a small MLP (``Linear -> ReLU -> Linear -> ReLU`` of width
      ``branch_hidden``); columns in no group are ignored; or
    * separate tensors (no ``column_groups``): ``forward`` takes a tuple or list with one tensor
      per branch (e.g. an image and a table), or a dict keyed by branch name.

    Parameters
    ----------
    branches : dict str -> nn.Module, list of nn.Module, or None
        None (only with ``column_groups``) builds the default MLP branches. A branch with
        ``features`` and ``head`` (a built-in backbone) has its ``head`` replaced by
        ``nn.Identity``: it would never be used.
    n_classes : int
    column_groups : list of list of int, or dict str -> list of int, optional
        Column indices of each branch's part of the table (see :func:`numeric_categorical_groups`).
    fusion_hidden : int, default=64
        Width of the fusion layer, i.e. of ``features()``.
    branch_hidden : int, default=32
        Width of the default MLP branches.
    feature_dims : list or dict of int, optional
        Output width of each branch, when neither its ``feature_dim`` attribute nor a dry forward
        can tell it.
    example_inputs : tuple, list or dict, optional
        A small batch per branch for the dry forwards that measure the branch widths (for column
        groups, zero rows are used automatically).
    dropout : float, default=0.1
        Dropout after the fusion layer.

    Shape
    -----
    (N, F) with column groups, or a tuple of K inputs of N rows -> (N, n_classes)

    Examples
    --------
    >>> net = MultiInputNetwork(None, n_classes=3, column_groups=[[0, 1, 2], [3, 4]])
    >>> tuple(net(torch.randn(6, 5)).shape), net.feature_dim
    ((6, 3), 64)
    >>> from unskew.models import MLP, SmallCNN
    >>> both = MultiInputNetwork({"image": SmallCNN(1, 3, width=16), "table": MLP(4, 3, hidden=(8,))}, 3)
    >>> tuple(both((torch.randn(2, 1, 8, 8), torch.randn(2, 4))).shape)
    (2, 3)
    """

    def __init__(
        self,
        branches: Mapping[str, nn.Module] | Sequence[nn.Module] | None,
        n_classes: int,
        column_groups: Mapping[str, Sequence[int]] | Sequence[Sequence[int]] | None = None,
        fusion_hidden: int = 64,
        *,
        branch_hidden: int = 32,
        feature_dims: Mapping[str, int] | Sequence[int] | None = None,
        example_inputs: Any = None,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        _check_n_classes(n_classes, "MultiInputNetwork")
        _check_width("fusion_hidden", fusion_hidden, "MultiInputNetwork")
        _check_width("branch_hidden", branch_hidden, "MultiInputNetwork")
        if not 0.0 <= dropout < 1.0:
            raise InputError(f"MultiInputNetwork needs 0 <= dropout < 1, got {dropout}")
        groups = self._parse_column_groups(column_groups)
        modules = self._parse_branches(branches, groups, branch_hidden)
        self.branches = nn.ModuleDict(modules)
        self.names = list(modules)
        self.column_mode = groups is not None
        self.max_column = -1
        if groups is not None:
            self.max_column = max(max(cols) for cols in groups.values())
            for k, cols in enumerate(groups.values()):
                self.register_buffer(f"columns_{k}", torch.tensor(cols), persistent=False)
        widths = self._widths(groups, feature_dims, example_inputs)
        self.branch_dims = widths
        self.fusion = nn.Sequential(
            nn.Linear(sum(widths), fusion_hidden), nn.ReLU(), nn.Dropout(dropout)
        )
        self.feature_dim = fusion_hidden
        self.head: nn.Module = nn.Linear(fusion_hidden, n_classes)

    # ------------------------------------------------------------------ construction helpers

    @staticmethod
    def _parse_column_groups(column_groups: Any) -> dict[str, list[int]] | None:
        if column_groups is None:
            return None
        if isinstance(column_groups, Mapping):
            items = [(str(k), v) for k, v in column_groups.items()]
        elif isinstance(column_groups, Sequence) and not isinstance(column_groups, str):
            items = [(f"group{k}", v) for k, v in enumerate(column_groups)]
        else:
            raise InputError(
                f"column_groups must be a list of lists of column indices (or a dict name -> "
                f"list), got {column_groups!r}"
            )
        if not items:
            raise InputError("column_groups is empty; give at least one group of columns")
        groups = {}
        for name, cols in items:
            try:
                parsed = [int(c) for c in cols]
            except (TypeError, ValueError):
                raise InputError(
                    f"column group {name!r} must be a list of column indices, got {cols!r}"
                ) from None
            if not parsed or min(parsed) < 0:
                raise InputError(
                    f"column group {name!r} must be a non-empty list of indices >= 0, got {cols!r}"
                )
            groups[name] = parsed
        return groups

    @staticmethod
    def _parse_branches(
        branches: Any, groups: dict[str, list[int]] | None, branch_hidden: int
    ) -> dict[str, nn.Module]:
        if branches is None:
            if groups is None:
                raise InputError(
                    "MultiInputNetwork needs branches (a dict or list of modules, one per input) "
                    "or column_groups (then each group gets a default MLP branch)"
                )
            return {
                name: nn.Sequential(
                    nn.Linear(len(cols), branch_hidden),
                    nn.ReLU(),
                    nn.Linear(branch_hidden, branch_hidden),
                    nn.ReLU(),
                )
                for name, cols in groups.items()
            }
        if isinstance(branches, Mapping):
            modules = {str(k): v for k, v in branches.items()}
        elif isinstance(branches, Sequence):
            names = list(groups) if groups is not None else None
            modules = {
                (names[k] if names and k < len(names) else f"branch{k}"): b
                for k, b in enumerate(branches)
            }
        else:
            raise InputError(
                f"branches must be a dict name -> nn.Module or a list of nn.Module, got "
                f"{type(branches).__name__}"
            )
        if not modules:
            raise InputError("branches is empty; give one module per input")
        for name, module in modules.items():
            if not isinstance(module, nn.Module):
                raise InputError(
                    f"branch {name!r} must be an nn.Module, got {type(module).__name__}"
                )
            if not name or "." in name:
                raise InputError(f"branch names must be non-empty and without '.', got {name!r}")
            _drop_head(module)
        if groups is not None and len(groups) != len(modules):
            raise InputError(
                f"{len(modules)} branches for {len(groups)} column groups; give one branch per "
                "group, or branches=None for default MLP branches"
            )
        return modules

    def _widths(
        self, groups: dict[str, list[int]] | None, feature_dims: Any, example_inputs: Any
    ) -> list[int]:
        dims = self._per_branch(feature_dims, "feature_dims")
        examples = self._per_branch(example_inputs, "example_inputs")
        if groups is not None:
            examples = [torch.zeros(2, len(cols)) for cols in groups.values()]
        widths = []
        for k, (name, branch) in enumerate(self.branches.items()):
            if dims[k] is not None:
                _check_width(f"feature_dims[{name!r}]", dims[k], "MultiInputNetwork")
                widths.append(int(dims[k]))
                continue
            try:
                widths.append(feature_dim_of(branch, examples[k]))
            except InputError as err:
                raise InputError(
                    f"branch {name!r}: {err} (for MultiInputNetwork give feature_dims=[...] or "
                    "example_inputs=(...), one per branch)"
                ) from None
        return widths

    def _per_branch(self, values: Any, what: str) -> list[Any]:
        if values is None:
            return [None] * len(self.names)
        if isinstance(values, Mapping):
            unknown = sorted(set(map(str, values)) - set(self.names))
            if unknown:
                raise InputError(
                    f"{what} names unknown branch(es) {unknown}; branches: {self.names}"
                )
            return [values.get(name) for name in self.names]
        if isinstance(values, (list, tuple)) and len(values) == len(self.names):
            return list(values)
        raise InputError(
            f"{what} must have one entry per branch ({len(self.names)}: {self.names}), as a list "
            "or a dict keyed by branch name"
        )

    # ------------------------------------------------------------------ forward

    def _parts(self, x: Any) -> list[Any]:
        if self.column_mode:
            if not isinstance(x, torch.Tensor) or x.ndim != 2 or not x.is_floating_point():
                got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
                raise InputError(
                    f"with column_groups MultiInputNetwork takes one float table (N, F), got {got}"
                )
            if x.shape[1] <= self.max_column:
                raise InputError(
                    f"column_groups use column {self.max_column} but the table has "
                    f"{x.shape[1]} columns"
                )
            return [
                x.index_select(1, getattr(self, f"columns_{k}")) for k in range(len(self.names))
            ]
        if isinstance(x, Mapping):
            missing = [n for n in self.names if n not in x]
            if missing:
                raise InputError(
                    f"the input dict lacks branch(es) {missing}; it needs {self.names}"
                )
            return [x[n] for n in self.names]
        if not isinstance(x, (tuple, list)) or len(x) != len(self.names):
            got = f"{len(x)} parts" if isinstance(x, (tuple, list)) else type(x).__name__
            raise InputError(
                f"MultiInputNetwork takes a tuple of {len(self.names)} inputs, one per branch "
                f"{self.names}, got {got}"
            )
        return list(x)

    def branch_outputs(self, x: Any) -> list[torch.Tensor]:
        """``h_k`` of each branch, (N, branch_dims[k])."""
        outs = []
        for name, part in zip(self.names, self._parts(x), strict=True):
            h = features_of(self.branches[name], part)
            if h.ndim != 2:
                raise InputError(
                    f"branch {name!r} returned shape {tuple(h.shape)}; a branch must return "
                    "(N, D): end it with nn.Flatten() or global pooling"
                )
            outs.append(h)
        return outs

    def features(self, x: Any) -> torch.Tensor:
        """The fused representation (N, feature_dim)."""
        return self.fusion(torch.cat(self.branch_outputs(x), dim=1))

    def forward(self, x: Any) -> torch.Tensor:
        return self.head(self.features(x))
