"""A SCORM package's ``imsmanifest.xml``, for SCORM 1.2 or SCORM 2004 4th Edition.

One organization holding one item, launched from one SCO resource that lists every file of the
package. The mastery score comes from the quiz's pass rule: its exact-agreement threshold, as
``adlcp:masteryscore`` (percent) in 1.2 and as the primary objective's ``imsss:minNormalizedMeasure``
(a share, ``satisfiedByMeasure``) in 2004. Written with ``xml.etree``: every value is escaped by
construction. The namespaces and schema locations are those the ADL's packages use.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

__all__ = ["EDITIONS", "NAMESPACES", "manifest_xml", "share_text"]

EDITIONS = ("1.2", "2004")

XSI = "http://www.w3.org/2001/XMLSchema-instance"

#: The namespaces of each edition's manifest: prefix -> URI ("" is the default namespace).
NAMESPACES: dict[str, dict[str, str]] = {
    "1.2": {
        "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "xsi": XSI,
    },
    "2004": {
        "": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "imsss": "http://www.imsglobal.org/xsd/imsss",
        "xsi": XSI,
    },
}

_SCHEMA_LOCATIONS = {
    "1.2": [
        ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd"),
        ("http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", "imsmd_rootv1p2p1.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "adlcp_rootv1p2.xsd"),
    ],
    "2004": [
        ("http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_v1p3", "adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "imsss_v1p0.xsd"),
    ],
}

_SCHEMA_VERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}


def share_text(value: float) -> str:
    """A number as the manifest writes it: no float noise (0.7 * 100 is 70, not 70.00000000000001)."""
    return f"{round(float(value), 9):g}"


def manifest_xml(edition: str, quiz_id: str, title: str, launch: str, files: Iterable[str], exact: float) -> bytes:
    """The manifest of a one-SCO package: ``launch`` starts it, ``files`` are every file it holds
    (the manifest aside), ``exact`` the pass rule's minimum share of exact agreement."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(EDITIONS)}, got {edition!r}")
    ns = NAMESPACES[edition]

    def q(prefix: str, name: str) -> str:
        return f"{{{ns[prefix]}}}{name}"

    # Identifiers are XML IDs (a letter first, no colon); quiz ids are letters, digits, '.', '_', '-'.
    ident = f"raterkit-{quiz_id}"
    root = ET.Element(q("", "manifest"), {"identifier": ident, "version": "1"})
    root.set(q("xsi", "schemaLocation"), " ".join(f"{uri} {xsd}" for uri, xsd in _SCHEMA_LOCATIONS[edition]))
    metadata = ET.SubElement(root, q("", "metadata"))
    ET.SubElement(metadata, q("", "schema")).text = "ADL SCORM"
    ET.SubElement(metadata, q("", "schemaversion")).text = _SCHEMA_VERSION[edition]

    organizations = ET.SubElement(root, q("", "organizations"), {"default": f"{ident}-org"})
    organization = ET.SubElement(organizations, q("", "organization"), {"identifier": f"{ident}-org"})
    if edition == "2004":  # the quiz's objective is its own, shared with no other course
        organization.set(q("adlseq", "objectivesGlobalToSystem"), "false")
    ET.SubElement(organization, q("", "title")).text = title
    item = ET.SubElement(
        organization,
        q("", "item"),
        {"identifier": f"{ident}-item", "identifierref": f"{ident}-sco", "isvisible": "true"},
    )
    ET.SubElement(item, q("", "title")).text = title
    if edition == "1.2":
        ET.SubElement(item, q("adlcp", "masteryscore")).text = share_text(exact * 100)
    else:
        sequencing = ET.SubElement(item, q("imsss", "sequencing"))
        objectives = ET.SubElement(sequencing, q("imsss", "objectives"))
        primary = ET.SubElement(
            objectives, q("imsss", "primaryObjective"), {"objectiveID": f"{ident}-passed", "satisfiedByMeasure": "true"}
        )
        ET.SubElement(primary, q("imsss", "minNormalizedMeasure")).text = share_text(exact)
        # The page sets completion and success itself: the LMS is not to assume either on delivery.
        ET.SubElement(
            sequencing,
            q("imsss", "deliveryControls"),
            {"completionSetByContent": "true", "objectiveSetByContent": "true"},
        )
        # One page, nothing to go to before or after it: the LMS's previous and continue buttons are hidden.
        presentation = ET.SubElement(item, q("adlnav", "presentation"))
        interface = ET.SubElement(presentation, q("adlnav", "navigationInterface"))
        for button in ("previous", "continue"):
            ET.SubElement(interface, q("adlnav", "hideLMSUI")).text = button

    resources = ET.SubElement(root, q("", "resources"))
    scorm_type = "scormtype" if edition == "1.2" else "scormType"
    resource = ET.SubElement(
        resources, q("", "resource"), {"identifier": f"{ident}-sco", "type": "webcontent", "href": launch}
    )
    resource.set(q("adlcp", scorm_type), "sco")
    for name in sorted(files):
        ET.SubElement(resource, q("", "file"), {"href": name})

    # The prefixes the package's readers expect (ElementTree's mapping is process-wide; "" is the
    # default namespace, which tostring's default_namespace= refuses beside unqualified attributes).
    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")
