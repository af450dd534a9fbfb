"""Model parts for imbalanced learning: built-in backbones, classifier heads, attention blocks,
auxiliary heads, multi-branch networks, text models and transfer learning."""

from unskew.models.attention import CBAM, AttentionPooling, FeatureTokenAttention, SqueezeExcitation
from unskew.models.auxiliary import AuxiliaryHead, WithAuxiliaryHeads
from unskew.models.backbones import MLP, SmallCNN
from unskew.models.branches import BilateralBranchNetwork, GroupExperts, MultiInputNetwork
from unskew.models.heads import (
    CosineClassifier,
    LearnableWeightScaling,
    NearestClassMean,
    TauNormalizedLinear,
)
from unskew.models.text import BagOfEmbeddings, TextVectorizer
from unskew.models.transfer import EncoderClassifier, load_pretrained

__all__ = [
    "CBAM",
    "MLP",
    "AttentionPooling",
    "AuxiliaryHead",
    "BagOfEmbeddings",
    "BilateralBranchNetwork",
    "CosineClassifier",
    "EncoderClassifier",
    "FeatureTokenAttention",
    "GroupExperts",
    "LearnableWeightScaling",
    "MultiInputNetwork",
    "NearestClassMean",
    "SmallCNN",
    "SqueezeExcitation",
    "TauNormalizedLinear",
    "TextVectorizer",
    "WithAuxiliaryHeads",
    "load_pretrained",
]
