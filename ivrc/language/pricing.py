"""What calls cost: `[tool.ivrc.pricing]` in pyproject.toml or `[pricing]` in ivrc.toml.

The service bills a call's answered time (`billsec`) by a tariff's increment: `"60/60"` bills
a first block of 60 seconds and then whole minutes, `"30/6"` a first 30 seconds and then every
6, `"1/1"` each second. `per_minute` prices a minute by the dialled number's E.164 prefix, the
longest that matches; `per_attempt` adds a price to each call placed, answered or not. A plan
whose expected cost is above `max_cost` is not sent without `--yes`. Each value is checked where
it is read, and a bad one is a PricingError that places it in its file."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ivrc.language.policy import locate, unknown_key

KEYS = ("currency", "increment", "per_minute", "per_attempt", "max_cost")
_INCREMENT = re.compile(r"^\s*(\d{1,5})\s*/\s*(\d{1,5})\s*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
CENT = Decimal("0.01")


class PricingError(ValueError):
    """A pricing value that cannot be used, with its place in the configuration file."""

    def __init__(self, path: Path, line: int, column: int, key: str, reason: str) -> None:
        super().__init__(f"{path}:{line}:{column}: pricing: `{key}`: {reason}")


@dataclass(frozen=True)
class Pricing:
    """A read tariff. `first` and `step` are the increment's seconds (`"30/6"`: 30 and 6)."""

    currency: str = ""
    first: int = 60
    step: int = 60
    per_minute: dict[str, Decimal] = field(default_factory=dict)
    per_attempt: Decimal = Decimal(0)
    max_cost: Decimal | None = None
    source: Path | None = None

    @property
    def increment(self) -> str:
        return f"{self.first}/{self.step}"

    @property
    def longest(self) -> int:
        return max((len(prefix) for prefix in self.per_minute), default=0)

    def billed(self, seconds: float) -> int:
        """The seconds a call of this length is billed: nothing for none, else the first block,
        then whole steps (the service counts whole seconds)."""
        whole = math.ceil(seconds - 1e-9) if seconds > 0 else 0
        if whole <= 0:
            return 0
        if whole <= self.first:
            return self.first
        return self.first + math.ceil((whole - self.first) / self.step) * self.step

    def rate(self, number: str) -> Decimal | None:
        """The price of a minute to an E.164 number (digits, no `+`): its longest priced prefix, or None."""
        for length in range(min(self.longest, len(number)), 0, -1):
            found = self.per_minute.get(number[:length])
            if found is not None:
                return found
        return None

    def money(self, amount: Decimal) -> str:
        """An amount as the plan shows it: `ILS 12.34`."""
        rounded = amount.quantize(CENT, ROUND_HALF_UP)
        return f"{self.currency} {rounded}" if self.currency else str(rounded)


def read(table: Any, path: Path, text: str, header: str) -> Pricing:
    """The tariff of one configuration file: `table` as TOML read it, `text` the file itself (for
    the places of errors), `header` the table's name (`tool.ivrc.pricing` or `pricing`)."""
    if not isinstance(table, dict):
        raise PricingError(path, *locate(text, header, None), "pricing", "expected a table of pricing keys")
    settings: dict[str, Any] = {"source": path}
    for key, value in table.items():
        place = locate(text, header, key)
        if key not in KEYS:
            raise PricingError(path, *place, key, unknown_key(key, KEYS))
        try:
            settings.update(_read_key(key, value))
        except ValueError as error:
            raise PricingError(path, *place, key, str(error)) from None
    if not settings.get("per_minute"):
        place = locate(text, header, None)
        raise PricingError(
            path,
            *place,
            "per_minute",
            'a tariff needs prices a minute by prefix, such as per_minute = { "972" = 0.12 }',
        )
    return Pricing(**settings)


def _read_key(key: str, value: Any) -> dict[str, Any]:
    if key == "currency":
        if not isinstance(value, str) or not _CURRENCY.match(value):
            raise ValueError('expected a currency code of three capital letters, such as "ILS"')
        return {"currency": value}
    if key == "increment":
        found = _INCREMENT.match(value) if isinstance(value, str) else None
        if found is None or int(found.group(1)) < 1 or int(found.group(2)) < 1:
            raise ValueError('expected "FIRST/NEXT" in whole seconds, such as "60/60", "30/6" or "1/1"')
        return {"first": int(found.group(1)), "step": int(found.group(2))}
    if key == "per_minute":
        if not isinstance(value, dict) or not value:
            raise ValueError('expected a table of E.164 prefixes and prices, such as { "972" = 0.12, "1" = 0.05 }')
        prices = {}
        for prefix, price in value.items():
            digits = prefix.removeprefix("+")
            if not digits.isascii() or not digits.isdigit() or len(digits) > 15 or digits.startswith("0"):
                raise ValueError(f"`{prefix}` is not an E.164 prefix: a country code and the digits after it")
            prices[digits] = amount(price, f"the price of `{prefix}`")
        return {"per_minute": prices}
    return {key: amount(value, "the price")}


def amount(value: Any, what: str) -> Decimal:
    """A price: a number of zero or more (TOML's 0.12 is read as the text it is written as)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, such as 0.12")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number, such as 0.12")
    if number < 0:
        raise ValueError(f"{what} must be zero or more")
    return number
