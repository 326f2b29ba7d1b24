"""Settings of the Python observers, from defaults, environment variables and arguments.

settings = Settings.from_env(stream="test:events")   # arguments win over MIDA_* variables
emitter = Emitter(settings)
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

DEFAULT_REDIS_URI = "redis://127.0.0.1:6379"
#: the server's data dir when ``MIDA_DATA_DIR`` is unset (the server's default, relative to the cwd)
DEFAULT_DATA_DIR = "./mida-data"
DEFAULT_STREAM = "mida:events"
DEFAULT_FLUSH_INTERVAL_S = 0.2
DEFAULT_MAX_BUFFERED = 100_000
DEFAULT_EVENTS_PER_ENTRY = 100
DEFAULT_MAX_BATCH = 5_000
DEFAULT_TIMEOUT_S = 2.0
DEFAULT_RETRY_S = 1.0
#: how long a deferred event (a task's RUNNING) waits before it is sent; a task that ends sooner
#: sends one event instead of two (Java's ``lingerMillis``, 20 ms)
DEFAULT_LINGER_S = 0.02


def default_redis_uri(env: Mapping[str, str] | None = None) -> str:
    """The Redis URI when none is given.

    ``MIDA_REDIS_URI`` if set; else, when ``$MIDA_DATA_DIR/redis/password`` exists (``MIDA_DATA_DIR``
    defaults to ``./mida-data``, as for the server), the embedded server's Redis with that password:
    ``redis://:PASSWORD@127.0.0.1:$MIDA_REDIS_PORT`` (port 6379 by default); else
    ``redis://127.0.0.1:6379``.
    """
    env = os.environ if env is None else env
    uri = (env.get("MIDA_REDIS_URI") or "").strip()
    if uri:
        return uri
    data_dir = (env.get("MIDA_DATA_DIR") or "").strip() or DEFAULT_DATA_DIR
    try:
        with open(os.path.join(data_dir, "redis", "password"), encoding="utf-8") as f:
            password = f.read().strip()
    except OSError:  # no embedded server here, or not readable by this user
        return DEFAULT_REDIS_URI
    if not password:
        return DEFAULT_REDIS_URI
    port = (env.get("MIDA_REDIS_PORT") or "").strip() or "6379"
    return f"redis://:{quote(password, safe='')}@127.0.0.1:{port}"


def default_spill_dir() -> str:
    """A per-user folder under the system temp dir (a shared /tmp must not mix users' files)."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a container: fall back to the uid
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return os.path.join(tempfile.gettempdir(), f"mida-spill-{user}")


@dataclass(frozen=True)
class Settings:
    """How an :class:`~mida.emitter.Emitter` reaches the server's stream.

    The constructor takes the defaults below; :meth:`from_env` reads the ``MIDA_*`` variables.
    """

    #: by default :func:`default_redis_uri`: ``MIDA_REDIS_URI``, else the embedded server's Redis
    #: with the password from its data dir
    redis_uri: str = field(default_factory=default_redis_uri)
    stream: str = DEFAULT_STREAM
    campaign_id: Optional[str] = None
    spill_dir: str = field(default_factory=default_spill_dir)
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S
    max_buffered: int = DEFAULT_MAX_BUFFERED
    events_per_entry: int = DEFAULT_EVENTS_PER_ENTRY
    timeout_s: float = DEFAULT_TIMEOUT_S
    #: events sent in one pipelined round trip at most
    max_batch: int = DEFAULT_MAX_BATCH
    #: while Redis is unreachable, how often it is tried again
    retry_s: float = DEFAULT_RETRY_S
    #: how long :meth:`~mida.emitter.Emitter.emit_deferred` holds an event back (0: not at all)
    linger_s: float = DEFAULT_LINGER_S
    #: a task event whose ``telemetry_at_end`` is the very snapshot of its ``telemetry_at_start`` sends
    #: it as ``"=telemetry_at_start"``, and one whose start is the very snapshot an earlier event of the
    #: same stream entry carries as ``"=[k]"`` (the server reads them as those maps); False for a server
    #: older than these forms, which refuses such events to its dead letters (``MIDA_COMPACT_TELEMETRY=0``)
    compact_telemetry: bool = True

    def __post_init__(self) -> None:
        if not self.redis_uri:
            raise ValueError("redis_uri must not be empty")
        if not self.stream or not self.stream.strip():
            raise ValueError("stream must not be empty")
        if not self.spill_dir:
            raise ValueError("spill_dir must not be empty")
        for name in ("flush_interval_s", "timeout_s", "retry_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not self.linger_s >= 0:
            raise ValueError(f"linger_s must be >= 0, got {self.linger_s!r}")
        for name in ("max_buffered", "events_per_entry", "max_batch"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then ``MIDA_*`` variables, then ``overrides`` (which win).

        A variable that cannot be parsed raises ValueError naming it.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, (name, parse) in _ENV.items():
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[name] = parse(raw.strip())
            except ValueError as e:
                raise ValueError(f"{var}={raw!r} is not valid: {e}") from None
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValueError as e:
            # name the variable when the bad value came from the environment
            for var, (name, _) in _ENV.items():
                if name in str(e) and name not in overrides and var in env:
                    raise ValueError(f"{var}={env[var]!r} is not valid: {e}") from None
            raise

    @property
    def masked_redis_uri(self) -> str:
        """The Redis URI with its password replaced by ``***``, for logs."""
        return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", self.redis_uri)

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={(self.masked_redis_uri if f.name == 'redis_uri' else getattr(self, f.name))!r}"
            for f in dataclasses.fields(self)
        )
        return f"Settings({fields})"

    def replace(self, **overrides: Any) -> "Settings":
        """A copy with some settings changed (None leaves a setting as it is)."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _positive_float(raw: str) -> float:
    v = float(raw)
    if not v > 0:
        raise ValueError("must be a number > 0")
    return v


def _non_negative_float(raw: str) -> float:
    v = float(raw)
    if not v >= 0:
        raise ValueError("must be a number >= 0")
    return v


def _flag(raw: str) -> bool:
    v = raw.lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be 1 or 0")


def _positive_int(raw: str) -> int:
    v = int(raw)
    if v < 1:
        raise ValueError("must be an integer >= 1")
    return v


_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "MIDA_REDIS_URI": ("redis_uri", str),
    "MIDA_STREAM": ("stream", str),
    "MIDA_CAMPAIGN_ID": ("campaign_id", str),
    "MIDA_SPILL_DIR": ("spill_dir", str),
    "MIDA_FLUSH_INTERVAL": ("flush_interval_s", _positive_float),
    "MIDA_MAX_BUFFERED": ("max_buffered", _positive_int),
    "MIDA_EVENTS_PER_ENTRY": ("events_per_entry", _positive_int),
    "MIDA_TIMEOUT": ("timeout_s", _positive_float),
    "MIDA_LINGER": ("linger_s", _non_negative_float),
    "MIDA_COMPACT_TELEMETRY": ("compact_telemetry", _flag),
}
