"""Shapes & layouts: every tensor and parameter shape of a module (checked against torch), which slices of
``output`` equal ``h_n``, module vs Cell-in-a-loop, packing, the classic mistakes, and the shape table as files."""
