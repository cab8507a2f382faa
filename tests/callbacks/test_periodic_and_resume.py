"""PeriodicCheckpoint schedules and retention, and resuming an interrupted fit."""

from __future__ import annotations

import numpy as np
import pytest

from tfckpt.callbacks.errors import CallbackConfigError

from helpers import fit, index_of, kept_names, load_weights_of, scripted_metric, tiny_model


@pytest.fixture
def tfckpt_api(tf):
    import tfckpt

    return tfckpt


def test_every_two_epochs_keeps_the_last_two(tf, keras, tmp_path, tfckpt_api):
    folder = tmp_path / "last"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, every_epochs=2, keep_last=2, verbose=0)], epochs=7)
    assert kept_names(folder) == ["ckpt-0004", "ckpt-0006"]
    assert tf.train.latest_checkpoint(str(folder)) == str(folder / "ckpt-0006")


def test_every_n_steps(keras, tmp_path, tfckpt_api, capsys):
    folder = tmp_path / "steps"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, every_steps=3, keep_last=10)], epochs=2)  # 8 steps
    assert kept_names(folder) == ["ckpt-3", "ckpt-6"]
    assert capsys.readouterr().out.splitlines() == [f"Step 3: saved to {folder}/ckpt-3",
                                                    f"Step 6: saved to {folder}/ckpt-6"]


def test_keep_last_and_best_together(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "both"
    values = [0.5, 0.9, 0.4, 0.3, 0.2, 0.1]
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", values), tfckpt_api.PeriodicCheckpoint(
        folder, keep_last=1, keep_best=1, monitor="val_mAP", verbose=0)], epochs=len(values))
    assert [(k["name"], k["reasons"]) for k in index_of(folder)["kept"]] == [
        ("ckpt-0002", ["best-1"]), ("ckpt-0006", ["last-1"])]


def test_keep_best_needs_a_monitor(tfckpt_api, tmp_path):
    with pytest.raises(CallbackConfigError, match=r"keep_best=2 needs a monitor to rank by; pass monitor="):
        tfckpt_api.PeriodicCheckpoint(tmp_path, keep_best=2)


class Interrupt(Exception):
    """Stands in for a lost session: raised from inside fit at a chosen epoch."""


def interrupt_at(keras, epoch_to_fail: int):
    class Interrupter(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == epoch_to_fail:
                raise Interrupt(f"session lost at epoch {epoch}")

    return Interrupter()


def test_resume_continues_at_the_right_epoch_with_weights_optimizer_and_best(tf, keras, tmp_path, tfckpt_api):
    values = [0.1, 0.4, 0.3, 0.2, 0.6, 0.5]
    folder_best, folder_last = tmp_path / "best", tmp_path / "last"

    def callbacks(resume):
        return [scripted_metric(keras, "val_mAP", values),
                tfckpt_api.BestCheckpoint(folder_best, monitor="val_mAP", resume=resume, verbose=0),
                tfckpt_api.PeriodicCheckpoint(folder_last, keep_last=1, resume=resume, verbose=0)]

    first = tiny_model(keras)
    with pytest.raises(Interrupt):
        fit(first, callbacks(False) + [interrupt_at(keras, 3)], epochs=len(values))
    saved_weights = [w.copy() for w in first.get_weights()]
    saved_iterations = int(first.optimizer.iterations.numpy())

    epochs_run = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs_run.append(epoch)
            if epoch == 3:  # the first epoch after resuming: state must be what was saved
                assert int(self.model.optimizer.iterations.numpy()) == saved_iterations
                for got, expected in zip(self.model.get_weights(), saved_weights):
                    np.testing.assert_array_equal(got, expected)

    second = tiny_model(keras, seed=7)
    fit(second, [Recorder()] + callbacks(True), epochs=len(values))
    assert epochs_run == [3, 4, 5]
    assert kept_names(folder_best) == ["best-0005"]  # 0.2 at epoch 4 did not beat the resumed best 0.4
    assert index_of(folder_best)["best_value"] == 0.6
    assert kept_names(folder_last) == ["ckpt-0006"]


def test_resume_with_an_empty_folder_starts_afresh(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "new"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, resume=True, verbose=0)], epochs=2)
    assert kept_names(folder) == ["ckpt-0001", "ckpt-0002"]


def test_resuming_a_fit_that_already_ran_all_its_epochs_says_so(keras, tmp_path, tfckpt_api, capsys):
    folder = tmp_path / "last"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, verbose=0)], epochs=2)
    history = fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, resume=True)], epochs=2)
    assert history.history.get("loss", []) == []
    assert capsys.readouterr().out == (
        f"Resuming from {folder}/ckpt-0002: epoch 2, step 8; fit was asked for epochs=2, all of them done already, "
        "so nothing is left to train (pass a larger epochs= to go on)\n")


def test_resume_skips_a_damaged_latest_checkpoint(keras, tmp_path, tfckpt_api, capsys):
    folder = tmp_path / "last"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, keep_last=2, verbose=0)], epochs=3)
    (folder / "ckpt-0003.data-00000-of-00001").write_bytes(b"cut")
    epochs_run = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs_run.append(epoch)

    fit(tiny_model(keras), [Recorder(), tfckpt_api.PeriodicCheckpoint(folder, keep_last=2, resume=True)], epochs=4)
    assert epochs_run == [2, 3]
    assert capsys.readouterr().out.startswith(f"Resuming from {folder}/ckpt-0002: epoch 2, step 8\n")


def test_ram_filesystem(tf, keras, tfckpt_api):
    folder = "ram://tfckpt-callbacks/best"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.1, 0.3, 0.2]),
                            tfckpt_api.BestCheckpoint(folder, monitor="val_mAP", verbose=0),
                            tfckpt_api.PeriodicCheckpoint("ram://tfckpt-callbacks/w", save_weights_only=True,
                                                          keep_last=1, verbose=0)], epochs=3)
    assert sorted(tf.io.gfile.listdir(folder)) == [
        "best-0002.data-00000-of-00001", "best-0002.index", "best-0002.json", "checkpoint", "tfckpt-index.json"]
    assert tf.train.latest_checkpoint(folder) == folder + "/best-0002"
    assert "ckpt-0003.weights.h5" in tf.io.gfile.listdir("ram://tfckpt-callbacks/w")


def test_write_error_keeps_what_was_kept(tf, keras, tmp_path, tfckpt_api, capsys):
    """A real OS error: the name the next save must take is occupied by a folder."""
    folder = tmp_path / "best"
    values = [0.1, 0.4, 0.6]
    blocker_made = []

    class Blocker(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2 and not blocker_made:
                (folder / "best-0003.index").mkdir()
                blocker_made.append(True)

    scripted = scripted_metric(keras, "val_mAP", values)
    fit(tiny_model(keras), [Blocker(), scripted, tfckpt_api.BestCheckpoint(
        folder, monitor="val_mAP", on_write_error="warn", verbose=0)], epochs=3)
    err = capsys.readouterr().err
    assert f"tfckpt: {folder}/best-0003: could not save the checkpoint (" in err
    assert err.rstrip().endswith("the checkpoints kept before are untouched; free disk space or fix the folder's "
                                 "permissions")
    assert kept_names(folder) == ["best-0002"]
    for got, expected in zip(load_weights_of(tf, keras, folder / "best-0002"), scripted.weights_at_epoch[2]):
        np.testing.assert_array_equal(got, expected)
    assert not [p for p in folder.iterdir() if ".tfckpt-tmp-" in p.name]


def test_write_error_raises_by_default(keras, tmp_path, tfckpt_api):
    from tfckpt.callbacks.errors import CheckpointWriteError

    folder = tmp_path / "last"
    folder.mkdir()
    (folder / "ckpt-0001.index").mkdir()
    with pytest.raises(CheckpointWriteError, match="could not save the checkpoint"):
        fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, verbose=0)], epochs=1)


@pytest.mark.parametrize("periodic_first", [True, False])
def test_the_newest_checkpoint_wins_whatever_the_callback_order(keras, tmp_path, tfckpt_api, periodic_first):
    values = [0.5, 0.1, 0.2, 0.3]  # best stays at epoch 1; periodic reaches epoch 3
    folders = tmp_path / "best", tmp_path / "last"

    def callbacks(resume):
        best = tfckpt_api.BestCheckpoint(folders[0], monitor="val_mAP", resume=resume, verbose=0)
        last = tfckpt_api.PeriodicCheckpoint(folders[1], keep_last=1, resume=resume, verbose=0)
        return [scripted_metric(keras, "val_mAP", values)] + ([last, best] if periodic_first else [best, last])

    with pytest.raises(Interrupt):
        fit(tiny_model(keras), callbacks(False) + [interrupt_at(keras, 3)], epochs=4)
    epochs_run = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs_run.append((epoch, int(self.model.optimizer.iterations.numpy())))

    fit(tiny_model(keras, seed=3), [Recorder()] + callbacks(True), epochs=4)
    assert epochs_run == [(3, 12)]


def test_a_checkpoint_orphaned_by_a_kill_is_removed_at_the_next_start(keras, tmp_path, tfckpt_api):
    """A kill between committing the index and deleting a dropped checkpoint leaves a whole
    checkpoint that the index no longer lists; the next start removes it."""
    import shutil

    folder = tmp_path / "last"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, keep_last=1, verbose=0)], epochs=2)
    assert kept_names(folder) == ["ckpt-0002"]
    for name in ("ckpt-0002.index", "ckpt-0002.data-00000-of-00001", "ckpt-0002.json"):  # "not yet deleted"
        shutil.copy(folder / name, folder / name.replace("0002", "0001"))
    (folder / "notes.json").write_text('{"mine": true}')  # a user's file is never touched
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, keep_last=1, resume=True, verbose=0)], epochs=3)
    assert sorted(p.name for p in folder.iterdir()) == [
        "checkpoint", "ckpt-0003.data-00000-of-00001", "ckpt-0003.index", "ckpt-0003.json", "notes.json",
        "tfckpt-index.json"]


def test_a_step_save_at_an_epochs_last_batch_counts_that_epoch(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "steps"
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, every_steps=4, keep_last=5, verbose=0)], epochs=2)
    assert [(k["name"], k["epoch"]) for k in index_of(folder)["kept"]] == [("ckpt-4", 1), ("ckpt-8", 2)]
    epochs_run = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs_run.append(epoch)

    fit(tiny_model(keras), [Recorder(), tfckpt_api.PeriodicCheckpoint(folder, every_steps=4, keep_last=5,
                                                                      resume=True, verbose=0)], epochs=3)
    assert epochs_run == [2]
