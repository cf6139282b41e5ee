"""Differentiable memory addressing, reading and writing of the neural Turing machine (Graves, Wayne
and Danihelka 2014, section 3).

A head turns the controller's output into a weighting ``w`` over the N rows of a memory ``M``
(N, W) in four stages, each differentiable (eqs. 5-9 of the paper)::

    content      K_i = M_i . k / (|M_i| |k|),   w_c = softmax(beta K)          focus on similar rows
    interpolate  w_g = g w_c + (1 - g) w_prev                                  keep or replace the focus
    shift        w~_i = sum_j w_g_j s_(i - j mod N)                            rotate the focus by -1, 0, +1
    sharpen      w_i = w~_i ^ gamma / sum_j w~_j ^ gamma                       undo the blur of the shift

Reading gives ``r = sum_i w_i M_i``; writing erases then adds (eqs. 3-4)::

    M_i <- M_i * prod_h (1 - w_h,i e_h) + sum_h w_h,i a_h

Each stage has its own function below, composed of ``axon.ops`` so that it can be read and checked
on its own (``content_focus``, ``interpolate``, ``circular_shift``, ``sharpen``); ``address`` is the
four stages as one op with a hand-written backward, the one the NTM runs at every step, and
``memory_write`` is the erase-and-add as one op.  Shapes: batch B, heads H, rows N, row width W,
shifts S (odd: offsets -(S-1)/2 .. (S-1)/2, ``s[..., (S-1)/2]`` is no shift).

>>> import numpy as np, axon.ops.addressing as A
>>> memory = np.array([[[1., 0.], [0., 1.], [1., 1.]]])          # B=1, N=3, W=2
>>> w = A.address(memory, key=np.array([[[0., 1.]]]), beta=np.array([[50.]]), gate=np.array([[1.]]),
...               shift=np.array([[[0., 0., 1.]]]), gamma=np.array([[1.]]), w_prev=np.zeros((1, 1, 3)))
>>> np.round(w.numpy(), 2)        # the focus lands on row 1 (most similar), then moves one row on
array([[[0., 0., 1.]]])
"""
import numpy as np

from ..autograd import Function
from ..tensor import unwrap
from . import activations as A
from . import elementwise as E
from . import linalg as L
from . import reductions as R
from . import shaping as S
from .special import logistic

NORM_EPS = 1e-8     # added to the squared norms in the cosine similarity: defined for zero rows
SHARPEN_EPS = 1e-12  # added to w~ before its power: a weighting with zeros stays differentiable


# ---------------------------------------------------------------------------
# the four stages, composed of axon ops (what the paper writes, one function each)

def cosine_similarity(memory, key):
    """K[b, h, i] = M[b, i] . k[b, h] / (|M[b, i]| |k[b, h]|): memory (B, N, W), key (B, H, W) -> (B, H, N)."""
    dot = L.matmul(key, S.transpose(memory, (0, 2, 1)))
    norm_m = E.sqrt(R.sum(memory * memory, axis=-1) + NORM_EPS)          # (B, N)
    norm_k = E.sqrt(R.sum(key * key, axis=-1) + NORM_EPS)                # (B, H)
    return dot / (S.expand_dims(norm_k, -1) * S.expand_dims(norm_m, 1))


def content_focus(memory, key, beta):
    """Content addressing: softmax over rows of ``beta`` times the cosine similarity of each row to the
    key.  memory (B, N, W), key (B, H, W), beta (B, H) >= 0 (key strength) -> w_c (B, H, N)."""
    return A.softmax(S.expand_dims(beta, -1) * cosine_similarity(memory, key), axis=-1)


def interpolate(w_content, w_prev, gate):
    """The interpolation gate: ``g w_c + (1 - g) w_prev``; weightings (B, H, N), gate (B, H) in [0, 1]."""
    g = S.expand_dims(gate, -1)
    return g * w_content + (1 - g) * w_prev


def circular_shift(w, shift):
    """Circular convolution of each weighting with its shift distribution: w (B, H, N), shift (B, H, S)
    summing to 1 over S odd offsets -(S-1)/2 .. (S-1)/2; a shift of +1 moves the focus one row on."""
    n, k = w.shape[-1], shift.shape[-1]
    out = None
    for j in range(k):
        o = (j - k // 2) % n
        rolled = w if o == 0 else S.concat([w[..., n - o:], w[..., :n - o]], axis=-1)   # rolled[i] = w[i - o]
        term = shift[..., j:j + 1] * rolled
        out = term if out is None else out + term
    return out


def sharpen(w, gamma):
    """Sharpening: ``w^gamma / sum w^gamma`` over rows (as ``softmax(gamma log(w + eps))``); w (B, H, N),
    gamma (B, H) >= 1."""
    return A.softmax(S.expand_dims(gamma, -1) * E.log(w + SHARPEN_EPS), axis=-1)


def read_memory(memory, w):
    """Read vectors ``r[b, h] = sum_i w[b, h, i] M[b, i]``: memory (B, N, W), w (B, H, N) -> (B, H, W)."""
    return L.matmul(w, memory)


# ---------------------------------------------------------------------------
# the whole head addressing as one op

def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _softmax_backward(y, dy):
    return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


_SHIFT_INDICES = {}


def _shift_indices(n, k):
    """For N rows and S shift offsets o_j = j - (S-1)/2: ``rows[j, i] = (i - o_j) mod N`` (where row i's
    shifted weight comes from) and ``back[j, i] = (i + o_j) mod N`` (where its gradient goes)."""
    found = _SHIFT_INDICES.get((n, k))
    if found is None:
        offsets = np.arange(k)[:, None] - k // 2
        found = _SHIFT_INDICES[(n, k)] = ((np.arange(n) - offsets) % n, (np.arange(n) + offsets) % n)
    return found


class Addressing(Function):
    """Content focus, interpolation, circular shift and sharpening in one op (see ``address``)."""

    def forward(self, memory, key, beta, gate, shift, gamma, w_prev):
        norm_m = np.sqrt(np.einsum("bnw,bnw->bn", memory, memory) + NORM_EPS)      # (B, N)
        norm_k = np.sqrt(np.einsum("bhw,bhw->bh", key, key) + NORM_EPS)            # (B, H)
        denom = norm_k[..., None] * norm_m[:, None, :]                            # (B, H, N)
        sim = np.matmul(key, memory.transpose(0, 2, 1))
        sim /= denom                                                              # K, cosine similarity
        w_c = _softmax(beta[..., None] * sim)
        g = gate[..., None]
        w_g = g * w_c + (1 - g) * w_prev
        rows, back = _shift_indices(w_g.shape[-1], shift.shape[-1])
        rolled = w_g[..., rows]                                                   # (B, H, S, N): w_g[i - o]
        w_s = np.matmul(shift[..., None, :], rolled)[..., 0, :]
        log_s = np.log(w_s + SHARPEN_EPS)
        w = _softmax(gamma[..., None] * log_s)
        self.save(memory=memory, key=key, beta=beta, g=g, shift=shift, gamma=gamma, w_prev=w_prev,
                  rolled=rolled, back=back, norm_m=norm_m, norm_k=norm_k, denom=denom, sim=sim, w_c=w_c,
                  w_g=w_g, w_s=w_s, log_s=log_s, w=w)
        return w

    def backward(self, dw):
        s = self.saved
        ng = self.needs_grad
        # sharpen: w = softmax(gamma log(w_s + eps))
        du = _softmax_backward(s.w, dw)
        dgamma = (du * s.log_s).sum(-1)
        dws = du * s.gamma[..., None] / (s.w_s + SHARPEN_EPS)
        # shift: w_s[i] = sum_j s_j w_g[i - o_j]
        dshift = np.matmul(s.rolled, dws[..., None])[..., 0]
        dwg = np.matmul(s.shift[..., None, :], dws[..., s.back])[..., 0, :]
        # interpolate: w_g = g w_c + (1 - g) w_prev
        dgate = (dwg * (s.w_c - s.w_prev)).sum(-1)
        dwprev = (1 - s.g) * dwg if ng[6] else None
        # content: w_c = softmax(beta K)
        dz = _softmax_backward(s.w_c, s.g * dwg)
        dbeta = (dz * s.sim).sum(-1)
        dk_sim = dz * s.beta[..., None]                               # dL/dK (B, H, N)
        a = dk_sim / s.denom
        radial = dk_sim * s.sim                                       # the part along each norm
        dmemory = dkey = None
        if ng[0]:
            dmemory = np.matmul(a.transpose(0, 2, 1), s.key)
            dmemory -= (radial.sum(1) / (s.norm_m * s.norm_m))[..., None] * s.memory
        if ng[1]:
            dkey = np.matmul(a, s.memory)
            dkey -= (radial.sum(-1) / (s.norm_k * s.norm_k))[..., None] * s.key
        return dmemory, dkey, dbeta, dgate, dshift, dgamma, dwprev


def _check(name, arrays):
    memory, key, beta, gate, shift, gamma, w_prev = arrays
    if memory.ndim != 3:
        raise ValueError(f"{name}: memory must be (batch, rows, width), got shape {memory.shape}")
    b, n, w = memory.shape
    h = key.shape[1] if key.ndim == 3 else None
    expected = {"key": (b, h, w), "beta": (b, h), "gate": (b, h), "gamma": (b, h), "w_prev": (b, h, n)}
    given = {"key": key, "beta": beta, "gate": gate, "gamma": gamma, "w_prev": w_prev}
    for arg, shape in expected.items():
        if given[arg].shape != shape:
            raise ValueError(f"{name}: {arg} must have shape {shape} for memory {memory.shape} and "
                             f"{h} heads, got {given[arg].shape}")
    if shift.ndim != 3 or shift.shape[:2] != (b, h) or shift.shape[-1] % 2 == 0 or shift.shape[-1] > n:
        raise ValueError(f"{name}: shift must have shape ({b}, {h}, S) with S odd and at most {n} rows "
                         f"(offsets -(S-1)/2 .. (S-1)/2, e.g. S=3), got {shift.shape}")


def address(memory, key, beta, gate, shift, gamma, w_prev):
    """The NTM head's weighting over memory rows, all four stages of the paper in one op.

    memory (B, N, W); key (B, H, W); beta (B, H) >= 0, the key strength; gate (B, H) in [0, 1];
    shift (B, H, S), a distribution over S odd offsets (S=3: -1, 0, +1); gamma (B, H) >= 1, the
    sharpening; w_prev (B, H, N), the heads' previous weightings.  Returns w (B, H, N), each row
    summing to 1.  Equal to ``sharpen(circular_shift(interpolate(content_focus(memory, key, beta),
    w_prev, gate), shift), gamma)``, at a fraction of its cost.
    """
    arrays = [np.asarray(unwrap(a)) for a in (memory, key, beta, gate, shift, gamma, w_prev)]
    _check("address", arrays)
    return Addressing.apply(memory, key, beta, gate, shift, gamma, w_prev)


class HeadParameters(Function):
    """The controller's head outputs split and squashed into their ranges (see ``head_parameters``)."""

    def forward(self, p, heads=1, width=1, shifts=3, write_heads=1):
        b, size = p.shape[0], width + 3 + shifts
        addr = p[:, :heads * size].reshape(b, heads, size)
        rest = p[:, heads * size:].reshape(b, write_heads, 2 * width)
        key = np.tanh(addr[..., :width])
        beta = np.logaddexp(0, addr[..., width])
        gate = logistic(addr[..., width + 1])
        gamma = 1 + np.logaddexp(0, addr[..., width + 2])
        shift = _softmax(addr[..., width + 3:])
        erase = logistic(rest[..., :width])
        add = np.tanh(rest[..., width:])
        self.save(addr=addr, key=key, gate=gate, shift=shift, erase=erase, add=add,
                  sizes=(heads, width, shifts, write_heads))
        return key, beta, gate, shift, gamma, erase, add

    def backward(self, dkey, dbeta, dgate, dshift, dgamma, derase, dadd):
        s = self.saved
        heads, width, shifts, write_heads = s.sizes
        b = s.addr.shape[0]
        daddr = np.zeros_like(s.addr)
        drest = np.zeros((b, write_heads, 2 * width), s.addr.dtype)
        if dkey is not None:
            daddr[..., :width] = dkey * (1 - s.key * s.key)
        if dbeta is not None:                                    # softplus' = sigmoid
            daddr[..., width] = dbeta * logistic(s.addr[..., width])
        if dgate is not None:
            daddr[..., width + 1] = dgate * s.gate * (1 - s.gate)
        if dgamma is not None:
            daddr[..., width + 2] = dgamma * logistic(s.addr[..., width + 2])
        if dshift is not None:
            daddr[..., width + 3:] = _softmax_backward(s.shift, dshift)
        if derase is not None:
            drest[..., :width] = derase * s.erase * (1 - s.erase)
        if dadd is not None:
            drest[..., width:] = dadd * (1 - s.add * s.add)
        return np.concatenate([daddr.reshape(b, -1), drest.reshape(b, -1)], axis=1)


def head_parameters(p, heads, width, shifts=3, write_heads=1):
    """Split the controller's raw head outputs ``p`` (B, heads (width + 3 + shifts) + write_heads 2 width)
    into what the heads use, each squashed into its range as in the paper: per head a key (B, heads,
    width) by tanh, beta (B, heads) >= 0 by softplus, gate (B, heads) by the logistic sigmoid, shift
    (B, heads, shifts) by softmax and gamma (B, heads) >= 1 by 1 + softplus (laid out in ``p`` in the
    order key, beta, gate, gamma, shift); then per write head an erase vector (B, write_heads, width)
    by the sigmoid and an add vector by tanh.  Returns ``(key, beta, gate, shift, gamma, erase, add)``,
    the arguments of ``address`` and ``memory_write``, from one op."""
    expected = heads * (width + 3 + shifts) + write_heads * 2 * width
    if np.ndim(unwrap(p)) != 2 or np.shape(unwrap(p))[1] != expected:
        raise ValueError(f"head_parameters: p must be (batch, {expected}) for {heads} heads of width {width}, "
                         f"{shifts} shifts and {write_heads} write heads, got shape {np.shape(unwrap(p))}")
    return HeadParameters.apply(p, heads=heads, width=width, shifts=shifts, write_heads=write_heads)


class MemoryWrite(Function):
    """Erase then add (see ``memory_write``)."""

    def forward(self, memory, w, erase, add):
        factors = 1 - w[..., None] * erase[:, :, None, :]         # (B, Hw, N, W): 1 - w_h e_h^T
        keep = factors[:, 0] if factors.shape[1] == 1 else np.prod(factors, axis=1)
        out = memory * keep + np.matmul(w.transpose(0, 2, 1), add)
        self.save(memory=memory, w=w, erase=erase, add=add, factors=factors, keep=keep)
        return out

    def backward(self, g):
        s = self.saved
        heads = s.w.shape[1]
        dmemory = g * s.keep
        dadd = np.matmul(s.w, g)                                    # (B, Hw, W)
        dw = np.matmul(s.add, g.transpose(0, 2, 1))                 # (B, Hw, N)
        gm = g * s.memory
        derase = np.empty_like(s.erase)
        for h in range(heads):                                      # the write heads, few
            others = np.prod(np.delete(s.factors, h, axis=1), axis=1) if heads > 1 else 1
            d_outer = -(gm * others)                                # d loss / d (w_h e_h^T)
            dw[:, h] += np.matmul(d_outer, s.erase[:, h, :, None])[..., 0]
            derase[:, h] = np.matmul(s.w[:, h, None, :], d_outer)[:, 0]
        return dmemory, dw, derase, dadd


def memory_write(memory, w, erase, add):
    """The memory after the write heads erase and add: ``M * prod_h (1 - w_h e_h^T) + sum_h w_h a_h^T``.

    memory (B, N, W); w (B, Hw, N), the write weightings; erase (B, Hw, W) in [0, 1]; add (B, Hw, W).
    Returns the new memory (B, N, W).
    """
    m, wa, e, a = (np.asarray(unwrap(x)) for x in (memory, w, erase, add))
    if m.ndim != 3 or wa.ndim != 3 or wa.shape[::2] != m.shape[:2] or e.shape != wa.shape[:2] + m.shape[2:] \
            or a.shape != e.shape:
        raise ValueError(f"memory_write: expected memory (B, N, W), w (B, Hw, N), erase and add (B, Hw, W); got "
                         f"memory {m.shape}, w {wa.shape}, erase {e.shape}, add {a.shape}")
    return MemoryWrite.apply(memory, w, erase, add)
