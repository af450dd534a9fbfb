"""Minority-seeking data collection: which unlabelled rows to label next.

When the rare class is rare in the data you can still collect, labelling a random sample finds it at
its base rate. Ranking the unlabelled pool by a model's minority probability (or by its uncertainty
near the decision threshold) and spreading each batch over the model's feature space finds far
more minority rows per label spent (Settles, Active Learning Literature Survey, 2009; Attenberg &
Provost, Why Label When You Can Search?, KDD 2010; Sener & Savarese, Core-Set selection, ICLR 2018).
"""

from unskew.active._suggest import STRATEGIES, minority_index, suggest

__all__ = ["STRATEGIES", "minority_index", "suggest"]
