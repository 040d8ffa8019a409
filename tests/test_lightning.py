"""The Lightning callback: one tiny fit logs the monitor's numbers (skipped where lightning is not installed)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from tests.extras import require

torch = require("torch")
require("array_api_compat")
require("sklearn")
L = require("lightning")  # an optional extra; CI installs it
from kl_audit.lightning import LatentMonitorCallback  # noqa: E402
from tests.vae import digits, make_vae  # noqa: E402


class LitVAE(L.LightningModule):
    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.vae, self.beta = make_vae(latent=4), beta

    def training_step(self, batch, batch_idx):
        return self.vae.loss(batch[0], self.beta)

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.vae.loss(batch[0], self.beta))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def test_callback_logs_each_validation_epoch(tmp_path):
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(digits())
    loader = lambda shuffle: torch.utils.data.DataLoader(data, batch_size=256, shuffle=shuffle)  # noqa: E731
    callback = LatentMonitorCallback(lambda module, batch: module.vae.encode(batch[0]), n_samples=1000,
                                     log_to=tmp_path / "run.jsonl")
    trainer = L.Trainer(max_epochs=2, limit_train_batches=4, limit_val_batches=3, num_sanity_val_steps=1,
                        enable_checkpointing=False, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu", callbacks=[callback])
    trainer.fit(LitVAE(), loader(True), loader(False))
    assert [r.epoch for r in callback.results] == [0, 1]                # the sanity check is not counted
    assert all(r.n == 3 * 256 for r in callback.results)
    logged = trainer.callback_metrics
    last = callback.results[-1]
    assert math.isclose(float(logged["latent/avg_kl"]), last.avg_kl, rel_tol=1e-6)
    assert math.isclose(float(logged["latent/mutual_information"]), last.mutual_information.value, rel_tol=1e-6)
    assert float(logged["latent/mi_ceiling"]) == pytest.approx(math.log(768), rel=1e-6)
    assert len((tmp_path / "run.jsonl").read_text().splitlines()) == 2


def test_encode_must_be_callable():
    with pytest.raises(TypeError, match="encode must be a function"):
        LatentMonitorCallback("encoder")


def test_import_without_lightning_names_the_extra():
    code = ("import sys; sys.modules['lightning'] = sys.modules['lightning.pytorch'] = None; "
            "sys.modules['pytorch_lightning'] = None\n"
            "try:\n    import kl_audit.lightning\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "pip install 'vae-kl-audit[lightning]'" in out
