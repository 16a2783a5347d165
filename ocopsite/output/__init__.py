"""The *write* stage: one list of outputs, each with its path, how it is made and what it
depends on, made in parallel and written into a staging folder (a full build) or into the
live folder in place (an update), never leaving a mix of old and new files.
"""
