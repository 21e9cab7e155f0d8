"""The server's settings, in one place.

Defaults are stated here and in docs/api.md. `smartcity-kg serve` sets host, port, dist and the
query timeout from its arguments; every other setting can be changed through an environment
variable named SMARTCITY_KG_ plus the field name in capitals (e.g. SMARTCITY_KG_WORKERS=4,
SMARTCITY_KG_SERVICE_ALLOW="https://query.wikidata.org/sparql").
"""

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from smartcity_kg.namespaces import BASE

ENV_PREFIX = "SMARTCITY_KG_"
KiB = 1024
MiB = 1024 * KiB


class SettingsError(ValueError):
    """A setting that cannot be read from the environment."""


@dataclass(frozen=True)
class Settings:
    dist: Path = Path("dist")
    host: str = "127.0.0.1"
    port: int = 8000
    # Seconds a SPARQL query may run (queueing for a free worker included); then 422 and the
    # worker process running it is killed and replaced.
    query_timeout: float = 10.0
    # Query worker processes (forked from one process holding the loaded store): one per core, at
    # least two (so that one stuck query never stops the others), at most eight.
    workers: int = max(2, min(os.cpu_count() or 2, 8))
    # Caps. Request bodies and query texts above them get 413; results above max_result_bytes 422.
    max_query_bytes: int = 256 * KiB
    max_request_bytes: int = 1 * MiB
    max_upload_bytes: int = 8 * MiB
    max_result_bytes: int = 64 * MiB
    # Brackets ({ ( [) nested deeper than this are refused (400) before the query reaches the engine.
    max_nesting: int = 64
    # Address space of one query worker beyond what it holds after loading the store, and the stack
    # of the thread that evaluates queries (deep recursion in the engine stays within it).
    worker_memory_mb: int = 2048
    worker_stack_mb: int = 512
    # Seconds POST /validate may run before its process is killed (422); start that process (which
    # loads the graph and the shapes) with the server rather than on the first upload.
    validate_timeout: float = 60.0
    validator_warm: bool = True
    # SPARQL endpoints a query may name in SERVICE. Empty: SERVICE is refused (403), and the query
    # workers run without network access where the OS allows it.
    service_allow: tuple = ()
    isolate_network: bool = True
    access_log: bool = False
    # The public namespace the dataset's IRIs live in; the server maps BASE + path to its own path.
    public_base: str = BASE

    @property
    def id_base(self):
        return self.public_base + "id/"

    @property
    def def_iri(self):
        return self.public_base + "def"

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Defaults, then SMARTCITY_KG_* environment variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f.name, raw, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def check(self):
        if self.query_timeout <= 0:
            raise SettingsError("the query timeout must be a positive number of seconds")
        if self.workers < 1:
            raise SettingsError("at least one query worker is needed")
        for name in ("max_query_bytes", "max_request_bytes", "max_upload_bytes", "max_result_bytes",
                     "max_nesting", "worker_memory_mb", "worker_stack_mb"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive")


def _convert(name, raw, default):
    try:
        if isinstance(default, bool):
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
        if isinstance(default, tuple):
            return tuple(part for part in raw.replace(",", " ").split() if part)
        return raw
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid value") from None
