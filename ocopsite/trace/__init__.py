"""Traceability: the pages a label's QR code leads to (GS1 Digital Link), the QR codes and
the printable label sheets.
"""
