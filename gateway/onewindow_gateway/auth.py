"""Bearer tokens with roles. Tokens are stored hashed (SHA-256) in a JSON file named by
OW_GATEWAY_TOKENS_FILE; production tokens come from configuration, never from code.

    {"tokens": [{"sha256": "<hex>", "role": "clerk", "name": "window-3", "region_code": "110101"},
                {"sha256": "<hex>", "role": "ops", "name": "ops-1"},
                {"sha256": "<hex>", "role": "citizen", "name": "app-user-9", "subject_id": "<hex>"},
                {"sha256": "<hex>", "role": "agency", "name": "…", "department_code": "110101.tax"}]}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from onewindow.common.v1.types_pb2 import Actor, ActorKind
from onewindow_platform.config import ConfigurationError

from .rate_limit import count_failed_authentication

ROLES = {"clerk", "ops", "citizen", "agency"}
ACTOR_KINDS = {"clerk": ActorKind.ACTOR_KIND_CLERK, "ops": ActorKind.ACTOR_KIND_OPS,
               "citizen": ActorKind.ACTOR_KIND_CITIZEN, "agency": ActorKind.ACTOR_KIND_AGENCY}


@dataclass(frozen=True)
class Principal:
    role: str
    name: str
    region_code: str = ""
    department_code: str = ""
    subject_id: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(kind=ACTOR_KINDS[self.role], id=self.department_code if self.role == "agency" else self.name)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, principals: dict[str, Principal]) -> None:
        self._by_hash = principals

    @classmethod
    def from_file(cls, path: Path | None) -> TokenStore:
        if path is None:
            return cls({})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"OW_GATEWAY_TOKENS_FILE {path}: {exc}") from None
        principals = {}
        for entry in data.get("tokens", []):
            role = entry.get("role")
            if role not in ROLES:
                raise ConfigurationError(f"OW_GATEWAY_TOKENS_FILE {path}: role {role!r} is not one of {sorted(ROLES)}")
            if role == "clerk" and not entry.get("region_code"):
                raise ConfigurationError(
                    f"OW_GATEWAY_TOKENS_FILE {path}: clerk {entry.get('name')} needs a region_code")
            if role == "agency" and not entry.get("department_code"):
                raise ConfigurationError(f"OW_GATEWAY_TOKENS_FILE {path}: agency token needs a department_code")
            principals[entry["sha256"]] = Principal(
                role=role, name=entry.get("name", role), region_code=entry.get("region_code", ""),
                department_code=entry.get("department_code", ""), subject_id=entry.get("subject_id", ""),
            )
        return cls(principals)

    def lookup(self, token: str) -> Principal | None:
        # Looked up by the token's SHA-256: what leaks through timing is a hash, never the token.
        return self._by_hash.get(hash_token(token))


_bearer = HTTPBearer(auto_error=False, description="Bearer token (roles: clerk, ops, citizen, agency)")


# The dependencies are `async def` although they never await: FastAPI runs a plain `def`
# dependency in its thread pool, a hand-off to another thread and back for a dictionary lookup.
async def current_principal(request: Request,
                            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    principal = request.app.state.tokens.lookup(credentials.credentials)
    if principal is None:
        count_failed_authentication(request)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    request.app.state.rate_limit.enforce(f"token:{principal.role}:{principal.name}")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role {' or '.join(roles)}")
        return principal

    return Depends(check)
