"""The Identity value every other app receives from the resolver."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

IdentityKind = Literal["user", "group", "broadcast", "status", "newsletter", "lid", "invalid"]


class Identity(BaseModel):
    """One person, group or pseudo-chat, whatever form the engine wrote it in.

    `e164` is the canonical key for people (Brazilian mobiles always carry the ninth
    digit). `wa_user` keeps the digits WhatsApp itself routes to (a 12-digit legacy
    JID stays 12 digits there), or the opaque number of an `@lid`, or the group id.
    A `@hosted` id is a `user` and a `@hosted.lid` one a `lid`, like their
    non-hosted counterparts.
    """

    model_config = ConfigDict(frozen=True)

    kind: IdentityKind
    e164: str | None = None
    wa_user: str | None = None
    raw: str = ""

    @property
    def is_person(self) -> bool:
        return self.kind in ("user", "lid")
