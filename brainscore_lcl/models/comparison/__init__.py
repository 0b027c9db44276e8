"""Registers the paper's comparison models (A.1.3-A.1.8, Table A.4): their ids, candidate layers, published weight
files and, where brainscore_vision already registers the same network and weights, an alias to its id.
The work is in ``model.py``, imported on first use.

| id | paper | weights |
|---|---|---|
| ``alexnet-supervised`` | Supervised AlexNet (A.1.7) | torchvision ``alexnet-owt-7be5be79.pth`` |
| ``alexnet-l2at-eps3`` | L2-AT (eps = 3) AlexNet (A.1.8) | Chen et al. 2020's AlexNet-R (robustness library), by hand |
| ``vonenet-alexnet`` | VOneNet (A.1.3) | VOneNet's ``vonealexnet_e70.pth.tar`` |
| ``lpl-alexnet`` | LPL (A.1.5) | none published: ``--checkpoint`` |
| ``barlow-e2e-alexnet`` | Barlow Twins E2E (A.1.6) | none published: ``--checkpoint`` |
| ``blockbarlow`` | Barlow Twins layerwise (A.1.4) | none published: ``--checkpoint`` (``brainscore train --config blockbarlow``) |
"""
from importlib import import_module

from brainscore_lcl.model_helpers.commitment import register_candidate_layers
from brainscore_lcl.published_weights import WeightFile, register_weights, weights_notes
from brainscore_lcl.registry import model_registry

#: torchvision AlexNet: conv1..conv5 stages (after ReLU, after the max-pool where there is one), as Brain-Score's
#: ``alexnet`` records them.
ALEXNET_CANDIDATES = ["features.2", "features.5", "features.7", "features.9", "features.12"]
VONENET_CANDIDATES = ["vone_block", "bottleneck", "model.features.2", "model.features.4", "model.features.6",
                      "model.features.8"]
LPL_CANDIDATES = ["blocks.0", "blocks.1", "blocks.2", "blocks.3", "blocks.4"]
ALEXNET_BN_CANDIDATES = ["features.3", "features.7", "features.10", "features.13", "features.17"]

CANDIDATES = {"alexnet-supervised": ALEXNET_CANDIDATES, "alexnet-l2at-eps3": ALEXNET_CANDIDATES,
              "vonenet-alexnet": VONENET_CANDIDATES, "lpl-alexnet": LPL_CANDIDATES,
              "barlow-e2e-alexnet": ALEXNET_BN_CANDIDATES}

TORCHVISION_ALEXNET = WeightFile(
    file_name="alexnet-owt-7be5be79.pth", url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    source="torchvision AlexNet_Weights.IMAGENET1K_V1", sha256_prefix="7be5be79")
CHEN2020_ALEXNET_R = WeightFile(
    file_name="alexnet_r.pt", url="https://drive.google.com/drive/folders/1KdJ0aK0rPjmowS8Swmzxf8hX6gU5gG2U",
    source="Chen, Agarwal & Nguyen 2020 'AlexNet-R' (L2 eps 3, robustness library), the folder linked from "
           "github.com/anguyen8/shape-bias README; file name as in its eval_on_imagenet.py example",
    direct=False)
VONEALEXNET = WeightFile(
    file_name="vonealexnet_e70.pth.tar", url="https://vonenet-models.s3.us-east-2.amazonaws.com/vonealexnet_e70.pth.tar",
    source="github.com/dicarlolab/vonenet README and vonenet/__init__.py")

#: Paper model -> brainscore_vision id registering the same network and weights, and where its weights come from.
ALIASES = {
    "resnet50-l2at-eps3": ("resnet50_robust_l2_eps3",
                           "Madry et al.'s robustness-library ImageNet L2 eps=3 ResNet-50 (imagenet_l2_3_0.pt), "
                           "Brain-Score S3, sha1 cc6e4441abc8ad6d2f4da5db84836e544bfb53fd"),
    "resnet50-supervised": ("resnet_50_v1", "torchvision ResNet50_Weights.IMAGENET1K_V1 (resnet50-0676ba61.pth)"),
    "voneresnet50-at": ("voneresnet-50-robust",
                        "VOneNet's voneresnet50_at_e96.pth.tar via the vonenet package (pip install "
                        "git+https://github.com/dicarlolab/vonenet)"),
    "resnext101-wsl": ("resnext101_32x8d_wsl", "torch.hub facebookresearch/WSL-Images resnext101_32x8d_wsl"),
    "bag-of-tricks": ("effnetb1_cutmixpatch_SAM_robust32_avge6e8e9e10_manylayers_324x288",
                      "Riedel 2022's EfficientNet-B1 (tf_efficientnet_b1_ns_robust_cutmixpatchresize_SAM_e6e8e9e10.pth), "
                      "Brain-Score S3, sha1 9d60e49043b2d5354447c46cd011764cc6cf094e; needs timm"),
}


def _model_module():
    return import_module(f"{__name__}.model")


for _model_id, _candidates in CANDIDATES.items():
    register_candidate_layers(_model_id, _candidates)
register_weights("alexnet-supervised", TORCHVISION_ALEXNET)
register_weights("alexnet-l2at-eps3", CHEN2020_ALEXNET_R)
register_weights("vonenet-alexnet", VONEALEXNET)
for _model_id in ("lpl-alexnet", "barlow-e2e-alexnet", "blockbarlow"):
    weights_notes[_model_id] = "--checkpoint PATH (no published weights)"

model_registry["alexnet-supervised"] = lambda checkpoint=None: _model_module().alexnet_supervised(checkpoint)
model_registry["alexnet-l2at-eps3"] = lambda checkpoint=None: _model_module().alexnet_l2at(checkpoint)
model_registry["vonenet-alexnet"] = lambda checkpoint=None: _model_module().vonenet_alexnet(checkpoint)
model_registry["lpl-alexnet"] = lambda checkpoint=None: _model_module().lpl_alexnet(checkpoint)
model_registry["barlow-e2e-alexnet"] = lambda checkpoint=None: _model_module().barlow_e2e_alexnet(checkpoint)
model_registry["blockbarlow"] = lambda checkpoint=None: _model_module().blockbarlow(checkpoint)
for _alias, (_target, _weights) in ALIASES.items():
    weights_notes[_alias] = f"via brainscore_vision {_target}"
    model_registry[_alias] = (lambda alias: lambda checkpoint=None: _model_module().alias(alias, checkpoint))(_alias)
