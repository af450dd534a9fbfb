"""Data augmentation for imbalanced learning: images, texts, tables and mixing.

* Images (:mod:`unskew.augment.image`): batched, device-agnostic, seeded tensor operations
  (``random_rotation``, ``random_scale``, ``random_crop``, ``random_flip``, ``color_jitter``,
  ``gaussian_noise``, ``cutout``), the ``ImageAugment`` pipeline, ``MinorityAugment`` (rarer
  classes augmented more often) and ``AugmentOverSampler`` (random over-sampling with augmented
  copies, imbalanced-learn's ``fit_resample`` contract).
* Texts (:mod:`unskew.augment.text`): EDA's word operations, ``sentence_shuffle``,
  ``EncoderSynonyms`` (synonyms from the offline sentence encoder), ``EDA`` and
  ``TextAugmentOverSampler``.
* Tables (:mod:`unskew.augment.table`): ``feature_noise`` and ``FeatureNoiseOverSampler``.
* Mixing (:mod:`unskew.augment.mix`): ``mixup``, ``remix`` (rebalanced mixup), ``mixed_loss`` and
  the ``Mixup`` / ``Remix`` wrappers.
"""

from unskew.augment._base import sampling_targets
from unskew.augment.image import (
    AugmentOverSampler,
    ImageAugment,
    MinorityAugment,
    color_jitter,
    cutout,
    gaussian_noise,
    minority_probabilities,
    random_crop,
    random_flip,
    random_rotation,
    random_scale,
)
from unskew.augment.mix import Mixup, Remix, mixed_loss, mixup, remix
from unskew.augment.table import FeatureNoiseOverSampler, feature_noise
from unskew.augment.text import (
    EDA,
    STOP_WORDS,
    EncoderSynonyms,
    TextAugmentOverSampler,
    random_deletion,
    random_insertion,
    random_swap,
    sentence_shuffle,
    synonym_replacement,
)

__all__ = [
    "EDA",
    "STOP_WORDS",
    "AugmentOverSampler",
    "EncoderSynonyms",
    "FeatureNoiseOverSampler",
    "ImageAugment",
    "MinorityAugment",
    "Mixup",
    "Remix",
    "TextAugmentOverSampler",
    "color_jitter",
    "cutout",
    "feature_noise",
    "gaussian_noise",
    "minority_probabilities",
    "mixed_loss",
    "mixup",
    "random_crop",
    "random_deletion",
    "random_flip",
    "random_insertion",
    "random_rotation",
    "random_scale",
    "random_swap",
    "remix",
    "sampling_targets",
    "sentence_shuffle",
    "synonym_replacement",
]
