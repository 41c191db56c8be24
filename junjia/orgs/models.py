"""Regions (five levels), their stations, staff accounts, roles and the security policy."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from junjia.core.models import TimeStampedModel

from .choices import CENTRE_LEVELS, Level, Publication, RegionSource, Role


class RegionCatalogVersion(models.Model):
    """Which release of the national division package the catalogue rows came from."""

    package = models.CharField("数据包", max_length=60)
    version = models.CharField("版本", max_length=40)
    loaded_at = models.DateTimeField("载入时间", auto_now_add=True)
    province_count = models.PositiveIntegerField("省级数", default=0)
    city_count = models.PositiveIntegerField("市级数", default=0)
    county_count = models.PositiveIntegerField("县级数", default=0)

    class Meta:
        verbose_name = "区划代码版本"
        verbose_name_plural = "区划代码版本"
        constraints = [
            models.UniqueConstraint(fields=["package", "version"], name="uniq_catalog_version")
        ]

    def __str__(self) -> str:
        return f"{self.package} {self.version}"


class Region(models.Model):
    """An administrative region. `key` and `key_high` bound its subtree (see codes.py)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    key = models.BigIntegerField("区划键", unique=True)
    key_high = models.BigIntegerField("子树上界")
    full_name = models.CharField("全称", max_length=300, blank=True)
    source = models.CharField("来源", max_length=10, choices=RegionSource.choices)
    catalog_version = models.ForeignKey(
        RegionCatalogVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["key"]
        indexes = [models.Index(fields=["parent", "key"], name="region_parent_key")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_high__gte=models.F("key")), name="region_key_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_centre_level(self) -> bool:
        return self.level in CENTRE_LEVELS

    def contains_key(self, key: int | None) -> bool:
        return key is not None and self.key <= key <= self.key_high


class Station(TimeStampedModel):
    """The service centre or station of one region, with its public profile (002 §4, §5.1)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="station")
    region_key = models.BigIntegerField("所属区划", unique=True)
    name = models.CharField("牌匾名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField(
        "纬度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("3")), MaxValueValidator(Decimal("54"))],
    )
    longitude = models.DecimalField(
        "经度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("73")), MaxValueValidator(Decimal("136"))],
    )
    phone = models.CharField("办公电话", max_length=30, blank=True)
    hotline = models.CharField("服务热线", max_length=30, blank=True)
    office_hours = models.CharField("办公时间", max_length=100, blank=True)
    authorised_posts = models.PositiveSmallIntegerField("核定编制数", default=0)
    filled_posts = models.PositiveSmallIntegerField("在编在岗人数", default=0)
    funding_in_budget = models.BooleanField("经费列入本级财政预算", default=False)

    # 002 §4.3: 编制内人员到位率不低于90%.
    MIN_FILL_RATE = Decimal("0.90")

    class Meta:
        verbose_name = "服务中心（站）"
        verbose_name_plural = "服务中心（站）"
        ordering = ["region_key"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return self.region.level

    @property
    def kind_label(self) -> str:
        return "服务中心" if self.region.level in CENTRE_LEVELS else "服务站"

    @property
    def fill_rate(self) -> Decimal | None:
        if not self.authorised_posts:
            return None
        return (Decimal(self.filled_posts) / Decimal(self.authorised_posts)).quantize(
            Decimal("0.0001")
        )

    @property
    def fill_rate_below_standard(self) -> bool:
        rate = self.fill_rate
        return rate is not None and rate < self.MIN_FILL_RATE


class StationPublication(TimeStampedModel):
    """One of the six publications (六公示) of a station."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="publications")
    kind = models.CharField("公示项目", max_length=20, choices=Publication.choices)
    content = models.TextField("公示内容", blank=True)

    class Meta:
        verbose_name = "六公示"
        verbose_name_plural = "六公示"
        constraints = [
            models.UniqueConstraint(fields=["station", "kind"], name="uniq_station_publication")
        ]


class StationPhoto(TimeStampedModel):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to="stations/%Y/")
    caption = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "站点照片"
        verbose_name_plural = "站点照片"
        ordering = ["id"]


class User(AbstractUser):
    """A member of staff. Belongs to one station; sees that station's region subtree."""

    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    # Denormalised from station.region.key so user lists scope with one index range.
    region_key = models.BigIntegerField("所属区划", null=True, db_index=True)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    office_phone = models.CharField("办公电话", max_length=30, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["region_key", "username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def role_labels(self) -> list[str]:
        return [Role(code).label for code in sorted(self.role_codes)]


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField("授予时间", default=timezone.now)

    class Meta:
        verbose_name = "角色授予"
        verbose_name_plural = "角色授予"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class UserSession(models.Model):
    """Which sessions belong to whom, so disabling or locking an account can end them at once
    and a new log-in past the limit ends the oldest (ADR 0018). A session ended by a newer
    log-in stays as a row with `ended_at`, so its browser is told why at its next request."""

    class EndReason(models.TextChoices):
        REPLACED = "replaced", "已在其他地方登录"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=20, blank=True, choices=EndReason.choices)

    def __str__(self) -> str:
        return f"{self.user} 的会话"


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, for the no-reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} 的历史密码"


class SecurityPolicy(models.Model):
    """The one security policy (GB/T 22239-2019 §8.1.4), edited by the security administrator."""

    min_length = models.PositiveSmallIntegerField(
        "密码最小长度", default=10, validators=[MinValueValidator(8), MaxValueValidator(64)]
    )
    min_classes = models.PositiveSmallIntegerField(
        "至少包含字符类别数", default=3, validators=[MinValueValidator(2), MaxValueValidator(4)]
    )
    max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", default=90, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    history_count = models.PositiveSmallIntegerField(
        "不得重复使用最近几次密码", default=5, validators=[MaxValueValidator(24)]
    )
    lockout_failures = models.PositiveSmallIntegerField(
        "连续失败几次锁定", default=5, validators=[MinValueValidator(3), MaxValueValidator(10)]
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）", default=10, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    idle_minutes = models.PositiveSmallIntegerField(
        "无操作自动退出（分钟）",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"

    def __str__(self) -> str:
        return "安全策略"

    @classmethod
    def current(cls) -> "SecurityPolicy":
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the key is kept (the key is random,
    256 bits, so a plain digest suffices); the key is shown once, at creation. `prefix`, the
    key's first characters, lets its owner recognise it in the list (ADR 0021)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="账号"
    )
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField("前缀", max_length=16)
    key_digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_on = models.DateField("有效期至")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
