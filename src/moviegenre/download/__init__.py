"""TMDB poster downloader: the posters of a movies file (e.g. Kaggle's movies_metadata.csv) into a folder.

``read_jobs(path)`` → ``download_posters(jobs, DownloadConfig(out_dir=..., api_key=...))`` →
``DownloadSummary``. Files are named ``<tmdb_id>.jpg``; see ``downloader`` for the behaviour.
"""

from .downloader import download_posters, download_posters_async
from .settings import DownloadConfig, DownloadError, DownloadSummary
from .sources import PosterJob, read_jobs

__all__ = [
    "DownloadConfig",
    "DownloadError",
    "DownloadSummary",
    "PosterJob",
    "download_posters",
    "download_posters_async",
    "read_jobs",
]
