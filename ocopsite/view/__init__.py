"""What templates see: URLs and output paths, page specifications, language-specific views
of the model, UI strings, safe Markdown and JSON-LD, and the theme that renders them.
"""
