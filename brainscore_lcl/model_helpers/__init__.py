"""Helpers the model plugins share: the LCL architecture (``architecture``), the ``ModelCommitment`` builder
(``commitment``) and your own networks from a Python file (``from_file``)."""
