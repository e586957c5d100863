"""Classical phase recovery (phase shifting, off-axis, TIE, GS/HIO, ptychography, ...)."""

__all__: list[str] = []
