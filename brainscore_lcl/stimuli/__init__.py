"""Freeman-style texture stimuli from any images: Portilla-Simoncelli textures synthesised with plenoptic
(``synthesis``), spectrally matched noise (``noise``), the raw-release layout and ``stimuli.json`` (``layout``), and
the resumable ``make_stimuli`` run behind ``brainscore stimuli make`` (``make``)."""

#: textures per family, side (px) and synthesis steps when not given (Freeman et al. 2013: 15 samples of 320 px)
DEFAULT_SAMPLES = 15
DEFAULT_SIZE = 320
DEFAULT_ITERATIONS = 1000
#: the most textures per family (a family's samples are one batch in memory)
MAX_SAMPLES = 100
