"""Seeded phantoms and (in later parts) datasets that simulate measurements on the fly."""

from .phantoms import (
    SKIMAGE_IMAGES,
    cell_phantom,
    complex_field,
    digits,
    gaussian_bumps,
    image_phantom,
    lfw_faces,
    load_image,
    normalize,
    random_patches,
    resize,
    zernike_surface,
)

__all__ = [
    "SKIMAGE_IMAGES", "cell_phantom", "complex_field", "digits", "gaussian_bumps",
    "image_phantom", "lfw_faces", "load_image", "normalize", "random_patches", "resize",
    "zernike_surface",
]
