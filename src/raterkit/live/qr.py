"""The join address as a QR code: an SVG drawn here (segno), large enough to project."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_svg"]


def qr_svg(url: str, title: str = "QR code of the join address") -> bytes:
    """An SVG QR code of ``url`` that scales to its container (no fixed size), dark on white."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=10, border=2, dark="#000", light="#fff", title=title, svgclass="rk-qr", omitsize=True
    )
    return out.getvalue()
