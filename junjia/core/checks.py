"""System checks run at start-up: the crypto provider's known-answer self-tests."""

from django.core.checks import Error, register


@register("junjia")
def crypto_self_test(app_configs, **kwargs):
    from .crypto import get_provider

    try:
        get_provider().self_test()
    except Exception as exc:  # any failure here must stop the app from serving
        return [Error(f"密码服务自检失败：{exc}", id="junjia.E001")]
    return []
