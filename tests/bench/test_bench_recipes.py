"""recipes_for: the quick set, every registered strategy, and validated lists."""

from __future__ import annotations

import pytest

from unskew.bench import BASELINE, recipes_for, skipped_strategies, split_specs
from unskew.exceptions import InputError
from unskew.recipes import parse_recipe
from unskew.registry import get_registry


def test_quick_binary_table_covers_every_stage_with_the_baseline_first():
    specs = recipes_for("quick", "table", 2)
    assert specs[0] == BASELINE
    assert "cross_entropy+threshold:f1" in specs
    assert "cross_entropy+logit_adjust" not in specs
    assert "smote+cross_entropy" in specs
    stages = {get_registry().get(p.name).stage for s in specs for p in parse_recipe(s).parts}
    assert stages == {"data", "batch", "objective", "model", "decision", "meta"}
    assert len(specs) == len({parse_recipe(s).to_spec() for s in specs})


def test_quick_multiclass_swaps_the_threshold_for_logit_adjustment():
    specs = recipes_for("quick", "table", 4)
    assert "cross_entropy+logit_adjust" in specs
    assert not any("threshold" in s for s in specs)


@pytest.mark.parametrize("modality", ["image", "text"])
def test_quick_leaves_smote_to_tables_and_only_keeps_parts_of_the_modality(modality):
    specs = recipes_for("quick", modality, 2)
    assert "smote+cross_entropy" not in specs
    assert not any("stacking" in s for s in specs)  # its forest and linear members need tables
    for spec in specs:
        parse_recipe(spec, modality=modality)  # raises if a part does not apply


@pytest.mark.parametrize(("modality", "n_classes"), [("table", 2), ("table", 5), ("image", 3)])
def test_all_is_one_recipe_per_applicable_strategy(modality, n_classes):
    specs = recipes_for("all", modality, n_classes)
    assert specs[0] == BASELINE
    skipped = skipped_strategies(modality, n_classes)
    named = {p.name for s in specs for p in parse_recipe(s, modality=modality).parts}
    applicable = {s.name for s in get_registry().list(modality=modality)} - set(skipped)
    assert named == applicable
    for spec in specs[1:]:  # each recipe is cross_entropy around one strategy, or a loss alone
        parts = [p.name for p in parse_recipe(spec).parts]
        assert len(parts) == 1 or (len(parts) == 2 and BASELINE in parts)
    assert not (named & set(skipped))


def test_all_skips_what_cannot_run_here_with_the_reason():
    skipped = skipped_strategies("table", 3)
    assert "3 classes" in skipped["threshold"]
    assert "cost matrix" in skipped["cost_sensitive"]  # no default for its main parameter
    assert "image" in skipped["dice"]
    assert "torchrun" in skipped["distributed_balanced_sampler"]
    assert "threshold" not in skipped_strategies("table", 2)
    assert "cross_entropy+threshold" in recipes_for("all", "table", 2)


def test_a_list_is_validated_deduplicated_and_gets_the_baseline_first():
    specs = recipes_for(["ldam+drw", "focal:2", "focal:gamma=2", "cross_entropy"], "table", 2)
    assert specs == ["cross_entropy", "ldam+drw", "focal:2"]
    assert recipes_for("balanced_softmax", "table", 3) == ["cross_entropy", "balanced_softmax"]


def test_an_unknown_name_suggests_the_closest_one():
    with pytest.raises(InputError, match="unknown strategy 'focl'.*did you mean 'focal'"):
        recipes_for(["focl"], "table", 2)


def test_parts_of_another_modality_or_class_count_are_refused():
    with pytest.raises(InputError, match="applies to image data"):
        recipes_for(["dice"], "table", 2)
    with pytest.raises(InputError, match="threshold is for two classes; the data has 3 classes"):
        recipes_for(["cross_entropy+threshold:f1"], "table", 3)
    with pytest.raises(InputError, match="no recipes given"):
        recipes_for([], "table", 2)
    with pytest.raises(InputError, match="modality"):
        recipes_for("quick", "audio", 2)


def test_a_command_line_list_splits_between_recipes_not_inside_a_part():
    assert split_specs("focal:gamma=2,alpha=0.25,ldam+drw") == [
        "focal:gamma=2,alpha=0.25",
        "ldam+drw",
    ]
    assert split_specs("smote:7,cross_entropy+threshold:f1") == [
        "smote:7",
        "cross_entropy+threshold:f1",
    ]
    assert split_specs("a;b") == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "focal:gamma=2,alpha=0.25",  # keyword parameters
        "focal:alpha=0.25,2",  # a value for the main parameter after a keyword
        "smote:7",
        "threshold:fbeta:2",
        "threshold:precision>=0.9",
        "cost_sensitive:cost_matrix=[[0,1],[5,0]]",
        "stack_recipes:recipes=[focal:gamma=2,alpha=0.25; ldam+drw]",  # spaces inside brackets
        "smote + focal",  # spaces around + : = join
        "focal : gamma = 2",
    ],
)
def test_every_comma_and_space_of_the_recipe_grammar_stays_inside_its_recipe(text):
    assert split_specs(text) == [text]
    assert split_specs(f"{text}, balanced_softmax") == [text, "balanced_softmax"]
    assert split_specs(f"ldam+drw {text}") == ["ldam+drw", text]
    parse_recipe(text)  # a legal recipe, not a string that merely survives splitting


def test_spaces_separate_recipes_as_commas_do():
    assert split_specs("focal balanced_softmax") == ["focal", "balanced_softmax"]
    assert split_specs("focal:gamma=2 ldam+drw,  smote") == ["focal:gamma=2", "ldam+drw", "smote"]
    assert recipes_for("focal balanced_softmax", "table", 3) == [
        "cross_entropy",
        "focal",
        "balanced_softmax",
    ]


@pytest.mark.parametrize(
    "text",
    ["smoteee,focal", "cross_entropy,smoteee", "focal:gamma=2,smoteee", "focal smoteee+drw"],
)
def test_an_unknown_name_anywhere_in_the_list_is_named_with_a_suggestion(text):
    assert any(spec.split("+")[0] == "smoteee" for spec in split_specs(text))  # its own recipe
    with pytest.raises(InputError, match=r"unknown strategy 'smoteee'.*did you mean 'smote'\?"):
        recipes_for(text, "table", 2)
    assert recipes_for("focal:gamma=2,alpha=0.25,ldam+drw", "table", 2) == [
        "cross_entropy",
        "focal:gamma=2,alpha=0.25",
        "ldam+drw",
    ]
