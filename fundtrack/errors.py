"""The errors fundtrack raises.

Every error carries a message code (see :mod:`fundtrack.i18n`), the field it is
about and the parameters of its message, so that the CLI, the admin and the
interchange loader can all say, in French or English, which field broke which rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fundtrack.i18n import Lang, msg, translate, translate_plural

M_FIELD_PREFIX = msg("error.field_prefix")
M_SEVERAL = msg("error.several")


class FundtrackError(Exception):
    """Base of every error fundtrack raises on purpose."""

    def __init__(self, code: str, /, *, field: str | None = None, **params: object) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    def message(self, lang: Lang | None = None) -> str:
        """The message alone, without the field."""
        return translate(self.code, lang, **self.params)

    def describe(self, lang: Lang | None = None) -> str:
        """The message with the field it is about, as shown to a person."""
        text = self.message(lang)
        if self.field:
            return translate(M_FIELD_PREFIX, lang, field=self.field, message=text)
        return text

    def __str__(self) -> str:
        return self.describe()


class InputError(FundtrackError):
    """A value a person typed or a file holds breaks a rule; nothing was written."""


class NotFound(InputError):
    """A funder, grant, project... named in the input does not exist."""


class RuleViolation(InputError):
    """An operation would break a rule of the domain (domain.md section 4)."""


@dataclass(frozen=True)
class FieldError:
    """One problem at one path of the input (``grants[3].amount``)."""

    path: str
    code: str
    params: tuple[tuple[str, object], ...] = ()

    def message(self, lang: Lang | None = None) -> str:
        return translate(self.code, lang, **dict(self.params))

    def describe(self, lang: Lang | None = None) -> str:
        return translate(M_FIELD_PREFIX, lang, field=self.path, message=self.message(lang))


class ValidationFailed(InputError):
    """Several problems found at once, each with its path; nothing was written."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(M_SEVERAL, count=len(errors))
        self.errors = list(errors)

    def message(self, lang: Lang | None = None) -> str:
        return translate_plural(M_SEVERAL, len(self.errors), lang)

    def describe(self, lang: Lang | None = None) -> str:
        lines = [self.message(lang)]
        lines.extend("  " + e.describe(lang) for e in self.errors)
        return "\n".join(lines)

    @classmethod
    def from_errors(cls, errors: Iterable[InputError], prefix: str = "") -> ValidationFailed:
        """Collect :class:`InputError`\\ s into one, each path prefixed with ``prefix``."""
        found: list[FieldError] = []
        for err in errors:
            if isinstance(err, ValidationFailed):
                for fe in err.errors:
                    found.append(FieldError(_join(prefix, fe.path), fe.code, fe.params))
            else:
                found.append(FieldError(_join(prefix, err.field or ""), err.code, tuple(err.params.items())))
        return cls(found)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


class StaleRecord(InputError):
    """The record changed since its author read it; nothing was written (read it again)."""
