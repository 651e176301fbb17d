"""Frameworks in and out of other formats (CASE 1.0); a face over the core, which never imports it."""
