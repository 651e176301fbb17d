"""Exporters: a quiz as a file another system imports (a SCORM package for a learning management
system). A face like the site: it reads the core and the quiz UI (``raterkit.site.quizpages`` and
its assets, which need no MkDocs), and the core never imports it."""
