"""Optimizers without PyTorch: update rules by hand, construction both ways, schedules, state."""
import math

import numpy as np
import pytest

import axon
from axon import Tensor
from axon.optimizers import (SGD, Adagrad, Adam, AdamW, RMSprop, CosineDecay, ExponentialDecay,
                             PiecewiseConstantDecay, StepDecay)


def param(values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_sgd_step_by_hand():
    p = param([1.0, 2.0])
    opt = SGD([p], learning_rate=0.1, momentum=0.5)
    p.grad = np.array([1.0, -1.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 2.1])
    p.grad = np.array([1.0, -1.0])
    opt.step()                                    # v = 0.5 * 1 + 1 = 1.5
    np.testing.assert_allclose(p.data, [0.75, 2.25])


def test_adam_first_step_is_lr_times_sign():
    p = param([1.0, -1.0, 0.5])
    opt = Adam([p], learning_rate=0.01)
    p.grad = np.array([3.0, -0.2, 1e-3])
    opt.step()
    # with bias correction the first step is lr * g / (|g| + eps') for every element
    np.testing.assert_allclose(p.data, [0.99, -0.99, 0.49], rtol=1e-6)


def test_adagrad_by_hand():
    p = param([1.0])
    opt = Adagrad([p], learning_rate=0.5, initial_accumulator_value=0.0, epsilon=0.0)
    for g in [2.0, 1.0]:
        p.grad = np.array([g])
        opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.5 * 2 / 2 - 0.5 * 1 / math.sqrt(5)])


def test_rmsprop_by_hand():
    p = param([0.0])
    opt = RMSprop([p], learning_rate=0.1, rho=0.5, epsilon=0.0)
    p.grad = np.array([2.0])
    opt.step()                                   # v = 0.5 * 4 = 2
    np.testing.assert_allclose(p.data, [-0.1 * 2 / math.sqrt(2)])


def test_adamw_decays_weights_without_gradient_signal():
    p = param([2.0])
    opt = AdamW([p], learning_rate=0.1, weight_decay=0.5)
    p.grad = np.array([0.0])
    opt.step()
    np.testing.assert_allclose(p.data, [2.0 * (1 - 0.1 * 0.5)])


def test_keras_style_construction_and_lookup():
    opt = Adam(0.05)                                # a learning rate, not parameters
    assert opt.learning_rate == 0.05 and opt.params is None
    assert isinstance(axon.optimizers.get("RMSprop"), RMSprop)
    assert axon.optimizers.get(opt) is opt
    assert axon.optimizers.get("sgd").learning_rate == 0.01
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; did you mean 'adam'"):
        axon.optimizers.get("adamm")


def test_step_binds_params_and_skips_those_without_grad():
    a, b = param([1.0]), param([1.0])
    opt = SGD(learning_rate=1.0)
    a.grad = np.array([0.5])
    opt.step([a, b])
    np.testing.assert_allclose(a.data, [0.5])
    np.testing.assert_allclose(b.data, [1.0])
    assert opt.iterations == 1


def test_step_without_params_and_empty_params_raise():
    with pytest.raises(RuntimeError, match="no parameters"):
        SGD().step()
    with pytest.raises(ValueError, match="no parameters"):
        SGD([])
    with pytest.raises(ValueError, match="nesterov"):
        SGD(nesterov=True)


def test_lr_setter_and_schedule_follow_iterations():
    p = param([0.0])
    opt = SGD([p], learning_rate=StepDecay(1.0, step_size=2, factor=0.5))
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        p.grad = np.array([1.0])
        opt.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
    np.testing.assert_allclose(p.data, [-3.25])
    constant = SGD([p], learning_rate=0.1)
    constant.lr = 0.01
    assert constant.learning_rate == 0.01 and isinstance(constant.learning_rate, float)


def test_schedule_values():
    e = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert e(0) == pytest.approx(0.1) and e(10) == pytest.approx(0.05) and e(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    es = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert es(9) == pytest.approx(0.1) and es(19) == pytest.approx(0.05)
    s = StepDecay(1.0, step_size=3, factor=0.1)
    assert [s(i) for i in (0, 2, 3, 6)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    pc = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [pc(i) for i in (0, 10, 11, 20, 21, 100)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="one more value than boundaries, got 1 boundaries and 1 values"):
        PiecewiseConstantDecay([10], [1.0])
    c = CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert c(0) == pytest.approx(1.0)
    assert c(5) == pytest.approx(0.1 + 0.9 * 0.5)
    assert c(10) == pytest.approx(0.1) and c(50) == pytest.approx(0.1)
    w = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert [w(i) for i in range(5)] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])


def test_state_dict_round_trip_continues_identically():
    def run(split):
        p = param([1.0, -2.0])
        opt = Adam([p], learning_rate=0.1, amsgrad=True)
        grads = [np.array([0.3 * i, -0.2 + i]) for i in range(6)]
        for g in grads[:split]:
            p.grad = g
            opt.step()
        if split < 6:
            state = opt.state_dict()
            q = param(p.data.copy())
            opt = Adam([q], learning_rate=0.1, amsgrad=True)
            opt.load_state_dict({"iterations": state["iterations"],
                                 "slots": [{k: np.copy(v) for k, v in s.items()} for s in state["slots"]]})
            p = q
            for g in grads[split:]:
                p.grad = g
                opt.step()
        return p.data, opt.iterations

    full, n_full = run(6)
    resumed, n_resumed = run(3)
    np.testing.assert_array_equal(full, resumed)
    assert n_full == n_resumed == 6


def test_load_state_dict_refuses_a_different_parameter_count():
    opt = SGD([param([1.0])], momentum=0.9)
    with pytest.raises(ValueError, match="2 parameters"):
        opt.load_state_dict({"iterations": 0, "slots": [{}, {}]})


def test_optimizer_config_round_trip():
    from axon.serialization import serialize, deserialize
    opt = AdamW(learning_rate=ExponentialDecay(0.1, 100, 0.9), weight_decay=0.02, clipnorm=1.0)
    back = deserialize(serialize(opt))
    assert isinstance(back, AdamW) and back.weight_decay == 0.02 and back.clipnorm == 1.0
    back.iterations = 100
    assert back.learning_rate == pytest.approx(0.09)
    assert deserialize(serialize(SGD(lr=0.3))).learning_rate == 0.3


def test_updates_keep_float32_parameters_float32():
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        opt = cls([p], learning_rate=0.01, clipnorm=0.5) if cls is not SGD else cls([p], momentum=0.9)
        p.grad = np.full(3, 0.1, np.float32)
        opt.step()
        assert p.data.dtype == np.float32, cls.__name__


# ----- schedules: Keras 3's formulas (keras.optimizers.schedules), and PyTorch's schedulers where
# PyTorch has the same curve

from axon.optimizers.schedules import CosineDecayRestarts, InverseTimeDecay, PolynomialDecay


def keras_cosine_decay(step, initial, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    """The rule the Keras 3 docs state: warm up linearly from ``initial`` to ``warmup_target``
    over ``warmup_steps``, then decay as a cosine from ``warmup_target`` (or ``initial`` without
    warm-up) to ``alpha`` times it over ``decay_steps``, then stay."""
    if warmup_target is not None and step < warmup_steps:
        return initial + (warmup_target - initial) * step / warmup_steps
    start = initial if warmup_target is None else warmup_target
    t = min(step - (0 if warmup_target is None else warmup_steps), decay_steps)
    return start * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t / decay_steps)) + alpha)


@pytest.mark.parametrize("kwargs", [dict(alpha=0.0), dict(alpha=0.2),
                                    dict(alpha=0.1, warmup_target=0.5, warmup_steps=5),
                                    dict(warmup_target=2.0, warmup_steps=1)])
def test_cosine_decay_follows_the_keras_rule(kwargs):
    schedule = CosineDecay(0.1, 20, **kwargs)
    for step in range(40):
        assert schedule(step) == pytest.approx(keras_cosine_decay(step, 0.1, 20, **kwargs), rel=1e-12), step


def test_cosine_decay_without_a_warmup_target_ignores_warmup_steps():
    assert [CosineDecay(1.0, 10, warmup_steps=4)(s) for s in range(12)] == \
        pytest.approx([CosineDecay(1.0, 10)(s) for s in range(12)])


def test_cosine_decay_argument_order_and_names_are_keras():
    s = CosineDecay(0.001, 100, 0.1, "warm", 0.01, 10)
    assert (s.alpha, s.name, s.warmup_target, s.warmup_steps) == (0.1, "warm", 0.01, 10)
    assert s.get_config() == {"initial_learning_rate": 0.001, "decay_steps": 100, "alpha": 0.1,
                              "name": "warm", "warmup_target": 0.01, "warmup_steps": 10}
    with pytest.raises(ValueError, match="decay_steps must be > 0, got 0"):
        CosineDecay(0.1, 0)


def test_polynomial_and_inverse_time_decay_follow_the_keras_rules():
    p = PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5)
    for step in (0, 3, 10, 25):
        t = min(step, 10)
        assert p(step) == pytest.approx((0.1 - 0.01) * (1 - t / 10) ** 0.5 + 0.01)
    c = PolynomialDecay(0.1, 10, end_learning_rate=0.0, cycle=True)
    # cycle: decay_steps becomes its first multiple >= step (1 at step 0)
    assert [c(s) for s in (0, 5, 10, 15, 20)] == pytest.approx([0.1, 0.05, 0.0, 0.1 * (1 - 15 / 20), 0.0])
    i = InverseTimeDecay(0.1, 5, 0.5)
    assert [i(s) for s in (0, 5, 7)] == pytest.approx([0.1, 0.1 / 1.5, 0.1 / (1 + 0.5 * 7 / 5)])
    i_stairs = InverseTimeDecay(0.1, 5, 0.5, staircase=True)
    assert [i_stairs(s) for s in (4, 5, 9, 10)] == pytest.approx([0.1, 0.1 / 1.5, 0.1 / 1.5, 0.1 / 2])


def test_cosine_decay_restarts_periods_grow_by_t_mul_and_peaks_shrink_by_m_mul():
    r = CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=2.0, m_mul=0.5, alpha=0.0)
    # periods [0, 4), [4, 12), [12, 28): each restart begins at m_mul ** i
    assert [r(s) for s in (0, 4, 12)] == pytest.approx([1.0, 0.5, 0.25])
    assert r(2) == pytest.approx(0.5) and r(8) == pytest.approx(0.25) and r(20) == pytest.approx(0.125)


def _torch_rates(torch, make_scheduler, steps, lr):
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=lr)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


def test_schedules_match_pytorch_schedulers():
    torch = pytest.importorskip("torch")
    S = torch.optim.lr_scheduler
    cases = [
        (CosineDecay(0.1, 30, alpha=0.1), lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.01), 0.1, 30),
        (CosineDecay(0.001, 20, warmup_target=0.1, warmup_steps=10),
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=10),
                                      S.CosineAnnealingLR(o, T_max=20)], milestones=[10]), 0.1, 30),
        (CosineDecayRestarts(0.1, 5, t_mul=2.0, alpha=0.05),
         lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.005), 0.1, 40),
        (ExponentialDecay(0.1, 1, 0.9), lambda o: S.ExponentialLR(o, gamma=0.9), 0.1, 20),
        (PolynomialDecay(0.1, 12, end_learning_rate=0.0, power=2.0),
         lambda o: S.PolynomialLR(o, total_iters=12, power=2.0), 0.1, 16),
        (StepDecay(0.1, 4, 0.5), lambda o: S.StepLR(o, step_size=4, gamma=0.5), 0.1, 16),
    ]
    for schedule, make, lr, steps in cases:
        ours = [schedule(s) for s in range(steps)]
        np.testing.assert_allclose(ours, _torch_rates(torch, make, steps, lr), rtol=1e-6, atol=1e-12,
                                   err_msg=type(schedule).__name__)


# ----- optimizer.learning_rate as Keras 3 defines it: the current rate, a float

def test_learning_rate_reads_the_schedule_at_the_current_iteration():
    p = param([0.0])
    schedule = CosineDecay(0.0, decay_steps=6, warmup_target=0.4, warmup_steps=2)
    opt = Adam([p], learning_rate=schedule)
    seen = []
    for _ in range(10):
        seen.append(opt.learning_rate)
        p.grad = np.array([1.0])
        opt.step()
    assert all(isinstance(r, float) for r in seen)
    assert seen == pytest.approx([schedule(i) for i in range(10)])
    assert seen[:3] == pytest.approx([0.0, 0.2, 0.4]) and seen[-1] == pytest.approx(0.0)


def test_a_number_cannot_replace_a_schedule_but_a_schedule_can_replace_anything():
    opt = SGD(learning_rate=ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="driven by the schedule ExponentialDecay.*float learning_rate"):
        opt.learning_rate = 0.01
    with pytest.raises(TypeError, match="driven by the schedule"):
        opt.lr = 0.01
    opt.learning_rate = StepDecay(0.3, step_size=1, factor=0.5)   # Keras: another schedule is fine
    opt.iterations = 2
    assert opt.learning_rate == pytest.approx(0.075)
    constant = SGD(learning_rate=0.1)
    constant.learning_rate = ExponentialDecay(0.2, 1, 0.5)
    constant.iterations = 1
    assert constant.learning_rate == pytest.approx(0.1)


def test_a_plain_callable_is_called_with_no_argument_and_bad_rates_are_refused():
    rate = {"now": 0.05}
    opt = SGD(learning_rate=lambda: rate["now"])
    assert opt.learning_rate == 0.05
    rate["now"] = 0.01
    assert opt.learning_rate == 0.01
    with pytest.raises(ValueError, match="learning_rate must be a float, a LearningRateSchedule or a callable, "
                                         "got '0.1'"):
        SGD(learning_rate="0.1")
