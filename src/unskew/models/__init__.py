"""Model parts for imbalanced learning: built-in backbones, classifier heads, attention blocks,
auxiliary heads, multi-branch networks, text models and transfer learning.

``BACKBONES`` names the built-in backbones (``mlp``, ``cnn``, ``resnet32``, ``resnet18``) with the
input each takes; ``build_backbone(name, ...)`` builds one."""

from unskew.models.attention import CBAM, AttentionPooling, FeatureTokenAttention, SqueezeExcitation
from unskew.models.auxiliary import AuxiliaryHead, WithAuxiliaryHeads
from unskew.models.backbones import BACKBONES, MLP, SmallCNN, build_backbone
from unskew.models.branches import BilateralBranchNetwork, GroupExperts, MultiInputNetwork
from unskew.models.heads import (
    CosineClassifier,
    LearnableWeightScaling,
    NearestClassMean,
    TauNormalizedLinear,
)
from unskew.models.resnet import ResNet, resnet18, resnet32
from unskew.models.text import BagOfEmbeddings, TextVectorizer
from unskew.models.transfer import EncoderClassifier, load_pretrained

__all__ = [
    "BACKBONES",
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
    "ResNet",
    "SmallCNN",
    "SqueezeExcitation",
    "TauNormalizedLinear",
    "TextVectorizer",
    "WithAuxiliaryHeads",
    "build_backbone",
    "load_pretrained",
    "resnet18",
    "resnet32",
]
