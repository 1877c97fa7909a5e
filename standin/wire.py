"""The Bot API stand-in's wire format: errors, request parameters and a minimal HTTP/1.1.

- Bot API errors (`ApiError`, `bad`, `error_payload`) and request parameter coercion (`param`,
  `int_param`, ...): PTB sends every value as a string (JSON for objects), other clients may
  send JSON bodies.
- A minimal HTTP/1.1 reader/writer (`read_request`, `parse_body`, `http_response`) for
  Content-Length or chunked bodies, form-urlencoded, multipart/form-data and JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description, optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart/form-data request."""

    filename: str
    content: bytes
    content_type: str


def chat_key(value: Any) -> int | str | None:
    """Chat ids as Telegram compares them: integers, or "@channelname" strings."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def param(params: dict[str, Any], key: str) -> str | None:
    """A parameter as the string PTB would have sent (JSON-encoded for objects)."""
    value = params.get(key)
    if value is None or isinstance(value, (str, Upload)):
        return value  # type: ignore[return-value]
    return json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)


def int_param(params: dict[str, Any], key: str) -> int | None:
    value = param(params, key)
    if value in (None, ""):
        return None
    try:
        return int(float(value))  # type: ignore[arg-type]
    except ValueError:
        raise bad(f"invalid {key} specified") from None


def json_param(params: dict[str, Any], key: str) -> Any:
    value = params.get(key)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad(f"can't parse {key} JSON object") from None


def bool_param(params: dict[str, Any], key: str) -> bool:
    return str(param(params, key)).lower() in ("true", "1")


class HttpError(Exception):
    """A request that is not valid HTTP/1.1."""


async def read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    """Read one request; None on a clean EOF between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise HttpError("truncated request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise HttpError("request head too large") from None
    lines = head.decode("latin-1").split("\r\n")
    try:
        verb, target, version = lines[0].split(" ", 2)
    except ValueError:
        raise HttpError("bad request line") from None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    headers[":version"] = version
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    return verb.upper(), target, headers, body


def _parse_multipart(body: bytes, boundary: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        if name_match is None:
            continue
        file_match = re.search(r'(?:^|;)\s*filename="([^"]*)"', disposition)
        if file_match is not None:
            filename = file_match.group(1).replace("%22", '"').replace("\\\\", "\\")
            ctype = headers.get("content-type", "application/octet-stream")
            fields[name_match.group(1)] = Upload(filename, content, ctype)
        else:
            fields[name_match.group(1)] = content.decode("utf-8", "replace")
    return fields


def parse_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    ctype = headers.get("content-type", "")
    if not body:
        return {}
    if ctype.startswith("multipart/form-data"):
        match = re.search(r'boundary="?([^";]+)"?', ctype)
        if match is None:
            raise bad("multipart boundary is missing")
        return _parse_multipart(body, match.group(1))
    if ctype.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise bad("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise bad("JSON object expected")
        return data
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def http_response(status: int, body: bytes, keep_alive: bool,
                  content_type: str = "application/json") -> bytes:
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nServer: standin\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
    return head.encode("latin-1") + body


def error_payload(err: ApiError) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
    if err.retry_after is not None:
        payload["parameters"] = {"retry_after": err.retry_after}
    return payload
