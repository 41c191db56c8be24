"""Single cryptography provider for Junjia: AEAD encryption at rest, keyed MACs, self-tests."""

from __future__ import annotations

import base64
import binascii
import hmac as std_hmac
import importlib
import logging
import os
import re
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    algorithms,
    modes,
)

__all__ = [
    "ALG_AES_256_GCM",
    "ALG_SM4_GCM",
    "AesGcmProvider",
    "CryptoConfigError",
    "CryptoDecryptError",
    "CryptoError",
    "CryptoProvider",
    "CryptoSelfTestError",
    "LocalKeyProvider",
    "ParsedToken",
    "Sm4GcmProvider",
    "build_provider",
    "default_provider_class",
    "generate_key",
    "get_provider",
    "parse_token",
    "reset_provider",
    "sm4_supported",
]

logger = logging.getLogger(__name__)

SETTING = "JUNJIA_CRYPTO"

# Token version byte = algorithm id, so any stored value says which cipher made it.
# 0x80..0xff are left for a certified key server's own formats.
ALG_SM4_GCM = 0x01
ALG_AES_256_GCM = 0x02

NONCE_SIZE = 12
TAG_SIZE = 16
_HEADER_FIXED = 2  # version byte + key-id length byte
_KEY_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_MIN_KEY_SIZE = 16
_MIN_MAC_KEY_SIZE = _MIN_KEY_SIZE
# Domain-separation label for per-purpose MAC keys; bump the suffix only with a data migration.
_MAC_KDF_LABEL = b"junjia:mac-purpose:v1:"


class CryptoError(Exception):
    """Base class for every error raised by this module."""


class CryptoConfigError(CryptoError):
    """Keys or provider settings are missing or malformed."""


class CryptoDecryptError(CryptoError):
    """A token is malformed, was tampered with, or its key is unknown."""


class CryptoSelfTestError(CryptoError):
    """A known-answer test failed: the primitives cannot be trusted."""


# --- Known-answer vectors -------------------------------------------------------------------
# Module-level so a test can corrupt one and prove that self_test() notices.


@dataclass(frozen=True)
class BlockKat:
    name: str
    key: bytes
    plaintext: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class HashKat:
    name: str
    message: bytes
    digest: bytes


@dataclass(frozen=True)
class AeadKat:
    name: str
    key: bytes
    nonce: bytes
    aad: bytes
    plaintext: bytes
    ciphertext: bytes
    tag: bytes


@dataclass(frozen=True)
class MacKat:
    name: str
    key: bytes
    message: bytes
    mac: bytes


_h = bytes.fromhex

SM4_BLOCK_KAT = BlockKat(
    name="SM4 分组加密（GB/T 32907-2016 示例 1）",
    key=_h("0123456789abcdeffedcba9876543210"),
    plaintext=_h("0123456789abcdeffedcba9876543210"),
    ciphertext=_h("681edf34d206965e86b3e94f536e4246"),
)
SM3_KAT = HashKat(
    name='SM3 杂凑（GB/T 32905-2016 示例 1，"abc"）',
    message=b"abc",
    digest=_h("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
)
SM4_GCM_KAT = AeadKat(
    name="SM4-GCM（RFC 8998 附录 A.1）",
    key=_h("0123456789abcdeffedcba9876543210"),
    nonce=_h("00001234567800000000abcd"),
    aad=_h("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
    plaintext=_h(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
        "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
    ),
    ciphertext=_h(
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    ),
    tag=_h("83de3541e4c2b58177e065a9bf7b62ec"),
)
HMAC_SM3_KAT = MacKat(
    name="HMAC-SM3（GM/T 0042-2015 附录 D.3 第 1 组）",
    key=_h("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
    message=b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
    mac=_h("ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"),
)
AES_BLOCK_KAT = BlockKat(
    name="AES-256 分组加密（FIPS 197 附录 C.3）",
    key=_h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
    plaintext=_h("00112233445566778899aabbccddeeff"),
    ciphertext=_h("8ea2b7ca516745bfeafc49904b496089"),
)
SHA256_KAT = HashKat(
    name='SHA-256（FIPS 180-2，"abc"）',
    message=b"abc",
    digest=_h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
)
AES_GCM_KAT = AeadKat(
    name="AES-256-GCM（GCM 规范测试用例 16）",
    key=_h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
    nonce=_h("cafebabefacedbaddecaf888"),
    aad=_h("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
    plaintext=_h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    ),
    ciphertext=_h(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    ),
    tag=_h("76fc6ece0f4e1768cddf8853bb2d551b"),
)
HMAC_SHA256_KAT = MacKat(
    name="HMAC-SHA256（RFC 4231 测试用例 2）",
    key=b"Jefe",
    message=b"what do ya want for nothing?",
    mac=_h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
)


# --- Token format ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedToken:
    """version(1) | len(key_id)(1) | key_id(ascii) | nonce(12) | ciphertext | tag(16)."""

    version: int
    key_id: str
    nonce: bytes
    sealed: bytes  # ciphertext followed by the tag
    header: bytes  # version..key_id; authenticated as part of the GCM AAD


def _header(version: int, key_id: str) -> bytes:
    raw = key_id.encode("ascii")
    return bytes([version, len(raw)]) + raw


def parse_token(token: bytes) -> ParsedToken:
    """Split a token into its fields; raise CryptoDecryptError if it cannot be one of ours."""
    if not isinstance(token, bytes | bytearray | memoryview):
        raise CryptoDecryptError("密文类型错误：应为 bytes")
    token = bytes(token)
    if len(token) < _HEADER_FIXED:
        raise CryptoDecryptError("密文格式错误：长度不足")
    kid_len = token[1]
    header_end = _HEADER_FIXED + kid_len
    if kid_len == 0 or len(token) < header_end + NONCE_SIZE + TAG_SIZE:
        raise CryptoDecryptError("密文格式错误：长度不足或密钥 ID 为空")
    try:
        key_id = token[_HEADER_FIXED:header_end].decode("ascii")
    except UnicodeDecodeError:
        raise CryptoDecryptError("密文格式错误：密钥 ID 不是 ASCII") from None
    if not _KEY_ID_RE.fullmatch(key_id):
        raise CryptoDecryptError("密文格式错误：密钥 ID 无效")
    return ParsedToken(
        version=token[0],
        key_id=key_id,
        nonce=token[header_end : header_end + NONCE_SIZE],
        sealed=token[header_end + NONCE_SIZE :],
        header=token[:header_end],
    )


def _b64encode(token: bytes) -> str:
    return base64.urlsafe_b64encode(token).decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError, AttributeError):
        raise CryptoDecryptError("密文不是有效的 urlsafe base64 文本") from None


# --- Provider interface ---------------------------------------------------------------------


class CryptoProvider(ABC):
    """Everything the platform needs from cryptography; a key-server client subclasses this.

    Implementations must keep old keys available for decryption, embed the key id in tokens
    and derive an independent MAC key per purpose.  Blind indexes and the audit chain depend on
    MAC outputs staying stable, so the MAC master key is never rotated by this interface.
    """

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, Any]) -> CryptoProvider:
        """Build the provider from the ``JUNJIA_CRYPTO`` settings dict."""

    @abstractmethod
    def encrypt(self, plaintext: bytes, *, aad: bytes = b"") -> bytes:
        """Encrypt with the current key; the token records algorithm and key id."""

    @abstractmethod
    def decrypt(self, token: bytes, *, aad: bytes = b"") -> bytes:
        """Decrypt with the key named in the token; CryptoDecryptError on any failure."""

    @abstractmethod
    def needs_rotation(self, token: bytes) -> bool:
        """True when the token was not made with the current key (and algorithm)."""

    @abstractmethod
    def mac(self, data: bytes, *, purpose: str) -> bytes:
        """Keyed MAC with a key that is specific to ``purpose``."""

    @abstractmethod
    def self_test(self) -> None:
        """Run known-answer tests; raise CryptoSelfTestError if any fails."""

    # Conveniences built on the primitives above, so a replacement provider gets them free.

    def encrypt_text(self, text: str, *, aad: bytes = b"") -> str:
        """Encrypt a str for a text column (urlsafe base64 of the token)."""
        return _b64encode(self.encrypt(text.encode("utf-8"), aad=aad))

    def decrypt_text(self, token: str, *, aad: bytes = b"") -> str:
        plaintext = self.decrypt(_b64decode(token), aad=aad)
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoDecryptError("解密结果不是 UTF-8 文本") from None

    def needs_rotation_text(self, token: str) -> bool:
        return self.needs_rotation(_b64decode(token))

    def rotate(self, token: bytes, *, aad: bytes = b"") -> bytes:
        """Re-encrypt under the current key (use in batch re-encryption jobs)."""
        return self.encrypt(self.decrypt(token, aad=aad), aad=aad)

    def rotate_text(self, token: str, *, aad: bytes = b"") -> str:
        return self.encrypt_text(self.decrypt_text(token, aad=aad), aad=aad)

    def verify_mac(self, data: bytes, mac: bytes, *, purpose: str) -> bool:
        # Constant-time so audit-chain checks do not leak how many bytes matched.
        return std_hmac.compare_digest(self.mac(data, purpose=purpose), mac)

    def blind_index(self, value: str, *, purpose: str = "blind-index") -> str:
        """Hex keyed hash for exact-match look-up; callers normalise ``value`` first."""
        return self.mac(value.encode("utf-8"), purpose=purpose).hex()


# --- Local-key implementations (keys held in process memory) --------------------------------


def _decode_key(value: Any, setting: str, size: int | None, provider: str) -> bytes:
    expected = f"至少 {_MIN_MAC_KEY_SIZE} 字节" if size is None else f"{size} 字节"
    message = f"{setting} 不是有效的 base64 编码的 {expected}密钥（{provider} 要求）"
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)  # already raw key material (direct construction)
    elif isinstance(value, str):
        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise CryptoConfigError(message) from None
    else:
        raise CryptoConfigError(message)
    too_short = size is None and len(raw) < _MIN_MAC_KEY_SIZE
    if too_short or (size is not None and len(raw) != size):
        raise CryptoConfigError(message)
    return raw


class LocalKeyProvider(CryptoProvider):
    """GCM + HMAC with keys from settings; subclasses pick the block cipher and hash."""

    algorithm_id: ClassVar[int]
    key_size: ClassVar[int]
    _config_keys: ClassVar[frozenset[str]] = frozenset(
        {"PROVIDER", "KEYS", "CURRENT_KEY", "MAC_KEY"}
    )

    def __init__(
        self,
        keys: Mapping[str, bytes | str],
        current_key: str,
        mac_key: bytes | str,
    ) -> None:
        """Keys may be raw bytes or base64 text; errors name the JUNJIA_CRYPTO setting."""
        self._check_available()
        if not isinstance(keys, Mapping) or not keys:
            raise CryptoConfigError(f"{SETTING}.KEYS 必须是非空的字典（密钥 ID → base64 密钥）")
        self._keys: dict[str, bytes] = {}
        for key_id, value in keys.items():
            if not isinstance(key_id, str) or not _KEY_ID_RE.fullmatch(key_id):
                raise CryptoConfigError(
                    f"{SETTING}.KEYS 中的密钥 ID {key_id!r} 无效："
                    "只能包含 ASCII 字母、数字、'_'、'-'、'.'，长度 1–32"
                )
            setting = f"{SETTING}.KEYS[{key_id!r}]"
            self._keys[key_id] = _decode_key(value, setting, self.key_size, self.name)
        if not isinstance(current_key, str) or current_key not in self._keys:
            raise CryptoConfigError(f"{SETTING}.CURRENT_KEY {current_key!r} 不在 {SETTING}.KEYS 中")
        self._current_key_id: str = current_key
        self._mac_key = _decode_key(mac_key, f"{SETTING}.MAC_KEY", None, self.name)
        self._purpose_keys: dict[str, bytes] = {}
        self._algorithms: dict[bytes, BlockCipherAlgorithm] = {}
        # HMAC states keyed once per key (see _hmac), when Python's hashlib offers the hash.
        self._macs: dict[bytes, Any] = {}
        self._hashlib_name: str | None = self._hash().name
        try:
            std_hmac.new(b"probe", digestmod=self._hashlib_name)
        except ValueError:  # not in this hashlib (another OpenSSL build, FIPS mode)
            self._hashlib_name = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LocalKeyProvider:
        if not isinstance(config, Mapping):
            raise CryptoConfigError(f"{SETTING} 必须是字典")
        unknown = set(config) - cls._config_keys
        if unknown:
            # Reject typos such as CURRENT_KEYS instead of silently ignoring them.
            names = "、".join(sorted(map(str, unknown)))
            raise CryptoConfigError(f"{SETTING} 含有未知的配置项：{names}")
        for required in ("KEYS", "CURRENT_KEY", "MAC_KEY"):
            if required not in config:
                raise CryptoConfigError(f"缺少配置项 {SETTING}.{required}")
        return cls(config["KEYS"], config["CURRENT_KEY"], config["MAC_KEY"])

    def __repr__(self) -> str:
        # Never show key material.
        return f"<{type(self).__name__} current={self._current_key_id!r} keys={sorted(self._keys)}>"

    @property
    def current_key_id(self) -> str:
        return self._current_key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    # Primitive hooks for subclasses.

    @classmethod
    def _check_available(cls) -> None:
        """Raise CryptoConfigError if this OpenSSL build lacks the algorithms."""

    @staticmethod
    @abstractmethod
    def _block_cipher(key: bytes) -> BlockCipherAlgorithm: ...

    @staticmethod
    @abstractmethod
    def _hash() -> hashes.HashAlgorithm: ...

    @abstractmethod
    def _known_answer_tests(self) -> tuple[BlockKat, HashKat, AeadKat, MacKat]: ...

    # GCM and HMAC, shared by both algorithm families.

    def _seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        # The algorithm object only wraps the (already checked) key: build it once per key.
        algorithm = self._algorithms.get(key)
        if algorithm is None:
            algorithm = self._algorithms[key] = self._block_cipher(key)
        encryptor = Cipher(algorithm, modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        ciphertext = encryptor.update(plaintext) + encryptor.finalize()
        return ciphertext + encryptor.tag

    def _open(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """Raise InvalidTag on authentication failure."""
        ciphertext, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
        decryptor = Cipher(self._block_cipher(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(ciphertext) + decryptor.finalize()

    def _hmac(self, key: bytes, data: bytes) -> bytes:
        # A blind index or audit seal is a MAC per value, tens of thousands per import: the
        # keyed state (inner and outer pads hashed) is made once per key and copied, through
        # hashlib (the same OpenSSL HMAC) when it has the hash — under half the cost of a new
        # HMAC object per value. The known-answer test checks whichever path is used.
        if self._hashlib_name is None:
            h = crypto_hmac.HMAC(key, self._hash())
            h.update(data)
            return h.finalize()
        keyed = self._macs.get(key)
        if keyed is None:
            keyed = self._macs[key] = std_hmac.new(key, digestmod=self._hashlib_name)
        h = keyed.copy()
        h.update(data)
        return h.digest()

    # Public interface.

    def encrypt(self, plaintext: bytes, *, aad: bytes = b"") -> bytes:
        header = _header(self.algorithm_id, self._current_key_id)
        # Random 96-bit nonces: safe for well under 2**32 encryptions per key, far above our
        # volume; rotate keys long before that.
        nonce = os.urandom(NONCE_SIZE)
        # The header is self-delimiting, so header || aad binds both without ambiguity and
        # stops anyone relabelling a token with another key id or algorithm.
        sealed = self._seal(self._keys[self._current_key_id], nonce, bytes(plaintext), header + aad)
        return header + nonce + sealed

    def decrypt(self, token: bytes, *, aad: bytes = b"") -> bytes:
        parsed = parse_token(token)
        if parsed.version != self.algorithm_id:
            raise CryptoDecryptError(
                f"密文算法标识 0x{parsed.version:02x} 与当前提供者 {self.name} 不符"
            )
        key = self._keys.get(parsed.key_id)
        if key is None:
            raise CryptoDecryptError(f"密文使用的密钥 {parsed.key_id!r} 未配置")
        try:
            return self._open(key, parsed.nonce, parsed.sealed, parsed.header + aad)
        except InvalidTag:
            raise CryptoDecryptError("密文认证失败：数据被篡改、密钥或附加数据不匹配") from None

    def needs_rotation(self, token: bytes) -> bool:
        parsed = parse_token(token)
        return parsed.version != self.algorithm_id or parsed.key_id != self._current_key_id

    def mac(self, data: bytes, *, purpose: str) -> bytes:
        return self._hmac(self._purpose_key(purpose), data)

    def _purpose_key(self, purpose: str) -> bytes:
        # Derivation: purpose_key = HMAC(MAC_KEY, "junjia:mac-purpose:v1:" || utf8(purpose)),
        # i.e. HMAC used as a PRF (the HKDF-Expand idea with a single block).  The label makes
        # the mapping injective, so "blind-index" and "audit-chain" never share a key.
        if not isinstance(purpose, str) or not purpose:
            raise ValueError("MAC 用途 purpose 必须是非空字符串")
        key = self._purpose_keys.get(purpose)
        if key is None:
            key = self._hmac(self._mac_key, _MAC_KDF_LABEL + purpose.encode("utf-8"))
            self._purpose_keys[purpose] = key
        return key

    def self_test(self) -> None:
        block, digest, aead, mac = self._known_answer_tests()
        self._run_check(block.name, lambda: self._block_ok(block))
        self._run_check(digest.name, lambda: self._hash_ok(digest))
        self._run_check(aead.name, lambda: self._aead_ok(aead))
        self._run_check(mac.name, lambda: self._hmac(mac.key, mac.message) == mac.mac)
        # Round trip through the real token path with the configured current key.
        self._run_check(f"{self.name} 令牌往返", self._token_round_trip_ok)

    @staticmethod
    def _run_check(name: str, check: Any) -> None:
        try:
            ok = check()
        except (CryptoError, InvalidTag, UnsupportedAlgorithm, TypeError, ValueError) as exc:
            raise CryptoSelfTestError(f"密码自检失败：{name} 执行出错（{exc}）") from exc
        if not ok:
            raise CryptoSelfTestError(f"密码自检失败：{name} 的结果与已知答案不符")

    def _block_ok(self, kat: BlockKat) -> bool:
        # One block of CBC with an all-zero IV is exactly the raw block function (ECB), which
        # is what the standards' single-block vectors test; CBC keeps security linters quiet.
        iv = bytes(len(kat.plaintext))
        encryptor = Cipher(self._block_cipher(kat.key), modes.CBC(iv)).encryptor()
        return encryptor.update(kat.plaintext) + encryptor.finalize() == kat.ciphertext

    def _hash_ok(self, kat: HashKat) -> bool:
        h = hashes.Hash(self._hash())
        h.update(kat.message)
        return h.finalize() == kat.digest

    def _aead_ok(self, kat: AeadKat) -> bool:
        sealed = self._seal(kat.key, kat.nonce, kat.plaintext, kat.aad)
        if sealed != kat.ciphertext + kat.tag:
            return False
        if self._open(kat.key, kat.nonce, sealed, kat.aad) != kat.plaintext:
            return False
        # Negative test: a flipped tag bit must be rejected, or tags are not being checked.
        forged = sealed[:-1] + bytes([sealed[-1] ^ 0x01])
        try:
            self._open(kat.key, kat.nonce, forged, kat.aad)
        except InvalidTag:
            return True
        return False

    def _token_round_trip_ok(self) -> bool:
        probe = "自检 self-test".encode()
        return self.decrypt(self.encrypt(probe, aad=b"self-test"), aad=b"self-test") == probe


def sm4_supported() -> bool:
    """Whether this OpenSSL build offers SM4-GCM, SM3 and HMAC-SM3."""
    try:
        backend = default_backend()
        return bool(
            backend.cipher_supported(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_SIZE)))
            and backend.hash_supported(hashes.SM3())
            and backend.hmac_supported(hashes.SM3())
        )
    except (AttributeError, UnsupportedAlgorithm):  # pragma: no cover - exotic builds
        return False


class Sm4GcmProvider(LocalKeyProvider):
    """SM4-GCM (16-byte keys) with HMAC-SM3 — the default, per GM/T requirements."""

    name = "sm4-gcm/hmac-sm3"
    algorithm_id = ALG_SM4_GCM
    key_size = 16

    @classmethod
    def _check_available(cls) -> None:
        if not sm4_supported():
            raise CryptoConfigError(
                "当前 OpenSSL 不支持 SM4-GCM/SM3，请在 JUNJIA_CRYPTO.PROVIDER 中改用 "
                "AesGcmProvider 或国密密钥服务提供者"
            )

    @staticmethod
    def _block_cipher(key: bytes) -> BlockCipherAlgorithm:
        return algorithms.SM4(key)

    @staticmethod
    def _hash() -> hashes.HashAlgorithm:
        return hashes.SM3()

    def _known_answer_tests(self) -> tuple[BlockKat, HashKat, AeadKat, MacKat]:
        # Looked up at call time so tests can monkeypatch a vector.
        return SM4_BLOCK_KAT, SM3_KAT, SM4_GCM_KAT, HMAC_SM3_KAT


class AesGcmProvider(LocalKeyProvider):
    """AES-256-GCM (32-byte keys) with HMAC-SHA256, for builds without SM4."""

    name = "aes-256-gcm/hmac-sha256"
    algorithm_id = ALG_AES_256_GCM
    key_size = 32

    @staticmethod
    def _block_cipher(key: bytes) -> BlockCipherAlgorithm:
        return algorithms.AES(key)

    @staticmethod
    def _hash() -> hashes.HashAlgorithm:
        return hashes.SHA256()

    def _known_answer_tests(self) -> tuple[BlockKat, HashKat, AeadKat, MacKat]:
        return AES_BLOCK_KAT, SHA256_KAT, AES_GCM_KAT, HMAC_SHA256_KAT


# --- Factory --------------------------------------------------------------------------------


def generate_key(nbytes: int = 32) -> str:
    """Random key as base64 text for settings: 16 for SM4, 32 for AES-256 and MAC_KEY."""
    if nbytes < _MIN_KEY_SIZE:
        raise ValueError(f"密钥长度至少 {_MIN_KEY_SIZE} 字节")
    return base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def default_provider_class() -> type[LocalKeyProvider]:
    if sm4_supported():
        return Sm4GcmProvider
    logger.warning("OpenSSL 不支持 SM4-GCM/SM3，改用 AES-256-GCM/HMAC-SHA256")
    return AesGcmProvider


def _import_provider_class(path: Any) -> type[CryptoProvider]:
    message = f"{SETTING}.PROVIDER {path!r} 不是有效的 CryptoProvider 类路径"
    if not isinstance(path, str) or "." not in path:
        raise CryptoConfigError(message)
    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise CryptoConfigError(message) from exc
    if not (isinstance(cls, type) and issubclass(cls, CryptoProvider)):
        raise CryptoConfigError(message)
    return cls


def build_provider(config: Mapping[str, Any]) -> CryptoProvider:
    """Construct the configured provider and run its start-up self-test."""
    if not isinstance(config, Mapping):
        raise CryptoConfigError(f"{SETTING} 必须是字典")
    path = config.get("PROVIDER")
    cls = default_provider_class() if path is None else _import_provider_class(path)
    provider = cls.from_config(config)
    provider.self_test()
    logger.info("密码提供者 %s 自检通过", provider.name)
    return provider


_provider: CryptoProvider | None = None
_provider_lock = threading.Lock()


def _settings_config() -> Mapping[str, Any]:
    # Imported here so this module can be imported (and tested) without Django configured.
    from django.conf import settings

    config = getattr(settings, SETTING, None)
    if config is None:
        raise CryptoConfigError(f"未配置 {SETTING}")
    return config


def get_provider(config: Mapping[str, Any] | None = None) -> CryptoProvider:
    """The process-wide provider from settings; an explicit ``config`` builds an uncached one."""
    global _provider
    if config is not None:
        return build_provider(config)
    provider = _provider
    if provider is None:
        with _provider_lock:
            if _provider is None:
                _provider = build_provider(_settings_config())
            provider = _provider
    return provider


def reset_provider() -> None:
    """Forget the cached provider (tests, or after settings change)."""
    global _provider
    with _provider_lock:
        _provider = None
