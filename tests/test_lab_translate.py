"""``axon lab translate`` end to end on tiny runs, and ``axon translate`` on what it saved."""
import os
import re

import pytest

pytest.importorskip("sacrebleu")
pytest.importorskip("matplotlib")

from axon.cli import main
from axon.data.text import TRANS_DE_EN

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
    rc = main(["lab", "translate", "--pairs", str(pairs), "--format", "tsv", "--source-column", "1",
               "--target-column", "0", "--out", str(out), "--no-compare", "--beam", "2"] + TINY)
    assert rc == 0
    _check_report(out, compare=False)
    printed = capsys.readouterr().out
    assert "held-out BLEU attention" in printed and "tok:13a" in printed

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
