"""The name-tagging slide: "Harry Potter and Hermione Granger invented a new spell" tagged word by
word -- B-PER (a name begins), I-PER (it goes on), O (no name) -- by an Embedding, a bidirectional
LSTM with ``return_sequences=True`` and a Dense layer applied at every step.

A many-to-many (aligned) network: one tag per token.  The forward LSTM brings what came before a
word, the backward one what comes after it; the Dense layer reads both at each position.  Context
is what lets a tagger tag a name it has never seen ("Cedric Diggory and ..." -- both words unknown)
and a word that is a name in one sentence and a place in another ("Florence smiled" against
"Florence is lovely in spring", where only the words after "Florence" tell).

The sentences are generated: templates ("{P} met {P} in {PLACE}") filled with names from the Harry
Potter books and places, some of the names (and the ambiguous words) in both roles; a few names
are kept for the test sentences only.  Entity F1 counts a name as found only when its whole span
is tagged exactly.

>>> spans(["O", "B-PER", "I-PER", "O", "B-PER"])
[(1, 3), (4, 5)]
>>> entity_f1([[(0, 2)]], [[(0, 2), (3, 4)]])
0.6666666666666666
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "name tagging with a bidirectional LSTM: B-PER / I-PER / O for every word"
CLAIM = ("A recurrent tagger gives every word a tag from the words around it (return_sequences=True, a "
         "Dense layer at each step); running it both ways gives each position the words on its right too, "
         "which is what tags an unknown name or a word that is a name in one sentence and a place in another.")
SENTENCE = "Harry Potter and Hermione Granger invented a new spell"
TAGS = ["<pad>", "O", "B-PER", "I-PER"]

FIRST = ["Harry", "Hermione", "Ron", "Ginny", "Albus", "Luna", "Neville", "Severus", "Minerva", "Draco",
         "Sirius", "Rubeus", "Florence", "Victoria", "Chelsea"]
LAST = ["Potter", "Granger", "Weasley", "Dumbledore", "Lovegood", "Longbottom", "Snape", "McGonagall",
        "Malfoy", "Black", "Hagrid", "Jordan"]
UNSEEN_FIRST = ["Cedric", "Cho", "Viktor", "Fleur"]     # test sentences only: unknown to the tagger
UNSEEN_LAST = ["Diggory", "Chang", "Krum", "Delacour"]
PLACES = ["London", "Hogsmeade", "Hogwarts", "Diagon Alley", "Florence", "Victoria", "Jordan", "Chelsea"]
AMBIGUOUS = {"Florence", "Victoria", "Jordan", "Chelsea"}  # names and places
TEMPLATES = ["{P} and {P} invented a new spell", "{P} met {P} in {L}", "{P} wrote to {P} from {L}",
             "{P} smiled", "yesterday {P} visited {L}", "the owl from {P} arrived", "{P} gave the book to {P}",
             "{L} is lovely in spring", "{L} was cold and {P} stayed at home", "in {L} {P} bought a wand",
             "{P} said that {P} was late", "{P} travelled to {L} with {P}"]


def _person(rng, unseen):
    first, last = (UNSEEN_FIRST, UNSEEN_LAST) if unseen else (FIRST, LAST)
    form = rng.random()
    if form < 0.6:
        return [first[rng.integers(len(first))], last[rng.integers(len(last))]]
    return [first[rng.integers(len(first))]] if form < 0.8 else [last[rng.integers(len(last))]]


def make_sentences(rng, n, unseen=0.0):
    """``n`` generated sentences as (tokens, tags) lists, tags from ``TAGS``; each person is a new
    name from the unseen lists with probability ``unseen``."""
    sentences, tags = [], []
    for _ in range(n):
        words, labels = [], []
        for slot in TEMPLATES[rng.integers(len(TEMPLATES))].split():
            if slot == "{P}":
                name = _person(rng, rng.random() < unseen)
                words += name
                labels += ["B-PER"] + ["I-PER"] * (len(name) - 1)
            elif slot == "{L}":
                place = PLACES[rng.integers(len(PLACES))].split()
                words += place
                labels += ["O"] * len(place)
            else:
                words.append(slot)
                labels.append("O")
        sentences.append(words)
        tags.append(labels)
    return sentences, tags


def spans(tags):
    """The (start, end) token spans of the names in a B-PER / I-PER / O tag list (an I-PER after O
    starts a name, as the CoNLL scorer reads it)."""
    out, start = [], None
    for i, tag in enumerate(list(tags) + ["O"]):
        if start is not None and tag != "I-PER":
            out.append((start, i))
            start = None
        if tag == "B-PER" or (tag == "I-PER" and start is None):
            start = i
    return out


def entity_f1(true_spans, predicted_spans):
    """F1 of exact name spans over sentences (lists of span lists): a name counts as found only
    when its start and end are both right."""
    true = {(k, s) for k, sent in enumerate(true_spans) for s in sent}
    pred = {(k, s) for k, sent in enumerate(predicted_spans) for s in sent}
    if not true and not pred:
        return 1.0
    hits = len(true & pred)
    return 2 * hits / (len(true) + len(pred))


def build_tagger(vocab_size, bidirectional=True, units=24, embed_dim=24):
    """Embedding (0 = padding, masked) -> [Bidirectional] LSTM(units, return_sequences=True) -> Dense
    (len(TAGS)) logits at every step; compiled with Adam and the cross-entropy ignoring padding."""
    from ..layers import LSTM, Bidirectional, Dense, Embedding
    from ..models import Sequential
    from ..zoo.sequence import compile_tagger
    rnn = LSTM(units, return_sequences=True, name="lstm")
    model = Sequential([Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding"),
                        Bidirectional(rnn, name="bilstm") if bidirectional else rnn,
                        Dense(len(TAGS), name="tag")], name="bi_tagger" if bidirectional else "forward_tagger")
    return compile_tagger(model, learning_rate=0.01)


def _encode(vocab, sentences, tags=None, unk_rate=0.0, rng=None):
    """Padded id arrays of ``sentences`` (and ``tags``); in training each name token becomes
    ``<unk>`` with probability ``unk_rate`` (so the tagger learns what unknown words in name
    positions look like)."""
    from ..data.text import pad_sequences
    ids = [vocab.encode(s) for s in sentences]
    if unk_rate:
        ids = [[vocab.unk_id if t != "O" and rng.random() < unk_rate else i for i, t in zip(row, tag)]
               for row, tag in zip(ids, tags)]
    x = pad_sequences(ids, padding="post")
    if tags is None:
        return x
    y = pad_sequences([[TAGS.index(t) for t in tag] for tag in tags], padding="post", maxlen=x.shape[1])
    return x, y


def evaluate(model, vocab, sentences, tags):
    """Per-token accuracy, entity F1, accuracy on the ambiguous words and the predicted tags."""
    x, y = _encode(vocab, sentences, tags)
    pred = model.predict(x).argmax(-1)
    keep = y > 0
    predicted = [[TAGS[k] for k in row[:len(s)]] for row, s in zip(pred, sentences)]
    words = np.array([w for s in sentences for w in s])
    flat_true = y[keep]
    flat_pred = pred[keep]
    ambiguous = np.isin(words, list(AMBIGUOUS))
    return {"token_accuracy": float((flat_pred == flat_true).mean()),
            "entity_f1": entity_f1([spans(t) for t in tags], [spans(p) for p in predicted]),
            "ambiguous_accuracy": float((flat_pred == flat_true)[ambiguous].mean()),
            "ambiguous_count": int(ambiguous.sum()), "predicted": predicted}


def train(quick=False, seed=0):
    """Train the bidirectional and the forward-only tagger on the same generated sentences; returns
    (models, vocabulary, dict of test numbers by model and test set)."""
    from ..backend import manual_seed
    from ..data.text import Vocabulary
    rng = np.random.default_rng(seed)
    n_train, n_test, epochs = (700, 300, 8) if quick else (2500, 1000, 15)
    sentences, tags = make_sentences(rng, n_train)
    test = make_sentences(rng, n_test)
    unseen = make_sentences(rng, n_test, unseen=1.0)
    vocab = Vocabulary.build(sentences)
    x, y = _encode(vocab, sentences, tags, unk_rate=0.15, rng=rng)
    models, numbers = {}, {}
    for key, bidirectional in (("bidirectional", True), ("forward", False)):
        manual_seed(seed)
        model = build_tagger(len(vocab), bidirectional)
        history = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
        models[key] = model
        numbers[key] = {"test": evaluate(model, vocab, *test), "unseen": evaluate(model, vocab, *unseen),
                        "loss": history.history["loss"]}
    numbers.update(n_train=n_train, n_test=n_test, epochs=epochs, vocabulary=len(vocab))
    return models, vocab, numbers


def tag_sentence(model, vocab, sentence):
    """The words of ``sentence`` (a string), their predicted tags and tag probabilities (words, tags)."""
    words = sentence.split()
    logits = model.predict(_encode(vocab, [words]))[0]
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    return words, [TAGS[k] for k in logits.argmax(-1)], probs


def _draw_tags(ax, words, tags, p_name, title, forward_tags=None):
    """One tagged sentence: a box per word coloured by its tag, the tag and P(name) under it, and
    the forward-only tagger's tag where it differs."""
    from matplotlib.patches import FancyBboxPatch
    colours = {"B-PER": "#d95f02", "I-PER": "#fdb863", "O": "#e6e6e6", "<pad>": "white"}
    forward_tags = forward_tags or tags
    ax.text(-0.15, 0.1, "tag", ha="right", va="center", fontsize=7, color="0.3")
    ax.text(-0.15, -0.2, "P(name)", ha="right", va="center", fontsize=7, color="0.3")
    x = 0.0
    for word, tag, p, fw in zip(words, tags, p_name, forward_tags):
        width = 0.15 * len(word) + 0.6
        ax.add_patch(FancyBboxPatch((x, 0.35), width, 0.5, boxstyle="round,pad=0.02",
                                    facecolor=colours[tag], edgecolor="black", lw=0.6))
        ax.text(x + width / 2, 0.6, word, ha="center", va="center", fontsize=9)
        ax.text(x + width / 2, 0.1, tag, ha="center", va="center", fontsize=7.5, weight="bold")
        ax.text(x + width / 2, -0.2, f"{p:.2f}", ha="center", va="center", fontsize=7, color="0.3")
        if fw != tag:
            ax.text(x + width / 2, -0.5, f"forward: {fw}", ha="center", va="center", fontsize=7, color="#7570b3")
        x += width + 0.12
    ax.set_xlim(-1.2, max(x, 10))
    ax.set_ylim(-0.7, 1.0)
    ax.axis("off")
    ax.set_title(title, fontsize=9, loc="left")


def run(out_dir, quick=False):
    """Train the taggers, draw tagged sentences and the two taggers' scores, write
    ``name_tagging.md``; returns ``DemoResults``."""
    from ..utils.plots import pyplot, save_figure
    dpi = 60 if quick else 110
    models, vocab, numbers = train(quick)
    bi, fw = numbers["bidirectional"], numbers["forward"]
    measured = {"per-token accuracy (bidirectional)": bi["test"]["token_accuracy"],
                "entity F1 (bidirectional)": bi["test"]["entity_f1"],
                "entity F1, names never seen in training (bidirectional)": bi["unseen"]["entity_f1"],
                "entity F1, names never seen in training (forward only)": fw["unseen"]["entity_f1"],
                "accuracy on name-or-place words (bidirectional)": bi["test"]["ambiguous_accuracy"],
                "accuracy on name-or-place words (forward only)": fw["test"]["ambiguous_accuracy"]}
    r = DemoResults("name-tagging", "Name tagging with a bidirectional LSTM", CLAIM, measured, values=numbers)
    examples = [SENTENCE, "Cedric Diggory and Fleur Delacour invented a new spell", "Florence is lovely in spring",
                "Florence smiled", "yesterday Victoria Weasley visited Victoria"]
    r.values["examples"] = {}
    plt = pyplot()
    path = figure_path(r, out_dir, "tagged_sentences",
                       "sentences tagged by the bidirectional LSTM (orange: a name, dark where it begins; purple: the "
                       "forward-only tagger's tag where it differs)")
    fig, axes = plt.subplots(len(examples), 1, figsize=(9.5, 1.6 * len(examples)))
    for ax, sentence in zip(axes, examples):
        words, tags, probs = tag_sentence(models["bidirectional"], vocab, sentence)
        _, fw_tags, _ = tag_sentence(models["forward"], vocab, sentence)
        r.values["examples"][sentence] = {"bidirectional": tags, "forward": fw_tags}
        unknown = [w for w in words if w not in vocab]
        note = f" (unknown words: {', '.join(unknown)})" if unknown else ""
        _draw_tags(ax, words, tags, probs[:, 2] + probs[:, 3], f'"{sentence}"{note}', fw_tags)
    save_figure(fig, path, dpi=dpi)

    path = figure_path(r, out_dir, "scores", "the bidirectional and the forward-only tagger on the test sentences")
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    bars = [("token accuracy", "test", "token_accuracy"), ("entity F1", "test", "entity_f1"),
            ("entity F1,\nunseen names", "unseen", "entity_f1"),
            ("name-or-place\nwords", "test", "ambiguous_accuracy")]
    at = np.arange(len(bars))
    for shift, key, colour in ((-0.2, "bidirectional", "#d95f02"), (0.2, "forward", "#7570b3")):
        values = [numbers[key][split][metric] for _, split, metric in bars]
        ax.bar(at + shift, values, width=0.4, color=colour, label=f"{key} LSTM")
        for a, v in zip(at, values):
            ax.text(a + shift, v + 0.01, f"{v:.2f}", ha="center", fontsize=7)
    ax.set_xticks(at, [b[0] for b in bars], fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share right / F1")
    ax.legend(fontsize=8, loc="lower center", ncol=2, bbox_to_anchor=(0.5, 1.0))
    save_figure(fig, path, dpi=dpi)

    lines = []
    for sentence, both in r.values["examples"].items():
        lines.append(f'- "{sentence}": ' + " ".join(f"{w}/{t}" for w, t in zip(sentence.split(), both["bidirectional"]))
                     + f" (forward only: {' '.join(both['forward'])})")
    sections = [
        ("The data (generated)",
         f"{numbers['n_train']} training sentences from {len(TEMPLATES)} templates, names from {len(FIRST)} first "
         f"and {len(LAST)} last names of the books (a name is first + last, first only or last only), places "
         f"among them {', '.join(sorted(AMBIGUOUS))}, which are first or last names too. Tested on "
         f"{numbers['n_test']} fresh sentences and {numbers['n_test']} whose names ({', '.join(UNSEEN_FIRST)}, "
         f"{', '.join(UNSEEN_LAST)}) never occur in training, so they are `<unk>` to the tagger; in training "
         "15% of the name tokens are replaced by `<unk>` so that it meets unknown names."),
        ("The model",
         f"`Embedding({numbers['vocabulary']}, 24, mask_zero=True)` -> `Bidirectional(LSTM(24, "
         "return_sequences=True))` -> `Dense(4)` at every step, the cross-entropy ignoring padding, Adam "
         f"(0.01), {numbers['epochs']} epochs; the forward-only tagger is the same without `Bidirectional`."),
        ("Tagged here", "\n".join(lines)),
        ("Reading the numbers",
         f"Entity F1 on the fresh sentences: {bi['test']['entity_f1']:.3f} bidirectional, "
         f"{fw['test']['entity_f1']:.3f} forward only; on names never seen, {bi['unseen']['entity_f1']:.3f} and "
         f"{fw['unseen']['entity_f1']:.3f}. The gap is widest where only the right context decides: a sentence-first "
         f"\"Florence\" is a person in \"Florence smiled\" and a place in \"Florence is lovely\": the forward LSTM "
         f"must tag it before reading on and gets {fw['test']['ambiguous_accuracy']:.1%} of the name-or-place "
         f"words right, the bidirectional one {bi['test']['ambiguous_accuracy']:.1%}."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "swap `LSTM` for `GRU` in `build_tagger` and compare the entity F1",
        "add ORG and LOC tags (Hogwarts, Gringotts) and a `B-`/`I-` pair for each",
        "drop the `<unk>` replacement (`unk_rate=0`) and watch the F1 on unseen names",
    ])
    return r
