"""Typed recipe parameters round-trip: for every registered strategy, any values its schema allows,
given from Python, are written by ``to_spec`` so that parsing gives back an equal recipe."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from unskew._params import REQUIRED, Expr, Param
from unskew.recipes import Part, Recipe, parse_recipe
from unskew.registry import get_registry

REGISTRY = get_registry()
#: texts that parameters checked by a grammar accept (threshold objectives)
OBJECTIVES = ["f1", "gmean", "youden", "fbeta:2", "cost:10/1", "precision>=0.9", "recall>=0.5"]
#: recipes a list-of-recipes parameter accepts
RECIPES = [
    "focal:gamma=2,alpha=0.25",
    "ldam+drw",
    "cost_sensitive:cost_matrix=[[0,1],[5,0]]+threshold:f1",
    "smote+cross_entropy",
]


def _number(param: Param, integral: bool) -> st.SearchStrategy:
    low = param.low if param.low is not None else -1e3
    high = param.high if param.high is not None else 1e3
    if integral:
        return st.integers(math.ceil(low) + param.low_open, int(high) - param.high_open)
    return st.floats(
        low,
        high,
        exclude_min=param.low_open,
        exclude_max=param.high_open,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )


def values(param: Param) -> st.SearchStrategy:
    kind = param.kind
    if kind == "int":
        base = _number(param, True)
    elif kind == "float":
        base = _number(param, False)
    elif kind == "bool":
        base = st.booleans()
    elif kind == "str":
        base = (
            st.sampled_from(param.choices)
            if param.choices
            else st.sampled_from(OBJECTIVES)
            if param.check
            else st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
        )
    elif kind == "ints":
        base = st.lists(st.integers(1, 256), min_size=1, max_size=4)
    elif kind == "floats":
        base = st.lists(_number(param, False), min_size=1, max_size=4)
    elif kind == "strs":  # lists of recipes (stack_recipes), commas and brackets inside
        base = st.lists(st.sampled_from(RECIPES), min_size=1, max_size=3, unique=True)
    elif kind == "matrix":
        base = st.integers(2, 4).flatmap(
            lambda n: st.lists(
                st.lists(_number(param, False), min_size=n, max_size=n), min_size=n, max_size=n
            )
        )
    elif kind == "ratio":
        base = st.one_of(
            st.sampled_from(["auto", "minority", "not majority"]),
            st.floats(0.01, 1.0, allow_nan=False),
        )
    else:
        default = param.default
        base = st.just(default if default is not REQUIRED and not isinstance(default, Expr) else 1)
    return st.one_of(st.none(), base) if param.nullable else base


def _recipe_of(strategy):
    return st.fixed_dictionaries({}, optional={n: values(p) for n, p in strategy.params.items()})


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_strategy_round_trips_through_its_spec(data):
    for strategy in REGISTRY:
        params = data.draw(_recipe_of(strategy), label=strategy.name)
        recipe = parse_recipe({strategy.name: params})
        spec = recipe.to_spec()
        assert parse_recipe(spec) == recipe, spec
        assert parse_recipe(recipe.to_dict()) == recipe


def test_a_matrix_keeps_its_type_from_a_dict_and_a_spec():
    recipe = parse_recipe({"cost_sensitive": {"cost_matrix": [[0, 1], [5, 0]]}})
    assert recipe.parts[0].params["cost_matrix"] == [[0.0, 1.0], [5.0, 0.0]]
    assert recipe.to_spec() == "cost_sensitive:cost_matrix=[[0,1],[5,0]]"
    assert parse_recipe("cost_sensitive:cost_matrix=[[0,1],[5,0]]+threshold:f1").parts[0] == (
        Part("cost_sensitive", {"cost_matrix": [[0.0, 1.0], [5.0, 0.0]]})
    )
    assert isinstance(parse_recipe(recipe.to_spec()), Recipe)


def test_old_parameter_names_still_parse():
    assert parse_recipe("undersampling_sampler:seed=3").parts[0].params == {"random_state": 3}
