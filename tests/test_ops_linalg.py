"""dot, outer, einsum: gradients against central differences (float64), values and gradients
against PyTorch (equations with ellipsis, broadcasting, implicit output, diagonals, three or
more operands, the list and sublist forms), double backward, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import arrays, check_grad, compare_torch

try:
    import torch

    torch.set_num_threads(1)  # tiny ops: extra OpenMP threads only contend on a busy machine
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=25, deadline=None)
FD_SETTINGS = settings(max_examples=15, deadline=None)


# --------------------------------------------------------------------------------------------
# dot and outer
# --------------------------------------------------------------------------------------------
@st.composite
def two_vectors(draw, same: bool = True):
    n = draw(st.integers(1, 6))
    m = n if same else draw(st.integers(1, 6))
    return draw(arrays((n,))), draw(arrays((m,)))


@FD_SETTINGS
@given(two_vectors())
def test_dot_gradcheck_and_torch(ab):
    check_grad(ag.dot, *ab)
    if torch is not None:
        compare_torch(lambda lib, a, b: lib.dot(a, b), *ab)
        compare_torch(lambda lib, a, b: a.dot(b), *ab)


@FD_SETTINGS
@given(two_vectors(same=False))
def test_outer_gradcheck_and_torch(ab):
    check_grad(ag.outer, *ab)
    if torch is not None:
        compare_torch(lambda lib, a, b: lib.outer(a, b), *ab)
        compare_torch(lambda lib, a, b: a.outer(b), *ab)


def test_dot_outer_values_and_dtypes():
    a = ag.tensor([1.0, 2.0, 3.0])
    b = ag.tensor([4.0, 5.0, 6.0])
    assert ag.dot(a, b).item() == 32.0
    assert ag.dot(a, b).dtype == np.float32 and ag.outer(a, b).dtype == np.float32
    np.testing.assert_array_equal(ag.outer(a, b[:2]).data, [[4, 5], [8, 10], [12, 15]])
    assert ag.dot(a, [1.0, 1.0, 1.0]).item() == 6.0


def test_dot_outer_errors():
    with pytest.raises(RuntimeError, match=r"dot\(\): 1D tensors expected, but got 2D and 1D"):
        ag.dot(ag.ones(2, 2), ag.ones(2))
    with pytest.raises(RuntimeError, match=r"dot\(\): inconsistent tensor size.*\(3,\).*\(4,\)"):
        ag.dot(ag.ones(3), ag.ones(4))
    with pytest.raises(RuntimeError, match=r"outer\(\): 1D tensors expected.*\(2, 2\)"):
        ag.outer(ag.ones(2, 2), ag.ones(2))


@needs_torch
def test_dot_outer_double_backward_match_torch():
    rng = np.random.default_rng(0)
    a0, b0 = rng.normal(size=4), rng.normal(size=4)
    results = []
    for lib in (ag, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        grad = ag.grad if lib is ag else torch.autograd.grad
        (ga,) = grad(lib.dot(a, b) ** 2, a, create_graph=True)
        (gb,) = grad((lib.outer(a, b) ** 2).sum(), b, create_graph=True)
        ((ga * ga).sum() + (gb**3).sum()).backward()
        results.append(
            [np.asarray(t.grad.detach() if lib is torch else t.grad.data) for t in (a, b)]
        )
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


# --------------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------------
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ba,c", [(2, 3), (4,)]),  # implicit output is alphabetical: "abc"
    ("Ba,b", [(2, 3), (4,)]),  # upper case sorts first
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),  # diagonal
    ("ii", [(3, 3)]),  # trace
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("iji->j", [(3, 2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),  # ellipsis with broadcasting
    ("...i,...i->...", [(2, 3), (3,)]),
    ("...i,...i->", [(2, 3), (3,)]),  # ellipsis dims summed (PyTorch allows it)
    ("i...->...", [(2, 3, 4)]),
    ("...", [(2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # size-1 broadcasting of a letter
    ("ij,j->i", [(2, 3), (1,)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("bij,bjk,bkl->bil", [(2, 3, 4), (2, 4, 5), (1, 5, 2)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),  # spaces are ignored
]


@needs_torch
@pytest.mark.parametrize("eq,shapes", EQUATIONS)
def test_einsum_matches_torch(eq, shapes):
    rng = np.random.default_rng(len(eq))
    arrs = [rng.normal(size=s) for s in shapes]
    compare_torch(lambda lib, *ops: lib.einsum(eq, *ops), *arrs)


@pytest.mark.parametrize("eq,shapes", [e for e in EQUATIONS if e[0] != "ab,bc,cd,de->ae"])
def test_einsum_gradcheck(eq, shapes):
    rng = np.random.default_rng(len(eq) + 1)
    check_grad(lambda *ops: ag.einsum(eq, *ops), *[rng.normal(size=s) for s in shapes])


@st.composite
def batched_matmul_case(draw):
    """'...ij,...jk->...ik' operands with broadcastable batch shapes (sizes 1 included)."""
    i, j, k = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    b1 = [n if draw(st.booleans()) else 1 for n in batch]
    b2 = [n if draw(st.booleans()) else 1 for n in batch][draw(st.integers(0, len(batch))) :]
    return draw(arrays((*b1, i, j))), draw(arrays((*b2, j, k)))


@FD_SETTINGS
@given(batched_matmul_case())
def test_einsum_broadcast_gradcheck_and_torch(ab):
    fn = lambda *ops: ag.einsum("...ij,...jk->...ik", *ops)  # noqa: E731
    check_grad(fn, *ab)
    np.testing.assert_allclose(fn(*ab).data, np.matmul(*ab))
    if torch is not None:
        compare_torch(lambda lib, a, b: lib.einsum("...ij,...jk->...ik", a, b), *ab)


@st.composite
def contraction_case(draw):
    """A random contraction of two operands over letters from 'abcd' (any subset kept)."""
    letters = "abcd"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    s1 = "".join(draw(st.permutations(letters))[: draw(st.integers(1, 3))])
    s2 = "".join(draw(st.permutations(letters))[: draw(st.integers(1, 3))])
    seen = sorted(set(s1 + s2))
    out = "".join(c for c in seen if draw(st.booleans()))
    eq = f"{s1},{s2}->{out}"
    return eq, draw(arrays(tuple(sizes[c] for c in s1))), draw(arrays(tuple(sizes[c] for c in s2)))


@FD_SETTINGS
@given(contraction_case())
def test_einsum_random_contractions(case):
    eq, a, b = case
    np.testing.assert_allclose(ag.einsum(eq, a, b).data, np.einsum(eq, a, b), atol=1e-12)
    check_grad(lambda x, y: ag.einsum(eq, x, y), a, b)
    if torch is not None:
        compare_torch(lambda lib, x, y: lib.einsum(eq, x, y), a, b)


def test_einsum_operand_forms():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    ta, tb = ag.tensor(a), ag.tensor(b)
    expected = a @ b
    np.testing.assert_allclose(ag.einsum("ij,jk->ik", [ta, tb]).data, expected)
    np.testing.assert_allclose(ag.einsum("ij,jk->ik", (ta, tb)).data, expected)
    np.testing.assert_allclose(ag.einsum(ta, [0, 1], tb, [1, 2], [0, 2]).data, expected)
    np.testing.assert_allclose(ag.einsum(ta, [0, 1], tb, [1, 2]).data, expected)
    np.testing.assert_allclose(ag.einsum(ta, [..., 1], tb, [1, 2], [..., 2]).data, expected)
    np.testing.assert_allclose(ag.einsum("ij,jk->ik", a, tb).data, expected)  # an array operand


def test_einsum_dtype_and_no_aliasing():
    x = ag.tensor(np.arange(9.0).reshape(3, 3).astype(np.float32), requires_grad=True)
    y = ag.einsum("ii->i", x)
    assert y.dtype == np.float32
    with ag.no_grad():
        y.data[0] = 100.0  # the result owns its memory (numpy would hand back a view)
    assert x.data[0, 0] == 0.0
    t = ag.einsum("ij->ji", x)
    assert not np.shares_memory(t.data, x.data)
    (t * t).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    assert x.grad.dtype == np.float32


@needs_torch
@pytest.mark.parametrize(
    "eq,shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 2)]),
        ("...i,...i->...", [(2, 3), (3,)]),
        ("ii,j->ij", [(2, 2), (3,)]),
    ],
)
def test_einsum_double_backward_matches_torch(eq, shapes):
    rng = np.random.default_rng(4)
    arrs = [rng.normal(size=s) for s in shapes]
    results = []
    for lib in (ag, torch):
        ops = [lib.tensor(a, requires_grad=True) for a in arrs]
        grad = ag.grad if lib is ag else torch.autograd.grad
        gs = grad((lib.einsum(eq, *ops) ** 2).sum(), ops, create_graph=True)
        sum((g**3).sum() for g in gs).backward()
        results.append([np.asarray(t.grad.detach() if lib is torch else t.grad.data) for t in ops])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_einsum_gradgradcheck():
    rng = np.random.default_rng(5)
    a = ag.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = ag.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    assert ag.gradgradcheck(lambda a, b: ag.einsum("ij,jj,jk->ik", a, b, b), (a, b))


def test_einsum_errors():
    x, y = ag.ones(2, 3), ag.ones(4, 5)
    with pytest.raises(
        RuntimeError, match=r"subscript j has size 4 for operand 1 \(shape \(4, 5\)\)"
    ):
        ag.einsum("ij,jk", x, y)
    with pytest.raises(RuntimeError, match=r"has 2 operand\(s\) but 1 were given"):
        ag.einsum("ij,jk->ik", x)
    with pytest.raises(
        RuntimeError, match=r"subscripts 'ijk' of operand 0 name 3 dimensions.*\(2, 3\)"
    ):
        ag.einsum("ijk->i", x)
    with pytest.raises(RuntimeError, match="subscript i is repeated for operand 0"):
        ag.einsum("ii->i", x)
    with pytest.raises(RuntimeError, match="output subscript i appears more than once"):
        ag.einsum("i->ii", ag.ones(2))
    with pytest.raises(RuntimeError, match="output subscript j does not appear"):
        ag.einsum("i->j", ag.ones(2))
    with pytest.raises(ValueError, match="invalid subscript"):
        ag.einsum("i1->i", ag.ones(2, 2))
    with pytest.raises(RuntimeError, match="at least one operand"):
        ag.einsum("i->i")
