"""What every demo test checks the same way (imported by the tests/test_demos_*.py files)."""
import pytest

PNG = b"\x89PNG\r\n\x1a\n"


def skip_without_fashion_mnist():
    """Skip the calling test when the offline Fashion-MNIST is not installed."""
    from axon.data.datasets import fashion_mnist
    try:
        fashion_mnist.load_data(download=False)
    except (FileNotFoundError, OSError):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")


def pictures_and_page(r, roles=None, numbers=(), exact=False):
    """The text of the demo's page, after checking that each of ``roles`` (every PNG of ``r.files``
    when None; with ``exact``, no other) is a PNG file linked from the page, and that each of
    ``numbers`` (strings) is on it."""
    pngs = {role: p for role, p in r.files.items() if str(p).endswith(".png")}
    roles = list(pngs) if roles is None else list(roles)
    assert roles, "the demo wrote no picture"
    if exact:
        assert set(pngs) == set(roles)
    page = open(r.files["page"], encoding="utf-8").read()
    for role in roles:
        assert open(r.files[role], "rb").read(8) == PNG, role
        assert f"({role}.png)" in page, role
    for number in numbers:
        assert number in page, number
    return page
