"""Facts of the Freeman & Ziemba (2013) V1/V2 recordings that every layer uses; this module imports nothing, so that
a command-line parser may read it without loading the data stack."""

#: texture families in textureNumOrder of FreemanZiemba2013_V1V2data_readme.m, as in Brain-Score's packaging
FAMILIES: tuple[int, ...] = (327, 336, 393, 402, 13, 18, 23, 30, 38, 48, 52, 56, 60, 71, 99)
REGIONS = ("V1", "V2")
TEXTURE_TYPES = ("noise", "texture")  # index 0, 1 of the release's texture-type axis
#: samples per family and texture type
N_SAMPLES = 15
#: images shown: every sample of every family, as texture and as spectrally matched noise (450)
N_IMAGES = len(FAMILIES) * len(TEXTURE_TYPES) * N_SAMPLES
#: degrees of visual angle spanned by every stimulus
VISUAL_DEGREES = 4
#: length of every recording (ms after stimulus onset): the release's time bins span 0-300 ms
RECORDING_MS = 300
#: the response window (ms after stimulus onset) of Brain-Score's code, and the one the paper's text states
BRAINSCORE_WINDOW_MS = (50, 200)
PAPER_WINDOW_MS = (50, 150)
#: benchmark-id prefix of each data source (``<prefix>.<region>-pls``)
SOURCE_PREFIXES = {
    "official": "FreemanZiemba2013",
    "public": "FreemanZiemba2013public",
    "local": "FreemanZiemba2013local",
    "sim": "FreemanZiemba2013sim",
}
