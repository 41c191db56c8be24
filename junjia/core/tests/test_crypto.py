"""Tests for the cryptography provider: known answers, tokens, rotation, MACs and configuration."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from junjia.core import crypto
from junjia.core.crypto import (
    AesGcmProvider,
    CryptoConfigError,
    CryptoDecryptError,
    CryptoProvider,
    CryptoSelfTestError,
    LocalKeyProvider,
    Sm4GcmProvider,
)

SM4_OK = crypto.sm4_supported()
needs_sm4 = pytest.mark.skipif(
    not SM4_OK, reason="此 OpenSSL 不支持 SM4-GCM/SM3（生产环境会改用 AES-256-GCM）"
)

PROVIDER_CLASSES = [
    pytest.param(Sm4GcmProvider, marks=needs_sm4, id="sm4"),
    pytest.param(AesGcmProvider, id="aes"),
]
AVAILABLE_CLASSES = [
    cls for cls in (Sm4GcmProvider, AesGcmProvider) if cls is not Sm4GcmProvider or SM4_OK
]

MAC_KEY = bytes(range(32))


def key_for(cls: type[LocalKeyProvider], seed: int) -> bytes:
    return bytes([seed]) * cls.key_size


def make(
    cls: type[LocalKeyProvider],
    key_ids: tuple[str, ...] = ("k1",),
    current: str = "k1",
    mac_key: bytes = MAC_KEY,
) -> LocalKeyProvider:
    keys = {kid: key_for(cls, n + 1) for n, kid in enumerate(key_ids)}
    return cls(keys, current, mac_key)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def config_for(cls: type[LocalKeyProvider], **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "PROVIDER": f"{cls.__module__}.{cls.__qualname__}",
        "KEYS": {"k1": b64(key_for(cls, 1))},
        "CURRENT_KEY": "k1",
        "MAC_KEY": b64(MAC_KEY),
    }
    config.update(overrides)
    return config


@pytest.fixture(params=PROVIDER_CLASSES)
def provider_cls(request: pytest.FixtureRequest) -> type[LocalKeyProvider]:
    return request.param


@pytest.fixture
def provider(provider_cls: type[LocalKeyProvider]) -> LocalKeyProvider:
    return make(provider_cls)


@pytest.fixture(autouse=True)
def _fresh_provider_cache() -> Iterator[None]:
    crypto.reset_provider()
    yield
    crypto.reset_provider()


# --- Known-answer tests ---------------------------------------------------------------------


def test_self_test_passes(provider: LocalKeyProvider) -> None:
    provider.self_test()


@needs_sm4
def test_sm4_and_sm3_published_vectors() -> None:
    # Independent of the provider code path, so a typo in a constant cannot hide behind it.
    p = make(Sm4GcmProvider)
    assert p._block_ok(crypto.SM4_BLOCK_KAT)
    assert p._hash_ok(crypto.SM3_KAT)
    assert p._aead_ok(crypto.SM4_GCM_KAT)
    assert crypto.SM4_BLOCK_KAT.ciphertext.hex() == "681edf34d206965e86b3e94f536e4246"
    assert crypto.SM3_KAT.digest.hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


@needs_sm4
def test_hmac_sm3_matches_manual_rfc2104_construction() -> None:
    def sm3(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    def manual_hmac_sm3(key: bytes, message: bytes) -> bytes:
        block = 64  # SM3 block size in bytes
        if len(key) > block:
            key = sm3(key)
        key = key.ljust(block, b"\x00")
        inner = sm3(bytes(b ^ 0x36 for b in key) + message)
        return sm3(bytes(b ^ 0x5C for b in key) + inner)

    p = make(Sm4GcmProvider)
    kat = crypto.HMAC_SM3_KAT
    assert manual_hmac_sm3(kat.key, kat.message) == kat.mac
    long_key = bytes(range(100))  # longer than a block: exercises the hash-the-key rule
    assert p._hmac(long_key, b"junjia") == manual_hmac_sm3(long_key, b"junjia")


def test_aes_and_hmac_sha256_published_vectors() -> None:
    p = make(AesGcmProvider)
    assert p._block_ok(crypto.AES_BLOCK_KAT)
    assert p._hash_ok(crypto.SHA256_KAT)
    assert p._aead_ok(crypto.AES_GCM_KAT)
    kat = crypto.HMAC_SHA256_KAT
    assert hmac.new(kat.key, kat.message, hashlib.sha256).digest() == kat.mac


def _corrupt(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x01]) + value[1:]


@pytest.mark.parametrize(
    ("provider_cls", "vector", "field"),
    [
        pytest.param(Sm4GcmProvider, "SM4_BLOCK_KAT", "ciphertext", marks=needs_sm4),
        pytest.param(Sm4GcmProvider, "SM3_KAT", "digest", marks=needs_sm4),
        pytest.param(Sm4GcmProvider, "SM4_GCM_KAT", "ciphertext", marks=needs_sm4),
        pytest.param(Sm4GcmProvider, "SM4_GCM_KAT", "tag", marks=needs_sm4),
        pytest.param(Sm4GcmProvider, "HMAC_SM3_KAT", "mac", marks=needs_sm4),
        pytest.param(AesGcmProvider, "AES_BLOCK_KAT", "ciphertext"),
        pytest.param(AesGcmProvider, "SHA256_KAT", "digest"),
        pytest.param(AesGcmProvider, "AES_GCM_KAT", "ciphertext"),
        pytest.param(AesGcmProvider, "AES_GCM_KAT", "tag"),
        pytest.param(AesGcmProvider, "HMAC_SHA256_KAT", "mac"),
    ],
)
def test_self_test_detects_corrupted_vector(
    monkeypatch: pytest.MonkeyPatch, provider_cls: type[LocalKeyProvider], vector: str, field: str
) -> None:
    kat = getattr(crypto, vector)
    bad = dataclasses.replace(kat, **{field: _corrupt(getattr(kat, field))})
    monkeypatch.setattr(crypto, vector, bad)
    with pytest.raises(CryptoSelfTestError, match="密码自检失败") as excinfo:
        make(provider_cls).self_test()
    assert kat.name in str(excinfo.value)


def test_self_test_wraps_library_errors(
    monkeypatch: pytest.MonkeyPatch, provider: LocalKeyProvider
) -> None:
    # A wrong-length KAT key makes the library raise; that must still surface as a self-test error.
    block = provider._known_answer_tests()[0]
    vector = "SM4_BLOCK_KAT" if isinstance(provider, Sm4GcmProvider) else "AES_BLOCK_KAT"
    monkeypatch.setattr(crypto, vector, dataclasses.replace(block, key=b"short"))
    with pytest.raises(CryptoSelfTestError, match="执行出错"):
        provider.self_test()


# --- Encryption and tokens ------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext", [b"", b"abc", "中文 11010519491231002X".encode(), bytes(1000)]
)
def test_bytes_round_trip(provider: LocalKeyProvider, plaintext: bytes) -> None:
    assert provider.decrypt(provider.encrypt(plaintext)) == plaintext


@pytest.mark.parametrize("text", ["", "13800138000", "张三 身份证 11010519491231002X", "🙂 ß"])
def test_text_round_trip(provider: LocalKeyProvider, text: str) -> None:
    token = provider.encrypt_text(text, aad=b"person.id_number")
    assert token.isascii()
    assert not set(token) & {"+", "/"}  # urlsafe alphabet
    assert provider.decrypt_text(token, aad=b"person.id_number") == text


def test_token_layout(provider: LocalKeyProvider) -> None:
    token = provider.encrypt(b"secret")
    parsed = crypto.parse_token(token)
    assert token[0] == provider.algorithm_id == parsed.version
    assert token[1] == len(b"k1")
    assert parsed.key_id == "k1"
    assert len(parsed.nonce) == crypto.NONCE_SIZE
    assert len(parsed.sealed) == len(b"secret") + crypto.TAG_SIZE
    assert len(token) == 1 + 1 + 2 + 12 + 6 + 16


def test_same_plaintext_encrypts_differently(provider: LocalKeyProvider) -> None:
    assert provider.encrypt(b"same") != provider.encrypt(b"same")


def test_tampering_any_byte_is_detected(provider: LocalKeyProvider) -> None:
    token = provider.encrypt(b"11010519491231002X", aad=b"ctx")
    for i in range(len(token)):
        for flip in (0x01, 0x80):
            tampered = bytearray(token)
            tampered[i] ^= flip
            with pytest.raises(CryptoDecryptError):
                provider.decrypt(bytes(tampered), aad=b"ctx")


@pytest.mark.parametrize("cut", [1, 16, 17])
def test_truncated_or_extended_token_fails(provider: LocalKeyProvider, cut: int) -> None:
    token = provider.encrypt(b"0123456789")
    with pytest.raises(CryptoDecryptError):
        provider.decrypt(token[:-cut])
    with pytest.raises(CryptoDecryptError):
        provider.decrypt(token + b"\x00" * cut)


@pytest.mark.parametrize("garbage", [b"", b"\x01", b"\x01\x00" + bytes(40), b"\x01\x02\xff\xfe"])
def test_garbage_token_fails(provider: LocalKeyProvider, garbage: bytes) -> None:
    with pytest.raises(CryptoDecryptError):
        provider.decrypt(garbage)


def test_wrong_aad_fails(provider: LocalKeyProvider) -> None:
    token = provider.encrypt(b"13800138000", aad=b"person.phone")
    for wrong in (b"", b"person.id_number", b"person.phone\x00"):
        with pytest.raises(CryptoDecryptError):
            provider.decrypt(token, aad=wrong)


def test_wrong_key_fails(provider_cls: type[LocalKeyProvider]) -> None:
    token = make(provider_cls).encrypt(b"x")
    other = provider_cls({"k1": key_for(provider_cls, 9)}, "k1", MAC_KEY)
    with pytest.raises(CryptoDecryptError, match="认证失败"):
        other.decrypt(token)


def test_decrypt_text_rejects_bad_base64(provider: LocalKeyProvider) -> None:
    for bad in ("不是密文", "@@@", "AQ"):
        with pytest.raises(CryptoDecryptError):
            provider.decrypt_text(bad)


@needs_sm4
def test_token_from_other_algorithm_is_recognised() -> None:
    sm4 = make(Sm4GcmProvider)
    aes = make(AesGcmProvider)
    aes_token = aes.encrypt(b"x")
    assert crypto.parse_token(aes_token).version == crypto.ALG_AES_256_GCM
    with pytest.raises(CryptoDecryptError, match="算法标识"):
        sm4.decrypt(aes_token)
    assert sm4.needs_rotation(aes_token)
    with pytest.raises(CryptoDecryptError):
        aes.decrypt(sm4.encrypt(b"x"))


@hypothesis_settings(max_examples=200, database=None, deadline=None)
@given(
    cls=st.sampled_from(AVAILABLE_CLASSES),
    plaintext=st.binary(max_size=2048),
    aad=st.binary(max_size=64),
)
def test_round_trip_property(cls: type[LocalKeyProvider], plaintext: bytes, aad: bytes) -> None:
    p = make(cls)
    token = p.encrypt(plaintext, aad=aad)
    assert p.decrypt(token, aad=aad) == plaintext
    assert not p.needs_rotation(token)


@hypothesis_settings(max_examples=100, database=None, deadline=None)
@given(cls=st.sampled_from(AVAILABLE_CLASSES), text=st.text(max_size=200))
def test_text_round_trip_property(cls: type[LocalKeyProvider], text: str) -> None:
    p = make(cls)
    assert p.decrypt_text(p.encrypt_text(text)) == text


# --- Key rotation ---------------------------------------------------------------------------


def test_old_key_still_decrypts_after_rotation(provider_cls: type[LocalKeyProvider]) -> None:
    before = make(provider_cls, ("k1",), "k1")
    old_token = before.encrypt_text("13800138000")
    assert not before.needs_rotation_text(old_token)

    after = make(provider_cls, ("k1", "k2"), "k2")
    assert after.decrypt_text(old_token) == "13800138000"
    assert after.needs_rotation_text(old_token)

    new_token = after.rotate_text(old_token)
    assert crypto.parse_token(base64.urlsafe_b64decode(new_token)).key_id == "k2"
    assert not after.needs_rotation_text(new_token)
    assert after.decrypt_text(new_token) == "13800138000"

    # Once k1 is retired, values not yet re-encrypted fail loudly, naming the key.
    retired = provider_cls({"k2": key_for(provider_cls, 2)}, "k2", MAC_KEY)
    assert retired.decrypt_text(new_token) == "13800138000"
    with pytest.raises(CryptoDecryptError, match="'k1' 未配置"):
        retired.decrypt_text(old_token)


def test_rotate_bytes_keeps_aad(provider_cls: type[LocalKeyProvider]) -> None:
    old = make(provider_cls, ("k1",), "k1").encrypt(b"v", aad=b"a")
    new_provider = make(provider_cls, ("k1", "k2"), "k2")
    rotated = new_provider.rotate(old, aad=b"a")
    assert new_provider.decrypt(rotated, aad=b"a") == b"v"
    assert not new_provider.needs_rotation(rotated)


def test_relabelled_key_id_is_rejected(provider_cls: type[LocalKeyProvider]) -> None:
    # Both keys configured: swapping the key id in the header must not go unnoticed.
    p = make(provider_cls, ("k1", "k2"), "k1")
    token = p.encrypt(b"v")
    relabelled = token.replace(b"k1", b"k2", 1)
    with pytest.raises(CryptoDecryptError):
        p.decrypt(relabelled)


# --- MACs and blind index -------------------------------------------------------------------


def test_mac_deterministic_and_separated(provider_cls: type[LocalKeyProvider]) -> None:
    p = make(provider_cls)
    assert p.mac(b"data", purpose="audit-chain") == p.mac(b"data", purpose="audit-chain")
    assert len(p.mac(b"data", purpose="audit-chain")) == 32
    assert p.mac(b"data", purpose="audit-chain") != p.mac(b"data", purpose="blind-index")
    assert p.mac(b"data", purpose="audit-chain") != p.mac(b"datb", purpose="audit-chain")
    other_key = make(provider_cls, mac_key=bytes(32))
    assert p.mac(b"data", purpose="audit-chain") != other_key.mac(b"data", purpose="audit-chain")


def test_mac_independent_of_encryption_keys(provider_cls: type[LocalKeyProvider]) -> None:
    # Rotating encryption keys must not change blind indexes or break the audit chain.
    assert make(provider_cls, ("k1",), "k1").blind_index("x") == make(
        provider_cls, ("k1", "k2"), "k2"
    ).blind_index("x")


def test_mac_key_derivation_is_pinned(provider_cls: type[LocalKeyProvider]) -> None:
    # Documented derivation, so a key-server replacement can reproduce existing MACs.
    p = make(provider_cls)
    digest = hashlib.sha256 if provider_cls is AesGcmProvider else None
    if digest is None:
        purpose_key = p._hmac(MAC_KEY, b"junjia:mac-purpose:v1:audit-chain")
        expected = p._hmac(purpose_key, b"entry")
    else:
        purpose_key = hmac.new(MAC_KEY, b"junjia:mac-purpose:v1:audit-chain", digest).digest()
        expected = hmac.new(purpose_key, b"entry", digest).digest()
    assert p.mac(b"entry", purpose="audit-chain") == expected


@given(key=st.binary(min_size=1, max_size=100), data=st.binary(max_size=200))
@hypothesis_settings(max_examples=60)
@pytest.mark.parametrize("cls", AVAILABLE_CLASSES)
def test_keyed_state_hmac_equals_a_fresh_hmac(cls, key: bytes, data: bytes) -> None:
    # The hashlib path (a keyed state per key, copied per value) and the cryptography path
    # (a new HMAC object per value) give the same MAC, for any key length (longer than the
    # block: hashed first) and on repeated use of the same key.
    p = make(cls)
    assert p._hashlib_name is not None  # this build's hashlib has the hash
    fresh = make(cls)
    fresh._hashlib_name = None
    first = p._hmac(key, data)
    assert first == fresh._hmac(key, data) == p._hmac(key, data)
    assert p._hmac(key, data + b"x") == fresh._hmac(key, data + b"x")


def test_hmac_without_the_hash_in_hashlib_uses_cryptography(
    provider_cls: type[LocalKeyProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = make(provider_cls).blind_index("11010519491231002X")
    real_new = hmac.new

    def no_such_hash(key, msg=None, digestmod=""):
        if digestmod in ("sm3", "sha256"):
            raise ValueError(f"unsupported hash type {digestmod}")
        return real_new(key, msg, digestmod)

    monkeypatch.setattr(crypto.std_hmac, "new", no_such_hash)
    p = make(provider_cls)
    assert p._hashlib_name is None
    p.self_test()
    assert p.blind_index("11010519491231002X") == expected


def test_blind_index_and_verify(provider: LocalKeyProvider) -> None:
    index = provider.blind_index("11010519491231002X")
    assert len(index) == 64
    assert int(index, 16) >= 0
    assert index == provider.blind_index("11010519491231002X")
    assert index != provider.blind_index("11010519491231002x")
    assert index != provider.blind_index("11010519491231002X", purpose="other")
    tag = provider.mac(b"row", purpose="audit-chain")
    assert provider.verify_mac(b"row", tag, purpose="audit-chain")
    assert not provider.verify_mac(b"row", _corrupt(tag), purpose="audit-chain")


@pytest.mark.parametrize("purpose", ["", None])
def test_mac_requires_purpose(provider: LocalKeyProvider, purpose: object) -> None:
    with pytest.raises(ValueError, match="purpose"):
        provider.mac(b"x", purpose=purpose)  # type: ignore[arg-type]


# --- Configuration --------------------------------------------------------------------------


def test_get_provider_from_explicit_config(provider_cls: type[LocalKeyProvider]) -> None:
    p = crypto.get_provider(config_for(provider_cls))
    assert isinstance(p, provider_cls)
    assert p.decrypt_text(p.encrypt_text("测试")) == "测试"
    # Explicit config is not cached: each call builds afresh.
    assert crypto.get_provider(config_for(provider_cls)) is not p


def test_get_provider_caches_settings_and_reset_clears(settings) -> None:
    crypto.reset_provider()
    setattr(settings, crypto.SETTING, config_for(AesGcmProvider))
    try:
        first = crypto.get_provider()
        assert isinstance(first, AesGcmProvider)
        assert crypto.get_provider() is first
        # changed settings are not read again until the cached provider is reset
        setattr(settings, crypto.SETTING, config_for(AesGcmProvider))
        assert crypto.get_provider() is first
        crypto.reset_provider()
        assert crypto.get_provider() is not first
    finally:
        crypto.reset_provider()  # the next caller builds from the real settings


def test_get_provider_runs_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        crypto, "AES_GCM_KAT", dataclasses.replace(crypto.AES_GCM_KAT, tag=bytes(16))
    )
    with pytest.raises(CryptoSelfTestError):
        crypto.get_provider(config_for(AesGcmProvider))


def test_default_provider_class(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_for(AesGcmProvider)
    del config["PROVIDER"]
    monkeypatch.setattr(crypto, "sm4_supported", lambda: False)
    assert crypto.default_provider_class() is AesGcmProvider
    assert isinstance(crypto.get_provider(config), AesGcmProvider)
    monkeypatch.setattr(crypto, "sm4_supported", lambda: True)
    assert crypto.default_provider_class() is Sm4GcmProvider


def test_sm4_provider_refuses_when_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "sm4_supported", lambda: False)
    with pytest.raises(CryptoConfigError, match="AesGcmProvider"):
        Sm4GcmProvider({"k1": bytes(16)}, "k1", MAC_KEY)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"KEYS": {"k1": "!!!不是base64"}}, r"JUNJIA_CRYPTO\.KEYS\['k1'\] 不是有效的 base64"),
        ({"KEYS": {"k1": b64(b"short")}}, r"JUNJIA_CRYPTO\.KEYS\['k1'\] 不是有效的 base64"),
        ({"KEYS": {"k1": 123}}, r"JUNJIA_CRYPTO\.KEYS\['k1'\]"),
        ({"KEYS": {}}, r"JUNJIA_CRYPTO\.KEYS 必须是非空的字典"),
        ({"KEYS": {"密钥": b64(bytes(32))}}, r"密钥 ID '密钥' 无效"),
        ({"CURRENT_KEY": "k9"}, r"JUNJIA_CRYPTO\.CURRENT_KEY 'k9' 不在"),
        ({"MAC_KEY": b64(bytes(8))}, r"JUNJIA_CRYPTO\.MAC_KEY 不是有效的 base64"),
        ({"MAC_KEY": "%%%"}, r"JUNJIA_CRYPTO\.MAC_KEY"),
        ({"CURRENT_KEYS": "k1"}, r"未知的配置项：CURRENT_KEYS"),
        ({"PROVIDER": "junjia.core.crypto.NoSuchProvider"}, r"JUNJIA_CRYPTO\.PROVIDER"),
        ({"PROVIDER": "builtins.dict"}, r"JUNJIA_CRYPTO\.PROVIDER"),
        ({"PROVIDER": "nodots"}, r"JUNJIA_CRYPTO\.PROVIDER"),
    ],
)
def test_bad_config_names_the_setting(
    provider_cls: type[LocalKeyProvider], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(CryptoConfigError, match=message):
        crypto.get_provider(config_for(provider_cls, **overrides))


@pytest.mark.parametrize("missing", ["KEYS", "CURRENT_KEY", "MAC_KEY"])
def test_missing_setting_is_named(missing: str) -> None:
    config = config_for(AesGcmProvider)
    del config[missing]
    with pytest.raises(CryptoConfigError, match=f"缺少配置项 JUNJIA_CRYPTO.{missing}"):
        crypto.get_provider(config)


def test_key_length_must_match_algorithm() -> None:
    # A 16-byte SM4 key under the AES provider is rejected with the size it needs.
    config = config_for(AesGcmProvider, KEYS={"k1": b64(bytes(16))})
    with pytest.raises(CryptoConfigError, match=r"KEYS\['k1'\] 不是有效的 base64 编码的 32 字节"):
        crypto.get_provider(config)


def test_generate_key() -> None:
    key = crypto.generate_key(16)
    assert len(base64.b64decode(key, validate=True)) == 16
    assert crypto.generate_key() != crypto.generate_key()
    assert len(base64.b64decode(crypto.generate_key())) == 32
    with pytest.raises(ValueError, match="至少 16 字节"):
        crypto.generate_key(8)


def test_repr_hides_key_material(provider: LocalKeyProvider) -> None:
    text = repr(provider)
    assert "k1" in text
    assert key_for(type(provider), 1).hex() not in text
    assert b64(key_for(type(provider), 1)) not in text


# --- Interface --------------------------------------------------------------------------------


def test_interface_is_abstract_and_conveniences_are_inherited() -> None:
    with pytest.raises(TypeError):
        CryptoProvider()  # type: ignore[abstract]

    class Reversing(CryptoProvider):
        """Stand-in for a key-server client: only the primitives are implemented."""

        name = "fake"

        @classmethod
        def from_config(cls, config: object) -> Reversing:  # type: ignore[override]
            return cls()

        def encrypt(self, plaintext: bytes, *, aad: bytes = b"") -> bytes:
            return plaintext[::-1]

        def decrypt(self, token: bytes, *, aad: bytes = b"") -> bytes:
            return token[::-1]

        def needs_rotation(self, token: bytes) -> bool:
            return False

        def mac(self, data: bytes, *, purpose: str) -> bytes:
            return hashlib.sha256(purpose.encode() + data).digest()

        def self_test(self) -> None:
            return None

    fake = Reversing()
    assert fake.decrypt_text(fake.encrypt_text("中文")) == "中文"
    assert len(fake.blind_index("x")) == 64
    assert fake.verify_mac(b"d", fake.mac(b"d", purpose="p"), purpose="p")
