"""Data-stage resamplers with imbalanced-learn's ``fit_resample(X, y)`` contract.

* Torch-native ``SMOTE``, ``BorderlineSMOTE`` and ``ADASYN``: exact chunked neighbour search on
  CPU or GPU tensors, inputs of any trailing shape (images), NumPy or torch in, the same type out.
* The classic tabular resamplers imbalanced-learn already does well, re-exported unchanged:
  ``TomekLinks``, ``EditedNearestNeighbours``, ``NearMiss``; ``SMOTENC`` is imbalanced-learn's
  with ``categorical_features="auto"`` meaning the columns unskew encodes as categories (text,
  object, category, boolean), with one-line errors; ``smote_tomek`` and
  ``smote_enn`` build imbalanced-learn's ``SMOTETomek``/``SMOTEENN`` with their SMOTE's
  ``k_neighbors``; ``RandomOverSampler`` and ``RandomUnderSampler`` add ``resample_index`` (the
  rows to repeat or keep) for datasets not held in memory.
* ``EasyEnsembleSubsets`` (balanced subsets for ensembles) and ``smote_batch`` (feature-space SMOTE
  inside a batch).
"""

from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.under_sampling import EditedNearestNeighbours, NearMiss, TomekLinks

from unskew.resampling._batch import SmoteBatch, smote_batch
from unskew.resampling._combine import smote_enn, smote_tomek
from unskew.resampling._ensemble import EasyEnsembleSubsets
from unskew.resampling._neighbors import kneighbors
from unskew.resampling._random import RandomOverSampler, RandomUnderSampler
from unskew.resampling._smote import ADASYN, SMOTE, BorderlineSMOTE
from unskew.resampling._smote_nc import SMOTENC

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEENN",
    "SMOTENC",
    "BorderlineSMOTE",
    "EasyEnsembleSubsets",
    "EditedNearestNeighbours",
    "NearMiss",
    "RandomOverSampler",
    "RandomUnderSampler",
    "SMOTETomek",
    "SmoteBatch",
    "TomekLinks",
    "kneighbors",
    "smote_batch",
    "smote_enn",
    "smote_tomek",
]
