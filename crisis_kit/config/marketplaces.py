"""Marketplace facts: time zone, currency, date order, number format, default encoding.

Each row of ``MARKETPLACES`` represents one Amazon marketplace as a seller's exports
see it. The time zone is the one Amazon uses for that marketplace's reports (Pacific
time for the US), and so the one that defines a "local day" in every daily series.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["Marketplace", "MARKETPLACES", "get", "MARKETPLACE_IDS"]


@dataclass(frozen=True)
class Marketplace:
    """One marketplace.

    Attributes
    ----------
    code : str
        Two-letter code used in `incident.yaml` (US, UK, DE, JP, ...).
    tz : str
        IANA time zone of the marketplace's reports.
    currency : str
        ISO 4217 currency code.
    date_order : str
        Order of numeric dates in its exports: ``MDY``, ``DMY`` or ``YMD``.
    decimal_comma : bool
        True where exports write ``1.234,56``.
    encoding : str
        Encoding of its flat files when they are not UTF-8.
    """

    code: str
    tz: str
    currency: str
    date_order: str
    decimal_comma: bool
    encoding: str


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in [
        Marketplace("US", "America/Los_Angeles", "USD", "MDY", False, "cp1252"),
        Marketplace("CA", "America/Los_Angeles", "CAD", "MDY", False, "cp1252"),
        Marketplace("MX", "America/Los_Angeles", "MXN", "DMY", False, "cp1252"),
        Marketplace("BR", "America/Sao_Paulo", "BRL", "DMY", True, "cp1252"),
        Marketplace("UK", "Europe/London", "GBP", "DMY", False, "cp1252"),
        Marketplace("IE", "Europe/Dublin", "EUR", "DMY", False, "cp1252"),
        Marketplace("DE", "Europe/Berlin", "EUR", "DMY", True, "cp1252"),
        Marketplace("FR", "Europe/Paris", "EUR", "DMY", True, "cp1252"),
        Marketplace("IT", "Europe/Rome", "EUR", "DMY", True, "cp1252"),
        Marketplace("ES", "Europe/Madrid", "EUR", "DMY", True, "cp1252"),
        Marketplace("NL", "Europe/Amsterdam", "EUR", "DMY", True, "cp1252"),
        Marketplace("SE", "Europe/Stockholm", "SEK", "YMD", True, "cp1252"),
        Marketplace("PL", "Europe/Warsaw", "PLN", "DMY", True, "cp1252"),
        Marketplace("JP", "Asia/Tokyo", "JPY", "YMD", False, "shift_jis"),
        Marketplace("IN", "Asia/Kolkata", "INR", "DMY", False, "cp1252"),
        Marketplace("AU", "Australia/Sydney", "AUD", "DMY", False, "cp1252"),
        Marketplace("SG", "Asia/Singapore", "SGD", "DMY", False, "cp1252"),
        Marketplace("AE", "Asia/Dubai", "AED", "DMY", False, "cp1252"),
        Marketplace("CN", "Asia/Shanghai", "CNY", "YMD", False, "gb18030"),
    ]
}

# Amazon's marketplace ids, as SP-API reports name them.
MARKETPLACE_IDS: dict[str, str] = {
    "ATVPDKIKX0DER": "US",
    "A2EUQ1WTGCTBG2": "CA",
    "A1AM78C64UM0Y8": "MX",
    "A1F83G8C2ARO7P": "UK",
    "A1PA6795UKMFR9": "DE",
    "A13V1IB3VIYZZH": "FR",
    "APJ6JRA9NG5V4": "IT",
    "A1RKKUPIHCS9HS": "ES",
    "A1VC38T7YXB528": "JP",
    "A21TJRUUN4KGV": "IN",
    "A39IBJ37TRP1C6": "AU",
}

_ALIASES = {"GB": "UK", "COM": "US", "CO.UK": "UK", "CO.JP": "JP", "IN.": "IN"}


def get(code: str) -> Marketplace:
    """Return the marketplace for a code such as ``US``, ``uk`` or ``GB``.

    Raises
    ------
    ConfigError
        When the code is unknown; the message lists the known codes.
    """
    key = str(code).strip().upper()
    key = _ALIASES.get(key, key)
    if key not in MARKETPLACES:
        raise ConfigError(
            f"unknown marketplace {code!r}",
            fix="use one of " + ", ".join(sorted(MARKETPLACES)),
        )
    return MARKETPLACES[key]
