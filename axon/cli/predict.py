"""``axon predict MODEL IMAGE...``: the top classes of your own image files, with a model saved by
``axon lab classify`` or ``axon train`` (an ``axon.zoo.ImageClassifier``).

Each image is converted to the model's channels, resized to its input size,
scaled to [0, 1] and, for models trained on light-on-dark images such as
Fashion-MNIST, inverted when its border is light (``axon.data.load_image_batch``).
Class names come from ``classes.json`` beside the model, or from ``--classes``.

    axon predict runs/classify/model.axon shirt.jpg boot.png --top 3
    axon predict runs/classify/model.axon shirt.jpg --engine onnxruntime

``--engine onnxruntime`` exports the model to ONNX in memory and runs it with onnxruntime
(``pip install "axon[onnx]"``); the classes and probabilities are the same as Axon's own.
"""
from ..data.image_files import INVERT
from ..export.runtime import ENGINES
from ..zoo import ImageClassifier

NAME = "predict"
HELP = "classify image files with a saved model"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon predict runs/classify/model.axon shirt.jpg boot.png --top 3',
    'axon predict runs/classify/model.axon shirt.jpg --engine onnxruntime',
)


def add_arguments(p):
    p.add_argument("model", help="a model saved by model.save (e.g. runs/classify/model.axon)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to classify")
    p.add_argument("--classes", default=None,
                   help="JSON file with the class names (default: classes.json beside the model)")
    p.add_argument("--top", type=int, default=3, help="how many classes to show per image (default 3)")
    p.add_argument("--invert", default="auto", choices=INVERT,
                   help="invert grey levels: auto does it for light-background images when the model "
                        "was trained on dark backgrounds")
    p.add_argument("--engine", default="axon", choices=ENGINES,
                   help="what runs the model: axon (default) or onnxruntime (the model exported to ONNX; "
                        'needs pip install "axon[onnx]")')


def run(args):
    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    if args.engine == "onnxruntime":
        try:
            import onnx, onnxruntime  # noqa: F401
        except ImportError as e:
            raise ImportError(f'--engine onnxruntime needs the {e.name} package: pip install "axon[onnx]"') from None
    classifier = ImageClassifier.load(args.model, args.classes)
    results = classifier.predict_files(args.images, args.top, args.invert, engine=args.engine)
    for path, top in zip(args.images, results):
        print(f"{path}: " + ", ".join(f"{name} {p:.3f}" for name, p in top))
