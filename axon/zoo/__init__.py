"""Layer 7: the model zoo: classic architectures as functions returning uncompiled models."""
