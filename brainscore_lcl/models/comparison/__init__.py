"""Registers the paper's comparison models (A.1.3-A.1.8, Table A.4): their ids, candidate layers, published weight
files, provisional region-layer maps and, where brainscore_vision already registers the same network and weights, an
alias to its id.
The work is in ``model.py``, imported on first use.

| id | paper | weights |
|---|---|---|
| ``alexnet-supervised`` | Supervised AlexNet (A.1.7) | torchvision ``alexnet-owt-7be5be79.pth`` |
| ``alexnet-l2at-eps3`` | L2-AT (eps = 3) AlexNet (A.1.8) | Chen et al. 2020's AlexNet-R (robustness library), by hand |
| ``vonenet-alexnet`` | VOneNet (A.1.3) | VOneNet's ``vonealexnet_e70.pth.tar`` |
| ``lpl-alexnet`` | LPL (A.1.5) | none published: ``--checkpoint`` |
| ``barlow-e2e-alexnet`` | Barlow Twins E2E (A.1.6) | none published: ``--checkpoint`` |
| ``blockbarlow`` | Barlow Twins layerwise (A.1.4) | none published: ``--checkpoint`` (``brainscore train --config
blockbarlow``) |
"""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, WeightFile, model_registry

#: torchvision AlexNet: conv1..conv5 stages (after ReLU, after the max-pool where there is one), as Brain-Score's
#: ``alexnet`` records them.
ALEXNET_CANDIDATES = ("features.2", "features.5", "features.7", "features.9", "features.12")
VONENET_CANDIDATES = (
    "vone_block",
    "bottleneck",
    "model.features.2",
    "model.features.4",
    "model.features.6",
    "model.features.8",
)
LPL_CANDIDATES = ("blocks.0", "blocks.1", "blocks.2", "blocks.3", "blocks.4")
ALEXNET_BN_CANDIDATES = ("features.3", "features.7", "features.10", "features.13", "features.17")
#: provisional region-layer map of the AlexNets, until the layer selection (Brain-Score's trained ``alexnet`` map)
ALEXNET_REGION_LAYERS = {"V1": "features.2", "V2": "features.7"}
NO_PUBLISHED_WEIGHTS = "--checkpoint PATH (no published weights)"

TORCHVISION_ALEXNET = WeightFile(
    file_name="alexnet-owt-7be5be79.pth",
    url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    source="torchvision AlexNet_Weights.IMAGENET1K_V1",
    sha256_prefix="7be5be79",
)
CHEN2020_ALEXNET_R = WeightFile(
    file_name="alexnet_r.pt",
    url="https://drive.google.com/drive/folders/1KdJ0aK0rPjmowS8Swmzxf8hX6gU5gG2U",
    source="Chen, Agarwal & Nguyen 2020 'AlexNet-R' (L2 eps 3, robustness library), the folder linked from "
    "github.com/anguyen8/shape-bias README; file name as in its eval_on_imagenet.py example",
    direct=False,
    other_names=("alexnet-r.pt",),
)
VONEALEXNET = WeightFile(
    file_name="vonealexnet_e70.pth.tar",
    url="https://vonenet-models.s3.us-east-2.amazonaws.com/vonealexnet_e70.pth.tar",
    source="github.com/dicarlolab/vonenet README and vonenet/__init__.py",
)

#: Paper model -> brainscore_vision id registering the same network and weights, and where its weights come from.
ALIASES = {
    "resnet50-l2at-eps3": (
        "resnet50_robust_l2_eps3",
        "Madry et al.'s robustness-library ImageNet L2 eps=3 ResNet-50 (imagenet_l2_3_0.pt), "
        "Brain-Score S3, sha1 cc6e4441abc8ad6d2f4da5db84836e544bfb53fd",
    ),
    "resnet50-supervised": ("resnet_50_v1", "torchvision ResNet50_Weights.IMAGENET1K_V1 (resnet50-0676ba61.pth)"),
    "voneresnet50-at": (
        "voneresnet-50-robust",
        "VOneNet's voneresnet50_at_e96.pth.tar via the vonenet package (pip install "
        "git+https://github.com/dicarlolab/vonenet)",
    ),
    "resnext101-wsl": ("resnext101_32x8d_wsl", "torch.hub facebookresearch/WSL-Images resnext101_32x8d_wsl"),
    "bag-of-tricks": (
        "effnetb1_cutmixpatch_SAM_robust32_avge6e8e9e10_manylayers_324x288",
        "Riedel 2022's EfficientNet-B1 (tf_efficientnet_b1_ns_robust_cutmixpatchresize_SAM_e6e8e9e10.pth), "
        "Brain-Score S3, sha1 9d60e49043b2d5354447c46cd011764cc6cf094e; needs timm",
    ),
}


def _factory(function_name: str, *arguments):
    """Factory calling ``model.<function_name>(*arguments, checkpoint)``, importing ``model.py`` on first use."""
    return lambda checkpoint=None: getattr(import_module(f"{__name__}.model"), function_name)(*arguments, checkpoint)


model_registry["alexnet-supervised"] = ModelRecord(
    factory=_factory("alexnet_supervised"),
    candidate_layers=ALEXNET_CANDIDATES,
    weights=(TORCHVISION_ALEXNET,),
    region_layers=ALEXNET_REGION_LAYERS,
)
model_registry["alexnet-l2at-eps3"] = ModelRecord(
    factory=_factory("alexnet_l2at"),
    candidate_layers=ALEXNET_CANDIDATES,
    weights=(CHEN2020_ALEXNET_R,),
    region_layers=ALEXNET_REGION_LAYERS,
)
model_registry["vonenet-alexnet"] = ModelRecord(
    factory=_factory("vonenet_alexnet"),
    candidate_layers=VONENET_CANDIDATES,
    weights=(VONEALEXNET,),
    region_layers={"V1": "vone_block", "V2": "model.features.2"},
)
model_registry["lpl-alexnet"] = ModelRecord(
    factory=_factory("lpl_alexnet"),
    candidate_layers=LPL_CANDIDATES,
    region_layers={"V1": "blocks.0", "V2": "blocks.2"},
    notes=NO_PUBLISHED_WEIGHTS,
)
model_registry["barlow-e2e-alexnet"] = ModelRecord(
    factory=_factory("barlow_e2e_alexnet"),
    candidate_layers=ALEXNET_BN_CANDIDATES,
    region_layers={"V1": "features.3", "V2": "features.10"},
    notes=NO_PUBLISHED_WEIGHTS,
)
# layer1 -> V1, layer2 -> V2 as for lcl-v2 (the same architecture), decided by the factory
model_registry["blockbarlow"] = ModelRecord(factory=_factory("blockbarlow"), notes=NO_PUBLISHED_WEIGHTS)
for _alias, (_target, _) in ALIASES.items():
    model_registry[_alias] = ModelRecord(factory=_factory("alias", _alias), notes=f"via brainscore_vision {_target}")
