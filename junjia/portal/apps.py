"""App config for the public portal."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "junjia.portal"
    label = "portal"
    verbose_name = "公众服务"
