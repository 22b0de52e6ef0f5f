"""Directory sandbox: an in-memory emulator of the platforms' APIs for the demo, tests and benchmarks.

One FastAPI app serves every platform under its own prefix, with the platform's real paths
below it, so a client only swaps its base URL (``http://127.0.0.1:PORT`` = ``{sandbox}``):

* Google Business Information (``https://mybusinessbusinessinformation.googleapis.com/v1``):
  ``{sandbox}/google/v1``
* Google Verifications (``https://mybusinessverifications.googleapis.com/v1``):
  ``{sandbox}/google/verifications/v1``
* Facebook Graph (``https://graph.facebook.com/v25.0``): ``{sandbox}/facebook/v25.0``
* Apple Business Connect (``{base}/api/v1`` of platforms.md): ``{sandbox}/apple/api/v1``
* Bing Places partner API (``https://bingplaces.com``, UNVERIFIED): ``{sandbox}/bing`` (key ``sandbox-bing-key``, see ``bing.py``)
* Yelp Data Ingestion (``https://partner-api.yelp.com``): ``{sandbox}/yelp`` (Basic ``sandbox-yelp`` / ``sandbox-yelp-secret``, see ``yelp.py``)

The Google emulator validates bodies against ``contracts/google/mybusinessbusinessinformation.v1.json``,
shipped in ``connectors/sandbox/contracts/google/`` (else ``contracts/google/`` in any parent
directory), unless ``SandboxConfig.google.discovery_path`` or ``$VITRINE_GOOGLE_DISCOVERY`` points
elsewhere; ``create_app`` fails fast without it.

Default credentials: Google bearer ``sandbox-google-token``; Facebook ``sandbox-facebook-token``
(``access_token`` param or bearer), parent page ``100000000000001``; Apple client
``sandbox-apple-client`` / ``sandbox-apple-secret`` at ``{sandbox}/apple/api/v1/oauth2/token``.

Admin API (no faults, not counted): ``GET /_sandbox``; ``GET|PATCH|PUT /_sandbox/config``;
``POST /_sandbox/reset``; ``GET /_sandbox/stats``; ``GET /_sandbox/clock``;
``POST /_sandbox/clock/advance {"seconds": n}`` (ManualClock only, else 409);
``GET /_sandbox/{platform}/locations``; ``POST /_sandbox/{platform}/tokens/revoke {"token": t}``;
Google ``POST /_sandbox/google/locations/{id}/google-updated {"field", "value"}``,
``.../voice-of-merchant {"state", ...}``, ``.../access {"revoked"}``;
Facebook ``POST /_sandbox/facebook/pages/{id}/edit {"field", "value"}``,
``.../upcoming-changes {"field", "value", "effective_in_seconds"}``, ``.../access {"revoked"}``;
Apple ``POST /_sandbox/apple/locations/{id}/reject {"feedback"}``, ``.../edit {"field", "value"}``,
``.../access {"revoked"}``.

Each platform module's docstring lists its emulation choices and what is UNVERIFIED.
To add a platform: a module with an ``Emulator`` subclass and its ``PlatformConfig``
(see ``core.Emulator``), a field in ``config.SandboxConfig``, an entry in ``app.EMULATORS``.
The sandbox never imports ``service``; it knows nothing of Vitrine beyond the platforms' APIs.
"""

from .app import EMULATORS, create_app
from .config import SandboxConfig
from .core import Clock, Emulator, FaultConfig, ManualClock, PlatformConfig, QuotaConfig, SystemClock
from .server import SandboxServer, run_sandbox

__all__ = [
    "EMULATORS", "Clock", "Emulator", "FaultConfig", "ManualClock", "PlatformConfig", "QuotaConfig",
    "SandboxConfig", "SandboxServer", "SystemClock", "create_app", "run_sandbox",
]
