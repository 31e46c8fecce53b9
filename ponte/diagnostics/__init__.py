"""The diagnostic log of every engine call and webhook: a leaf the other apps write to."""
