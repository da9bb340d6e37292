"""Predicting without torch: the bundle ``moviegenre export`` writes, and the predictor that runs it.

``bundle`` (the format; ``read_bundle`` checks every file before anything runs) → ``genrenet``
(the GenreNet graph on onnxruntime) → ``predictor`` (``BundlePredictor``: ``GenreClassifier``'s
inference surface on onnxruntime and numpy only). Full install only: ``export`` (model folder →
bundle, torch traces the GenreNet), ``quantize`` (int8), ``compare`` (what the export prints).
Nothing is imported here; ``moviegenre.pretrained.load_predictor`` picks bundle or model folder.
"""
