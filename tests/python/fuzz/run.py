"""python tests/python/fuzz/run.py --calls N --seed S: the same as python -m tests.python.fuzz."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.python.fuzz.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
