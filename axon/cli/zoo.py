"""``axon zoo list`` and ``axon zoo show NAME``: the lectures' chart of 27 networks and history table,
where each lives in Axon and whether it is shown; ``show`` trains one on its small task and writes a
PNG and a page (``axon.zoo.chart``)."""
from ..zoo import chart
from .common import wrote


class List:
    NAME = "zoo list"
    HELP = "the lectures' zoo chart (27 networks) and history table: where each lives, whether it is shown"
    #: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
    EXAMPLES = ("axon zoo list",)

    @staticmethod
    def add_arguments(p):
        pass

    @staticmethod
    def run(args):
        for title, entries in (("The zoo chart", chart.CHART), ("The history table", chart.HISTORY)):
            print(f"{title}:")
            for e in entries:
                when = f"{e.year}, {e.who}" if e.year else ""
                print(f"  {e.abbrev:<8}{e.name:<46}{e.slug:<19}{e.where:<44}{when:<38}{chart.status(e)}")
        shown = sum(chart.status(e) == "shown" for e in chart.CHART)
        print(f"{shown} of the chart's {len(chart.CHART)} networks are shown; run 'axon zoo show SLUG' "
              f"(the third column)")


class Show:
    NAME = "zoo show"
    HELP = "train one network of the zoo chart on its small task; write a PNG and a page (axon zoo show hopfield)"
    EXAMPLES = ("axon zoo show hopfield", "axon zoo show KN --quick --out runs/zoo/som")

    @staticmethod
    def add_arguments(p):
        p.add_argument("name", help="the network: its slug, abbreviation or name (see 'axon zoo list')")
        p.add_argument("--out", default=None, help="output folder (default: runs/zoo/SLUG)")
        p.add_argument("--quick", action="store_true", help="less data, seconds (as the tests run it)")

    @staticmethod
    def run(args):
        entry = chart.find(args.name)
        out = args.out or f"runs/zoo/{entry.slug}"
        shown = chart.show(entry.slug, out, quick=args.quick)
        print(f"{shown.name}: {shown.claim}")
        for what, value in shown.measured.items():
            print(f"  {what}: {value:.4g}" if isinstance(value, float) else f"  {what}: {value}")
        print(wrote(out, shown.files.values()))
