"""Each document's own procedure, as written, where it differs from the exact computation.

Where a document's published number disagrees with the exact computation beyond its
rounding, the function named by the preset's ``explained_by`` reproduces the number from
the document's procedure, so the cause is shown by running it, not asserted.
``reproduce("first.text_variant")`` returns that function's ``{key: value}``.
"""
from importlib import import_module


def reproduce(reference):
    module, _, function = reference.partition(".")
    return getattr(import_module(f"{__name__}.{module}"), function)()
