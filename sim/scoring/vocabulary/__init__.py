"""Vocabulary scoring at scale: every trajectory of a vocabulary scored on every token of a scene source.

Command: ``python -m sim.scoring.vocabulary score --vocab V.npy --cache DIR --out OUT`` (see
``--help``). Python API:

- :func:`score_vocabulary` ``(vocabulary, sampling, sha256, source, out, config, options) -> summary``
- :func:`load_vocabulary` ``(path, interval=None) -> (poses (V, P, 3), sampling, sha256)``
- :class:`RunOptions`: workers or Ray, shard size, retries, timeout, score dtype, waypoint flags
- sources (:class:`SceneSource` protocol: ``tokens()``, ``load(token)``, ``describe()``):
  :class:`MetricCacheSource`, :class:`SceneJsonSource`, :func:`source_from_spec` (``module:factory``)
- reading: :class:`VocabularyScores` ``(out).for_token(token) -> TokenScores``, ``iter_shards()``

Output layout: :mod:`sim.scoring.vocabulary.layout` (folder) and :mod:`sim.scoring.vocabulary.shard`
(arrays of a shard).
"""

from sim.scoring.vocabulary.layout import LayoutError
from sim.scoring.vocabulary.reader import TokenScores, VocabularyScores
from sim.scoring.vocabulary.run import RunOptions, score_vocabulary
from sim.scoring.vocabulary.shard import METRICS
from sim.scoring.vocabulary.sources import (
    MetricCacheSource,
    SceneJsonSource,
    SceneSource,
    SourceError,
    source_from_spec,
)
from sim.scoring.vocabulary.vocab_file import VocabularyError, load_vocabulary

__all__ = [
    "METRICS",
    "LayoutError",
    "MetricCacheSource",
    "RunOptions",
    "SceneJsonSource",
    "SceneSource",
    "SourceError",
    "TokenScores",
    "VocabularyError",
    "VocabularyScores",
    "load_vocabulary",
    "score_vocabulary",
    "source_from_spec",
]
