"""The intent-classifier slide: an RNN reads "what time is it?" one word at a time, its hidden state
after each word summarising what it has read, and names the intent at the end.

The lecture colours the hidden state as a row of cells that changes with every word: the state
after "what" is the network's memory of "what", the state after "time" mixes "time" into it, and
the last state, after "?", is what the classifier reads.  Here a plain ``SimpleRNN`` of 16 units
(behind a word embedding, with a softmax layer on its last state) is trained on a small generated
set of voice-assistant requests -- templates ("set an alarm for {hour}") times slot fillers
("seven", "half past six", ...) -- and the same weights are run with ``return_sequences=True`` to
show the state, and the intent the softmax layer would give, after every word.

The data is generated, not collected: a few templates per intent, so most test sentences have
been seen in training; the page says how many were not and how those fared.

>>> sentences, labels = make_requests(np.random.default_rng(0), 3)
>>> len(sentences), [INTENTS[k] for k in labels] == [intent_of(s) for s in sentences]
(3, True)
"""
import re

import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "an intent classifier reading 'what time is it?' word by word: hidden states and probabilities"
CLAIM = ("A recurrent network reads a sentence one word at a time; its hidden state after each word "
         "summarises the words so far, and the last state decides the intent: the prediction sharpens as "
         "the words arrive ('what' could start a question about the time or the weather, 'what time' "
         "cannot).")
SENTENCE = "what time is it ?"
EXAMPLES = ["what's the time ?", "set an alarm for seven", "play some music", "what's the weather like"]

TEMPLATES = {
    "time": ["what time is it ?", "what's the time ?", "tell me the time", "what time is it in {city} ?",
             "do you know what time it is ?", "what is the time in {city}"],
    "alarm": ["set an alarm for {hour}", "wake me up at {hour}", "set an alarm for {hour} {part}",
              "can you wake me at {hour} {part} ?", "i need an alarm at {hour}"],
    "music": ["play some music", "play some {genre}", "put on some {genre} music", "play something by {artist}",
              "i want to hear {artist}"],
    "weather": ["what's the weather like", "what's the weather like in {city}", "will it rain {when} ?",
                "what is the weather {when}", "is it cold in {city} {when} ?", "how warm is it {when}"],
}
FILLERS = {
    "city": ["london", "paris", "tokyo", "new york", "berlin", "rome", "cairo", "lima"],
    "hour": ["seven", "six", "half past six", "eight thirty", "noon", "five", "nine", "ten fifteen"],
    "part": ["tomorrow", "in the morning", "tonight", "on monday", "on friday"],
    "genre": ["jazz", "rock", "classical", "relaxing", "pop", "folk"],
    "artist": ["the beatles", "adele", "mozart", "queen", "miles davis", "bach"],
    "when": ["today", "tomorrow", "tonight", "this weekend", "on sunday", "later"],
}
INTENTS = list(TEMPLATES)


def make_requests(rng, n):
    """``n`` generated requests (strings, lower case, words and "?" separated by spaces) and their
    intent ids (indices into ``INTENTS``), intents drawn uniformly, then a template, then fillers."""
    labels = rng.integers(len(INTENTS), size=n)
    sentences = []
    for label in labels:
        options = TEMPLATES[INTENTS[label]]
        words = []
        for word in options[rng.integers(len(options))].split():
            if word.startswith("{"):
                fillers = FILLERS[word[1:-1]]
                word = fillers[rng.integers(len(fillers))]
            words.append(word)
        sentences.append(" ".join(words))
    return sentences, labels.astype(np.int64)


def intent_of(sentence):
    """The intent whose templates generate ``sentence`` (the ground truth, by pattern matching)."""
    for name, options in TEMPLATES.items():
        for template in options:
            pattern = re.escape(template)
            for slot in FILLERS:
                pattern = pattern.replace(re.escape("{" + slot + "}"), "(" + "|".join(FILLERS[slot]) + ")")
            if re.fullmatch(pattern, sentence):
                return name
    raise ValueError(f"intent_of: {sentence!r} comes from no template; give one make_requests generates")


def prefixes(sentences, labels):
    """Every prefix of every sentence ("what", "what time", ...), each with its sentence's label:
    trained on these, the softmax of the state after word t predicts from the first t words."""
    pairs = [(" ".join(s.split()[:t]), y) for s, y in zip(sentences, labels) for t in range(1, len(s.split()) + 1)]
    return [p for p, _ in pairs], np.array([y for _, y in pairs], dtype=np.int64)


def build_model(vocab_size, units=16, embed_dim=16, return_sequences=False):
    """Embedding (0 = padding, masked) -> SimpleRNN(units) -> softmax over ``INTENTS``; with
    ``return_sequences`` the RNN gives its state after every word and the softmax is applied to
    each (the model the pictures read, with the trained model's weights)."""
    from ..layers import Dense, Embedding, SimpleRNN
    from ..models import Sequential
    return Sequential([Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding"),
                       SimpleRNN(units, return_sequences=return_sequences, name="rnn"),
                       Dense(len(INTENTS), activation="softmax", name="intent")], name="intent_rnn")


def read_word_by_word(model, vocab, sentence):
    """Run ``model``'s weights over ``sentence`` word by word: returns the words, the hidden states
    (words, units) and the intent probabilities after each word (words, intents)."""
    from ..models import Sequential
    words = sentence.split()
    ids = np.array([vocab.encode(words)])
    stepwise = build_model(model.get_layer("embedding").input_dim, model.get_layer("rnn").units,
                           model.get_layer("embedding").output_dim, return_sequences=True)
    stepwise(ids)
    stepwise.set_weights(model.get_weights())
    hidden = Sequential(stepwise.layers[:2])(ids)
    probs = stepwise.predict(ids)
    return words, np.asarray(hidden.data)[0], probs[0]


def train(quick=False, seed=0):
    """Generate requests, train the classifier; returns (model, vocabulary, dict of numbers)."""
    from .. import optimizers
    from ..backend import manual_seed
    from ..data.text import Vocabulary, pad_sequences
    rng = np.random.default_rng(seed)
    n_train, n_test, epochs = (400, 300, 6) if quick else (1000, 600, 12)
    sentences, labels = make_requests(rng, n_train)
    test_sentences, test_labels = make_requests(rng, n_test)
    vocab = Vocabulary.build([s.split() for s in sentences])

    def encode(batch):
        return pad_sequences([vocab.encode(s.split()) for s in batch], padding="post")
    manual_seed(seed)
    model = build_model(len(vocab))
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    x, y = prefixes(sentences, labels)
    history = model.fit(encode(x), y, epochs=epochs, batch_size=64, verbose=0)
    pred = model.predict(encode(test_sentences)).argmax(-1)
    unseen = ~np.isin(test_sentences, sentences)
    starts = np.array([s.split()[0] == SENTENCE.split()[0] for s in sentences])
    return model, vocab, {
        "accuracy": float((pred == test_labels).mean()),
        "unseen": int(unseen.sum()), "n_test": n_test, "n_train": n_train, "epochs": epochs,
        "unseen_accuracy": float((pred == test_labels)[unseen].mean()) if unseen.any() else float("nan"),
        "loss": history.history["loss"], "vocabulary": len(vocab),
        "what_is_time": float((labels[starts] == INTENTS.index("time")).mean())}


def _draw_sentence(plt, words, hidden, probs, path, dpi):
    from ..utils.plots import save_figure
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(1.2 * len(words) + 2.2, 6.2), sharex=True,
                                      gridspec_kw={"height_ratios": [2.2, 1]})
    im = top.imshow(hidden.T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    top.set_yticks(range(hidden.shape[1]), [f"h{u + 1}" for u in range(hidden.shape[1])], fontsize=7)
    top.set_title("hidden state after each word (16 tanh units)")
    fig.colorbar(im, ax=[top, bottom], fraction=0.04, pad=0.02, label="unit value")
    steps = np.arange(len(words))
    for k, name in enumerate(INTENTS):
        bottom.plot(steps, probs[:, k], "o-", label=name)
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_ylabel("P(intent)")
    bottom.set_xticks(steps, [f'"{w}"' for w in words])
    bottom.set_xlabel("after reading the word")
    bottom.legend(fontsize=7, ncol=len(INTENTS), loc="upper left", bbox_to_anchor=(0, -0.35))
    bottom.grid(alpha=0.3)
    return save_figure(fig, path, dpi=dpi)


def run(out_dir, quick=False):
    """Train the classifier, draw the hidden states and probabilities word by word for "what time is
    it ?" and for one request of every intent, write ``intent.md``; returns ``DemoResults``."""
    from ..utils.plots import pyplot, save_figure
    dpi = 60 if quick else 110
    model, vocab, numbers = train(quick)
    words, hidden, probs = read_word_by_word(model, vocab, SENTENCE)
    time_k = INTENTS.index("time")
    measured = {"test accuracy": numbers["accuracy"],
                "test sentences not seen in training": f"{numbers['unseen']} of {numbers['n_test']}",
                'P(time) after "what"': float(probs[0, time_k]),
                'P(weather) after "what"': float(probs[0, INTENTS.index("weather")]),
                'share of training requests starting "what" that ask the time': numbers["what_is_time"],
                'P(time) after "what time"': float(probs[1, time_k]),
                f'P(time) after "{SENTENCE}"': float(probs[-1, time_k])}
    if numbers["unseen"]:
        measured["accuracy on those"] = numbers["unseen_accuracy"]
    r = DemoResults("intent", "An intent classifier reading 'what time is it?' word by word", CLAIM, measured,
                    values={"words": words, "hidden": hidden, "probabilities": probs, "intents": INTENTS,
                            **numbers})
    plt = pyplot()
    _draw_sentence(plt, words, hidden, probs, figure_path(
        r, out_dir, "hidden_states", f'"{SENTENCE}" word by word: the hidden state and P(intent) after each word'),
        dpi)
    path = figure_path(r, out_dir, "word_by_word", "the most likely intent after each word, one request per intent")
    fig, axes = plt.subplots(1, len(INTENTS), figsize=(3.4 * len(INTENTS), 3.0), sharey=True)
    traces = {}
    for ax, sentence in zip(axes, EXAMPLES):
        w, _, p = read_word_by_word(model, vocab, sentence)
        traces[sentence] = p
        ax.set_xlabel(f"it says: {INTENTS[int(p[-1].argmax())]} ({p[-1].max():.0%})", fontsize=8)
        ax.imshow(p.T, cmap="Greens", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(w)), w, rotation=50, ha="right", fontsize=8)
        ax.set_yticks(range(len(INTENTS)), INTENTS)
        ax.set_title(f'"{sentence}"', fontsize=8)
    fig.suptitle("P(intent) after each word (darker: more probable)", y=1.08)
    save_figure(fig, path, dpi=dpi)
    r.values["traces"] = traces

    steps = " | ".join(f'"{" ".join(words[:t + 1])}": {INTENTS[int(p.argmax())]} {p.max():.0%}'
                       for t, p in enumerate(probs))
    sections = [
        ("The data (generated)",
         f"{numbers['n_train']} training and {numbers['n_test']} test requests drawn from "
         f"{sum(map(len, TEMPLATES.values()))} templates of {len(INTENTS)} intents ({', '.join(INTENTS)}) with "
         f"slot fillers (hours, cities, genres, artists, days); {numbers['vocabulary']} words with `<pad>` and "
         f"`<unk>`. Examples: " + "; ".join(f'"{s}"' for s in EXAMPLES) + "."),
        ("The model",
         f"`Embedding(mask_zero=True)` -> `SimpleRNN(16)` -> `Dense(4, softmax)`, Adam (0.01), "
         f"{numbers['epochs']} epochs on every prefix of every training request (\"what\", \"what time\", "
         "..., each labelled with its request's intent), so that what the classifier says after t words is a "
         "prediction from those t words. The pictures run the same weights with `return_sequences=True`: the "
         "state after word t and the softmax of it. Test accuracy is over whole requests."),
        (f'Reading "{SENTENCE}"', steps + f'\n\nAfter "what" alone the network hedges between the time and the '
         f"weather: {numbers['what_is_time']:.0%} of the training requests that start with \"what\" ask the time, "
         f"and it says P(time) = {probs[0, time_k]:.0%}; one more word settles it."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "add an intent whose requests also start with 'what' ('what's on my calendar') and watch P after 'what'",
        "swap `SimpleRNN` for `GRU` or `LSTM` and compare the hidden-state pictures",
        "ask it a request no template makes ('could you play the time') and read the probabilities",
    ])
    return r
