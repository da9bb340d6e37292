"""Modeling: from feature tensors to genres, and the ``GenreClassifier`` facade.

Flow: ``views`` (which encoder feeds which head) → ``network`` (input normalisation + a fusion of
``fusion``) → ``train_joint`` (concat / sum / gated) or ``train_late`` (late fusion's heads and
stacker), with the helpers of ``training`` → ``thresholds`` (probabilities → genres) →
``classifier`` (the facade) → ``folder`` (the saved model folder).

Nothing is imported here, so ``moviegenre.modeling.thresholds`` (pure numpy) loads without torch.
"""
