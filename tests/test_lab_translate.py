"""Lab 2 (``axon.labs.translate.run`` and ``axon lab translate``) end to end on tiny runs, and
``axon translate`` on what it saved."""
import os
import re

import pytest

pytest.importorskip("sacrebleu")
pytest.importorskip("matplotlib")

from axon.cli import main
from axon.data.text import TRANS_DE_EN
from axon.labs.translate import TranslateConfig, run

TINY = ["--epochs", "2", "--units", "24", "--embed-dim", "12", "--quiet"]


def _check_report(out, compare=True):
    for name in ["model.axon", "src_vocab.json", "tgt_vocab.json", "translator.json", "report.md",
                 "curves_attention.png"]:
        assert os.path.exists(out / name), name
    report = (out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"sacrebleu signature: `nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:[\d.]+`",
                     report)
    assert re.search(r"\| attention \| \d+\.\d\d \|", report)
    assert ("| no attention |" in report) == compare
    assert os.path.exists(out / "no_attention" / "model.axon") == compare
    assert "## Example translations" in report
    return report


def test_lab_on_a_tsv_pair_file(tmp_path, capsys):
    pairs = tmp_path / "deu.txt"
    rows = [("Go.", "Geh."), ("I'm hungry.", "Ich habe Hunger."), ("We are tired.", "Wir sind müde."),
            ("The dog sleeps.", "Der Hund schläft."), ("The cat sleeps.", "Die Katze schläft."),
            ("I see the dog.", "Ich sehe den Hund."), ("I see the cat.", "Ich sehe die Katze."),
            ("We see the dog.", "Wir sehen den Hund."), ("You are hungry.", "Du hast Hunger."),
            ("The dog is hungry.", "Der Hund hat Hunger."), ("The cat is tired.", "Die Katze ist müde."),
            ("We are hungry.", "Wir haben Hunger.")] * 4
    pairs.write_text("".join(f"{en}\t{de}\tCC-BY 2.0 (France) Attribution: tatoeba.org\n" for en, de in rows),
                     encoding="utf-8")
    out = tmp_path / "run"
    lines = []
    results = run(TranslateConfig(pairs=str(pairs), format="tsv", source_column=1, target_column=0, out=str(out),
                                  compare=False, beam=2, epochs=2, units=24, embed_dim=12, verbose=0),
                  log=lines.append)
    report = _check_report(out, compare=False)
    assert list(results.runs) == ["attention"]
    att = results.runs["attention"]
    assert f"| attention | {att.bleu:.2f} |" in report and "tok:13a" in att.signature
    assert len(att.history["loss"]) == 2 and att.training.wall > 0
    assert len(att.outputs) == len(results.corpus.test) and results.corpus.n_used == len(rows)
    assert results.files["report"] == str(out / "report.md") and att.folder == str(out)
    assert any(line.startswith("held-out BLEU attention") for line in lines)

    rc = main(["translate", str(out), "Ich habe Hunger.", "Unbekannte Wörter hier.", "--beam", "2",
               "--attention", str(tmp_path / "map.png"), "--verbose"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "source tokens: <unk> <unk> <unk> . <eos>" in printed
    assert os.path.exists(tmp_path / "map.png") and os.path.exists(tmp_path / "map-2.png")


@pytest.mark.skipif(not os.path.exists(TRANS_DE_EN), reason="Debian package trans-de-en not installed")
def test_lab_default_data_tiny_limit(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["lab", "translate", "--limit", "300", "--out", str(out)] + TINY)
    assert rc == 0
    report = _check_report(out, compare=True)
    assert "Ding dictionary" in report
    assert re.search(r"held-out BLEU no attention: \d+\.\d\d", capsys.readouterr().out)


def test_translate_cli_errors(tmp_path, capsys):
    assert main(["translate", str(tmp_path), "Hallo."]) == 2
    assert "model.axon" in capsys.readouterr().err
