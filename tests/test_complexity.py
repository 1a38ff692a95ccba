"""No function in alliance/ is rated D or worse by radon's cyclomatic complexity (issue on structure): a
function that branches that much is split into named steps a reader can follow and test."""

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parent.parent


def test_no_function_is_rated_d_or_worse():
    too_complex = [
        f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} {cc_rank(block.complexity)} ({block.complexity})"
        for path in sorted((ROOT / "alliance").rglob("*.py"))
        for block in cc_visit(path.read_text())
        if cc_rank(block.complexity) >= "D"
    ]
    assert not too_complex, "split these into named steps:\n" + "\n".join(too_complex)
