"""koie: rule-based information extraction for Korean.

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> [r.label for r in pack.extract("홍길동 사장이 김철수 대표와 만났다.")]
['MEETING']
"""

from koie.api import Pack, load
from koie.engine.extract import Extraction, Mention, Record
from koie.errors import Diagnostic, KoieError

__version__ = "0.1.0"

__all__ = ["Diagnostic", "Extraction", "KoieError", "Mention", "Pack", "Record", "__version__", "load"]
