"""Settings of the app's address and who may reach it: its port, host and public URL, the other
origins whose pages may talk to it, the hosts images may come from, the reverse proxies whose
X-Forwarded-For is believed, and the largest page event a tab may send. Part of `Settings`."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class WebSettings(BaseSettings):
    app_port: int = Field(default=3000, alias="DSF_APP_PORT", description="Port the app serves on.")
    app_host: str = Field(
        default="127.0.0.1",
        alias="DSF_APP_HOST",
        description="Address the app listens on (0.0.0.0 in a container).",
    )
    app_url: str = Field(
        default="",
        alias="DSF_APP_URL",
        description="Public URL of the app; defaults to http://127.0.0.1:<DSF_APP_PORT>.",
    )

    allowed_origins: str = Field(
        default="",
        alias="DSF_ALLOWED_ORIGINS",
        description="Comma-separated extra origins (scheme://host[:port]) whose pages may open "
        "the app's event socket and post its sign-in forms, besides DSF_APP_URL's own.",
    )
    allowed_image_hosts: str = Field(
        default="",
        alias="DSF_ALLOWED_IMAGE_HOSTS",
        description="Comma-separated https origins or base URLs that agent and author content "
        "may show images from, besides the app's own /assets/ and S3_PUBLIC_BASE_URL; none by "
        "default, so pages fetch nothing from hosts an author or a model names.",
    )
    trusted_proxies: str = Field(
        default="",
        alias="DSF_TRUSTED_PROXIES",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies in "
        "front of the app. Only a request whose direct peer is one of them has its "
        "X-Forwarded-For header believed for the client's address (for the sign-in and sign-up "
        "limits); by default the peer's own address is used.",
    )
    max_event_bytes: int = Field(
        default=600 * 1024,
        ge=4096,
        alias="DSF_MAX_EVENT_BYTES",
        description="Largest page event (its arguments as UTF-8 JSON) a signed-in tab may send; "
        "a larger one is refused with a sentence before it reaches the tab's page state. The "
        "default holds the longest story part a person may write (200,000 characters).",
    )

    @property
    def public_url(self) -> str:
        return self.app_url or f"http://127.0.0.1:{self.app_port}"

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL: the origin of the app's own pages."""
        return origin_of(self.public_url)

    @property
    def trusted_origins(self) -> tuple[str, ...]:
        """The app's own origin and DSF_ALLOWED_ORIGINS: the pages that may talk to the app.
        Without DSF_APP_URL the app is local, and opened as localhost as often as 127.0.0.1."""
        local = () if self.app_url else (f"http://localhost:{self.app_port}",)
        extras = (origin_of(o) for o in entries(self.allowed_origins))
        return tuple(dict.fromkeys((self.public_origin, *local, *extras)))

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"DSF_TRUSTED_PROXIES: “{entry}” is not an address or network "
                    "(such as 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return value

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(entry, strict=False) for entry in entries(self.trusted_proxies)
        ]


def entries(listing: str) -> list[str]:
    """The items of a comma-separated setting, without blanks."""
    return [entry.strip() for entry in listing.split(",") if entry.strip()]


def origin_of(url: str) -> str:
    """The origin of a URL as browsers send it in `Origin`: lower-case scheme://host[:port],
    without credentials or the scheme's default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme)
    if default_port and host.endswith(default_port):
        host = host.removesuffix(default_port)
    return f"{scheme}://{host}"
