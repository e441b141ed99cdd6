import subprocess
import sys

from symplugins.cli import main
from symplugins.cli.info import collect


def test_info_runs(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "symplugins 0.1.0" in out and "devices: cpu" in out and "torch_geometric" in out


def test_info_collect_reports_hosts():
    info = collect()
    assert set(info["hosts"]) >= {"nequip", "ase", "torch_geometric", "pytorch3d"}
    assert all(isinstance(h["available"], bool) for h in info["hosts"].values())


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "symplugins.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "info" in out.stdout
