"""The *load* and *validate* stages: what the user wrote (configuration, YAML records,
Markdown, photos) read through the site's one gate, checked against declarative schemas
with every problem collected, and turned into the model.
"""
