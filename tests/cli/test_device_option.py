"""``--device`` of the model-running subcommands: unknown or unavailable devices are clear errors."""
import pytest
import torch

from symplugins.cli import main
from symplugins.cli._device import torch_device


@pytest.mark.parametrize("command", [["md", "ethanol", "--steps", "1"], ["points", "cloud.npy"], ["mesh", "m.off"]])
def test_unknown_device_is_an_error_naming_the_choices(command, capsys):
    assert main(command + ["--device", "gpu0"]) == 2
    err = capsys.readouterr().err
    assert "--device 'gpu0' is not a torch device" in err and "use cpu or cuda" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
@pytest.mark.parametrize("command", [["md", "ethanol", "--steps", "1"], ["points", "cloud.npy"], ["mesh", "m.off"]])
def test_cuda_without_a_gpu_says_so(command, capsys):
    assert main(command + ["--device", "cuda"]) == 2
    assert "no CUDA device is visible" in capsys.readouterr().err


def test_torch_device():
    assert torch_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="only cpu and cuda"):
        torch_device("meta")
