"""Facts read from rendered sql/ statements: the role each runs as, grants, created and dropped objects."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_USE_ROLE = re.compile(r"USE ROLE (?P<role>\S+)", re.IGNORECASE)
_GRANT_ROLE = re.compile(r"GRANT ROLE (?P<role>\S+) TO ROLE (?P<grantee>\S+)", re.IGNORECASE)
_GRANT = re.compile(
    r"GRANT (?P<privileges>.+?) ON (?P<target>.+?) TO (?:(?P<grantee_kind>ROLE|USER|SHARE|DATABASE ROLE) )?"
    r"(?P<grantee>\S+)$",
    re.IGNORECASE,
)
_TARGET = re.compile(r"(?P<kind>[A-Z][A-Z ]*?) (?P<name>[^ (]+(?:\(.*\))?)", re.IGNORECASE)
KINDS = (
    "EXTERNAL ACCESS INTEGRATION",
    "ROW ACCESS POLICY",
    "MASKING POLICY",
    "NETWORK RULE",
    "INTEGRATION",
    "PROCEDURE",
    "FUNCTION",
    "WAREHOUSE",
    "DATABASE",
    "SCHEMA",
    "SECRET",
    "STAGE",
    "TABLE",
    "TASK",
    "ROLE",
    "VIEW",
    "TAG",
    "ALERT",
)
_KIND = "|".join(KINDS)
_CREATE = re.compile(
    rf"CREATE (?P<replace>OR REPLACE )?(?:OR ALTER )?(?:TRANSIENT )?(?P<kind>{_KIND}) "
    r"(?P<if_not_exists>IF NOT EXISTS )?(?P<name>[\w$.]+)",
    re.IGNORECASE,
)
_DROP = re.compile(rf"DROP (?P<kind>{_KIND}) (?P<if_exists>IF EXISTS )?(?P<name>[\w$.]+(?:\(.*\))?)", re.IGNORECASE)


def normalize(statement: str) -> str:
    """One line, single spaces, no trailing semicolon."""
    return " ".join(statement.split()).rstrip(";").strip()


def signature_types(name: str) -> str:
    """`db.s.proc(a VARCHAR, b VARIANT)` or `db.s.proc(VARCHAR,VARIANT)` → `DB.S.PROC(VARCHAR, VARIANT)`."""
    head, parenthesis, args = name.partition("(")
    if not parenthesis:
        return head.upper()
    types = [a.split()[-1].upper() for a in args.rstrip(")").split(",") if a.strip()]
    return f"{head.upper()}({', '.join(types)})"


@dataclass(frozen=True)
class Executed:
    """A statement as one file sends it, with the role active when it runs."""

    file: str
    role: str | None
    text: str


@dataclass(frozen=True)
class Grant:
    privileges: frozenset[str]
    kind: str
    name: str
    grantee: str
    grantee_kind: str
    file: str
    role: str | None


@dataclass(frozen=True)
class Created:
    kind: str
    name: str
    if_not_exists: bool
    or_replace: bool
    file: str
    role: str | None


@dataclass(frozen=True)
class Dropped:
    kind: str
    name: str
    if_exists: bool
    file: str
    role: str | None


def executed(rendered: Mapping[str, Sequence[str]], files: Iterable[str]) -> list[Executed]:
    """Statements of the files in order; every `snow sql` run starts with the connection's role (None)."""
    out: list[Executed] = []
    for file in files:
        role = None
        for statement in rendered[file]:
            text = normalize(statement)
            match = _USE_ROLE.fullmatch(text)
            role = match["role"].upper() if match else role
            out.append(Executed(file, role, text))
    return out


def grants(statements: Iterable[Executed]) -> list[Grant]:
    """Every GRANT, role-to-role grants as kind ROLE."""
    out = []
    for s in statements:
        if match := _GRANT_ROLE.fullmatch(s.text):
            out.append(
                Grant(
                    frozenset({"USAGE"}),
                    "ROLE",
                    match["role"].upper(),
                    match["grantee"].upper(),
                    "ROLE",
                    s.file,
                    s.role,
                )
            )
        elif match := _GRANT.fullmatch(s.text):
            kind, name = _split_target(match["target"])
            privileges = frozenset(" ".join(p.split()).upper() for p in match["privileges"].split(","))
            grantee_kind = (match["grantee_kind"] or "").upper()
            out.append(Grant(privileges, kind, name, match["grantee"].upper(), grantee_kind, s.file, s.role))
    return out


def _split_target(target: str) -> tuple[str, str]:
    if target.upper() == "ACCOUNT":
        return "ACCOUNT", ""
    match = _TARGET.fullmatch(target)
    if match is None:
        raise ValueError(f"unreadable grant target {target!r}")
    return " ".join(match["kind"].upper().split()), signature_types(match["name"])


def created(statements: Iterable[Executed]) -> list[Created]:
    """Every CREATE, by object kind (TABLE for transient tables too) and upper-cased name."""
    out = []
    for s in statements:
        if s.text.upper().startswith("CREATE "):
            match = _CREATE.match(s.text)
            if match is None:
                raise ValueError(f"unknown kind of CREATE: {s.text}")
            kind = match["kind"].upper()
            out.append(
                Created(
                    kind, match["name"].upper(), bool(match["if_not_exists"]), bool(match["replace"]), s.file, s.role
                )
            )
    return out


def dropped(statements: Iterable[Executed]) -> list[Dropped]:
    """Every DROP, names of procedures and functions with their argument types."""
    out = []
    for s in statements:
        if s.text.upper().startswith("DROP "):
            match = _DROP.fullmatch(s.text)
            if match is None:
                raise ValueError(f"unknown kind of DROP: {s.text}")
            kind = match["kind"].upper()
            out.append(Dropped(kind, signature_types(match["name"]), bool(match["if_exists"]), s.file, s.role))
    return out
