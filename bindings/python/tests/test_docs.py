"""docs/python.md's example runs as written."""
import contextlib
import io
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "python.md")


def test_the_example_runs():
    if not os.path.exists(DOC):
        pytest.skip("not in a libforget source tree")
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert blocks, "docs/python.md has no python block"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "docs/python.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert float(lines[0].split()[0]) > 0.9  # accuracy
    assert float(lines[-1]) > 0  # parameters ssd dampened
