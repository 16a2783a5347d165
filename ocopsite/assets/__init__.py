"""Files made from records besides pages: web variants of photos, and the cache that keeps
expensive ones (photos, QR codes, labels) between builds.
"""
