"""The lectures' zoo chart of 27 network types (the Asimov Institute's "Neural Network Zoo") and
the history table before it, each entry saying where it lives in Axon and the ``show`` with which
``axon zoo show`` trains it on its small task.

>>> len(CHART), find("hopfield network").abbrev, find("KN").slug
(27, 'HN', 'som')
>>> find("Kohonen network").where
'axon.zoo.classic.SelfOrganizingMap'
>>> status(find("GAN"))
'shown'
>>> find("hopfeld")
Traceback (most recent call last):
...
ValueError: unknown network 'hopfeld'; did you mean 'hopfield'? 'axon zoo list' names them all ...
"""
import importlib
from dataclasses import dataclass

from ..registry import Registry



@dataclass(frozen=True)
class Network:
    """One row: ``abbrev`` and ``name`` as the chart prints them, ``slug`` (``axon zoo show SLUG``),
    ``where`` (the class or builder users call), ``show`` (``"module:function"`` that trains it for the
    page); ``year`` and ``who`` for the history table."""
    abbrev: str
    name: str
    slug: str
    where: str
    show: str
    year: int = None
    who: str = None


def _n(abbrev, name, slug, where, show, year=None, who=None):
    return Network(abbrev, name, slug, where, show, year, who)


_C, _E, _V, _S, _G = "axon.zoo.classic", "axon.zoo.energy", "axon.zoo.vision", "axon.zoo.sequence", "axon.zoo.generative"
CHART = (
    _n("P", "Perceptron", "perceptron", f"{_C}.Perceptron", f"{_C}.perceptron:show", year=1958, who="Rosenblatt"),
    _n("FF", "Feed forward", "ff", "axon.Sequential of Dense layers", f"{_V}.shows:show_ff"),
    _n("RBF", "Radial basis network", "rbf", f"{_C}.RBFNetwork", f"{_C}.rbf:show", year=1988,
       who="Broomhead and Lowe"),
    _n("DFF", "Deep feed forward", "dff", f"{_V}.mlp", f"{_V}.shows:show_dff"),
    _n("RNN", "Recurrent neural network", "rnn", "axon.layers.SimpleRNN", f"{_S}.shows:show_rnn", year=1990,
       who="Elman"),
    _n("LSTM", "Long / short term memory", "lstm", "axon.layers.LSTM", f"{_S}.shows:show_lstm", year=1997,
       who="Hochreiter and Schmidhuber"),
    _n("GRU", "Gated recurrent unit", "gru", "axon.layers.GRU", f"{_S}.shows:show_gru", year=2014, who="Cho et al."),
    _n("AE", "Auto encoder", "ae", f"{_G}.dense_autoencoder", f"{_G}.shows:show_ae", year=2006,
       who="Hinton and Salakhutdinov"),
    _n("VAE", "Variational auto encoder", "vae", f"{_G}.dense_vae", f"{_G}.shows:show_vae", year=2014,
       who="Kingma and Welling"),
    _n("DAE", "Denoising auto encoder", "dae", f"{_G}.denoising_autoencoder", f"{_G}.shows:show_dae", year=2008,
       who="Vincent et al."),
    _n("SAE", "Sparse auto encoder", "sae", f"{_G}.sparse_autoencoder", f"{_G}.shows:show_sae"),
    _n("MC", "Markov chain", "markov_chain", f"{_C}.MarkovChain", f"{_C}.markov_chain:show", year=1906,
       who="Markov"),
    _n("HN", "Hopfield network", "hopfield", f"{_E}.HopfieldNetwork", f"{_E}.hopfield:show", year=1982,
       who="Hopfield"),
    _n("BM", "Boltzmann machine", "boltzmann_machine", f"{_E}.BoltzmannMachine", f"{_E}.boltzmann:show",
       year=1985, who="Ackley, Hinton and Sejnowski"),
    _n("RBM", "Restricted Boltzmann machine", "rbm", f"{_E}.BernoulliRBM", f"{_E}.rbm:show", year=1986,
       who="Smolensky (the harmonium)"),
    _n("DBN", "Deep belief network", "dbn", f"{_E}.DBN", f"{_E}.dbn:show", year=2006,
       who="Hinton, Osindero and Teh"),
    _n("DCN", "Deep convolutional network", "dcn", f"{_V}.mnist_cnn", f"{_V}.shows:show_dcn", year=1998,
       who="LeCun et al."),
    _n("DN", "Deconvolutional network", "dn", "axon.layers.Conv2DTranspose", f"{_G}.shows:show_dn", year=2010,
       who="Zeiler et al."),
    _n("DCIGN", "Deep convolutional inverse graphics network", "dcign", f"{_G}.conv_vae", f"{_G}.shows:show_dcign",
       year=2015, who="Kulkarni et al."),
    _n("GAN", "Generative adversarial network", "gan", f"{_G}.GAN", f"{_G}.gan:show", year=2014,
       who="Goodfellow et al."),
    _n("LSM", "Liquid state machine", "lsm", f"{_C}.LiquidStateMachine", f"{_C}.lsm:show", year=2002,
       who="Maass, Natschläger and Markram"),
    _n("ELM", "Extreme learning machine", "elm", f"{_C}.ExtremeLearningMachine", f"{_C}.elm:show", year=2006,
       who="Huang, Zhu and Siew"),
    _n("ESN", "Echo state network", "esn", f"{_C}.EchoStateNetwork", f"{_C}.esn:show", year=2001, who="Jaeger"),
    _n("DRN", "Deep residual network", "drn", f"{_V}.resnet_small", f"{_V}.shows:show_drn", year=2015,
       who="He et al."),
    _n("KN", "Kohonen network", "som", f"{_C}.SelfOrganizingMap", f"{_C}.som:show", year=1982, who="Kohonen"),
    _n("SVM", "Support vector machine", "svm", f"{_C}.LinearSVM", f"{_C}.svm:show", year=1995,
       who="Cortes and Vapnik"),
    _n("NTM", "Neural Turing machine", "ntm", f"{_C}.NeuralTuringMachine", f"{_C}.ntm:show", year=2014,
       who="Graves, Wayne and Danihelka"),
)

#: the lectures' history table, before and beside the chart
HISTORY = (
    _n("MP", "McCulloch-Pitts neuron", "mcculloch_pitts", f"{_C}.McCullochPittsNeuron",
       f"{_C}.mcculloch_pitts:show", year=1943, who="McCulloch and Pitts"),
    _n("Hebb", "Hebb's rule", "hebb", f"{_C}.HebbianNeuron", f"{_C}.mcculloch_pitts:show", year=1949, who="Hebb"),
    _n("P", "Perceptron learning rule", "perceptron", f"{_C}.Perceptron", f"{_C}.perceptron:show", year=1958,
       who="Rosenblatt"),
    _n("Adaline", "Adaline (delta rule)", "adaline", f"{_C}.Adaline", f"{_C}.perceptron:show", year=1960,
       who="Widrow and Hoff"),
    _n("KN", "Self-organising map", "som", f"{_C}.SelfOrganizingMap", f"{_C}.som:show", year=1982, who="Kohonen"),
    _n("HN", "Hopfield network", "hopfield", f"{_E}.HopfieldNetwork", f"{_E}.hopfield:show", year=1982,
       who="Hopfield"),
    _n("BM", "Boltzmann machine", "boltzmann_machine", f"{_E}.BoltzmannMachine", f"{_E}.boltzmann:show",
       year=1985, who="Ackley, Hinton and Sejnowski"),
    _n("RBM", "Harmonium (restricted Boltzmann machine)", "rbm", f"{_E}.BernoulliRBM", f"{_E}.rbm:show",
       year=1986, who="Smolensky"),
    _n("BP", "Backpropagation", "ff", "axon.autograd (loss.backward())", f"{_V}.shows:show_ff", year=1986,
       who="Rumelhart, Hinton and Williams"),
    _n("DBN", "Deep belief net", "dbn", f"{_E}.DBN", f"{_E}.dbn:show", year=2006, who="Hinton, Osindero and Teh"),
    _n("DBM", "Deep Boltzmann machine", "dbm", f"{_E}.DeepBoltzmannMachine", f"{_E}.dbm:show", year=2009,
       who="Salakhutdinov and Hinton"),
)

NETWORKS = Registry("network")
for _entry in HISTORY + CHART:
    _aliases = {_entry.abbrev, _entry.name} - {_entry.slug}
    NETWORKS.register(_entry.slug, _entry, aliases=tuple(sorted(_aliases)))


def find(name):
    """The entry for ``name``: its slug ("hopfield"), abbreviation ("HN") or full name ("Hopfield network"),
    in any case; an unknown name gets a "did you mean" error that points to ``axon zoo list``."""
    if name in NETWORKS:
        return NETWORKS.get(name)
    import difflib
    keys = [e.slug for e in HISTORY + CHART] + [e.abbrev.lower() for e in HISTORY + CHART]
    close = difflib.get_close_matches(str(name).lower().replace("-", "_"), keys, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown network {name!r}; {hint}'axon zoo list' names them all (the slug column: "
                     f"{', '.join(sorted({e.slug for e in CHART}))})")


def show_function(entry):
    """The callable ``show(out_dir, quick=False)`` of ``entry``, or None when its module or function is
    missing (an optional dependency it needs is not installed)."""
    module, function = entry.show.split(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return None


def status(entry):
    """"shown" when ``axon zoo show`` can train it, else "not shown: " and why."""
    if show_function(entry) is not None:
        return "shown"
    return f"not shown: {entry.show} cannot be imported"


def show(name, out_dir, quick=False):
    """Train network ``name`` on its small task, write its PNGs and page into ``out_dir``; returns the
    ``Shown``.  A network that is not shown raises ValueError with the reason."""
    entry = find(name)
    function = show_function(entry)
    if function is None:
        raise ValueError(f"{entry.name} ({entry.abbrev}) is listed but {status(entry)}; "
                         f"'axon zoo list' shows which networks are shown")
    return function(out_dir, quick=quick)
