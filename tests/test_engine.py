"""Engine semantics: accumulation, graph freeing, hooks, grad modes, versions, higher order."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import autograd_core as ag


def leaf(values, dtype=None):
    return ag.tensor(values, dtype=dtype, requires_grad=True)


# -- accumulation and graph shapes --------------------------------------------------------------
def test_gradient_accumulates_where_a_value_feeds_two_ops():
    x = leaf([2.0, 3.0])
    y = x * x + x.exp()  # x feeds Mul twice and Exp once
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + np.exp(x.data), rtol=1e-6)


def test_backward_twice_accumulates_into_grad():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0, 6.0])


def test_diamond_graph():
    x = leaf(1.5)
    a = x * 2.0
    b = a.exp()
    c = a.sin()
    (b * c).backward()
    xv = 1.5
    expected = 2 * np.exp(2 * xv) * np.sin(2 * xv) + np.exp(2 * xv) * np.cos(2 * xv) * 2
    assert x.grad.item() == pytest.approx(expected, rel=1e-5)


def test_a_node_gets_every_share_when_it_runs_next_in_a_chain():
    x = leaf([0.5, -1.0])
    y = x.tanh()
    (y * y).sum().backward()  # both of Mul's inputs are the node that runs next
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad.data, 2 * t * (1 - t * t), rtol=1e-6)
    x.grad = None
    y = x.tanh()
    ((y * y).exp() * y).sum().backward()  # y is reached again after other nodes ran
    e = np.exp(t * t)
    np.testing.assert_allclose(x.grad.data, (e * 2 * t * t + e) * (1 - t * t), rtol=1e-5)


def test_thirty_stacked_diamonds_is_linear_time():
    x = leaf(np.float64(0.5))
    y = x
    for _ in range(30):  # 2**30 paths from output to input
        y = (y * 0.5) + (y * 0.5)
    y.backward()
    assert x.grad.item() == pytest.approx(1.0)


def test_chain_of_100000_ops_does_not_recurse():
    assert sys.getrecursionlimit() <= 10_000
    x = leaf(np.ones(4))
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(4))


def test_grad_only_on_leaves_unless_retained():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    k = x * 3.0
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    assert h.is_leaf is False and x.is_leaf is True
    np.testing.assert_allclose(k.grad.data, h.data)
    assert k.retains_grad


def test_leaf_grads_do_not_share_memory():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.mul_(10.0)
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2.0).backward()
    y = x * 2.0
    y.backward(ag.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.data, [2.0, 1.0])
    with pytest.raises(RuntimeError, match="gradient has shape"):
        (x * 2.0).backward(ag.tensor([1.0, 2.0, 3.0]))


def test_backward_on_tensor_without_grad_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()


# -- freeing the graph ------------------------------------------------------------------------
def test_second_backward_through_freed_graph_says_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])


def test_saved_arrays_are_released_after_backward():
    x = leaf(np.ones(3))
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is None and node._freed


# -- hooks --------------------------------------------------------------------------------------
def test_hooks_see_and_replace_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    h = x * 3.0
    handle = h.register_hook(lambda g: g * 0.0 + 1.0)  # replace dL/dh by ones
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])
    handle.remove()
    x.grad = None
    (x * 3.0 * (x * 3.0)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 18.0 * x.data)


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_hook(lambda g: g)


# -- grad mode -----------------------------------------------------------------------------------
def test_no_grad_context_and_decorator():
    x = leaf([1.0])
    with ag.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.grad_fn is None

    @ag.no_grad()
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad
    with ag.no_grad():
        with ag.enable_grad():
            assert (x * 2.0).requires_grad
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with ag.no_grad():
        t = threading.Thread(target=lambda: seen.append(ag.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_ops_record_per_thread():
    x = leaf([1.0])
    seen = []
    with ag.no_grad():
        t = threading.Thread(target=lambda: seen.append((x * 2.0).requires_grad))
        t.start()
        t.join()
        assert not (x * 2.0).requires_grad
    assert seen == [True] and (x * 2.0).requires_grad


class ScaleShift(ag.Function):
    """z = a x + b for constants a, b.   dz/dx = a"""

    @staticmethod
    def forward(ctx, x, a, b=0.0):
        ctx.a = a
        return a * x + b

    @staticmethod
    def backward(ctx, g):
        return g * ctx.a, None, None


def test_function_apply_hands_non_tensor_arguments_to_forward():
    x = leaf([1.0, 2.0])
    y = ScaleShift.apply(x, 3.0, 1.0)  # as in PyTorch: constants reach forward as they are
    np.testing.assert_allclose(y.data, [4.0, 7.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])
    z = ScaleShift.apply(x, 2.0)
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [5.0, 5.0])
    assert z.grad_fn.next_edges == (x,) and y.grad_fn.next_edges == (x, None, None)
    assert not ScaleShift.apply(ag.tensor([1.0]), 2.0).requires_grad
    dot = ag.to_dot(y)  # the numbers are no inputs of the drawing
    assert "ScaleShift" in dot and "no grad" not in dot


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_constant_fast_path_builds_the_node_apply_builds(dtype):
    from autograd_core.ops import elementwise as ew

    for op in (ew.AddScalar, ew.MulScalar, ew.DivScalar, ew.RSubScalar, ew.RDivScalar):
        for grad in (True, False) if dtype != np.int64 else (False,):
            x = ag.tensor(np.array([1, 2, 4], dtype), requires_grad=grad) * 1
            fast, slow = op._apply_constant(x, 2.5), op.apply(x, 2.5)
            assert fast.dtype == slow.dtype and fast.requires_grad == slow.requires_grad
            np.testing.assert_array_equal(fast.data, slow.data)
            if grad:
                f, s = fast.grad_fn, slow.grad_fn
                assert type(f) is type(s) and f.next_edges == s.next_edges
                assert f.in_shapes == s.in_shapes and len(f._saved) == len(s._saved)
                assert f._saved_src == s._saved_src
            with ag.no_grad():
                assert op._apply_constant(x, 2.5).grad_fn is None


# -- detach, in place, versions ----------------------------------------------------------------
def test_detach_shares_storage():
    w = leaf(np.zeros((2, 3)))
    w.detach().normal_(0.0, 0.1)
    assert np.any(w.data != 0)
    w.detach().zero_()
    assert not np.any(w.data)
    d = w.detach()
    assert not d.requires_grad and d.data is w.data


def test_update_under_no_grad_keeps_leaf():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.data, [0.8, 1.6], rtol=1e-6)


def test_inplace_on_leaf_requiring_grad_raises():
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1.0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.normal_()


def test_inplace_change_to_saved_tensor_raises():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y * y  # saves y
    with ag.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_change_through_detached_view_is_caught():
    x = leaf([1.0, 2.0])
    z = x * x  # saves x
    x.detach().add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_on_non_leaf_is_recorded():
    torch = pytest.importorskip("torch")
    x = leaf([1.0, -2.0, 3.0])
    y = x * 2.0
    y.mul_(x)  # y = 2x * x
    y += 1.0
    y.sum().backward()
    tx = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    ty = tx * 2.0
    ty.mul_(tx)
    ty += 1.0
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


# -- higher order ------------------------------------------------------------------------------
def test_second_derivative_of_cubic():
    x = leaf(np.float64(2.0))
    (g,) = ag.grad(x**3, x, create_graph=True)
    assert g.item() == pytest.approx(12.0)
    (h,) = ag.grad(g, x)
    assert h.item() == pytest.approx(12.0)


def test_hessian_vector_product_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xv, vv, av = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)

    def f(lib, x, a):
        return ((x * a).tanh() * x.exp()).sum() + (x * x * x).sum() / (a * a + 1.0).sum()

    x, a = leaf(xv), ag.tensor(av)
    (g,) = ag.grad(f(ag, x, a), x, create_graph=True)
    (hv,) = ag.grad((g * ag.tensor(vv)).sum(), x)
    tx, ta = torch.tensor(xv, requires_grad=True), torch.tensor(av)
    (tg,) = torch.autograd.grad(f(torch, tx, ta), tx, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(vv)).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-10)


def test_backward_with_create_graph_gives_differentiable_grad():
    x = leaf(np.float64(3.0))
    (x * x * x).backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(18.0)


def test_grad_leaves_dot_grad_alone_and_reports_unused():
    x, y = leaf([1.0]), leaf([2.0])
    out = (x * 3.0).sum()
    with pytest.raises(RuntimeError, match="was not used"):
        ag.grad(out, [x, y], retain_graph=True)
    gx, gy = ag.grad(out, [x, y], allow_unused=True)
    assert gy is None and gx.item() == 3.0
    assert x.grad is None


# -- construction, dtype, interop ----------------------------------------------------------------
def test_default_dtypes():
    assert ag.tensor([1.0, 2.0]).dtype == ag.float32
    assert ag.tensor(np.zeros(2)).dtype == ag.float64
    assert ag.tensor([1, 2]).dtype == ag.int64
    assert ag.tensor([True]).dtype == ag.bool
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == np.float64
    assert ag.Tensor([1.0]).dtype == ag.float32


def test_scalars_never_change_dtype_but_tensors_promote():
    x = ag.tensor([1.0, 2.0])
    assert (x * 2.5).dtype == ag.float32
    assert (x * np.float64(2.5)).dtype == ag.float32
    assert (np.float64(2.5) * x).dtype == ag.float32
    assert (x + ag.tensor(np.ones(2))).dtype == ag.float64
    assert (ag.tensor([1, 2]) / ag.tensor([2, 2])).dtype == ag.float32


def test_int_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating point tensors can require gradients"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating point"):
        ag.tensor([1, 2]).requires_grad_()


def test_numpy_interop():
    x = ag.tensor([1.0, 2.0])
    assert np.asarray(x) is x.data
    out = np.array([1.0, 1.0], dtype=np.float32) * x
    assert isinstance(out, ag.Tensor)
    assert isinstance(np.ones(2, np.float32) + x, ag.Tensor)


def test_devices():
    x = ag.tensor([1.0])
    assert x.to("cpu") is x and x.cpu() is x and x.device == "cpu"
    assert x.to(ag.float64).dtype == ag.float64
    with pytest.raises(RuntimeError, match="'cuda' is not available"):
        x.to("cuda")


def test_grad_fn_has_readable_name():
    x = leaf([1.0])
    y = x * x
    assert y.grad_fn.name == "MulBackward"
    assert "MulBackward" in repr(y)
    assert "requires_grad=True" in repr(x)


def test_fan_in_sums_in_place_without_touching_shared_gradients():
    # z feeds four adds: its gradient is summed from shares that Add hands to both inputs
    # (the same array twice). The engine may add into sums it made itself, never into those.
    x = leaf(np.arange(3.0))
    z = x * 1.0
    z.retain_grad()
    s = z + z
    s.retain_grad()
    t = s + z + z
    t.sum().backward()
    np.testing.assert_array_equal(z.grad.data, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(s.grad.data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(t.grad_fn._gout, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [4.0, 4.0, 4.0])


def test_weight_shared_across_many_steps_gets_the_sum():
    # w gets one share per step (summed in place after the second): checked numerically.
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((4, 4)) / 2)
    h = leaf(rng.standard_normal((2, 4)))

    def unroll(w_, h_):
        for _ in range(20):
            h_ = (h_ @ w_).tanh()
        return h_.sum()

    assert ag.gradcheck(unroll, (w, h))
