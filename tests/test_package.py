import subprocess
import sys


def test_import_is_light_and_fast():
    code = (
        "import time, torch; t = time.perf_counter(); import symplugins, symplugins.groups, "
        "symplugins.testing; dt = time.perf_counter() - t; import sys; "
        "bad = [m for m in ('torch_geometric', 'nequip', 'ase', 'pytorch3d', 'e3nn', 'lightning') if m in sys.modules]; "
        "assert not bad, bad; assert dt < 1.0, dt; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_lazy_submodule_access():
    import symplugins

    assert symplugins.groups.octahedral().order == 24
    import pytest
    with pytest.raises(AttributeError):
        symplugins.not_a_module  # noqa: B018


def test_require_names_extra():
    import pytest

    from symplugins.utils import require
    with pytest.raises(ImportError, match=r"pip install 'symplugins\[pyg\]'"):
        require("torch_geometric.not_there_at_all", extra="pyg")
