"""Formulas as structure (nntui.engine.notation): every token written as Unicode and as LaTeX,
the rule for brackets around negative numbers, long sums shortened for the page, sentences of
why, and — on random networks — every step's strings are the rendering of its tokens."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import networks

from nntui.engine.network import Layer, Network, ParamRef
from nntui.engine.notation import (
    CLOSE,
    ELLIPSIS,
    MINUS_OP,
    OPEN,
    PLUS,
    TIMES,
    Code,
    Expr,
    Func,
    Lit,
    Name,
    Op,
    Partial,
    Sub,
    Words,
    elided,
    fill,
    fill_prose,
    joined,
    latex,
    latex_prose,
    latex_text,
    latex_value,
    slot,
    unicode,
    unicode_prose,
)
from nntui.engine.numbers import fmt_value
from nntui.engine.ops.activations import ACTIVATIONS
from nntui.engine.ops.losses import LOSSES
from nntui.engine.presets import PRESETS
from nntui.engine.trace import GRANULARITIES, Step, build_trace
from nntui.engine.trace.notation import Names
from nntui.export.latex_steps import _tex_step

H_PRE = Name("h0_pre3", "h", ("0", "pre", "3"))
X0 = Name("x0", "x", ("0",))
W = Name("w100", "w", ("100",))
E = Name("E", "E")


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "tex"),
    [
        (H_PRE, "h0_pre3", r"h_{0,\mathrm{pre},3}"),
        (H_PRE.starred(), "h0_pre3*", r"h_{0,\mathrm{pre},3}^{*}"),
        (Name("o_pre", "o", ("pre",)), "o_pre", r"o_{\mathrm{pre}}"),
        (W, "w100", "w_{100}"),
        (Name("w1_0_10", "w", ("1", "0", "10")), "w1_0_10", "w_{1,0,10}"),
        (Name("W1[0]", "W", ("1",), row="0"), "W1[0]", "W_{1}[0]"),
        (Name("W1[0]", "W", ("1",), row="0").starred(), "W1[0]*", "W_{1}^{*}[0]"),
        (Name("δ2", "δ", ("2",)), "δ2", r"\delta_{2}"),
        (Name("µ", "µ"), "µ", r"\mu"),
        (Name("ŷ", "ŷ"), "ŷ", r"\hat{y}"),
        (Name("Σ_k", "Σ", ("k",)), "Σ_k", r"\sum_{k}"),
        (
            Name("E_(the other 998 samples)", "E", ("(the other 998 samples)",)),
            "E_(the other 998 samples)",
            r"E_{\text{(the other 998 samples)}}",
        ),
    ],
)
def test_a_name_writes_itself_both_ways(name: Name, text: str, tex: str) -> None:
    assert unicode(name) == text
    assert name.latex() == tex


def test_a_label_names_each_entry_by_its_index() -> None:
    label = Name("w0_{0}_{1}", "w", ("0", "{0}", "{1}"))
    assert unicode(label).format(6, 2) == "w0_6_2"
    assert label.latex((6, 2)) == "w_{0,6,2}"
    grad = Partial(E, label)
    assert unicode(grad).format(6, 2) == "∂E/∂w0_6_2"
    assert latex(grad, index=(6, 2)) == r"\frac{\partial E}{\partial w_{0,6,2}}"
    product = (OPEN, Name("W0", "W", ("0",)), TIMES, Name("x", "x"), CLOSE, Sub("{0}"))
    assert unicode(product).format(4) == "(W0·x)_4"
    assert latex(product, index=(4,)) == r"(W_{0} \cdot x )_{4}"


def test_the_trace_names_the_worked_example_as_the_document_does() -> None:
    names = Names.of(PRESETS["worked-example"].build())
    assert [unicode(names.pre(0, j)) for j in (0, 1)] == ["h_pre0", "h_pre1"]
    assert unicode(names.post(1, 0)) == "o" and unicode(names.pre(1, None)) == "o_pre"
    assert unicode(names.param(ParamRef(1, "weight", 0, 1), star=True)) == "w101*"
    assert names.param(ParamRef(1, "weight", 0, 1), star=True).latex() == "w_{101}^{*}"
    assert names.pre(0, 1).latex() == r"h_{\mathrm{pre},1}"
    assert names.pre(0, 1) is names.pre(0, 1)  # made once


def test_a_deep_network_names_its_layers() -> None:
    names = Names.of(PRESETS["deep-4-16-16-3"].build())
    assert unicode(names.pre(1, 10)) == "h1_pre10"
    assert names.pre(1, 10).latex() == r"h_{1,\mathrm{pre},10}"
    assert unicode(names.post(1, None)) == "h1"
    assert unicode(names.param(ParamRef(1, "weight", 12, 3))) == "w1_12_3"
    assert names.param(ParamRef(1, "weight", 12, 3)).latex() == "w_{1,12,3}"
    assert unicode(names.param_each(0, "weight")).format(6, 0) == "w0_6_0"


# -- every token to LaTeX ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "text", "tex"),
    [
        (Partial(E, W), "∂E/∂w100", r"\frac{\partial E}{\partial w_{100}}"),
        ((W, TIMES, X0), "w100·x0", r"w_{100} \cdot x_{0}"),
        ((X0, PLUS, W), "x0 + w100", "x_{0} + w_{100}"),
        ((X0, MINUS_OP, W), "x0 − w100", "x_{0} - w_{100}"),
        ((Op("½"), TIMES, OPEN, X0, CLOSE, Op("²")), "½·(x0)²", r"\tfrac{1}{2}\cdot (x_{0} )^{2}"),
        ((X0, Op("ᵀ")), "x0ᵀ", r"x_{0} ^{\top}"),
        ((X0, Op(" ⊙ "), W), "x0 ⊙ w100", r"x_{0} \odot w_{100}"),
        ((X0, Op(" ≤ "), Lit("0")), "x0 ≤ 0", r"x_{0} \le 0"),
        ((X0, Op(" ≥ "), Lit("0")), "x0 ≥ 0", r"x_{0} \ge 0"),
        ((Op("Σ"), X0), "Σx0", r"\sum x_{0}"),
        ((X0, PLUS, ELLIPSIS), "x0 + …", r"x_{0} + \cdots"),
        (
            (Func("relu′", r"\operatorname{relu}'"), OPEN, X0, CLOSE),
            "relu′(x0)",
            r"\operatorname{relu}' (x_{0} )",
        ),
        ((Func("σ", r"\sigma"), OPEN, X0, CLOSE), "σ(x0)", r"\sigma (x_{0} )"),
        ((Func("ln", r"\ln"), Op(" "), X0), "ln x0", r"\ln x_{0}"),
        (Lit("−1.5"), "−1.5", "-1.5"),
        (Lit("1.235e+12"), "1.235e+12", r"1.235 \times 10^{12}"),
        (Lit("4e−7"), "4e−7", r"4 \times 10^{-7}"),
        (Lit("−inf"), "−inf", r"-\infty"),
        (Lit("nan"), "nan", r"\mathrm{NaN}"),
        ((OPEN, Words("781 more terms"), CLOSE), "(781 more terms)", r"( \text{781 more terms} )"),
        ((Lit("1"), Words(" if "), X0), "1 if x0", r"1 \text{ if } x_{0}"),
        ((OPEN, X0, CLOSE, Sub("3")), "(x0)_3", "(x_{0} )_{3}"),
        (slot(2), "{2}", "{2}"),
    ],
)
def test_every_kind_of_token_writes_itself_both_ways(expr: Expr, text: str, tex: str) -> None:
    assert unicode(expr) == text
    assert latex(expr) == tex


def test_an_operator_is_only_what_latex_can_write() -> None:
    with pytest.raises(ValueError, match="no LaTeX"):
        Op("→")


def test_text_for_latex_is_escaped() -> None:
    assert latex_text("50% of #1 & {x}_1 … ok") == r"50\% of \#1 \& \{x\}\_1 \ldots{} ok"
    assert latex_text("µ−σ") == r"$\mu$$-$$\sigma$"


# -- numbers in formulas ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "numbers", "text", "tex"),
    [
        ((slot(0), TIMES, slot(1)), (-0.5, -1.2), "−0.5·(−1.2)", r"-0.5\cdot (-1.2)"),
        ((slot(0), PLUS, slot(1)), (0.2, -0.1), "0.2 + (−0.1)", "0.2 + (-0.1)"),
        ((OPEN, slot(0), CLOSE), (-0.25,), "(−0.25)", "(-0.25)"),
        (
            (OPEN, Words("9 more"), Op(": "), slot(0), CLOSE),
            (-0.3,),
            "(9 more: −0.3)",
            r"( \text{9 more} : -0.3)",
        ),
        ((Lit("1"), MINUS_OP, slot(0), Op("²")), (-0.5,), "1 − (−0.5)²", "1 - (-0.5)^{2}"),
    ],
)
def test_a_negative_number_is_bracketed_unless_it_stands_alone(
    expr: Expr, numbers: tuple[float, ...], text: str, tex: str
) -> None:
    assert fill(expr, numbers, 3) == text
    assert latex(expr, numbers, 3) == tex


def test_arrays_in_formulas() -> None:
    vector, matrix = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    assert latex_value(vector, 3, short=True) == r"\begin{bmatrix} 0.5 \\ -1 \end{bmatrix}"
    assert latex_value(matrix, 3) == r"\begin{bmatrix} 1.000 & 2.000 \\ 3.000 & 4.000 \end{bmatrix}"
    long = np.zeros(32)
    long[[3, 17]] = [0.877, -1.204]
    label = Name("h{0}", "h", ("{0}",))
    assert fmt_value(long, 3, label="h{0}") == "[h17 = −1.204, h3 = 0.877, … 2 of 32 non-zero]"
    assert latex_value(long, 3, label) == (
        r"[h_{17} = -1.204,\allowbreak h_{3} = 0.877,\allowbreak \ldots\text{ 2 of 32 non-zero}]"
    )
    assert latex_value(long, 3).startswith(r"[\#17 = -1.204,")  # no label: by index
    assert latex_value(np.zeros(40), 3) == r"[\text{40 zeros}]"


# -- sentences ----------------------------------------------------------------------------------


def test_a_sentence_writes_its_text_math_and_numbers() -> None:
    prose = (
        "Bias ",
        W,
        " (",
        slot(1),
        "), sum ",
        slot(0),
        ", set ",
        Code("update_biases = false"),
        ".",
    )
    assert unicode_prose(prose) == "Bias w100 ({1}), sum {0}, set update_biases = false."
    assert (
        fill_prose(prose, (0.39, -0.1), 3)
        == "Bias w100 (−0.100), sum 0.390, set update_biases = false."
    )
    assert latex_prose(prose, (0.39, -0.1), 3) == (
        r"Bias $w_{100}$ $(-0.100)$, sum 0.390, set \texttt{update\_biases = false}."
    )
    assert latex_prose(prose, (-0.39, 0.1), 3) == (
        r"Bias $w_{100}$ $(0.100)$, sum $-0.390$, set \texttt{update\_biases = false}."
    )


def test_a_sentence_writes_arrays_entry_by_entry() -> None:
    prose = ("here ", slot(0), ".")
    assert latex_prose(prose, (np.array([-0.5, 0.25]),), 3) == "here [$-0.500$, 0.250]."
    long = np.arange(1.0, 11.0)
    label = (OPEN, Name("W0", "W", ("0",)), TIMES, X0, CLOSE, Sub("{0}"))
    assert latex_prose(prose, (long,), 3, (label,)) == (
        r"here [$(W_{0} \cdot x_{0} )_{9} = 10.000$, $(W_{0} \cdot x_{0} )_{8} = 9.000$, "
        r"$(W_{0} \cdot x_{0} )_{7} = 8.000$, \ldots{} 7 more]."
    )
    assert fill_prose(prose, (long,), 3, (label,)) == (
        "here [(W0·x0)_9 = 10.000, (W0·x0)_8 = 9.000, (W0·x0)_7 = 8.000, … 7 more]."
    )


def test_math_in_a_sentence_may_hold_numbers() -> None:
    prose = ("The output is ", (Name("o", "o"), Op(" = "), slot(0)), ".")
    assert fill_prose(prose, (-0.3,), 3) == "The output is o = −0.300."
    assert latex_prose(prose, (-0.3,), 3) == "The output is $o = -0.300$."


# -- long sums on the page ----------------------------------------------------------------------


def test_a_long_sum_keeps_its_first_terms_and_its_last() -> None:
    terms = [(Name(f"a{k}", "a", (str(k),)),) for k in range(12)]
    total = joined(terms, PLUS)
    short = elided(total, 100)
    assert unicode(short) == "a0 + a1 + a2 + … + a11"
    assert elided(total, 99) is total  # short enough on screen: as it is
    few = joined(terms[:8], PLUS)
    assert elided(few, 100) is few  # eight terms: all of them
    bracketed = (Op("−"), OPEN, *total, CLOSE)
    assert unicode(elided(bracketed, 100)) == "−(a0 + a1 + a2 + … + a11)"


# -- the records --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_writes_its_formulas_both_ways(name: str) -> None:
    record = ACTIVATIONS[name]
    formula = record.slope_formula(H_PRE)
    text = unicode(formula)  # f′ of the neuron's own z, or a constant (linear's 1)
    assert "z" not in text and (text in ("", "1") or "h0_pre3" in text)
    assert latex(formula).isascii()
    for why in (record.why(H_PRE, X0, 0.5, 0.5, True), record.slope_why(H_PRE, X0, 1.0)):
        assert unicode_prose(why).endswith(".")
        assert latex_prose(why).isascii() and latex_prose(why).count("$") % 2 == 0


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("size", [1, 3])
def test_every_loss_writes_its_formulas_both_ways(name: str, size: int) -> None:
    record = LOSSES[name]
    formula, template = record.formula(size, False)
    checked, _ = record.formula(size, True)
    assert "o" in unicode(formula) and "*" not in unicode(formula)
    assert unicode(checked) == re.sub(
        r"\bo(_k)?\b", lambda m: f"o{m.group(1) or ''}*", unicode(formula)
    )
    slots = {int(k) for k in re.findall(r"\{(\d+)\}", unicode(template))}
    assert slots == set(range(2 * size))  # y_k and o_k of every output
    assert latex(formula).isascii() and latex(template, [0.5] * 2 * size).isascii()
    gradient = record.gradient_formula(Name("o2", "o", ("2",)), Name("y2", "y", ("2",)), size)
    assert "o2" in unicode(gradient) and "y2" in unicode(gradient)


# -- every step of random networks ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def string_fill(
    template: str, numbers: tuple[object, ...], precision: int, labels: list[str | None]
) -> str:
    """The rule the trace applied to its template strings before its formulas were tokens
    (written on the string, character by character): an independent check of `fill`."""

    def neighbour(start: int, step: int) -> str:
        while 0 <= start < len(template) and template[start] == " ":
            start += step
        return template[start] if 0 <= start < len(template) else ""

    def sub(match: re.Match[str]) -> str:
        k = int(match.group(1))
        text = fmt_value(
            numbers[k], precision, short=True, label=labels[k] if k < len(labels) else None
        )
        before, after = neighbour(match.start() - 1, -1), neighbour(match.end(), 1)
        bare = before in ("", ":") or (before == "(" and after == ")")
        return f"({text})" if text.startswith("−") and not bare else text

    return _PLACEHOLDER.sub(sub, template)


def check_step(step: Step, precision: int) -> None:
    """A step's strings are the Unicode rendering of its tokens, and its LaTeX is well formed."""
    assert step.symbol == unicode(step.symbol_expr)
    assert step.formula == unicode(step.formula_expr)
    template = unicode(step.template)
    assert {int(k) for k in _PLACEHOLDER.findall(template)} <= set(range(len(step.numbers)))
    labels = [None if label is None else unicode(label) for label in step.labels]
    assert step.substituted(precision) == string_fill(template, step.numbers, precision, labels)
    assert step.text(precision) == (
        f"{step.symbol} = {step.substituted(precision)} = {step.result(precision)}"
    )
    assert {int(k) for k in _PLACEHOLDER.findall(step.why)} == set(range(len(step.why_numbers)))
    page = "\n".join(_tex_step(step, precision, labelled=True))
    assert page.isascii(), page
    assert page.count("{") == page.count("}"), page
    assert step.latex_reason(precision).count("$") % 2 == 0
    for line in (step.latex_symbol(), step.latex_formula(), step.latex_substituted(precision)):
        assert "$" not in line and line.count("{") == line.count("}"), line  # math, whole


@settings(max_examples=30, deadline=None)
@given(networks(max_width=12, max_layers=3), st.integers(0, 8))
def test_every_step_is_the_rendering_of_its_tokens(net: Network, precision: int) -> None:
    for granularity in GRANULARITIES:
        for step in build_trace(net, granularity).steps:
            check_step(step, precision)


def test_samples_without_steps_of_their_own_are_named_in_words() -> None:
    net = Network(
        layers=(Layer("linear", [[1.0]], [0.0]),),
        inputs=[[1.0], [2.0], [3.0], [4.0]],
        targets=[[0.0]] * 4,
        loss="half_sse",
        learning_rate=0.1,
    )
    trace = build_trace(net, "parameter", samples=[0])
    batch = next(step for step in trace.steps if step.kind == "batch_loss")
    assert batch.formula == "E_0/4 + Σ E_(the other 3 samples)/4"
    assert batch.latex_formula() == r"E_{0} /4 + \sum E_{\text{(the other 3 samples)}} /4"
    for step in trace.steps:
        check_step(step, 3)


# -- the handout's steps --------------------------------------------------------------------------


def test_the_worked_example_steps_on_the_page() -> None:
    steps = {step.symbol: step for step in build_trace(PRESETS["worked-example"].build()).steps}
    assert _tex_step(steps["h_pre0"], 3, labelled=False) == [
        r"\nnstep{1}{.\enspace $h_{\mathrm{pre},0}$ adds up its weighted inputs (here 0.390) "
        r"and its bias $b_{00}$ $(-0.100)$.}",
        r"\begin{align*}",
        "\n".join(
            [
                r"h_{\mathrm{pre},0} &= w_{000} \cdot x_{0} + w_{001} \cdot x_{1}"
                r" + w_{002} \cdot x_{2} + b_{00} \\",
                r"&= 0.2\cdot 0.9 + (-1.2)\cdot 0.2 + 0.9\cdot 0.5 + (-0.1) \\",
                r"&= 0.290",
            ]
        ),
        r"\end{align*}",
        "",
    ]
    chain = _tex_step(steps["∂E/∂w100"], 3, labelled=False)
    assert chain[2].startswith(
        r"\frac{\partial E}{\partial w_{100}} &= \frac{\partial E}{\partial o} \cdot "
        r"\frac{\partial o}{\partial o_{\mathrm{pre}}} \cdot "
        r"\frac{\partial o_{\mathrm{pre}}}{\partial w_{100}}"
    )
    slope = _tex_step(steps["∂o/∂o_pre"], 3, labelled=False)
    assert r"$\sigma \cdot (1 - \sigma )$, written with the output $o$" in slope[0]
