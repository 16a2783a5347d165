"""The *render* stage: every page of the site in every language, and the machine-readable
files beside them (feeds, calendars, open data, record schemas, offline packs).
"""
