"""GS1 Global Trade Item Numbers: check digits and the GTIN-14 form used in URIs."""

from __future__ import annotations

VALID_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the last).

    Weights alternate 3 and 1 starting from the rightmost digit of the body.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def problem(gtin: str) -> str | None:
    """Why ``gtin`` is not a valid GTIN, or ``None`` when it is."""
    if not gtin.isdigit() or not gtin.isascii():
        return f"GTIN '{gtin}' must contain digits only"
    if len(gtin) not in VALID_LENGTHS:
        return f"GTIN '{gtin}' has {len(gtin)} digits; a GTIN has 8, 12, 13 or 14"
    expected = check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return f"GTIN '{gtin}' has check digit {gtin[-1]}, but its digits give {expected}"
    return None


def to_gtin14(gtin: str) -> str:
    """Left-pad a valid GTIN-8/12/13 with zeros to the 14 digits of GS1 Digital Link."""
    return gtin.zfill(14)


def display(gtin14: str) -> str:
    """The shortest usual form: GTIN-13 for a padded 13-digit code, else the 14 digits."""
    return gtin14[1:] if gtin14.startswith("0") and len(gtin14) == 14 else gtin14
