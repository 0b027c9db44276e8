"""Data sources for the Freeman & Ziemba (2013) V1/V2 recordings, all in Brain-Score's assembly schema."""
