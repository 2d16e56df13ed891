"""Configuration from environment variables (and a `.env` file), as DESIGN.md lists them.

Settings are read once per process through `get_settings()`; tests call `reset_settings()`
after changing the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from kit.redaction import RedactionConfig, parse_countries, parse_kinds, parse_mode

# In a stereo recording (a call recorder's), which channel carries the agent.
AGENT_CHANNELS = {"left": 0, "right": 1}


# How long each kind of personal data is kept before `qa privacy erase-expired` (and the worker's
# daily job) erases it, in days; QA_RETENTION overrides any of them.
DEFAULT_RETENTION_DAYS = {
    "recordings": 365,  # call recordings
    "transcripts": 365,  # their transcripts
    "voice": 90,  # residents' voice comments
    "comments": 365,  # residents' written survey comments
    "contacts": 90,  # a resident's contact on a case (also ends when the case is closed)
    "replies": 365,  # mystery-email replies
}


class ConfigError(Exception):
    """A setting has a value the app cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    recordings_dir: Path
    timezone_name: str
    vosk_model: str | None
    queue_url: str | None
    smtp_url: str | None
    imap_url: str | None
    secure_cookies: bool = False
    agent_channel: int = 0  # QA_AGENT_CHANNEL: left (0) or right (1)
    # The recogniser's trade of accuracy for speed (benchmarks/transcription.py measures each;
    # docs/benchmarks.md has the figures). None ("model"): the model's own, from conf/model.conf.
    vosk_beam: float | None = None  # QA_VOSK_BEAM: Kaldi's decoding beam
    vosk_max_active: int | None = None  # QA_VOSK_MAX_ACTIVE: most search states kept per frame
    vosk_lattice_beam: float | None = None  # QA_VOSK_LATTICE_BEAM: the lattice kept for confidences
    vosk_frames_per_chunk: int | None = None  # QA_VOSK_FRAMES_PER_CHUNK: frames per network pass
    vosk_alternatives: int = 0  # QA_VOSK_ALTERNATIVES: an N-best list per utterance (0: none)
    vad_mode: int | None = 3  # QA_VAD: voice-activity detection's aggressiveness 0-3, None (off)
    # QA_VOSK_MODELS: a model folder per queue, "Revenues=/models/en; Stadsdelen=/models/sv"; calls
    # of other queues use QA_VOSK_MODEL's.
    vosk_models: dict[str, str] = field(default_factory=dict)
    # Working hours of the mystery-email audits (audits/working_hours.py reads these).
    office_hours: str = ""  # QA_OFFICE_HOURS, e.g. "Mon-Thu 08:00-17:00; Fri 08:00-15:00"
    holidays_country: str = ""  # QA_HOLIDAYS: public holidays of a country (and region): "SE", "GB-SCT"
    extra_holidays: str = ""  # QA_EXTRA_HOLIDAYS: closed days, e.g. "2026-12-24, 2026-12-31"
    # QA_TRUSTED_PROXIES: addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed (the client address is what the nearest untrusted hop says); none by default.
    trusted_proxies: tuple[str, ...] = ()
    session_idle_minutes: int = 60  # QA_SESSION_IDLE_MINUTES: a session unused this long ends
    max_voice_seconds: int = 300  # QA_MAX_VOICE_SECONDS: a longer voice comment is refused
    # QA_BACKGROUND=0: `qa serve` without a shared queue runs no scheduled work of its own (its
    # in-process worker transcribes new recordings, purges, erases expired data); on by default.
    background: bool = True
    # QA_RETENTION: days each kind of personal data is kept, e.g. "recordings=365, voice=90".
    retention_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RETENTION_DAYS))
    # Personal numbers taken out before anything is stored (kit/redaction.py): QA_REDACT, the kinds
    # ("national_id, card, iban, phone, email", all by default, or "none"); QA_REDACT_COUNTRIES,
    # whose identity and phone numbers ("SE,NL,BE,NO,GB,US" by default); QA_REDACT_MODE: on (the
    # default) | test (record what would be taken out, change nothing) | off.
    redaction: RedactionConfig = field(default_factory=RedactionConfig)
    redact_mode: str = "on"
    # QA_REDACT_KEEP_ORIGINAL: keep a recording's unredacted original, readable by the app's user
    # only, in QA_DATA_DIR/unredacted-recordings (listed and erased with the resident's data);
    # off by default: the original is silenced in place once transcribed.
    redact_keep_original: bool = False
    # QA_LANGUAGE: the centre's language for the staff ("en", "sv", "nl"): pages of users who chose
    # none, emails, the printed report, the `qa` command. Unset: each browser's language.
    language: str = ""
    # QA_COUNCIL_NAME and QA_COUNCIL_LOGO: shown at the top of the residents' survey and thank-you
    # pages, so a link that came by SMS can be trusted. The logo is a PNG, JPEG, GIF or WebP file
    # of at most LOGO_MAX_BYTES (checked here), served at /s/council-logo.
    council_name: str = ""
    council_logo: Path | None = None

    @property
    def secret_key(self) -> str:
        return _secret_key(self.data_dir)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    @property
    def database_kind(self) -> str:
        return database_kind(self.database_url)


def database_kind(url: str) -> str:
    if url.startswith("sqlite:"):
        return "sqlite"
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql"
    raise ConfigError(f"QA_DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':')[0]!r})")


def make_private_dir(path: Path) -> None:
    """A folder of residents' data: readable by the app's own user only (0700) when we make it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def _secret_key(data_dir: Path) -> str:
    """QA_SECRET_KEY, or a key generated once into the data folder (readable by its owner only)."""
    if key := os.environ.get("QA_SECRET_KEY"):
        if len(key) < 32:
            raise ConfigError("QA_SECRET_KEY must be at least 32 characters long")
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    make_private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _positive_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(f"{name} must be a whole number above 0 (got {text!r})")
    return int(text)


def _retention(text: str) -> dict[str, int]:
    """ "recordings=365, voice=90" over the defaults; a wrong kind or number is named."""
    days = dict(DEFAULT_RETENTION_DAYS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        kind, value = kind.strip(), value.strip()
        if kind not in days:
            raise ConfigError(f"QA_RETENTION: unknown kind {kind!r}; the kinds are {', '.join(days)}")
        if not value.isdigit() or int(value) <= 0:
            raise ConfigError(f"QA_RETENTION: {kind} needs a number of days above 0 (got {value!r})")
        days[kind] = int(value)
    return days


def _flag(name: str) -> bool:
    """A setting that is on or off: 1/true/yes/on or 0/false/no/off (unset: off)."""
    text = os.environ.get(name, "").strip().lower()
    if text in {"", "0", "false", "no", "off"}:
        return False
    if text in {"1", "true", "yes", "on"}:
        return True
    raise ConfigError(f"{name} must be on or off (got {text!r})")


def _agent_channel(name: str) -> int:
    if name.lower() not in AGENT_CHANNELS:
        raise ConfigError(f"QA_AGENT_CHANNEL must be left or right (got {name!r})")
    return AGENT_CHANNELS[name.lower()]


def _redaction() -> dict:
    values = {}
    for name, parse in (
        ("QA_REDACT", parse_kinds),
        ("QA_REDACT_COUNTRIES", parse_countries),
        ("QA_REDACT_MODE", parse_mode),
    ):
        try:
            values[name] = parse(os.environ.get(name))
        except ValueError as error:
            raise ConfigError(f"{name}: {error}") from None
    return {
        "redaction": RedactionConfig(kinds=values["QA_REDACT"], countries=values["QA_REDACT_COUNTRIES"]),
        "redact_mode": values["QA_REDACT_MODE"],
    }


def _positive_number(name: str, kind: type, default: float | int | None = None) -> float | int | None:
    """A recogniser setting: a number above 0 (QA_VOSK_BEAM=8), `default` when unset, None for
    "model" (the model's own value)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if text.lower() == "model":
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value <= 0:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what} above 0, or model (got {text!r})")
    return value


def _alternatives(text: str) -> int:
    text = text.strip() or "0"
    if not text.isdigit() or int(text) > 100:
        raise ConfigError(f"QA_VOSK_ALTERNATIVES must be a whole number from 0 to 100 (got {text!r})")
    return int(text)


def _vad_mode(text: str) -> int | None:
    """QA_VAD: 0 (least aggressive) to 3 (most: least non-speech decoded), or off."""
    text = text.strip().lower()
    if text in {"off", "no", "false", "none"}:
        return None
    if text not in {"0", "1", "2", "3"}:
        raise ConfigError(f"QA_VAD must be 0, 1, 2, 3 or off (got {text!r})")
    return int(text)


def _vosk_models(text: str) -> dict[str, str]:
    """ "Revenues=/models/en; Stadsdelen=/models/sv": queue name to model folder."""
    models: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        queue, sep, path = part.partition("=")
        queue, path = queue.strip(), path.strip()
        if not sep or not queue or not path:
            raise ConfigError(f"QA_VOSK_MODELS: {part!r} is not queue=/path/to/model")
        if queue in models:
            raise ConfigError(f"QA_VOSK_MODELS: queue {queue!r} is named twice")
        models[queue] = path
    return models


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    load_dotenv(Path.cwd() / ".env", override=False)
    data_dir = Path(os.environ.get("QA_DATA_DIR", "./var")).expanduser().resolve()
    database_url = os.environ.get("QA_DATABASE_URL") or f"sqlite:///{data_dir / 'qa.sqlite3'}"
    database_kind(database_url)
    recordings = os.environ.get("QA_RECORDINGS_DIR")
    recordings_dir = Path(recordings).expanduser().resolve() if recordings else data_dir / "recordings"
    timezone_name = os.environ.get("QA_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"QA_TIMEZONE {timezone_name!r} is not a known time zone (e.g. Europe/Stockholm)") from None
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        recordings_dir=recordings_dir,
        timezone_name=timezone_name,
        vosk_model=os.environ.get("QA_VOSK_MODEL") or None,
        vosk_beam=_positive_number("QA_VOSK_BEAM", float),
        vosk_max_active=_positive_number("QA_VOSK_MAX_ACTIVE", int),
        vosk_lattice_beam=_positive_number("QA_VOSK_LATTICE_BEAM", float),
        vosk_frames_per_chunk=_positive_number("QA_VOSK_FRAMES_PER_CHUNK", int),
        vosk_alternatives=_alternatives(os.environ.get("QA_VOSK_ALTERNATIVES", "0")),
        vad_mode=_vad_mode(os.environ.get("QA_VAD", "3")),
        vosk_models=_vosk_models(os.environ.get("QA_VOSK_MODELS", "")),
        queue_url=os.environ.get("QA_QUEUE_URL") or None,
        smtp_url=os.environ.get("QA_SMTP_URL") or None,
        imap_url=os.environ.get("QA_IMAP_URL") or None,
        # Behind HTTPS (production), cookies must say so; the local demo runs on plain HTTP.
        secure_cookies=os.environ.get("QA_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
        agent_channel=_agent_channel(os.environ.get("QA_AGENT_CHANNEL", "left")),
        background=os.environ.get("QA_BACKGROUND", "1").lower() not in {"0", "false", "no"},
        office_hours=os.environ.get("QA_OFFICE_HOURS", ""),
        holidays_country=os.environ.get("QA_HOLIDAYS", ""),
        extra_holidays=os.environ.get("QA_EXTRA_HOLIDAYS", ""),
        trusted_proxies=tuple(p.strip() for p in os.environ.get("QA_TRUSTED_PROXIES", "").split(",") if p.strip()),
        session_idle_minutes=_positive_int("QA_SESSION_IDLE_MINUTES", 60),
        max_voice_seconds=_positive_int("QA_MAX_VOICE_SECONDS", 300),
        retention_days=_retention(os.environ.get("QA_RETENTION", "")),
        redact_keep_original=_flag("QA_REDACT_KEEP_ORIGINAL"),
        language=_language(os.environ.get("QA_LANGUAGE", "")),
        council_name=" ".join(os.environ.get("QA_COUNCIL_NAME", "").split())[:200],
        council_logo=_council_logo(os.environ.get("QA_COUNCIL_LOGO", ""), os.environ.get("QA_COUNCIL_NAME", "")),
        **_redaction(),
    )


# The staff's languages (qa_app/i18n.py), each by its own name; "qps" is the pseudo-language.
LANGUAGES = {"en": "English", "sv": "Svenska", "nl": "Nederlands"}
PSEUDO = "qps"


def _language(text: str) -> str:
    code = text.strip().lower().replace("_", "-").split("-")[0]
    if code and code not in LANGUAGES and code != PSEUDO:
        raise ConfigError(f"QA_LANGUAGE must be one of {', '.join(LANGUAGES)} (got {text!r})")
    return code


# The council's logo: an image the browser cannot mistake for anything else (no SVG, which can
# carry script), told apart by its first bytes as well as its suffix.
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
LOGO_MAX_BYTES = 512 * 1024


def logo_type(head: bytes) -> str | None:
    """The image type its first bytes say, if it is one of LOGO_TYPES'."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _council_logo(text: str, name: str) -> Path | None:
    if not text.strip():
        return None
    if not name.strip():
        raise ConfigError("QA_COUNCIL_LOGO needs QA_COUNCIL_NAME too (the logo's text for those who cannot see it)")
    path = Path(text.strip()).expanduser().resolve()
    if path.suffix.lower() not in LOGO_TYPES:
        raise ConfigError(f"QA_COUNCIL_LOGO must be a {', '.join(sorted(LOGO_TYPES))} image (got {path.name!r})")
    if not path.is_file():
        raise ConfigError(f"QA_COUNCIL_LOGO: no file at {path}")
    if path.stat().st_size > LOGO_MAX_BYTES:
        raise ConfigError(
            f"QA_COUNCIL_LOGO must be at most {LOGO_MAX_BYTES // 1024} KB (got {path.stat().st_size // 1024} KB)"
        )
    with path.open("rb") as handle:
        kind = logo_type(handle.read(16))
    if kind != LOGO_TYPES[path.suffix.lower()]:
        raise ConfigError(f"QA_COUNCIL_LOGO: {path.name} is not a {path.suffix.lower()} image")
    return path


def reset_settings() -> None:
    get_settings.cache_clear()
    _secret_key.cache_clear()
