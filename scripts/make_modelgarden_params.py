"""Write real params.yaml files into tests/data/modelgarden_params/ with tf-models-official.

Each is what ``official/vision/train.py`` writes into ``model_dir`` (``train_utils.serialize_config``)
for an experiment, overridden by the YAML file of the same name in that folder when there is one
(``NAME.override.yaml`` -> ``NAME.params.yaml``, the experiment named on the override's first line as
``# experiment: NAME``). Run it in the Model Garden environment:

    python scripts/make_modelgarden_params.py
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data",
                    "modelgarden_params")


def write_params(experiment: str, override: str, out: str) -> None:
    import official.vision  # noqa: F401  (registers the experiments)
    from official.core import exp_factory, train_utils
    from official.modeling import hyperparams

    params = exp_factory.get_exp_config(experiment)
    if override:
        params = hyperparams.override_params_dict(params, override, is_strict=True)
    params.validate()
    params.lock()
    with tempfile.TemporaryDirectory() as model_dir:
        train_utils.serialize_config(params, model_dir)
        shutil.copyfile(os.path.join(model_dir, "params.yaml"), out)


def main() -> int:
    for name in ("retinanet_resnetfpn_coco", "fasterrcnn_resnetfpn_coco", "maskrcnn_resnetfpn_coco"):
        write_params(name, "", os.path.join(HERE, f"{name}.params.yaml"))
    for override in sorted(glob.glob(os.path.join(HERE, "*.override.yaml"))):
        with open(override, encoding="utf-8") as handle:
            experiment = handle.readline().split("experiment:", 1)[1].strip()
        write_params(experiment, override, override.replace(".override.yaml", ".params.yaml"))
    print(f"wrote params.yaml files into {HERE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
