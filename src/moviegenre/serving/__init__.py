"""The HTTP service: ``app`` (FastAPI routes around one loaded model), ``schemas`` (what requests and
answers look like), ``parsing`` (reading bodies and posters, refusing the rest), ``batching``
(requests predicted together), ``web/`` (the page at ``/``)."""
