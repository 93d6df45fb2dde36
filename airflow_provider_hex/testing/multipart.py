"""Reading ``multipart/form-data`` request bodies (file uploads such as a semantic project)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser


@dataclass
class UploadedFile:
    """One file part of a form: its file name, content type and bytes."""

    filename: str | None
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class FormData:
    """A parsed form: text fields and file parts by field name."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def is_multipart(content_type: str | None) -> bool:
    """Tell whether a ``Content-Type`` header announces a multipart form."""
    return (content_type or "").lower().startswith("multipart/form-data")


def parse_form(raw: bytes, content_type: str) -> FormData | None:
    """Parse a multipart body; None when it is not a well-formed form."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        return None
    form = FormData()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None and part.get_content_type() == "text/plain":
            form.fields[name] = data.decode("utf-8", errors="replace")
        else:
            form.files[name] = UploadedFile(filename, part.get_content_type(), data)
    return form


__all__ = ["FormData", "UploadedFile", "is_multipart", "parse_form"]
