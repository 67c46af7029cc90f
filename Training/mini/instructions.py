"""Instruction templates per task, in the style of the official prompts/*.txt (reference §4), split into
wordings the trainer sees ("train") and wordings kept for evaluation only ("heldout").

`entries(task, split)` enumerates (instruction string, params) pairs; parametric tasks (colour, shape,
new colour, overlay colour, position) are subsampled with a fixed seed so that the set of strings, and
therefore the precomputed MiniLM features, stays small. The trainer only ever produces these strings.
"""
from __future__ import annotations

import itertools
import random

from taskworld import COLOURS, OVERLAY_NAMES, POSITIONS, SHAPES, TASKS

T: dict[str, dict[str, list[str]]] = {
    "denoise": {
        "train": ["Remove the noise and grain from this image.", "Denoise the image.",
                  "Please clean up the noise in this picture.", "Reduce the noise in this photo.",
                  "Get rid of the grainy noise.", "Make this noisy image clean.",
                  "Image denoising.", "Eliminate the noise from the photograph.",
                  "This photo is full of noise, clean it.",
                  "Noise removal.",
                  "Smooth out the random noise but keep the details.",
                  "The picture has heavy sensor noise; fix it.",
                  "Denoise this photograph, please.",
                  "Remove the static-like noise from the picture.",
                  "Restore a noise-free version of the image.",
                  "Clean the noisy pixels."],
        "heldout": ["Could you remove the speckle noise here?", "Clear away the grain in this shot.",
                    "Suppress the noise in this image, please."],
    },
    "deblur": {
        "train": ["Deblur the image.", "Remove the motion blur from this photo.", "Make the blurry image sharp.",
                  "Please fix the camera shake blur.", "Sharpen this blurred picture.", "Image deblurring.",
                  "Restore the sharp details lost to blur.", "Undo the motion blur.",
                  "Blur removal.",
                  "This image is out of focus because the camera moved; sharpen it.",
                  "Remove the blurring from the picture.",
                  "Make the edges in this blurry photo sharp again.",
                  "Deblur this photograph, please.",
                  "Reverse the blur.",
                  "Fix the shaky, blurred image.",
                  "Restore the blurred image to a sharp one."],
        "heldout": ["This photo is smeared by movement, make it crisp.", "Get rid of the blur in this shot.",
                    "Recover a sharp version of this picture."],
    },
    "derain": {
        "train": ["Erase the rain streaks from the image.", "Remove the rain from this photo.", "Derain.",
                  "Please clear the rain streaks.", "Get rid of the raindrops and streaks.",
                  "Make this rainy picture clear.", "Image deraining.", "Delete the rain lines in the picture.",
                  "Rain removal.",
                  "Remove the rain streaks, keep the scene.",
                  "This photo was taken in the rain; make it look dry and clear.",
                  "Erase the rain.",
                  "Delete the rain from the image, please.",
                  "Eliminate the rain streaks.",
                  "Restore the scene behind the rain.",
                  "Derain this photograph."],
        "heldout": ["Wipe out the falling rain in this shot.", "Take the rain out of this image.",
                    "Clean the streaks of rain off the photo."],
    },
    "dehaze": {
        "train": ["Dehaze", "Remove the haze from this image.", "Clear the fog in the photo.",
                  "Please make this hazy picture clear.", "Get rid of the mist.", "Image dehazing.",
                  "Restore the contrast lost to haze.", "Remove the fog and haze.",
                  "Haze removal.",
                  "Dehaze this photograph, please.",
                  "The scene is washed out by haze; restore it.",
                  "Remove the foggy veil from the picture.",
                  "Make this foggy image look like a clear day.",
                  "Eliminate the haze.",
                  "Restore the colours and contrast of this hazy image.",
                  "Defog the image."],
        "heldout": ["Lift the smog from this shot.", "This picture looks misty, clear it up.",
                    "Take the haze away, please."],
    },
    "lowlight": {
        "train": ["Enhance this low-light image.", "Brighten the dark photo.", "Make the image brighter.",
                  "Please light up this underexposed picture.", "Low-light enhancement.",
                  "Improve the exposure of this dark image.", "Fix the lighting of this night shot.",
                  "Increase the brightness of the photo.",
                  "Lighten this dark picture.",
                  "Low-light image enhancement, please.",
                  "Boost the brightness of the underexposed photo.",
                  "This image was taken at night; make it bright.",
                  "Raise the exposure.",
                  "Brighten the image.",
                  "Make the dark photo look like it was taken in daylight.",
                  "Enhance the brightness and visibility of this dark image."],
        "heldout": ["This picture is too dark, brighten it up.", "Correct the underexposure here.",
                    "Make the dim image well lit."],
    },
    "inpaint": {
        "train": ["Fill in the missing areas of the image.", "Inpaint the masked regions.",
                  "Please restore the blank parts of this picture.", "Image inpainting.",
                  "Complete the image where it is masked out.", "Repair the holes in this photo.",
                  "Fill the black or white regions naturally.", "Reconstruct the erased areas.",
                  "Fill the holes in the image.",
                  "Inpaint this picture, please.",
                  "Restore the missing regions of the photo.",
                  "Complete the masked areas so they match the surroundings.",
                  "Fill in the blank rectangles.",
                  "Remove the masks and reconstruct what is behind them.",
                  "Repair the damaged areas of this image.",
                  "Image completion."],
        "heldout": ["Paint over the gaps so the picture looks whole.", "Patch the empty patches of this image.",
                    "Recover the covered parts of the photo."],
    },
    "sr": {
        "train": ["Use super-resolution to make the image sharper and more detailed.", "Upscale this image.",
                  "Super-resolution.", "Increase the resolution of this photo.",
                  "Please make this pixelated image high resolution.", "Enhance the image resolution by two.",
                  "Turn this low resolution picture into a high resolution one.", "Upsample the image.",
                  "Upscale the image by a factor of two.",
                  "Super-resolve this picture.",
                  "Image super-resolution, please.",
                  "Make the pixelated photo detailed.",
                  "Add fine detail to this low resolution image.",
                  "Double the resolution.",
                  "Enhance the resolution and sharpness of the photo.",
                  "Reconstruct a high resolution image from this one."],
        "heldout": ["Make this blocky picture crisp and detailed.", "Give me a higher resolution version.",
                    "Zoom-enhance this low-res image."],
    },
    "ground_mask": {
        "train": ["Create a binary mask representing the object as described in: the {c} {s}",
                  "Segment the {c} {s} as a black and white mask.", "Give me a mask of the {c} {s}.",
                  "Binary mask of the {c} {s}.", "Please highlight the {c} {s} in white on black.",
                  "Generate the segmentation mask for the {c} {s}.",
                  "Extract the binary mask of the {c} {s}.",
                  "Produce a mask for the {c} {s}.",
                  "Make the {c} {s} white and everything else black.",
                  "Segmentation mask of the {c} {s}, please.",
                  "Find the {c} {s} and output its mask."],
        "heldout": ["Show where the {c} {s} is using a white silhouette on black.",
                    "Mask out the {c} {s} for me."],
    },
    "ground_overlay": {
        "train": ["Mark the pixels of the {c} {s} in {o} and leave the rest unchanged.",
                  "Highlight the {c} {s} with {o}.", "Colour the {c} {s} region {o}, keep everything else.",
                  "Segment the {c} {s} and mark it in {o}.", "Paint a {o} overlay over the {c} {s}.",
                  "Mark the {c} {s} in {o}.",
                  "Overlay {o} on the {c} {s}.",
                  "Show the {c} {s} highlighted in {o}, the rest as it is.",
                  "Fill the {c} {s} with {o} and keep the background.",
                  "Draw a {o} highlight on the {c} {s}."],
        "heldout": ["Tint the {c} {s} {o} and do not change the rest.",
                    "Cover the {c} {s} with a translucent {o} layer."],
    },
    "depth": {
        "train": ["Create a depth map that captures the spatial relationships and distances in the image.",
                  "Estimate the depth of this image.", "Depth estimation.", "Predict the depth map.",
                  "Generate a depth map where near is bright.", "Image to depth map.",
                  "Show how far away each object is.", "Please produce the depth of the scene.",
                  "Depth map, please.",
                  "Estimate how near or far each pixel is.",
                  "Monocular depth estimation.",
                  "Turn this image into a depth map.",
                  "Predict the distance to the camera for each pixel.",
                  "Make a depth map of this scene."],
        "heldout": ["How deep is each part of the scene? Draw it as a depth image.",
                    "Render the distance of everything in this picture.", "Compute a depth image for this."],
    },
    "edges": {
        "train": ["Image to canny edge.", "Detect the edges in this image.", "Extract the edge map.",
                  "Canny edge detection.", "Draw the outlines of the objects.", "Find all object boundaries.",
                  "Generate an edge map of the image.", "Please trace the contours.",
                  "Edge detection.",
                  "Extract the canny edges.",
                  "Turn the image into an edge map.",
                  "Show the edges of the objects as white lines.",
                  "Detect the contours of every object.",
                  "Convert this picture to its edges."],
        "heldout": ["Sketch only the borders between objects.", "Give me the boundary lines of this scene.",
                    "Outline every shape in white on black."],
    },
    "segment": {
        "train": ["Semantic segmentation.", "Segment the image by object class.",
                  "Produce a semantic segmentation map.", "Label every pixel with its shape class.",
                  "Please segment the shapes in this picture.", "Generate the class map of the scene.",
                  "Image to segmentation map.", "Classify each pixel by shape.",
                  "Segment this image.",
                  "Semantic segmentation of the scene, please.",
                  "Colour the shapes by their class.",
                  "Predict a segmentation map.",
                  "Assign each pixel a shape class.",
                  "Turn the image into a semantic map."],
        "heldout": ["Colour each region according to what kind of shape it is.",
                    "Which pixels belong to which shape type? Show a label map.",
                    "Make a per-pixel category map."],
    },
    "recolour": {
        "train": ["Make the {c} {s} {n}.", "Change the colour of the {c} {s} to {n}.", "Recolour the {c} {s} {n}.",
                  "Turn the {c} {s} {n}.", "Paint the {c} {s} {n}.",
                  "Change the {c} {s} to {n}.",
                  "Make the colour of the {c} {s} {n}.",
                  "Colour the {c} {s} {n}.",
                  "Give the {c} {s} a {n} colour.",
                  "The {c} {s} should become {n}."],
        "heldout": ["I want the {c} {s} to be {n} instead.", "Switch the {c} {s} over to {n}."],
    },
    "remove": {
        "train": ["Remove the {c} {s}.", "Delete the {c} {s} from the image.", "Erase the {c} {s}.",
                  "Take away the {c} {s}.", "Get rid of the {c} {s}.",
                  "Remove the {c} {s} from the picture.",
                  "Delete the {c} {s}.",
                  "Erase the {c} {s} and fill in the background.",
                  "Take the {c} {s} out of the image.",
                  "Clear the {c} {s} away."],
        "heldout": ["Make the {c} {s} disappear.", "I don't want the {c} {s} in this picture."],
    },
    "add": {
        "train": ["Add a {c} {s} at the {p}.", "Put a {c} {s} in the {p}.", "Place a {c} {s} at the {p}.",
                  "Insert a {c} {s} in the {p} of the image.", "Draw a {c} {s} at the {p}.",
                  "Add a {c} {s} in the {p}.",
                  "Draw a {c} {s} in the {p} of the picture.",
                  "Put a {c} {s} at the {p} of the image.",
                  "Create a {c} {s} at the {p}.",
                  "Paint a {c} {s} in the {p}."],
        "heldout": ["There should be a {c} {s} in the {p}.", "Include a {c} {s} over in the {p}."],
    },
    "edges2img": {
        "train": ["Canny edge to image: coloured shapes on a textured background",
                  "Generate an image from this edge map: colourful shapes",
                  "Create an image based on the edges: geometric shapes",
                  "Edge map to image: a scene of coloured shapes", "Turn these outlines into a colourful picture.",
                  "Fill these outlines with coloured shapes.",
                  "Edge to image: coloured shapes.",
                  "Make a colourful picture from these edges.",
                  "Canny edge to image: a picture of shapes",
                  "Generate a coloured image that follows this edge map.",
                  "Colour in these edges to make an image of shapes."],
        "heldout": ["Use the contours to render a picture of shapes.",
                    "Produce a natural image that matches these edges: shapes"],
    },
    "text2img": {
        "train": ["Text to image generation: a {c} {s}", "Image generation: a {c} {s}", "Drawing: a {c} {s}",
                  "Draw a {c} {s}.", "Generate a picture of a {c} {s}.", "Paint a single {c} {s}.",
                  "Generate an image of a {c} {s}.",
                  "Create a {c} {s}.",
                  "A picture of a {c} {s}.",
                  "Make an image with a {c} {s}.",
                  "Text to image: a {c} {s}"],
        "heldout": ["Sketch one {c} {s} in the middle of the canvas.", "Show me a {c} {s}."],
    },
}
assert set(T) == set(TASKS)

CAP = {"train": 320, "heldout": 40}  # max entries per parametric task and split


def _combos(task: str):
    cs = list(range(len(COLOURS)))
    ss = list(range(len(SHAPES)))
    if task in ("ground_mask", "remove", "text2img"):
        return [{"colour": c, "shape": s} for c, s in itertools.product(cs, ss)]
    if task == "ground_overlay":
        return [{"colour": c, "shape": s, "overlay": o}
                for c, s, o in itertools.product(cs, ss, range(len(OVERLAY_NAMES)))]
    if task == "recolour":
        return [{"colour": c, "shape": s, "new": n} for c, s, n in itertools.product(cs, ss, cs) if n != c]
    if task == "add":
        return [{"colour": c, "shape": s, "pos": p} for c, s, p in itertools.product(cs, ss, range(len(POSITIONS)))]
    return [{}]


def _fill(tpl: str, p: dict) -> str:
    return tpl.format(c=COLOURS[p["colour"]] if "colour" in p else "", s=SHAPES[p["shape"]] if "shape" in p else "",
                      n=COLOURS[p["new"]] if "new" in p else "", o=OVERLAY_NAMES[p["overlay"]] if "overlay" in p else "",
                      p=POSITIONS[p["pos"]] if "pos" in p else "").replace(" a orange", " an orange")


def entries(task: str, split: str) -> list[tuple[str, dict]]:
    combos = _combos(task)
    pairs = [(tpl, p) for tpl in T[task][split] for p in combos]
    if len(pairs) > CAP[split]:
        rng = random.Random(f"{task}/{split}")
        # keep every parameter combination reachable under some wording when possible
        rng.shuffle(pairs)
        pairs = pairs[: CAP[split]]
        pairs.sort(key=lambda q: (T[task][split].index(q[0]), sorted(q[1].items())))
    return [(_fill(tpl, p), p) for tpl, p in pairs]


def all_strings() -> list[str]:
    """Every string the trainer and the evaluation can produce, plus "" (the CFG null text)."""
    out = [""]
    for t in TASKS:
        for split in ("train", "heldout"):
            out += [s for s, _ in entries(t, split)]
    seen: set[str] = set()
    return [s for s in out if not (s in seen or seen.add(s))]


if __name__ == "__main__":
    for t in TASKS:
        print(t, len(entries(t, "train")), len(entries(t, "heldout")), entries(t, "heldout")[0][0])
    print("total strings", len(all_strings()))
