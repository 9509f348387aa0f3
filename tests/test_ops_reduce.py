"""Reductions: sum, mean, var, std, prod, logsumexp, norm, max/min, amax/amin, argmax/argmin.

Gradients against central differences on random shapes and dims (int, tuple, None, negative,
keepdim), values and gradients against PyTorch, where ties send the gradient, and double
backward (create_graph) against ``torch.autograd.grad``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import arrays, check_grad, compare_torch, shapes

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def shape_dim_keep(draw, min_dims: int = 0, tuples: bool = True):
    """(shape, dim, keepdim): dim None, an int (negatives too) or a tuple of distinct axes."""
    shape = draw(shapes(min_dims=min_dims))
    nd = len(shape)
    options = [st.none()]
    if nd:
        options.append(st.integers(-nd, nd - 1))
        if tuples:
            axes = st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd)
            options.append(axes.filter(lambda a: len({d % nd for d in a}) == len(a)).map(tuple))
    return shape, draw(st.one_of(options)), draw(st.booleans())


def distinct(shape: tuple, positive: bool = False):
    """float64 arrays with distinct values at least 0.01 apart (no ties for max/min, no zero
    crossing within finite-difference reach); with ``positive``, distinct magnitudes
    with random signs."""
    if positive:
        mags = hnp.arrays(
            np.float64, shape, elements=st.integers(5, 400).map(lambda k: k / 100), unique=True
        )
        signs = hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))
        return st.tuples(mags, signs).map(lambda ms: ms[0] * ms[1])
    return hnp.arrays(
        np.float64, shape, elements=st.integers(-300, 300).map(lambda k: k / 100), unique=True
    )


def reduced_count(shape: tuple, dim) -> int:
    if dim is None:
        return int(np.prod(shape))
    dims = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[d] for d in dims])) if shape else 1


def torch_dim(dim, ndim: int):
    """torch spells 'all axes' as () for amax/logsumexp."""
    return tuple(range(ndim)) if dim is None else dim


def check_double_backward(fn, *arrays_, atol: float = 1e-7):
    """d/dx of a function of the gradient (taken with create_graph) against torch."""
    if torch is None:
        pytest.skip("torch is not installed")
    ours = [ag.tensor(a, requires_grad=True) for a in arrays_]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays_]
    y1, y2 = fn(ag, *ours), fn(torch, *theirs)
    w = np.linspace(0.5, 1.5, max(y2.numel(), 1)).reshape(tuple(y2.shape))
    g1 = ag.grad((y1 * ag.tensor(w)).sum(), ours, create_graph=True)
    g2 = torch.autograd.grad((y2 * torch.tensor(w)).sum(), theirs, create_graph=True)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-6, atol=atol)
    v = np.linspace(-1.0, 2.0, arrays_[0].size).reshape(arrays_[0].shape)
    s1 = sum(((g * g).sum() + (g * ag.tensor(v)).sum() for g in g1), ag.tensor(0.0))
    s2 = sum(((g * g).sum() + (g * torch.tensor(v)).sum() for g in g2), torch.tensor(0.0))
    s1.backward()
    s2.backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        got = np.zeros(a.shape) if a.grad is None else a.grad.data
        want = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=atol, err_msg=f"input {i}")


# --------------------------------------------------------------------------------------------
# sum, mean
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(data=st.data())
def test_sum_mean_grad_and_torch(name, data):
    shape, dim, keep = data.draw(shape_dim_keep())
    x = data.draw(arrays(shape))
    check_grad(lambda t: getattr(ag, name)(t, dim, keep), x)
    compare_torch(lambda m, t: getattr(m, name)(t, dim=dim, keepdim=keep), x)


def test_sum_mean_spellings_and_dtypes():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.sum(axis=0, keepdims=True).data, [[4.0, 6.0]])
    np.testing.assert_array_equal(ag.mean(x, dim=-1).data, [1.5, 3.5])
    assert ag.sum(ag.tensor([1, 2, 3])).dtype == np.int64
    assert ag.sum(ag.tensor([True, True])).item() == 2
    assert ag.sum(ag.tensor(2.0), 0).item() == 2.0  # a 0-d tensor takes dim 0, as torch
    with pytest.raises(RuntimeError, match="mean"):
        ag.mean(ag.tensor([1, 2]))
    with pytest.raises(IndexError, match="out of range"):
        x.sum(2)
    with pytest.raises(TypeError, match="not both"):
        x.sum(dim=0, axis=0)


# --------------------------------------------------------------------------------------------
# var, std
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["var", "std"])
@SETTINGS
@given(data=st.data())
def test_var_std_grad_and_torch(name, data):
    shape, dim, keep = data.draw(shape_dim_keep())
    x = data.draw(distinct(shape))
    n = reduced_count(shape, dim)
    correction = data.draw(st.sampled_from([0, 1, 2]).filter(lambda c: c < n or c == 0))
    if n == 1 and name == "std":
        return  # std of one element is 0, where it is not differentiable
    check_grad(lambda t: getattr(ag, name)(t, dim, keepdim=keep, correction=correction), x)
    compare_torch(lambda m, t: getattr(m, name)(t, dim=dim, keepdim=keep, correction=correction), x)


def test_var_std_are_unbiased_by_default_under_every_spelling():
    data = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]])
    x = ag.tensor(data)
    want_all = data.var(ddof=1)
    want_rows = data.var(axis=1, ddof=1)
    np.testing.assert_allclose(x.var().item(), want_all, rtol=1e-6)
    np.testing.assert_allclose(ag.var(x, 1).data, want_rows)
    np.testing.assert_allclose(ag.var(x, axis=1).data, want_rows)
    np.testing.assert_allclose(x.var(dim=1, keepdim=True).data, want_rows[:, None])
    np.testing.assert_allclose(x.var(axis=1, keepdims=True).data, want_rows[:, None])
    np.testing.assert_allclose(x.std(1).data, np.sqrt(want_rows))
    # biased forms
    np.testing.assert_allclose(x.var(1, unbiased=False).data, data.var(axis=1))
    np.testing.assert_allclose(x.var(1, False).data, data.var(axis=1))  # var(x, dim, unbiased)
    np.testing.assert_allclose(x.var(False).item(), data.var(), rtol=1e-6)  # var(x, unbiased)
    np.testing.assert_allclose(x.var(1, correction=0).data, data.var(axis=1))
    np.testing.assert_allclose(x.std(axis=1, ddof=0).data, data.std(axis=1))
    np.testing.assert_allclose(x.var(1, correction=2).data, data.var(axis=1, ddof=2))
    np.testing.assert_allclose(x.var((0, 1)).item(), want_all, rtol=1e-6)
    assert x.var(1).dtype == np.float64
    assert ag.tensor(data.tolist()).var(1).dtype == np.float32


def test_var_std_errors_and_degenerate_counts():
    x = ag.tensor([[1.0, 2.0]])
    with pytest.raises(TypeError, match="only one of"):
        x.var(1, unbiased=True, correction=0)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.var(ag.tensor([1, 2, 3]))
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = x.var(0)
    assert np.all(np.isnan(v.data))  # one element per column, unbiased: 0/0, as torch


@needs_torch
def test_std_gradient_is_zero_where_std_is_zero():
    compare_torch(lambda m, t: m.std(t, dim=1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


# --------------------------------------------------------------------------------------------
# prod
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_prod_grad_and_torch(data):
    shape, dim, keep = data.draw(shape_dim_keep(tuples=False))
    x = data.draw(arrays(shape, -1.5, 1.5))
    check_grad(lambda t: ag.prod(t, dim, keep), x)
    if dim is None:
        compare_torch(lambda m, t: m.prod(t), x)
    else:
        compare_torch(lambda m, t: m.prod(t, dim=dim, keepdim=keep), x)


@SETTINGS
@given(data=st.data())
def test_prod_over_tuple_of_dims_equals_nested_prods(data):
    shape, dim, keep = data.draw(shape_dim_keep(min_dims=2))
    x = data.draw(arrays(shape, -1.5, 1.5))
    t = ag.tensor(x, requires_grad=True)
    t.prod((0, 1), keepdim=keep).sum().backward()
    u = ag.tensor(x, requires_grad=True)
    inner = u.prod(1, keepdim=True).prod(0, keepdim=True)
    (inner if keep else inner.reshape(inner.shape[2:])).sum().backward()
    np.testing.assert_allclose(t.grad.data, u.grad.data, rtol=1e-6, atol=1e-12)


@needs_torch
@pytest.mark.parametrize(
    "rows",
    [
        [[2.0, 0.0, 3.0], [1.5, -2.0, 4.0]],  # one zero in a row
        [[0.0, 0.0, 3.0], [1.5, 0.0, 4.0]],  # two zeros, then one
        [[0.0, 0.0, 0.0], [0.0, 5.0, 0.0]],  # all zeros
    ],
)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_gradient_with_zeros_matches_torch(rows, dim):
    x = np.array(rows)
    if dim is None:
        compare_torch(lambda m, t: m.prod(t), x)
    else:
        compare_torch(lambda m, t: m.prod(t, dim), x)


def test_prod_int_and_dtype():
    assert ag.prod(ag.tensor([1, 2, 3])).dtype == np.int64
    assert ag.prod(ag.tensor([1, 2, 3])).item() == 6
    assert ag.prod(ag.tensor([1, 2]), dtype=ag.float32).dtype == np.float32


# --------------------------------------------------------------------------------------------
# logsumexp
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_logsumexp_grad_and_torch(data):
    shape, dim, keep = data.draw(shape_dim_keep())
    x = data.draw(arrays(shape, -5, 5))
    check_grad(lambda t: ag.logsumexp(t, dim, keep), x)
    td = torch_dim(dim, len(shape))
    compare_torch(lambda m, t: m.logsumexp(t, dim=td if m is torch else dim, keepdim=keep), x)


@needs_torch
def test_logsumexp_stable_at_extremes():
    x = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1001.0], [0.0, 1e-3, -5.0]])
    for dtype in [np.float32, np.float64]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = ag.logsumexp(ag.tensor(x.astype(dtype)), 1)
        assert y.dtype == dtype and np.all(np.isfinite(y.data))
        np.testing.assert_allclose(y.data, torch.logsumexp(torch.tensor(x), 1), rtol=1e-6)
    compare_torch(lambda m, t: m.logsumexp(t, 1), x)
    compare_torch(lambda m, t: m.logsumexp(t, 0), x)


@needs_torch
def test_logsumexp_with_infinities_matches_torch():
    x = np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, 2.0], [np.inf, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_torch(lambda m, t: m.logsumexp(t, 1), x)
    row = ag.tensor([[-np.inf, -np.inf]])
    assert ag.logsumexp(row, 1).item() == -np.inf  # all -inf: log 0, as torch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.logsumexp(row, 1, keepdim=True).shape == (1, 1)


def test_logsumexp_integer_input_and_method():
    y = ag.tensor([[1, 2], [3, 4]]).logsumexp(1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, np.log(np.exp([[1, 2], [3, 4]]).sum(1)), rtol=1e-6)


# --------------------------------------------------------------------------------------------
# max, min, amax, amin, argmax, argmin
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["amax", "amin"])
@SETTINGS
@given(data=st.data())
def test_amax_amin_grad_and_torch(name, data):
    shape, dim, keep = data.draw(shape_dim_keep())
    x = data.draw(distinct(shape))
    check_grad(lambda t: getattr(ag, name)(t, dim, keep), x)
    td = () if dim is None else dim
    compare_torch(lambda m, t: getattr(m, name)(t, dim=td, keepdim=keep), x)


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(data=st.data())
def test_max_min_with_dim_grad_and_torch(name, data):
    shape, dim, keep = data.draw(shape_dim_keep(min_dims=1, tuples=False))
    dim = 0 if dim is None else dim
    x = data.draw(distinct(shape))
    check_grad(lambda t: getattr(ag, name)(t, dim, keep).values, x)
    compare_torch(lambda m, t: getattr(m, name)(t, dim, keepdim=keep).values, x)
    ours = getattr(ag.tensor(x), name)(dim, keepdim=keep)
    theirs = getattr(torch.tensor(x), name)(dim, keepdim=keep) if torch is not None else None
    if theirs is not None:
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())


@needs_torch
@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
def test_ties_route_gradient_like_torch(name, dim):
    x = np.array([[3.0, 1.0, 3.0, -1.0], [3.0, 3.0, 0.0, -1.0], [-1.0, -1.0, 2.0, -1.0]])
    if name in ("max", "min"):
        if isinstance(dim, tuple):
            return
        if dim is None:  # the full reduction splits the gradient evenly among ties
            compare_torch(lambda m, t: getattr(m, name)(t), x)
        else:  # with a dim, the gradient goes to the index returned (first occurrence)
            compare_torch(lambda m, t: getattr(m, name)(t, dim).values, x)
            compare_torch(lambda m, t: getattr(m, name)(t, dim, keepdim=True).values, x)
    else:
        td = () if dim is None else dim
        compare_torch(lambda m, t: getattr(m, name)(t, dim=td), x)


def test_max_min_return_named_tuple():
    x = ag.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], requires_grad=True)
    r = x.max(1)
    values, indices = r  # unpacks like a tuple
    assert r.values is values and r.indices is indices and r[0] is values
    np.testing.assert_array_equal(values.data, [5.0, 7.0])
    np.testing.assert_array_equal(indices.data, [1, 0])  # first occurrence
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert values.requires_grad and values.grad_fn is not None
    assert "values" in repr(r) and "indices" in repr(r)
    m = ag.min(x, dim=0, keepdim=True)
    np.testing.assert_array_equal(m.values.data, [[1.0, 0.0, 5.0]])
    np.testing.assert_array_equal(m.indices.data, [[0, 1, 0]])
    np.testing.assert_array_equal(x.max(axis=1).values.data, [5.0, 7.0])
    np.testing.assert_array_equal(x.max(axis=1, keepdims=True).indices.data, [[1], [0]])


def test_max_min_without_dim_and_with_tensor():
    x = ag.tensor([[1.0, 5.0], [-2.0, 3.0]], requires_grad=True)
    assert x.max().shape == () and x.max().item() == 5.0
    assert ag.min(x).item() == -2.0
    assert x.max(axis=(0, 1)).item() == 5.0  # numpy's tuple of axes: values only
    np.testing.assert_array_equal(x.min(axis=(1,)).data, [1.0, -2.0])
    other = ag.tensor([[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(ag.max(x, other).data, [[2.0, 5.0], [2.0, 3.0]])
    np.testing.assert_array_equal(x.min(other).data, [[1.0, 2.0], [-2.0, 2.0]])
    i = ag.tensor([[4, 1], [2, 9]])
    assert i.max().item() == 9 and i.max().dtype == np.int64
    np.testing.assert_array_equal(i.min(0).values.data, [2, 1])
    s = ag.tensor(3.0, requires_grad=True)
    r = s.max(0)
    assert r.values.item() == 3.0 and r.indices.item() == 0


def test_max_errors():
    with pytest.raises(RuntimeError, match="numel"):
        ag.max(ag.tensor(np.zeros((0, 3), np.float32)))
    with pytest.raises(IndexError, match="non-zero size"):
        ag.tensor(np.zeros((0, 3), np.float32)).max(0)
    with pytest.raises(IndexError, match="out of range"):
        ag.tensor([1.0, 2.0]).max(1)
    assert ag.tensor(np.zeros((0, 3), np.float32)).max(1).values.shape == (0,)


@needs_torch
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim,keep", [(None, False), (None, True), (0, False), (-1, True)])
def test_argmax_argmin_match_torch(name, dim, keep):
    x = np.array([[3.0, 1.0, 3.0], [0.0, 5.0, 5.0], [-1.0, -1.0, 2.0]], np.float32)
    ours = getattr(ag, name)(ag.tensor(x, requires_grad=True), dim, keepdim=keep)
    theirs = getattr(torch, name)(torch.tensor(x), dim, keepdim=keep)
    assert ours.dtype == np.int64 and not ours.requires_grad
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    method = getattr(ag.tensor(x), name)(axis=dim, keepdims=keep)
    np.testing.assert_array_equal(method.data, theirs.numpy())


# --------------------------------------------------------------------------------------------
# norm
# --------------------------------------------------------------------------------------------
def _vector_norm(m, t, p, dim, keep):
    if m is torch:
        ord_ = 2 if p == "fro" else p
        return torch.linalg.vector_norm(t, ord=ord_, dim=dim, keepdim=keep)
    return ag.norm(t, p, dim, keep)


@pytest.mark.parametrize("p", ["fro", 2, 1, np.inf, -np.inf, 3, 0.5, -1.5])
@SETTINGS
@given(data=st.data())
def test_norm_grad_and_torch(p, data):
    shape, dim, keep = data.draw(shape_dim_keep())
    x = data.draw(distinct(shape, positive=True))
    check_grad(lambda t: ag.norm(t, p, dim, keep), x)
    compare_torch(lambda m, t: _vector_norm(m, t, p, dim, keep), x)


@needs_torch
@pytest.mark.parametrize("p", ["fro", 2, 1, np.inf, -np.inf, 3, 0.5, 0])
def test_norm_gradient_at_zero_is_zero_like_torch(p):
    zeros = np.zeros((2, 3))
    for dim in [None, 1]:
        t = ag.tensor(zeros, requires_grad=True)
        ag.norm(t, p, dim).sum().backward()
        np.testing.assert_array_equal(t.grad.data, np.zeros((2, 3)))
    mixed = np.array([[0.0, 3.0, -4.0], [0.0, 0.0, 0.0]])
    if p != 0:
        compare_torch(lambda m, t: _vector_norm(m, t, p, 1, False), mixed)
    else:
        np.testing.assert_array_equal(ag.norm(ag.tensor(mixed), 0, 1).data, [2.0, 0.0])


@needs_torch
def test_norm_ties_for_inf_match_torch():
    x = np.array([[1.0, -3.0, 3.0], [2.0, -2.0, 0.5]])
    compare_torch(lambda m, t: _vector_norm(m, t, np.inf, None, False), x)
    compare_torch(lambda m, t: _vector_norm(m, t, -np.inf, 1, False), np.abs(x) * [1, -1, 1])


def test_norm_api():
    x = ag.tensor([[3.0, 4.0], [0.0, 0.0]])
    assert x.norm().item() == 5.0
    np.testing.assert_allclose(ag.norm(x, dim=1).data, [5.0, 0.0])
    np.testing.assert_allclose(x.norm(p=1, axis=1, keepdims=True).data, [[7.0], [0.0]])
    np.testing.assert_allclose(x.norm(float("inf")).item(), 4.0)
    assert ag.norm(ag.tensor([1.0, 2.0]), dtype=ag.float64).dtype == np.float64
    with pytest.raises(ValueError, match="nuc"):
        ag.norm(x, p="nuc")
    with pytest.raises(RuntimeError, match="floating point"):
        ag.norm(ag.tensor([3, 4]))


# --------------------------------------------------------------------------------------------
# Double backward (create_graph) against torch
# --------------------------------------------------------------------------------------------
X = np.array([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, -2.2], [0.9, 1.1, -1.3, 0.25]])
DOUBLE = {
    "sum": lambda m, t: m.sum(t, 1) ** 2,
    "mean": lambda m, t: m.mean(t * t, 0),
    "var_dim": lambda m, t: m.var(t, 1),
    "var_all": lambda m, t: m.var(t),
    "var_biased": lambda m, t: m.var(t, 0, unbiased=False),
    "std": lambda m, t: m.std(t, 1),
    "std_keepdim": lambda m, t: m.std(t, 0, keepdim=True),
    "logsumexp": lambda m, t: m.logsumexp(t, 1),
    "logsumexp_all": lambda m, t: m.logsumexp(t, (0, 1)),
    "prod": lambda m, t: m.prod(t, 1),
    "prod_all": lambda m, t: m.prod(t),
    "norm2": lambda m, t: m.norm(t, dim=1),
    "norm3": lambda m, t: m.norm(t, p=3, dim=0),
    "norm1": lambda m, t: m.norm(t, p=1) ** 2,
    "amax": lambda m, t: m.amax(t * t, 1),
    "max_dim": lambda m, t: m.max(t * t, 0).values,
    "min_all": lambda m, t: m.min(t * t * t),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_matches_torch(name):
    check_double_backward(DOUBLE[name], X.copy())


@needs_torch
@pytest.mark.parametrize(
    "zeros", [[(1, 2)], [(1, 2), (1, 0)], [(0, 0), (0, 3), (1, 1)], [(0, 1), (0, 2), (0, 3)]]
)
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_double_backward_with_zeros_matches_torch(zeros, dim):
    x = X.copy()
    for ij in zeros:
        x[ij] = 0.0
    check_double_backward(lambda m, t: m.prod(t) if dim is None else m.prod(t, dim), x)


# --------------------------------------------------------------------------------------------
# Tensor methods reach the same ops
# --------------------------------------------------------------------------------------------
def test_methods_delegate():
    data = np.array([[1.0, 2.0, 4.0], [3.0, 0.5, 9.0]])
    x = ag.tensor(data)
    pairs = [
        (x.var(1), ag.var(x, 1)),
        (x.std(), ag.std(x)),
        (x.amax(0), ag.amax(x, 0)),
        (x.amin((0, 1)), ag.amin(x, (0, 1))),
        (x.argmax(1), ag.argmax(x, 1)),
        (x.argmin(), ag.argmin(x)),
        (x.logsumexp(0), ag.logsumexp(x, 0)),
        (x.prod(1), ag.prod(x, 1)),
        (x.norm(p=1), ag.norm(x, 1)),
        (x.max(1).values, ag.max(x, 1).values),
        (x.min(), ag.min(x)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.data, b.data)
