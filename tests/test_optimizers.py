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
    opt.lr = 0.01
    assert opt.learning_rate == 0.01


def test_schedule_values():
    e = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert e(0) == pytest.approx(0.1) and e(10) == pytest.approx(0.05) and e(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    es = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert es(9) == pytest.approx(0.1) and es(19) == pytest.approx(0.05)
    s = StepDecay(1.0, step_size=3, factor=0.1)
    assert [s(i) for i in (0, 2, 3, 6)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    pc = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [pc(i) for i in (0, 10, 11, 20, 21, 100)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="one more value"):
        PiecewiseConstantDecay([10], [1.0])
    c = CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert c(0) == pytest.approx(1.0)
    assert c(5) == pytest.approx(0.1 + 0.9 * 0.5)
    assert c(10) == pytest.approx(0.1) and c(50) == pytest.approx(0.1)
    w = CosineDecay(1.0, decay_steps=10, warmup_steps=4)
    assert [w(i) for i in range(4)] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert w(4) == pytest.approx(1.0)


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
    assert back.learning_rate(100) == pytest.approx(0.09)
    assert deserialize(serialize(SGD(lr=0.3))).learning_rate == 0.3


def test_updates_keep_float32_parameters_float32():
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        opt = cls([p], learning_rate=0.01, clipnorm=0.5) if cls is not SGD else cls([p], momentum=0.9)
        p.grad = np.full(3, 0.1, np.float32)
        opt.step()
        assert p.data.dtype == np.float32, cls.__name__
