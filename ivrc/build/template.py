"""A personal campaign's template: the flow's request compiled once, split around the slot of
each recipient value (and of each recipient's unique_id and call time), so that a row renders by
joining strings. A recipient's unique_id comes from the campaign's name and the recipient's
identity, never from the flow's text: an edited flow keeps every recipient's campaign."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivrc.build.emit import DIALER_FIELDS, SIMPLE_DIALER_FIELDS, Slot
from ivrc.language.model import Model

_NAMESPACE = uuid.UUID("0d6c8a52-7a4e-4f0e-9c1b-5f7e3a2d9b64")  # ivrc personal campaigns


@dataclass
class Template:
    """A compiled flow with a slot for each recipient value, ready to render rows quickly."""

    model: Model
    request: dict[str, Any]
    roles: dict[str, set[str]]  # field -> "number", "call number", "placeholder"
    number_field: str | None
    digest: str
    _parts: list[str] = field(default_factory=list)
    _slots: list[Slot | object | None] = field(default_factory=list)  # None: the unique_id; _MOMENT: the time
    _timed: tuple[list[str], list[Slot | object | None]] | None = None  # the same, with a timestamp schedule
    flow_id: str | None = None
    # The campaign every recipient's unique_id is derived from: `--campaign`, else the flow's
    # unique_id, else the flow file's name. `named` is False for the last.
    campaign: str = ""
    named: bool = False

    @classmethod
    def of(cls, model: Model, request: dict[str, Any] | None = None, path: str = "<string>") -> Template:
        """The recipient fields a flow uses and, given its compiled request, how to render each row.
        Without a request (a flow with errors) the rows can still be checked."""
        roles: dict[str, set[str]] = {}
        for use in model.fields:
            roles.setdefault(use.field.name, set()).add(use.role)
        number_field = next((use.field.name for use in model.fields if use.role == "number"), None)
        written = json.dumps(_with_markers(request or {}), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(written.encode("utf-8")).hexdigest()
        template = cls(model, request or {}, roles, number_field, digest)
        template.campaign = Path(path).name
        if request is None:
            return template
        template.flow_id = request.get("unique_id")
        if template.flow_id:
            template.campaign, template.named = template.flow_id, True
        template._parts, template._slots = template._compile(template._ordered(request))
        return template

    @staticmethod
    def _ordered(request: dict[str, Any]) -> dict[str, Any]:
        """The request's fields in the tables' order, each recipient's unique_id in its place."""
        order = DIALER_FIELDS if "ivr" in request else SIMPLE_DIALER_FIELDS
        return {
            name: _UNIQUE_ID if name == "unique_id" else request[name]
            for name in order
            if name in request or name == "unique_id"
        }

    def _timed_template(self) -> tuple[list[str], list[Slot | object | None]]:
        """The template with each recipient's own call time: a timestamp `schedule` (or `dial_at`)."""
        if self._timed is None:
            request = dict(self.request)
            if "ivr" in request:
                request.update(schedule_type="timestamp", schedule=_MOMENT)
            else:
                request["dial_at"] = _MOMENT
            self._timed = self._compile(self._ordered(request))
        return self._timed

    @staticmethod
    def _compile(ordered: dict[str, Any]) -> tuple[list[str], list[Slot | object | None]]:
        """Split the request's JSON text around its slots, so a row renders by joining strings."""
        markers: list[Slot | object | None] = []

        def mark(value: Any) -> Any:
            if value is _UNIQUE_ID:
                markers.append(None)
                return f"\ue000{len(markers) - 1}\ue001"
            if value is _MOMENT:
                markers.append(_MOMENT)
                return f"\ue000{len(markers) - 1}\ue001"
            if isinstance(value, Slot):
                markers.append(value)
                return f"\ue000{len(markers) - 1}\ue001"
            if isinstance(value, dict):
                return {k: mark(v) for k, v in value.items()}
            if isinstance(value, list):
                return [mark(v) for v in value]
            return value

        text = json.dumps(mark(ordered), ensure_ascii=False)
        # Private-use characters mark the slots: json.dumps writes them as they are.
        pieces = re.split('"\ue000(\\d+)\ue001"', text)
        return pieces[0::2], [markers[int(i)] for i in pieces[1::2]]

    def rename(self, campaign: str) -> None:
        """Another campaign of the same flow (`--campaign NAME`): every recipient gets a new
        unique_id, so each is called again, by choice."""
        self.campaign, self.named = campaign, True

    def unique_id(self, identity: str) -> str:
        """The same for the same campaign and recipient, run after run and edit after edit: a
        re-deploy never creates a second campaign. The campaign's name is its prefix when the
        flow or `--campaign` names it; a UUID derived the same way when neither does."""
        seed = self.campaign + "\x00" + identity
        if self.named:
            return f"{self.campaign}-{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:16]}"
        return str(uuid.uuid5(_NAMESPACE, seed))

    def render(self, values: dict[str, str], unique_id: str, moment: int | None = None) -> str:
        """The request of one recipient as one line of JSON; `moment` is their own call time."""
        parts, slots = (self._parts, self._slots) if moment is None else self._timed_template()
        out = [parts[0]]
        for slot, part in zip(slots, parts[1:], strict=True):
            if slot is _MOMENT:
                out.append(str(moment))
            else:
                out.append(json.dumps(unique_id if slot is None else values[slot.field], ensure_ascii=False))  # type: ignore[attr-defined]
            out.append(part)
        return "".join(out)


_UNIQUE_ID = object()
_MOMENT = object()  # a recipient's own call time, given by the policy's gate


def _with_markers(value: Any) -> Any:
    """The request as a fingerprint sees it: each slot as the field it stands for."""
    if isinstance(value, Slot):
        return f"recipient.{value.field}"
    if isinstance(value, dict):
        return {k: _with_markers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_markers(v) for v in value]
    return value
