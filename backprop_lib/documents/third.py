"""The third document (2-2-1, linear): every published number agrees with the exact
computation to the document's rounding; nothing here yet needs reproducing."""
