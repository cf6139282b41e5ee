"""``axon train MODEL``: train a zoo model on a standard dataset, report test accuracy,
save the model and its learning curves.

    axon train mlp --dataset fashion-mnist --epochs 5 --hidden 256,128
"""
import json
import os
import time

DATASETS = ("fashion-mnist", "mnist")


def add_arguments(p):
    p.add_argument("model", nargs="?", default="mlp", help="zoo model name (default: mlp)")
    p.add_argument("--dataset", default="fashion-mnist", choices=DATASETS)
    p.add_argument("--data-dir", default=None, help="folder holding the dataset's IDX files")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optimizer", default="adam", help="sgd, adagrad, rmsprop, adam or adamw")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's)")
    p.add_argument("--hidden", default="256,128", help="MLP hidden units, comma separated")
    p.add_argument("--validation-split", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/train", help="output folder")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))


def load(name, data_dir=None):
    """((x_train, y_train), (x_test, y_test), class names); images scaled to [0, 1] as (N, 28, 28, 1)."""
    from ..data import datasets
    module = datasets.fashion_mnist if name == "fashion-mnist" else datasets.mnist
    (x, y), (xt, yt) = module.load_data(path=data_dir)
    scale = lambda a: (a.astype("float32") / 255.0)[..., None]
    names = getattr(module, "CLASS_NAMES", [str(i) for i in range(10)])
    return (scale(x), y.astype("int64")), (scale(xt), yt.astype("int64")), list(names)


def build_model(args, input_shape, num_classes):
    from .. import zoo
    if args.model == "mlp":
        hidden = tuple(int(h) for h in args.hidden.split(",") if h.strip())
        return zoo.mlp(input_shape, num_classes, hidden=hidden)
    return zoo.get(args.model, input_shape=input_shape, num_classes=num_classes)


def run(args):
    import axon
    from ..utils.plots import plot_history

    axon.manual_seed(args.seed)
    (x, y), (xt, yt), names = load(args.dataset, args.data_dir)
    model = build_model(args, x.shape[1:], len(names))
    opt_kwargs = {} if args.lr is None else {"learning_rate": args.lr}
    model.compile(optimizer=axon.optimizers.get(args.optimizer, **opt_kwargs),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if args.verbose:
        model.summary()
    start = time.perf_counter()
    history = model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=args.validation_split or 0.0, verbose=args.verbose)
    took = time.perf_counter() - start
    loss, acc = model.evaluate(xt, yt, batch_size=1000)
    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, f"{args.model}-{args.dataset}.axon")
    model.save(model_path)
    with open(os.path.join(args.out, "classes.json"), "w") as f:
        json.dump(names, f)
    curve = plot_history(history, os.path.join(args.out, "learning_curves.png"),
                         title=f"{args.model} on {args.dataset}")
    print(f"test accuracy: {acc:.4f}  test loss: {loss:.4f}  "
          f"training time: {took:.1f} s ({took / max(1, len(history.epoch)):.1f} s/epoch)")
    print(f"saved model: {model_path}")
    print(f"saved learning curves: {curve}")
    return 0
